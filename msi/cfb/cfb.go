// Package cfb writes and reads Compound File Binary (MS-CFB) version 3
// files, the container format of Windows Installer packages.
//
// The Writer is shaped like archive/zip: the caller adds root-level streams
// by name and Close lays out the file in one pass to an io.Writer. Output is
// deterministic: the same streams, names and CLSID always give the same
// bytes. Streams shorter than 4096 bytes live in the mini stream; files of
// any size up to 2 GiB are supported (DIFAT sectors are added when more than
// 109 FAT sectors are needed).
//
//	w := cfb.NewWriter(f)
//	w.SetRootCLSID(cfb.CLSIDMSI)
//	if err := w.AddStream("\x05SummaryInformation", summary); err != nil { ... }
//	if err := w.Close(); err != nil { ... }
//
// The Reader is small and strict (it checks chains and the sibling-tree
// order) so tests can use it to verify files.
package cfb

import (
	"unicode"
	"unicode/utf16"
)

// Format constants from MS-CFB §2.1 and §2.2.
const (
	sectorSize     = 512
	miniSectorSize = 64
	miniCutoff     = 4096
	entrySize      = 128
	idsPerSector   = sectorSize / 4 // FAT/MiniFAT entries per sector
	headerDIFAT    = 109            // FAT sector ids held in the header
	difatPerSector = idsPerSector - 1

	maxRegSect = 0xFFFFFFFA
	difSect    = 0xFFFFFFFC
	fatSect    = 0xFFFFFFFD
	endOfChain = 0xFFFFFFFE
	freeSect   = 0xFFFFFFFF
	noStream   = 0xFFFFFFFF

	typeEmpty   = 0
	typeStorage = 1
	typeStream  = 2
	typeRoot    = 5

	colorBlack = 1

	// MaxNameLen is the longest entry name in UTF-16 code units (the
	// 64-byte field also holds a terminating NUL).
	MaxNameLen = 31
	// MaxStreamSize is the largest stream this package writes; v3 files
	// store sizes in 32 bits and MS-CFB caps them at 0x80000000.
	MaxStreamSize = 0x80000000
)

var signature = [8]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// CLSIDMSI is the root CLSID of a Windows Installer database,
// {000C1084-0000-0000-C000-000000000046}, in stored byte order.
var CLSIDMSI = [16]byte{0x84, 0x10, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// CompareNames orders two entry names as MS-CFB §2.6.4 requires: the
// shorter UTF-16 name first, then code unit by code unit after simple
// uppercasing. It returns -1, 0 or 1.
func CompareNames(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	return compareUnits(ua, ub)
}

func compareUnits(a, b []uint16) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	for i := range a {
		ca, cb := upper(a[i]), upper(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return 0
}

func upper(c uint16) uint16 {
	if c < 0x80 {
		if c >= 'a' && c <= 'z' {
			return c - 'a' + 'A'
		}
		return c
	}
	if c >= 0xD800 && c <= 0xDFFF {
		return c
	}
	u := unicode.ToUpper(rune(c))
	if u > 0xFFFF {
		return c
	}
	return uint16(u)
}
