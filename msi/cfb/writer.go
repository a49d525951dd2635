package cfb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

// Writer builds a compound file with streams at the root storage.
// Streams are held (or their readers referenced) until Close, which
// computes the layout and writes the whole file.
type Writer struct {
	w       io.Writer
	clsid   [16]byte
	modTime uint64
	streams []*wstream
	closed  bool
}

type wstream struct {
	name  string
	units []uint16
	data  []byte
	r     io.Reader
	size  int64
	start uint32 // first sector or mini sector; endOfChain if empty
}

// NewWriter returns a Writer that writes the compound file to w on Close.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// SetRootCLSID sets the CLSID stored in the root entry (CLSIDMSI for an
// installer database). The default is all zero.
func (w *Writer) SetRootCLSID(clsid [16]byte) { w.clsid = clsid }

// SetModTime sets the root entry's modified time. The zero time (the
// default) stores 0; MS-CFB allows a time only on the root, never on streams.
func (w *Writer) SetModTime(t time.Time) { w.modTime = Filetime(t) }

// Filetime converts t to a Windows FILETIME (100 ns ticks since 1601).
// The zero time and times before 1601 give 0.
func Filetime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	const epochDiff = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	s := t.Unix() + epochDiff
	if s < 0 {
		return 0
	}
	return uint64(s)*10_000_000 + uint64(t.Nanosecond()/100)
}

// ValidateName reports whether name can be a directory entry name.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if strings.ContainsAny(name, "/\\:!\x00") {
		return fmt.Errorf("name %q contains one of / \\ : ! or NUL", name)
	}
	if n := len(utf16.Encode([]rune(name))); n > MaxNameLen {
		return fmt.Errorf("name %q is %d UTF-16 code units, limit %d", name, n, MaxNameLen)
	}
	return nil
}

// AddStream adds a root-level stream holding data. The slice is kept and
// read at Close, so it must not change before then.
func (w *Writer) AddStream(name string, data []byte) error {
	return w.add(&wstream{name: name, data: data, size: int64(len(data))})
}

// AddStreamReader adds a root-level stream of exactly size bytes read from
// r during Close.
func (w *Writer) AddStreamReader(name string, r io.Reader, size int64) error {
	if r == nil {
		return fmt.Errorf("cfb: stream %q: nil reader", name)
	}
	return w.add(&wstream{name: name, r: r, size: size})
}

func (w *Writer) add(s *wstream) error {
	if w.closed {
		return fmt.Errorf("cfb: stream %q: writer closed", s.name)
	}
	if err := ValidateName(s.name); err != nil {
		return fmt.Errorf("cfb: stream: %w", err)
	}
	if s.size < 0 || s.size > MaxStreamSize {
		return fmt.Errorf("cfb: stream %q: size %d out of range 0..%d", s.name, s.size, int64(MaxStreamSize))
	}
	s.units = utf16.Encode([]rune(s.name))
	for _, o := range w.streams {
		if compareUnits(o.units, s.units) == 0 {
			return fmt.Errorf("cfb: stream %q: duplicate of %q (names compare case-insensitively)", s.name, o.name)
		}
	}
	w.streams = append(w.streams, s)
	return nil
}

