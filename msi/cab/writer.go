package cab

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"unicode/utf8"
)

// DefaultFolderSize is the folder size threshold used when
// Options.FolderSize is zero.
const DefaultFolderSize = 32 << 20

// Options configures a Writer. The zero value gives MSZIP at the default
// deflate level, folders of about DefaultFolderSize, and GOMAXPROCS
// compressors.
type Options struct {
	// Compression of every folder.
	Compression Compression
	// Level is the deflate level 1..9 for MSZIP; 0 means
	// flate.DefaultCompression.
	Level int
	// SingleFolder puts every file in one folder, as wixl does. A cabinet
	// that would break the per-folder limits then fails instead of
	// spilling into a second folder.
	SingleFolder bool
	// FolderSize starts a new folder before a file once the current folder
	// holds at least this many uncompressed bytes (ignored with
	// SingleFolder). Zero means DefaultFolderSize. A new folder also starts
	// whenever the format limits require it.
	FolderSize int64
	// Concurrency bounds the blocks compressed at once; zero means
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Concurrency int
	// SetID is the CFHEADER.setID value.
	SetID uint16
}

// Writer builds a cabinet in memory and writes it out on Close.
// Uncompressed data is streamed through fixed 32 KiB blocks, so only the
// compressed result is held. A Writer is not safe for concurrent use.
type Writer struct {
	w        io.Writer
	opts     Options
	typeComp uint16

	folders []*wfolder
	names   map[string]struct{}
	nfiles  int
	cur     []byte // partial block of the last folder

	sem  chan struct{}      // bounds in-flight compressions
	fws  chan *flate.Writer // idle compressors, reused to save allocations
	bufs sync.Pool          // *[]byte raw block buffers
	wg   sync.WaitGroup

	err    error // sticky: the cabinet can no longer be completed
	closed bool
}

type wfolder struct {
	files  []wfile
	size   int64 // uncompressed bytes so far
	blocks []*wblock
}

type wfile struct {
	name      string
	size      uint32
	offset    uint32
	date, tod uint16
	attr      uint16
}

type wblock struct {
	payload []byte // CFDATA.ab
	uncomp  uint16
	csum    uint32
	err     error
}

// NewWriter returns a Writer that writes the cabinet to w on Close.
// Invalid options are reported by the first Add or by Close.
func NewWriter(w io.Writer, opts Options) *Writer {
	cw := &Writer{w: w, opts: opts, names: make(map[string]struct{})}
	if cw.opts.Concurrency <= 0 {
		cw.opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	if cw.opts.FolderSize <= 0 {
		cw.opts.FolderSize = DefaultFolderSize
	}
	switch {
	case cw.opts.Level == 0:
		cw.opts.Level = flate.DefaultCompression
	case cw.opts.Level < 1 || cw.opts.Level > 9:
		cw.err = fmt.Errorf("cab: deflate level %d outside 1..9", opts.Level)
	}
	tc, err := cw.opts.Compression.typeCompress()
	if err != nil && cw.err == nil {
		cw.err = err
	}
	cw.typeComp = tc
	cw.sem = make(chan struct{}, cw.opts.Concurrency)
	cw.fws = make(chan *flate.Writer, cw.opts.Concurrency)
	cw.bufs.New = func() any {
		b := make([]byte, 0, BlockSize)
		return &b
	}
	return cw
}

// AddBytes adds a file whose content is data.
func (w *Writer) AddBytes(h FileHeader, data []byte) error {
	return w.Add(h, bytes.NewReader(data), int64(len(data)))
}

// Add adds a file of exactly size bytes read from r. Files are stored in
// the order added, which for an MSI must be File.Sequence order.
// Validation errors leave the Writer usable; a read error does not.
func (w *Writer) Add(h FileHeader, r io.Reader, size int64) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	fe, err := w.validate(h, size)
	if err != nil {
		return fmt.Errorf("cab: file %q: %w", h.Name, err)
	}
	f, err := w.folderFor(size)
	if err != nil {
		return fmt.Errorf("cab: file %q: %w", h.Name, err)
	}
	fe.offset = uint32(f.size)
	fe.size = uint32(size)
	f.files = append(f.files, fe)
	w.names[h.Name] = struct{}{}
	w.nfiles++

	if err := w.copyData(f, r, size); err != nil {
		w.err = fmt.Errorf("cab: file %q: %w", h.Name, err)
		return w.err
	}
	return nil
}

