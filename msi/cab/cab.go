// Package cab writes and reads Microsoft cabinet (.cab) files, the
// container Windows Installer uses for the payload of an MSI package.
//
// The Writer produces single-cabinet sets (no spanning) whose folders are
// either stored or MSZIP-compressed. Every 32 KiB MSZIP block is compressed
// as an independent deflate stream without a preset dictionary, which the
// format allows and which lets blocks be compressed in parallel while the
// output stays byte-for-byte deterministic.
//
// The Reader exists mainly to verify the Writer in tests; it understands
// stored and MSZIP folders and checks CFDATA checksums.
package cab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Compression selects how folder data is encoded.
type Compression int

const (
	// MSZIP compresses each 32 KiB block with deflate. It is the zero value
	// because it is what MSI packages normally use.
	MSZIP Compression = iota
	// None stores the data uncompressed; handy for tests and debugging.
	None
)

// String returns the name used for the compression type.
func (c Compression) String() string {
	switch c {
	case MSZIP:
		return "MSZIP"
	case None:
		return "none"
	default:
		return fmt.Sprintf("Compression(%d)", int(c))
	}
}

// typeCompress is the CFFOLDER.typeCompress value for c.
func (c Compression) typeCompress() (uint16, error) {
	switch c {
	case MSZIP:
		return typeMSZIP, nil
	case None:
		return typeNone, nil
	default:
		return 0, fmt.Errorf("cab: unsupported compression %v", c)
	}
}

// Attr is the CFFILE.attribs bit set.
type Attr uint16

// File attributes defined by the cabinet format.
const (
	AttrReadOnly Attr = 0x01
	AttrHidden   Attr = 0x02
	AttrSystem   Attr = 0x04
	AttrArchive  Attr = 0x20
	AttrExec     Attr = 0x40
	// AttrNameUTF8 marks a name that is UTF-8 rather than the OEM code page.
	// The Writer sets it on its own for names with non-ASCII bytes.
	AttrNameUTF8 Attr = 0x80

	attrKnown = AttrReadOnly | AttrHidden | AttrSystem | AttrArchive | AttrExec | AttrNameUTF8
)

// FileHeader describes one file in a cabinet.
type FileHeader struct {
	// Name is stored verbatim; for MSI payloads it is the File table key
	// (for example "fil1234abcd"), not the on-disk file name.
	Name string
	// Modified is stored as an MS-DOS date and time (local wall clock, two
	// second resolution, years 1980-2107). Its fields are used as they are,
	// in Modified's own location. The zero Time means 1980-01-01 00:00:00.
	Modified time.Time
	// Attr holds the file attributes.
	Attr Attr
	// Size is the uncompressed size; the Reader fills it in, the Writer
	// ignores it in favour of the data it is given.
	Size int64
}

// Format limits (MS-CAB).
const (
	// MaxNameLen is the longest file name in bytes, excluding the NUL.
	MaxNameLen = 255
	// MaxFiles is the largest number of files in one cabinet (cFiles is u16).
	MaxFiles = 0xFFFF
	// MaxFolders is the largest number of folders in one cabinet.
	MaxFolders = 0xFFFF
	// MaxBlocksPerFolder is the largest number of CFDATA blocks in a folder.
	MaxBlocksPerFolder = 0xFFFF
	// MaxFileSize is the largest uncompressed file.
	MaxFileSize = 0x7FFF8000
	// MaxCabinetSize is the largest cabinet file.
	MaxCabinetSize = 0x7FFFFFFF
	// BlockSize is the uncompressed size of every CFDATA block except the
	// last one of a folder.
	BlockSize = 0x8000
	// maxFolderData is the most uncompressed bytes a folder can describe.
	maxFolderData = MaxBlocksPerFolder * BlockSize
	// maxMSZIPBlock bounds CFDATA.cbData for MSZIP.
	maxMSZIPBlock = BlockSize + 12
)

// Sentinel errors; returned wrapped with the file or folder concerned.
var (
	ErrNameEmpty        = errors.New("file name is empty")
	ErrNameTooLong      = fmt.Errorf("file name longer than %d bytes", MaxNameLen)
	ErrNameInvalid      = errors.New("file name is not valid UTF-8 or contains NUL")
	ErrDuplicateName    = errors.New("duplicate file name")
	ErrTooManyFiles     = fmt.Errorf("more than %d files", MaxFiles)
	ErrTooManyFolders   = fmt.Errorf("more than %d folders", MaxFolders)
	ErrFileTooLarge     = fmt.Errorf("file larger than %d bytes", MaxFileSize)
	ErrFolderTooLarge   = fmt.Errorf("folder would need more than %d data blocks", MaxBlocksPerFolder)
	ErrCabinetTooLarge  = fmt.Errorf("cabinet larger than %d bytes", MaxCabinetSize)
	ErrSizeMismatch     = errors.New("reader size does not match declared size")
	ErrNoFiles          = errors.New("cab: cabinet has no files")
	ErrTimeOutOfRange   = errors.New("timestamp outside MS-DOS range 1980-2107")
	ErrBadAttr          = errors.New("unknown attribute bits")
	ErrChecksum         = errors.New("CFDATA checksum mismatch")
	ErrClosed           = errors.New("cab: writer closed")
	ErrFormat           = errors.New("cab: not a valid cabinet")
	ErrUnsupportedInput = errors.New("cab: unsupported cabinet feature")
)

const (
	headerSize = 36
	folderSize = 8
	fileFixed  = 16
	dataHeader = 8

	typeNone  = 0
	typeMSZIP = 1

	flagPrev    = 0x1
	flagNext    = 0x2
	flagReserve = 0x4
)

var signature = [4]byte{'M', 'S', 'C', 'F'}

// checksum is the CFDATA checksum: the payload XORed as little-endian
// 32-bit words (a 1-3 byte tail packed with its first byte highest), then
// XORed with the cbData/cbUncomp header word.
func checksum(data []byte, cbData, cbUncomp uint16) uint32 {
	var sum uint32
	n := len(data) &^ 3
	for i := 0; i < n; i += 4 {
		sum ^= binary.LittleEndian.Uint32(data[i:])
	}
	var tail uint32
	for _, b := range data[n:] {
		tail = tail<<8 | uint32(b)
	}
	sum ^= tail
	return sum ^ (uint32(cbData) | uint32(cbUncomp)<<16)
}

// dosDateTime converts t to the CFFILE date and time fields.
func dosDateTime(t time.Time) (date, tod uint16, err error) {
	if t.IsZero() {
		return 1<<5 | 1, 0, nil
	}
	y := t.Year()
	if y < 1980 || y > 2107 {
		return 0, 0, fmt.Errorf("%w: %s", ErrTimeOutOfRange, t.Format(time.DateTime))
	}
	date = uint16(y-1980)<<9 | uint16(t.Month())<<5 | uint16(t.Day())
	tod = uint16(t.Hour())<<11 | uint16(t.Minute())<<5 | uint16(t.Second()/2)
	return date, tod, nil
}

// fromDOS converts CFFILE date and time fields to a UTC time.
// Impossible values (month 0 etc.) are normalised by time.Date.
func fromDOS(date, tod uint16) time.Time {
	return time.Date(int(date>>9)+1980, time.Month(date>>5&0xF), int(date&0x1F),
		int(tod>>11), int(tod>>5&0x3F), int(tod&0x1F)*2, 0, time.UTC)
}