// layout holds the sector plan computed by Close.
type layout struct {
	big        []*wstream // streams in regular sectors, in sector order
	small      []*wstream // streams in the mini stream
	miniSize   int64      // bytes, multiple of 64
	nMini      uint32     // mini sectors
	miniStart  uint32     // first sector of the mini stream
	miniSecs   uint32
	mfatStart  uint32
	mfatSecs   uint32
	dirStart   uint32
	dirSecs    uint32
	fatStart   uint32
	fatSecs    uint32
	difatStart uint32
	difatSecs  uint32
	total      uint32
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

func (w *Writer) plan() (*layout, error) {
	// Sorting by name makes the output independent of the order streams
	// were added in, and gives directory ids in tree order.
	slices.SortFunc(w.streams, func(a, b *wstream) int { return compareUnits(a.units, b.units) })
	l := &layout{}
	var next int64
	for _, s := range w.streams {
		switch {
		case s.size == 0:
			s.start = endOfChain
		case s.size < miniCutoff:
			l.small = append(l.small, s)
			s.start = l.nMini
			l.nMini += uint32(ceilDiv(s.size, miniSectorSize))
		default:
			l.big = append(l.big, s)
			s.start = uint32(next)
			next += ceilDiv(s.size, sectorSize)
		}
	}
	l.miniSize = int64(l.nMini) * miniSectorSize
	l.miniStart = uint32(next)
	l.miniSecs = uint32(ceilDiv(l.miniSize, sectorSize))
	next += int64(l.miniSecs)
	l.mfatStart = uint32(next)
	l.mfatSecs = uint32(ceilDiv(int64(l.nMini), idsPerSector))
	next += int64(l.mfatSecs)
	l.dirStart = uint32(next)
	l.dirSecs = uint32(ceilDiv(int64(len(w.streams)+1), sectorSize/entrySize))
	next += int64(l.dirSecs)
	// The FAT must also describe the FAT and DIFAT sectors, so iterate to a
	// fixed point; it converges in a few rounds since each round adds at
	// most a handful of sectors.
	var fat, difat int64
	for {
		nf := ceilDiv(next+fat+difat, idsPerSector)
		nd := int64(0)
		if nf > headerDIFAT {
			nd = ceilDiv(nf-headerDIFAT, difatPerSector)
		}
		if nf == fat && nd == difat {
			break
		}
		fat, difat = nf, nd
	}
	l.fatStart = uint32(next)
	l.fatSecs = uint32(fat)
	next += fat
	l.difatStart = uint32(next)
	l.difatSecs = uint32(difat)
	next += difat
	if next > maxRegSect {
		return nil, errors.New("cfb: file too large")
	}
	l.total = uint32(next)
	return l, nil
}

// Close lays out and writes the compound file. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return errors.New("cfb: writer already closed")
	}
	w.closed = true
	l, err := w.plan()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w.w, 64<<10)
	if err := w.writeAll(bw, l); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cfb: write: %w", err)
	}
	return nil
}

func (w *Writer) writeAll(bw *bufio.Writer, l *layout) error {
	if _, err := bw.Write(w.header(l)); err != nil {
		return fmt.Errorf("cfb: write header: %w", err)
	}
	for _, s := range l.big {
		if err := writeData(bw, s, sectorSize); err != nil {
			return err
		}
	}
	var miniBytes int64
	for _, s := range l.small {
		if err := writeData(bw, s, miniSectorSize); err != nil {
			return err
		}
		miniBytes += ceilDiv(s.size, miniSectorSize) * miniSectorSize
	}
	if err := pad(bw, miniBytes, sectorSize); err != nil {
		return err
	}
	// MiniFAT: one chain per small stream, mini sectors are consecutive.
	mfat := make([]uint32, 0, int(l.mfatSecs)*idsPerSector)
	for _, s := range l.small {
		n := uint32(ceilDiv(s.size, miniSectorSize))
		mfat = appendChain(mfat, s.start, n)
	}
	if err := writeIDs(bw, mfat, int(l.mfatSecs)*idsPerSector); err != nil {
		return err
	}
	if _, err := bw.Write(w.directory(l)); err != nil {
		return fmt.Errorf("cfb: write directory: %w", err)
	}
	fat := make([]uint32, 0, int(l.fatSecs)*idsPerSector)
	for _, s := range l.big {
		fat = appendChain(fat, s.start, uint32(ceilDiv(s.size, sectorSize)))
	}
	fat = appendChain(fat, l.miniStart, l.miniSecs)
	fat = appendChain(fat, l.mfatStart, l.mfatSecs)
	fat = appendChain(fat, l.dirStart, l.dirSecs)
	for range l.fatSecs {
		fat = append(fat, fatSect)
	}
	for range l.difatSecs {
		fat = append(fat, difSect)
	}
	if err := writeIDs(bw, fat, int(l.fatSecs)*idsPerSector); err != nil {
		return err
	}
	// DIFAT sectors list the FAT sectors beyond the header's 109.
	for i := range l.difatSecs {
		ids := make([]uint32, 0, idsPerSector)
		for j := range uint32(difatPerSector) {
			k := headerDIFAT + i*difatPerSector + j
			if k < l.fatSecs {
				ids = append(ids, l.fatStart+k)
			} else {
				ids = append(ids, freeSect)
			}
		}
		if i+1 < l.difatSecs {
			ids = append(ids, l.difatStart+i+1)
		} else {
			ids = append(ids, endOfChain)
		}
		if err := writeIDs(bw, ids, idsPerSector); err != nil {
			return err
		}
	}
	return nil
}

// appendChain appends FAT entries for n consecutive sectors starting at
// start (which must equal len(fat)).
func appendChain(fat []uint32, start, n uint32) []uint32 {
	for i := range n {
		if i+1 < n {
			fat = append(fat, start+i+1)
		} else {
			fat = append(fat, endOfChain)
		}
	}
	return fat
}

