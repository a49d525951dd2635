package cfb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// Reader reads a version 3 compound file. It is strict: it rejects
// sectors shared by two chains, loops, FAT padding other than FREESECT,
// sibling trees out of MS-CFB order, and timestamps or CLSIDs on streams.
type Reader struct {
	ra      io.ReaderAt
	nSec    uint32
	fat     []uint32
	minifat []uint32
	mini    []byte
	entries []dirEntry
	streams []Stream
	byName  map[string]int
}

// Stream describes one stream in the file.
type Stream struct {
	// Path is the entry name, with parent storage names joined by "/"
	// for streams below the root.
	Path string
	Size int64

	entry int
}

type dirEntry struct {
	name     []uint16
	typ      byte
	color    byte
	left     uint32
	right    uint32
	child    uint32
	clsid    [16]byte
	created  uint64
	modified uint64
	start    uint32
	size     uint64
}

// NewReader parses the compound file of the given size read from ra.
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	r := &Reader{ra: ra, byName: map[string]int{}}
	if err := r.load(size); err != nil {
		return nil, fmt.Errorf("cfb: %w", err)
	}
	return r, nil
}

func (r *Reader) sector(id uint32) ([]byte, error) {
	if id >= r.nSec {
		return nil, fmt.Errorf("sector %d beyond end of file (%d sectors)", id, r.nSec)
	}
	b := make([]byte, sectorSize)
	if _, err := r.ra.ReadAt(b, int64(id+1)*sectorSize); err != nil {
		return nil, fmt.Errorf("read sector %d: %w", id, err)
	}
	return b, nil
}

