package cab

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
)

// Reader gives access to the files of a single cabinet. It is meant for
// tests: it validates structure strictly and decompresses whole folders.
type Reader struct {
	SetID   uint16
	Folders []Folder
	Files   []*File

	ra       io.ReaderAt
	dataRes  int // CFDATA reserve bytes
	cabinetN int64
}

// Folder describes one CFFOLDER and its data blocks.
type Folder struct {
	Compression Compression
	Offset      uint32 // coffCabStart
	Blocks      []Block
}

// Block describes one CFDATA header.
type Block struct {
	Checksum     uint32
	Compressed   uint16
	Uncompressed uint16
	offset       int64 // of the payload
}

// File is one CFFILE entry.
type File struct {
	FileHeader
	Folder int    // index into Reader.Folders
	Offset uint32 // in the folder's uncompressed stream
	r      *Reader
}

// NewReader parses the cabinet headers in r (size bytes long).
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	cr := &Reader{ra: r}
	if err := cr.parse(size); err != nil {
		return nil, err
	}
	return cr, nil
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

func (cr *Reader) readAt(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > cr.cabinetN {
		return nil, formatErr("range %d+%d outside cabinet of %d bytes", off, n, cr.cabinetN)
	}
	b := make([]byte, n)
	if _, err := cr.ra.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("cab: read at %d: %w", off, err)
	}
	return b, nil
}

func (cr *Reader) parse(size int64) error {
	le := binary.LittleEndian
	cr.cabinetN = size
	hdr, err := cr.readAt(0, headerSize)
	if err != nil {
		return err
	}
	if !bytes.Equal(hdr[:4], signature[:]) {
		return formatErr("bad signature %q", hdr[:4])
	}
	cb := int64(le.Uint32(hdr[8:]))
	if cb > size || cb < headerSize {
		return formatErr("cbCabinet %d but file has %d bytes", cb, size)
	}
	cr.cabinetN = cb
	coffFiles := int64(le.Uint32(hdr[16:]))
	if hdr[25] != 1 || hdr[24] != 3 {
		return formatErr("version %d.%d, want 1.3", hdr[25], hdr[24])
	}
	nFolders := int(le.Uint16(hdr[26:]))
	nFiles := int(le.Uint16(hdr[28:]))
	flags := le.Uint16(hdr[30:])
	cr.SetID = le.Uint16(hdr[32:])
	if flags&(flagPrev|flagNext) != 0 {
		return fmt.Errorf("%w: multi-cabinet set (flags %#x)", ErrUnsupportedInput, flags)
	}
	if flags&^uint16(flagPrev|flagNext|flagReserve) != 0 {
		return formatErr("unknown flags %#x", flags)
	}
	pos := int64(headerSize)
	folderRes := 0
	if flags&flagReserve != 0 {
		res, err := cr.readAt(pos, 4)
		if err != nil {
			return err
		}
		folderRes, cr.dataRes = int(res[2]), int(res[3])
		pos += 4 + int64(le.Uint16(res))
	}

	for i := range nFolders {
		e, err := cr.readAt(pos, folderSize)
		if err != nil {
			return fmt.Errorf("cab: folder %d: %w", i, err)
		}
		pos += int64(folderSize + folderRes)
		f := Folder{Offset: le.Uint32(e)}
		switch le.Uint16(e[6:]) {
		case typeNone:
			f.Compression = None
		case typeMSZIP:
			f.Compression = MSZIP
		default:
			return fmt.Errorf("%w: folder %d compression type %#x", ErrUnsupportedInput, i, le.Uint16(e[6:]))
		}
		bpos := int64(f.Offset)
		for j := range int(le.Uint16(e[4:])) {
			d, err := cr.readAt(bpos, dataHeader)
			if err != nil {
				return fmt.Errorf("cab: folder %d block %d: %w", i, j, err)
			}
			b := Block{Checksum: le.Uint32(d), Compressed: le.Uint16(d[4:]), Uncompressed: le.Uint16(d[6:])}
			b.offset = bpos + dataHeader + int64(cr.dataRes)
			bpos = b.offset + int64(b.Compressed)
			if bpos > cr.cabinetN {
				return formatErr("folder %d block %d runs past end of cabinet", i, j)
			}
			if b.Uncompressed > BlockSize {
				return formatErr("folder %d block %d holds %d bytes, over %d", i, j, b.Uncompressed, BlockSize)
			}
			f.Blocks = append(f.Blocks, b)
		}
		cr.Folders = append(cr.Folders, f)
	}

	pos = coffFiles
	for i := range nFiles {
		e, err := cr.readAt(pos, fileFixed)
		if err != nil {
			return fmt.Errorf("cab: file entry %d: %w", i, err)
		}
		pos += fileFixed
		nameMax := min(MaxNameLen+1, int(cr.cabinetN-pos))
		nb, err := cr.readAt(pos, nameMax)
		if err != nil {
			return fmt.Errorf("cab: file entry %d name: %w", i, err)
		}
		n := bytes.IndexByte(nb, 0)
		if n < 0 {
			return formatErr("file entry %d: name not NUL-terminated within %d bytes", i, MaxNameLen)
		}
		pos += int64(n + 1)
		f := &File{r: cr}
		f.Name = string(nb[:n])
		f.Size = int64(le.Uint32(e))
		f.Offset = le.Uint32(e[4:])
		f.Folder = int(le.Uint16(e[8:]))
		f.Modified = fromDOS(le.Uint16(e[10:]), le.Uint16(e[12:]))
		f.Attr = Attr(le.Uint16(e[14:]))
		if f.Folder >= len(cr.Folders) {
			return formatErr("file %q: folder index %#x of %d folders", f.Name, f.Folder, len(cr.Folders))
		}
		cr.Files = append(cr.Files, f)
	}
	return nil
}

