package msi

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/svcship/svcship/msi/cfb"
)

// tablePrefix marks the stream of a table (and of the string pool).
const tablePrefix = 0x4840

// nameValue maps a character of the compression alphabet
// (0-9 A-Z a-z . _) to 0..63, or -1.
func nameValue(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'A' && r <= 'Z':
		return int(r-'A') + 10
	case r >= 'a' && r <= 'z':
		return int(r-'a') + 36
	case r == '.':
		return 62
	case r == '_':
		return 63
	}
	return -1
}

const nameAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

// EncodeStreamName compresses an MSI stream name into the CFB entry name
// msi.dll uses: pairs of alphabet characters become one code unit in
// U+3800..U+47FF, a lone one U+4800+v, and table streams get the U+4840
// prefix. Names starting with U+0005 (summary information, signatures)
// are stored unchanged.
func EncodeStreamName(name string, table bool) string {
	if strings.HasPrefix(name, "\x05") {
		return name
	}
	rs := []rune(name)
	out := make([]rune, 0, len(rs)+1)
	if table {
		out = append(out, tablePrefix)
	}
	for i := 0; i < len(rs); i++ {
		v1 := nameValue(rs[i])
		if v1 < 0 {
			out = append(out, rs[i])
			continue
		}
		if i+1 < len(rs) {
			if v2 := nameValue(rs[i+1]); v2 >= 0 {
				out = append(out, rune(0x3800+(v2<<6)+v1))
				i++
				continue
			}
		}
		out = append(out, rune(0x4800+v1))
	}
	return string(out)
}

// DecodeStreamName reverses EncodeStreamName, reporting whether the name
// had the table prefix.
func DecodeStreamName(enc string) (name string, table bool) {
	var b strings.Builder
	for i, r := range enc {
		switch {
		case i == 0 && r == tablePrefix:
			table = true
		case r >= 0x3800 && r < 0x4800:
			v := int(r - 0x3800)
			b.WriteByte(nameAlphabet[v&0x3F])
			b.WriteByte(nameAlphabet[v>>6])
		case r >= 0x4800 && r < 0x4840:
			b.WriteByte(nameAlphabet[r-0x4800])
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), table
}

// checkEncoded reports whether a stream name, already encoded as enc,
// fits a CFB entry.
func checkEncoded(name, enc string) error {
	if n := len(utf16.Encode([]rune(enc))); n > cfb.MaxNameLen {
		return fmt.Errorf("stream name %q encodes to %d UTF-16 code units, limit %d", name, n, cfb.MaxNameLen)
	}
	if err := cfb.ValidateName(enc); err != nil {
		return fmt.Errorf("stream name %q: %w", name, err)
	}
	return nil
}