func (r *Reader) load(size int64) error {
	if size < sectorSize || size%sectorSize != 0 {
		return fmt.Errorf("file size %d is not a whole number of 512-byte sectors", size)
	}
	r.nSec = uint32(size/sectorSize - 1)
	h := make([]byte, sectorSize)
	if _, err := r.ra.ReadAt(h, 0); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	le := binary.LittleEndian
	switch {
	case !bytes.Equal(h[:8], signature[:]):
		return errors.New("bad signature")
	case le.Uint16(h[0x1A:]) != 3:
		return fmt.Errorf("major version %d, want 3", le.Uint16(h[0x1A:]))
	case le.Uint16(h[0x1C:]) != 0xFFFE || le.Uint16(h[0x1E:]) != 9 || le.Uint16(h[0x20:]) != 6:
		return errors.New("bad byte order or sector shifts")
	case le.Uint32(h[0x28:]) != 0:
		return errors.New("directory sector count must be 0 in v3")
	case le.Uint32(h[0x38:]) != miniCutoff:
		return fmt.Errorf("mini stream cutoff %d, want 4096", le.Uint32(h[0x38:]))
	}
	nFAT := le.Uint32(h[0x2C:])
	dirStart := le.Uint32(h[0x30:])
	mfatStart, nMFAT := le.Uint32(h[0x3C:]), le.Uint32(h[0x40:])
	difatStart, nDIFAT := le.Uint32(h[0x44:]), le.Uint32(h[0x48:])

	// Collect FAT sector ids from the header and the DIFAT chain.
	var fatIDs []uint32
	for i := range headerDIFAT {
		if v := le.Uint32(h[0x4C+4*i:]); v != freeSect {
			fatIDs = append(fatIDs, v)
		}
	}
	var difatIDs []uint32
	for id, n := difatStart, uint32(0); id != endOfChain; n++ {
		if n >= nDIFAT {
			return fmt.Errorf("DIFAT chain longer than header count %d", nDIFAT)
		}
		difatIDs = append(difatIDs, id)
		b, err := r.sector(id)
		if err != nil {
			return fmt.Errorf("DIFAT: %w", err)
		}
		for i := range difatPerSector {
			if v := le.Uint32(b[4*i:]); v != freeSect {
				fatIDs = append(fatIDs, v)
			}
		}
		id = le.Uint32(b[4*difatPerSector:])
	}
	if uint32(len(difatIDs)) != nDIFAT {
		return fmt.Errorf("DIFAT chain has %d sectors, header says %d", len(difatIDs), nDIFAT)
	}
	if uint32(len(fatIDs)) != nFAT {
		return fmt.Errorf("%d FAT sectors listed, header says %d", len(fatIDs), nFAT)
	}
	for _, id := range fatIDs {
		b, err := r.sector(id)
		if err != nil {
			return fmt.Errorf("FAT: %w", err)
		}
		for i := range idsPerSector {
			r.fat = append(r.fat, le.Uint32(b[4*i:]))
		}
	}
	if uint32(len(r.fat)) < r.nSec {
		return fmt.Errorf("FAT covers %d sectors, file has %d", len(r.fat), r.nSec)
	}
	for i := r.nSec; i < uint32(len(r.fat)); i++ {
		if r.fat[i] != freeSect {
			return fmt.Errorf("FAT entry %d beyond end of file is %#x, want FREESECT", i, r.fat[i])
		}
	}
	for _, id := range fatIDs {
		if r.fat[id] != fatSect {
			return fmt.Errorf("FAT sector %d not marked FATSECT", id)
		}
	}
	for _, id := range difatIDs {
		if r.fat[id] != difSect {
			return fmt.Errorf("DIFAT sector %d not marked DIFSECT", id)
		}
	}

	used := make([]bool, r.nSec)
	chain := func(start uint32, what string) ([]uint32, error) {
		var ids []uint32
		for id := start; id != endOfChain; id = r.fat[id] {
			if id >= r.nSec {
				return nil, fmt.Errorf("%s: sector id %#x out of range", what, id)
			}
			if used[id] {
				return nil, fmt.Errorf("%s: sector %d used twice", what, id)
			}
			used[id] = true
			ids = append(ids, id)
		}
		return ids, nil
	}
	readChain := func(start uint32, what string) ([]byte, error) {
		ids, err := chain(start, what)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(ids)*sectorSize)
		for _, id := range ids {
			b, err := r.sector(id)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			out = append(out, b...)
		}
		return out, nil
	}

	dir, err := readChain(dirStart, "directory")
	if err != nil {
		return err
	}
	for off := 0; off < len(dir); off += entrySize {
		r.entries = append(r.entries, parseEntry(dir[off:off+entrySize]))
	}
	if len(r.entries) == 0 || r.entries[0].typ != typeRoot {
		return errors.New("first directory entry is not the root")
	}
	if nMFAT > 0 {
		m, err := readChain(mfatStart, "MiniFAT")
		if err != nil {
			return err
		}
		if uint32(len(m)/sectorSize) != nMFAT {
			return fmt.Errorf("MiniFAT has %d sectors, header says %d", len(m)/sectorSize, nMFAT)
		}
		for i := 0; i < len(m); i += 4 {
			r.minifat = append(r.minifat, le.Uint32(m[i:]))
		}
	}
	root := r.entries[0]
	if root.size%miniSectorSize != 0 {
		return fmt.Errorf("root mini stream size %d is not a multiple of 64", root.size)
	}
	if root.size > 0 {
		m, err := readChain(root.start, "mini stream")
		if err != nil {
			return err
		}
		if uint64(len(m)) < root.size {
			return fmt.Errorf("mini stream chain has %d bytes, root says %d", len(m), root.size)
		}
		r.mini = m[:root.size]
	}

	// Walk the sibling trees; check order and that each entry appears once.
	seen := make([]bool, len(r.entries))
	seen[0] = true
	var walk func(id uint32, prefix string) error
	var walkTree func(id uint32, prefix string, lo, hi []uint16) error
	walkTree = func(id uint32, prefix string, lo, hi []uint16) error {
		if id == noStream {
			return nil
		}
		if id >= uint32(len(r.entries)) || seen[id] {
			return fmt.Errorf("directory entry %d referenced twice or out of range", id)
		}
		seen[id] = true
		e := r.entries[id]
		if (lo != nil && compareUnits(lo, e.name) >= 0) || (hi != nil && compareUnits(e.name, hi) >= 0) {
			return fmt.Errorf("entry %q is out of sibling-tree order", string(utf16.Decode(e.name)))
		}
		if err := walkTree(e.left, prefix, lo, e.name); err != nil {
			return err
		}
		if err := walk(id, prefix); err != nil {
			return err
		}
		return walkTree(e.right, prefix, e.name, hi)
	}
	walk = func(id uint32, prefix string) error {
		e := r.entries[id]
		name := string(utf16.Decode(e.name))
		switch e.typ {
		case typeStorage:
			return walkTree(e.child, prefix+name+"/", nil, nil)
		case typeStream:
			if e.created != 0 || e.modified != 0 || e.clsid != [16]byte{} {
				return fmt.Errorf("stream %q has a timestamp or CLSID", name)
			}
			if e.child != noStream {
				return fmt.Errorf("stream %q has a child", name)
			}
			if e.size > MaxStreamSize {
				return fmt.Errorf("stream %q size %d too large", name, e.size)
			}
			r.byName[prefix+name] = len(r.streams)
			r.streams = append(r.streams, Stream{Path: prefix + name, Size: int64(e.size), entry: int(id)})
			return nil
		default:
			return fmt.Errorf("entry %d in tree has type %d", id, e.typ)
		}
	}
	if err := walkTree(root.child, "", nil, nil); err != nil {
		return err
	}
	// Validate the chains of regular streams now so sharing is detected.
	for _, s := range r.streams {
		e := r.entries[s.entry]
		if s.Size >= miniCutoff {
			ids, err := chain(e.start, s.Path)
			if err != nil {
				return err
			}
			if int64(len(ids)) != ceilDiv(s.Size, sectorSize) {
				return fmt.Errorf("stream %q: chain has %d sectors for %d bytes", s.Path, len(ids), s.Size)
			}
		}
	}
	return nil
}