// FolderData decompresses folder i completely, verifying every non-zero
// checksum and the MSZIP block rules.
func (cr *Reader) FolderData(i int) ([]byte, error) {
	if i < 0 || i >= len(cr.Folders) {
		return nil, fmt.Errorf("cab: no folder %d", i)
	}
	f := cr.Folders[i]
	var out []byte
	for j, b := range f.Blocks {
		p, err := cr.readAt(b.offset, int(b.Compressed))
		if err != nil {
			return nil, fmt.Errorf("cab: folder %d block %d: %w", i, j, err)
		}
		if b.Checksum != 0 {
			if got := checksum(p, b.Compressed, b.Uncompressed); got != b.Checksum {
				return nil, fmt.Errorf("cab: folder %d block %d: %w (stored %#08x, computed %#08x)", i, j, ErrChecksum, b.Checksum, got)
			}
		}
		switch f.Compression {
		case None:
			if b.Compressed != b.Uncompressed {
				return nil, formatErr("folder %d block %d: stored block sizes %d != %d", i, j, b.Compressed, b.Uncompressed)
			}
			out = append(out, p...)
		case MSZIP:
			out, err = inflateBlock(out, p, int(b.Uncompressed))
			if err != nil {
				return nil, fmt.Errorf("cab: folder %d block %d: %w", i, j, err)
			}
		}
	}
	return out, nil
}

// inflateBlock appends the decoded MSZIP block p to out. The previous
// 32 KiB of the folder serve as the deflate dictionary.
func inflateBlock(out, p []byte, want int) ([]byte, error) {
	if len(p) < 2 || p[0] != 'C' || p[1] != 'K' {
		return out, formatErr("MSZIP block lacks CK signature")
	}
	dict := out[max(0, len(out)-BlockSize):]
	src := bytes.NewReader(p[2:])
	zr := flate.NewReaderDict(src, dict)
	buf := make([]byte, want)
	if n, err := io.ReadFull(zr, buf); err != nil {
		return out, fmt.Errorf("inflate (%d of %d bytes): %w", n, want, err)
	}
	var probe [1]byte
	if _, err := io.ReadFull(zr, probe[:]); err != io.EOF {
		if err == nil {
			return out, formatErr("MSZIP block inflates to more than %d bytes", want)
		}
		return out, fmt.Errorf("inflate: %w", err)
	}
	// flate reads byte-wise from a bytes.Reader, so anything left over is
	// trailing garbage after the final deflate block.
	if src.Len() != 0 {
		return out, formatErr("MSZIP block has %d bytes after the final deflate block", src.Len())
	}
	return append(out, buf...), nil
}

// Open returns the content of f. It decompresses f's whole folder.
func (f *File) Open() (io.ReadCloser, error) {
	data, err := f.r.FolderData(f.Folder)
	if err != nil {
		return nil, fmt.Errorf("cab: file %q: %w", f.Name, err)
	}
	end := int64(f.Offset) + f.Size
	if end > int64(len(data)) {
		return nil, formatErr("file %q: bytes %d..%d beyond folder data of %d", f.Name, f.Offset, end, len(data))
	}
	return io.NopCloser(bytes.NewReader(data[f.Offset:end])), nil
}