func (w *Writer) validate(h FileHeader, size int64) (wfile, error) {
	var fe wfile
	switch {
	case h.Name == "":
		return fe, ErrNameEmpty
	case len(h.Name) > MaxNameLen:
		return fe, fmt.Errorf("%w (%d bytes)", ErrNameTooLong, len(h.Name))
	case !utf8.ValidString(h.Name) || bytes.IndexByte([]byte(h.Name), 0) >= 0:
		return fe, ErrNameInvalid
	}
	if _, dup := w.names[h.Name]; dup {
		return fe, ErrDuplicateName
	}
	if w.nfiles >= MaxFiles {
		return fe, ErrTooManyFiles
	}
	if size < 0 || size > MaxFileSize {
		return fe, fmt.Errorf("%w (%d bytes)", ErrFileTooLarge, size)
	}
	if h.Attr&^attrKnown != 0 {
		return fe, fmt.Errorf("%w %#x", ErrBadAttr, uint16(h.Attr&^attrKnown))
	}
	date, tod, err := dosDateTime(h.Modified)
	if err != nil {
		return fe, err
	}
	attr := h.Attr
	for i := 0; i < len(h.Name); i++ {
		if h.Name[i] >= 0x80 {
			attr |= AttrNameUTF8
			break
		}
	}
	return wfile{name: h.Name, date: date, tod: tod, attr: uint16(attr)}, nil
}

// folderFor returns the folder a file of size bytes goes into, opening a
// new one when the threshold or the format limits demand it.
func (w *Writer) folderFor(size int64) (*wfolder, error) {
	if len(w.folders) > 0 {
		f := w.folders[len(w.folders)-1]
		tooBig := f.size+size > maxFolderData
		if w.opts.SingleFolder {
			if tooBig {
				return nil, fmt.Errorf("%w (single folder)", ErrFolderTooLarge)
			}
			return f, nil
		}
		if !tooBig && (f.size < w.opts.FolderSize || len(f.files) == 0) {
			return f, nil
		}
		if len(w.folders) >= MaxFolders {
			return nil, ErrTooManyFolders
		}
		w.flushBlock(f)
	}
	f := &wfolder{}
	w.folders = append(w.folders, f)
	return f, nil
}

// copyData appends exactly size bytes from r to folder f.
func (w *Writer) copyData(f *wfolder, r io.Reader, size int64) error {
	for size > 0 {
		if w.cur == nil {
			w.cur = (*w.bufs.Get().(*[]byte))[:0]
		}
		n := min(int64(BlockSize-len(w.cur)), size)
		start := len(w.cur)
		w.cur = w.cur[:start+int(n)]
		if _, err := io.ReadFull(r, w.cur[start:]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read data: %w", err)
		}
		size -= n
		f.size += n
		if len(w.cur) == BlockSize {
			w.flushBlock(f)
		}
	}
	// A reader longer than declared means the caller's size is stale.
	var probe [1]byte
	if n, err := io.ReadFull(r, probe[:]); n > 0 {
		return ErrSizeMismatch
	} else if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read data: %w", err)
	}
	return nil
}

// flushBlock hands the pending block of f to a compressor goroutine.
func (w *Writer) flushBlock(f *wfolder) {
	if len(w.cur) == 0 {
		return
	}
	raw := w.cur
	w.cur = nil
	b := &wblock{uncomp: uint16(len(raw))}
	f.blocks = append(f.blocks, b)
	if w.typeComp == typeNone {
		// Stored blocks keep the buffer; nothing to parallelise.
		b.payload = raw
		b.csum = checksum(raw, uint16(len(raw)), b.uncomp)
		return
	}
	w.sem <- struct{}{}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() { <-w.sem }()
		w.encodeMSZIP(b, raw)
		raw = raw[:0]
		w.bufs.Put(&raw)
	}()
}