func parseEntry(b []byte) dirEntry {
	le := binary.LittleEndian
	var e dirEntry
	n := int(le.Uint16(b[0x40:]))/2 - 1
	if n > MaxNameLen {
		n = MaxNameLen
	}
	for i := 0; i < n; i++ {
		e.name = append(e.name, le.Uint16(b[2*i:]))
	}
	e.typ = b[0x42]
	e.color = b[0x43]
	e.left = le.Uint32(b[0x44:])
	e.right = le.Uint32(b[0x48:])
	e.child = le.Uint32(b[0x4C:])
	copy(e.clsid[:], b[0x50:0x60])
	e.created = le.Uint64(b[0x64:])
	e.modified = le.Uint64(b[0x6C:])
	e.start = le.Uint32(b[0x74:])
	e.size = le.Uint64(b[0x78:])
	return e
}

// RootCLSID returns the CLSID of the root entry.
func (r *Reader) RootCLSID() [16]byte { return r.entries[0].clsid }

// RootModTime returns the root entry's modified FILETIME.
func (r *Reader) RootModTime() uint64 { return r.entries[0].modified }

// Streams lists every stream in sibling-tree (name) order.
func (r *Reader) Streams() []Stream { return append([]Stream(nil), r.streams...) }

// ReadStream returns the contents of the stream at path.
func (r *Reader) ReadStream(path string) ([]byte, error) {
	i, ok := r.byName[path]
	if !ok {
		return nil, fmt.Errorf("cfb: stream %q not found", path)
	}
	s := r.streams[i]
	e := r.entries[s.entry]
	out := make([]byte, 0, s.Size)
	if s.Size == 0 {
		return out, nil
	}
	if s.Size < miniCutoff {
		for id, n := e.start, 0; int64(len(out)) < s.Size; id, n = r.minifat[id], n+1 {
			if id >= uint32(len(r.minifat)) || n > len(r.minifat) {
				return nil, fmt.Errorf("cfb: stream %q: bad mini chain", path)
			}
			off := int(id) * miniSectorSize
			if off+miniSectorSize > len(r.mini) {
				return nil, fmt.Errorf("cfb: stream %q: mini sector %d beyond mini stream", path, id)
			}
			out = append(out, r.mini[off:off+miniSectorSize]...)
		}
		return out[:s.Size], nil
	}
	for id := e.start; int64(len(out)) < s.Size; id = r.fat[id] {
		b, err := r.sector(id)
		if err != nil {
			return nil, fmt.Errorf("cfb: stream %q: %w", path, err)
		}
		out = append(out, b...)
	}
	return out[:s.Size], nil
}
