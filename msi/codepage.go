package msi

import (
	"fmt"
	"unicode/utf8"
)

// Database codepages the Writer supports. 65001 (UTF-8) is refused on
// purpose: Windows Installer rejects such packages as invalid.
const (
	CodepageNeutral = 0    // strings must be ASCII
	Codepage1252    = 1252 // Windows Western European (the default)
)

// cp1252High maps bytes 0x80..0x9F of Windows-1252; 0 marks unused bytes.
var cp1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

func checkCodepage(cp int) error {
	if cp != CodepageNeutral && cp != Codepage1252 {
		return fmt.Errorf("msi: codepage %d not supported (use 1252 or 0)", cp)
	}
	return nil
}

// encodeString converts s to bytes of the codepage.
func encodeString(s string, cp int) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return nil, fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		}
		switch {
		case r < 0x80:
			out = append(out, byte(r))
			continue
		case cp == Codepage1252 && r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
			continue
		case cp == Codepage1252:
			found := false
			for j, h := range cp1252High {
				if h != 0 && h == r {
					out = append(out, byte(0x80+j))
					found = true
					break
				}
			}
			if found {
				continue
			}
		}
		return nil, fmt.Errorf("character %q cannot be encoded in codepage %d", r, cp)
	}
	return out, nil
}

// decodeString converts codepage bytes to a string. Unknown bytes become
// U+FFFD.
func decodeString(b []byte, cp int) string {
	rs := make([]rune, 0, len(b))
	for _, c := range b {
		switch {
		case c < 0x80:
			rs = append(rs, rune(c))
		case c >= 0xA0 || cp != Codepage1252:
			if cp == Codepage1252 {
				rs = append(rs, rune(c))
			} else {
				rs = append(rs, utf8.RuneError)
			}
		default:
			if h := cp1252High[c-0x80]; h != 0 {
				rs = append(rs, h)
			} else {
				rs = append(rs, utf8.RuneError)
			}
		}
	}
	return string(rs)
}