// writeIDs writes ids padded with FREESECT (never 0) to n entries.
func writeIDs(bw *bufio.Writer, ids []uint32, n int) error {
	var b [4]byte
	for i := range n {
		v := uint32(freeSect)
		if i < len(ids) {
			v = ids[i]
		}
		binary.LittleEndian.PutUint32(b[:], v)
		if _, err := bw.Write(b[:]); err != nil {
			return fmt.Errorf("cfb: write: %w", err)
		}
	}
	return nil
}

func writeData(bw *bufio.Writer, s *wstream, unit int64) error {
	if s.r != nil {
		n, err := io.CopyN(bw, s.r, s.size)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("cfb: stream %q: reader gave %d bytes, want %d", s.name, n, s.size)
			}
			return fmt.Errorf("cfb: stream %q: %w", s.name, err)
		}
	} else if _, err := bw.Write(s.data); err != nil {
		return fmt.Errorf("cfb: write stream %q: %w", s.name, err)
	}
	return pad(bw, s.size, unit)
}

var zeros [sectorSize]byte

func pad(bw *bufio.Writer, n, unit int64) error {
	if r := n % unit; r != 0 {
		if _, err := bw.Write(zeros[:unit-r]); err != nil {
			return fmt.Errorf("cfb: write: %w", err)
		}
	}
	return nil
}

func (w *Writer) header(l *layout) []byte {
	h := make([]byte, sectorSize)
	le := binary.LittleEndian
	copy(h, signature[:])
	le.PutUint16(h[0x18:], 0x003E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], l.fatSecs)
	le.PutUint32(h[0x30:], l.dirStart)
	le.PutUint32(h[0x38:], miniCutoff)
	if l.mfatSecs > 0 {
		le.PutUint32(h[0x3C:], l.mfatStart)
	} else {
		le.PutUint32(h[0x3C:], endOfChain)
	}
	le.PutUint32(h[0x40:], l.mfatSecs)
	if l.difatSecs > 0 {
		le.PutUint32(h[0x44:], l.difatStart)
	} else {
		le.PutUint32(h[0x44:], endOfChain)
	}
	le.PutUint32(h[0x48:], l.difatSecs)
	for i := range uint32(headerDIFAT) {
		v := uint32(freeSect)
		if i < l.fatSecs {
			v = l.fatStart + i
		}
		le.PutUint32(h[0x4C+4*i:], v)
	}
	return h
}

// directory encodes the root and stream entries. Streams are sorted, so
// entry i+1 is the i-th name in order and the sibling tree is a
// median-split binary search tree over the indices, coloured all black
// (valid per MS-CFB §2.6.4, and what the reference writers do).
func (w *Writer) directory(l *layout) []byte {
	n := len(w.streams)
	buf := make([]byte, int(l.dirSecs)*sectorSize)
	left := make([]uint32, n)
	right := make([]uint32, n)
	var build func(lo, hi int) uint32
	build = func(lo, hi int) uint32 {
		if lo >= hi {
			return noStream
		}
		mid := lo + (hi-lo)/2
		left[mid] = build(lo, mid)
		right[mid] = build(mid+1, hi)
		return uint32(mid + 1)
	}
	top := build(0, n)
	rootStart := uint32(endOfChain)
	if l.miniSize > 0 {
		rootStart = l.miniStart
	}
	putEntry(buf[0:], utf16.Encode([]rune("Root Entry")), typeRoot, noStream, noStream, top,
		w.clsid, w.modTime, rootStart, uint64(l.miniSize))
	for i, s := range w.streams {
		putEntry(buf[(i+1)*entrySize:], s.units, typeStream, left[i], right[i], noStream,
			[16]byte{}, 0, s.start, uint64(s.size))
	}
	for i := n + 1; i < len(buf)/entrySize; i++ {
		e := buf[i*entrySize:]
		binary.LittleEndian.PutUint32(e[0x44:], noStream)
		binary.LittleEndian.PutUint32(e[0x48:], noStream)
		binary.LittleEndian.PutUint32(e[0x4C:], noStream)
	}
	return buf
}

func putEntry(e []byte, name []uint16, typ byte, left, right, child uint32, clsid [16]byte, mod uint64, start uint32, size uint64) {
	le := binary.LittleEndian
	for i, u := range name {
		le.PutUint16(e[2*i:], u)
	}
	le.PutUint16(e[0x40:], uint16(2*(len(name)+1)))
	e[0x42] = typ
	e[0x43] = colorBlack
	le.PutUint32(e[0x44:], left)
	le.PutUint32(e[0x48:], right)
	le.PutUint32(e[0x4C:], child)
	copy(e[0x50:0x60], clsid[:])
	le.PutUint64(e[0x6C:], mod)
	le.PutUint32(e[0x74:], start)
	le.PutUint64(e[0x78:], size)
}