// encodeMSZIP fills b with "CK" and a self-contained deflate stream of raw,
// falling back to a stored deflate block if compression does not pay.
func (w *Writer) encodeMSZIP(b *wblock, raw []byte) {
	var fw *flate.Writer
	select {
	case fw = <-w.fws:
	default:
	}
	out := bytes.NewBuffer(make([]byte, 0, len(raw)/2+64))
	out.WriteString("CK")
	var err error
	if fw == nil {
		fw, err = flate.NewWriter(out, w.opts.Level)
	} else {
		fw.Reset(out)
	}
	if err == nil {
		if _, err = fw.Write(raw); err == nil {
			err = fw.Close()
		}
	}
	if err != nil {
		b.err = fmt.Errorf("cab: deflate: %w", err)
		return
	}
	select {
	case w.fws <- fw:
	default:
	}
	p := out.Bytes()
	if len(p) > 2+5+len(raw) {
		// Stored deflate block: BFINAL=1, BTYPE=00, LEN, NLEN, bytes.
		p = make([]byte, 0, 2+5+len(raw))
		p = append(p, 'C', 'K', 0x01)
		p = binary.LittleEndian.AppendUint16(p, uint16(len(raw)))
		p = binary.LittleEndian.AppendUint16(p, ^uint16(len(raw)))
		p = append(p, raw...)
	}
	if len(p) > maxMSZIPBlock {
		b.err = fmt.Errorf("cab: MSZIP block of %d bytes exceeds %d", len(p), maxMSZIPBlock)
		return
	}
	b.payload = p
	b.csum = checksum(p, uint16(len(p)), b.uncomp)
}

// Close finishes compression and writes the whole cabinet to the
// underlying writer. It does not close that writer.
func (w *Writer) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	if w.err == nil && w.nfiles == 0 {
		// libmspack rejects a cabinet without files, and an MSI never needs one.
		w.err = ErrNoFiles
	}
	if len(w.folders) > 0 {
		w.flushBlock(w.folders[len(w.folders)-1])
	}
	w.wg.Wait()
	if w.err != nil {
		return w.err
	}
	for fi, f := range w.folders {
		if len(f.blocks) > MaxBlocksPerFolder {
			return fmt.Errorf("cab: folder %d: %w", fi, ErrFolderTooLarge)
		}
		for _, b := range f.blocks {
			if b.err != nil {
				return fmt.Errorf("cab: folder %d: %w", fi, b.err)
			}
		}
	}

	// Layout: header, folders, files, then each folder's data blocks.
	coffFiles := int64(headerSize + folderSize*len(w.folders))
	pos := coffFiles
	for _, f := range w.folders {
		for _, fe := range f.files {
			pos += int64(fileFixed + len(fe.name) + 1)
		}
	}
	starts := make([]int64, len(w.folders))
	for i, f := range w.folders {
		starts[i] = pos
		for _, b := range f.blocks {
			pos += int64(dataHeader + len(b.payload))
		}
	}
	if pos > MaxCabinetSize {
		return fmt.Errorf("cab: %w (%d bytes)", ErrCabinetTooLarge, pos)
	}

	bw := bufio.NewWriterSize(w.w, 1<<16)
	var hdr [headerSize]byte
	copy(hdr[0:], signature[:])
	le := binary.LittleEndian
	le.PutUint32(hdr[8:], uint32(pos))
	le.PutUint32(hdr[16:], uint32(coffFiles))
	hdr[24], hdr[25] = 3, 1
	le.PutUint16(hdr[26:], uint16(len(w.folders)))
	le.PutUint16(hdr[28:], uint16(w.nfiles))
	le.PutUint16(hdr[32:], w.opts.SetID)
	bw.Write(hdr[:])
	for i, f := range w.folders {
		var e [folderSize]byte
		le.PutUint32(e[0:], uint32(starts[i]))
		le.PutUint16(e[4:], uint16(len(f.blocks)))
		le.PutUint16(e[6:], w.typeComp)
		bw.Write(e[:])
	}
	for i, f := range w.folders {
		for _, fe := range f.files {
			var e [fileFixed]byte
			le.PutUint32(e[0:], fe.size)
			le.PutUint32(e[4:], fe.offset)
			le.PutUint16(e[8:], uint16(i))
			le.PutUint16(e[10:], fe.date)
			le.PutUint16(e[12:], fe.tod)
			le.PutUint16(e[14:], fe.attr)
			bw.Write(e[:])
			bw.WriteString(fe.name)
			bw.WriteByte(0)
		}
	}
	for _, f := range w.folders {
		for _, b := range f.blocks {
			var e [dataHeader]byte
			le.PutUint32(e[0:], b.csum)
			le.PutUint16(e[4:], uint16(len(b.payload)))
			le.PutUint16(e[6:], b.uncomp)
			bw.Write(e[:])
			bw.Write(b.payload)
		}
	}
	w.folders = nil
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cab: write: %w", err)
	}
	return nil
}
