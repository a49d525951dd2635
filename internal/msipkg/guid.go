package msipkg

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
)

// guid is a 16-byte UUID in RFC 9562 (big-endian) byte order.
type guid [16]byte

// svcshipNamespace is the UUIDv5 namespace of every GUID svcship derives:
// UUIDv5(URL namespace, "https://github.com/svcship/svcship/msipkg").
var svcshipNamespace = uuidv5(guid{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8},
	"https://github.com/svcship/svcship/msipkg")

// uuidv5 is the name-based SHA-1 UUID of RFC 9562 §5.5.
func uuidv5(ns guid, name string) guid {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u guid
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// derive returns the svcship GUID for the parts, joined unambiguously.
func derive(parts ...string) guid {
	var b strings.Builder
	for _, p := range parts {
		fmt.Fprintf(&b, "%d:%s;", len(p), p)
	}
	return uuidv5(svcshipNamespace, b.String())
}

// String formats the GUID the way Windows Installer wants it: uppercase,
// in braces.
func (u guid) String() string {
	h := strings.ToUpper(hex.EncodeToString(u[:]))
	return "{" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32] + "}"
}

// parseGUID accepts a GUID with or without braces, in any case.
func parseGUID(s string) (guid, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{") != strings.HasSuffix(t, "}") {
		return guid{}, fmt.Errorf("%q is not a GUID (unbalanced braces)", s)
	}
	t = strings.TrimSuffix(strings.TrimPrefix(t, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return guid{}, fmt.Errorf("%q is not a GUID (expected e.g. {8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10})", s)
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(t, "-", ""))
	if err != nil {
		return guid{}, fmt.Errorf("%q is not a GUID (non-hex digits)", s)
	}
	var u guid
	copy(u[:], raw)
	if u == (guid{}) {
		return guid{}, fmt.Errorf("%q is the nil GUID; generate a real one", s)
	}
	return u, nil
}

// DeriveGUID returns a stable GUID (UUIDv5 in svcship's namespace, braced,
// upper case) for the given parts, e.g. an upgrade code for a new project
// derived from its module path, so the same inputs always give the same
// GUID.
func DeriveGUID(parts ...string) string { return derive(parts...).String() }
