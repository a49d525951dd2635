package installer

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	utf16enc "unicode/utf16"
)

// Well-known SIDs the folder rules name.
const (
	sidSystem          = "S-1-5-18"
	sidAdministrators  = "S-1-5-32-544"
	sidLocalService    = "S-1-5-19"
	sidNetworkService  = "S-1-5-20"
	sidCreatorOwner    = "S-1-3-0"
	sidOwnerRights     = "S-1-3-4"
	sidTrustedInstall  = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
	sidUsers           = "S-1-5-32-545"
	rightsFull         = "FA"       // FILE_ALL_ACCESS
	rightsModify       = "0x1301bf" // read, write, execute and delete: icacls' (M)
	rightsReadExecute  = "0x1200a9" // icacls' (RX)
	aceFolderAndChilds = "OICI"     // this folder, subfolders and files
)

// VirtualAccountSID is the SID of NT SERVICE\<name>: S-1-5-80 followed by
// the SHA-1 of the upper-case service name in UTF-16LE, read as five
// little-endian 32-bit numbers. It is known before the service exists,
// so folders can be granted to it at install time.
func VirtualAccountSID(service string) string {
	u := utf16enc.Encode([]rune(strings.ToUpper(service)))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	h := sha1.Sum(b)
	var parts []string
	for i := 0; i < 5; i++ {
		parts = append(parts, strconv.FormatUint(uint64(binary.LittleEndian.Uint32(h[4*i:])), 10))
	}
	return "S-1-5-80-" + strings.Join(parts, "-")
}

// sddlAliases are the two-letter SID names of SDDL that file security
// descriptors use (learn.microsoft.com/windows/win32/secauthz/sid-strings).
var sddlAliases = map[string]string{
	"SY": sidSystem, "BA": sidAdministrators, "BU": sidUsers, "BG": "S-1-5-32-546",
	"PU": "S-1-5-32-547", "AU": "S-1-5-11", "WD": "S-1-1-0", "IU": "S-1-5-4",
	"SU": "S-1-5-6", "NU": "S-1-5-2", "AN": "S-1-5-7", "CO": sidCreatorOwner,
	"CG": "S-1-3-1", "OW": sidOwnerRights, "LS": sidLocalService, "NS": sidNetworkService,
	"RC": "S-1-5-12", "WR": "S-1-5-33", "AC": "S-1-15-2-1", "BO": "S-1-5-32-551",
	"SO": "S-1-5-32-549", "AO": "S-1-5-32-548", "RD": "S-1-5-32-555", "PS": "S-1-5-10",
}

// sddlRights are the access-right codes of SDDL
// (learn.microsoft.com/windows/win32/secauthz/ace-strings).
var sddlRights = map[string]uint32{
	"GA": 0x10000000, "GX": 0x20000000, "GW": 0x40000000, "GR": 0x80000000,
	"RC": 0x20000, "SD": 0x10000, "WD": 0x40000, "WO": 0x80000,
	"FA": 0x1f01ff, "FR": 0x120089, "FW": 0x120116, "FX": 0x1200a0,
	"CC": 0x1, "DC": 0x2, "LC": 0x4, "SW": 0x8, "RP": 0x10, "WP": 0x20, "DT": 0x40, "LO": 0x80, "CR": 0x100,
	"KA": 0xf003f, "KR": 0x20019, "KW": 0x20006, "KX": 0x20019,
}

// Access rights on files and folders.
const (
	fileAddFile      = 0x2 // FILE_WRITE_DATA on a file
	fileAddSubdir    = 0x4 // FILE_APPEND_DATA on a file
	fileDeleteChild  = 0x40
	accessDelete     = 0x10000
	accessWriteDAC   = 0x40000
	accessWriteOwner = 0x80000
	genericAll       = 0x10000000
	genericWrite     = 0x40000000

	// writeRights let their holder change a folder's content or its
	// security (or a file's data).
	writeRights = fileAddFile | fileAddSubdir | fileDeleteChild | accessDelete | accessWriteDAC | accessWriteOwner | genericAll | genericWrite
	// replaceRights let their holder swap a folder for another one: rename
	// or delete it, empty it, or take it over. A parent may let users add
	// new folders (C:\ and %ProgramData% do) without that.
	replaceRights = fileDeleteChild | accessDelete | accessWriteDAC | accessWriteOwner | genericAll
)

type ace struct {
	allow bool
	flags string
	mask  uint32
	sid   string
}

type securityDescriptor struct {
	owner     string
	protected bool
	dacl      []ace
	nullDACL  bool // "D:NO_ACCESS_CONTROL" or no DACL: everyone has every right
}

// parseSDDL reads the owner and DACL of an SDDL string, as
// ConvertSecurityDescriptorToStringSecurityDescriptor writes it.
func parseSDDL(s string) (securityDescriptor, error) {
	var sd securityDescriptor
	sawDACL := false
	for len(s) > 0 {
		if len(s) < 2 || s[1] != ':' {
			return sd, fmt.Errorf("security descriptor %q: expected a component O, G, D or S followed by a colon", s)
		}
		part := s[0]
		s = s[2:]
		end := len(s)
		for _, p := range []string{"O:", "G:", "D:", "S:"} {
			// A component ends where the next one starts (outside an ACE).
			if i := indexOutsideParens(s, p); i >= 0 && i < end {
				end = i
			}
		}
		body := s[:end]
		s = s[end:]
		switch part {
		case 'O':
			sd.owner = sidOf(body)
		case 'G', 'S':
		case 'D':
			sawDACL = true
			flags, aces, _ := strings.Cut(body, "(")
			if strings.Contains(flags, "P") {
				sd.protected = true
			}
			if strings.Contains(flags, "NO_ACCESS_CONTROL") {
				sd.nullDACL = true
			}
			if aces == "" {
				continue
			}
			for _, a := range strings.Split(strings.TrimSuffix("("+aces, ")"), ")") {
				a = strings.TrimPrefix(a, "(")
				f := strings.Split(a, ";")
				if len(f) < 6 {
					return sd, fmt.Errorf("security descriptor: ACE %q has %d fields (expected 6)", a, len(f))
				}
				mask, err := parseRights(f[2])
				if err != nil {
					return sd, fmt.Errorf("security descriptor: ACE %q: %w", a, err)
				}
				typ := f[0]
				sd.dacl = append(sd.dacl, ace{allow: typ == "A" || typ == "OA" || typ == "XA" || typ == "ZA", flags: f[1], mask: mask, sid: sidOf(f[5])})
			}
		default:
			return sd, fmt.Errorf("security descriptor: unknown component %q (expected O, G, D or S)", part)
		}
	}
	if !sawDACL {
		sd.nullDACL = true
	}
	return sd, nil
}

func indexOutsideParens(s, sub string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], sub) {
			return i
		}
	}
	return -1
}

func sidOf(s string) string {
	if v, ok := sddlAliases[s]; ok {
		return v
	}
	return s
}

func parseRights(r string) (uint32, error) {
	if strings.HasPrefix(r, "0x") || strings.HasPrefix(r, "0X") {
		v, err := strconv.ParseUint(r[2:], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("rights %q are not a hex mask", r)
		}
		return uint32(v), nil
	}
	var m uint32
	for len(r) >= 2 {
		v, ok := sddlRights[r[:2]]
		if !ok {
			return 0, fmt.Errorf("unknown right %q", r[:2])
		}
		m |= v
		r = r[2:]
	}
	if r != "" {
		return 0, fmt.Errorf("rights end in %q", r)
	}
	return m, nil
}

// trustedOwner reports whether sid may own what svcship trusts: SYSTEM,
// Administrators, TrustedInstaller, or the administrator running the
// installer (self; "" when unknown).
func trustedOwner(sid, self string) bool {
	switch sid {
	case sidSystem, sidAdministrators, sidTrustedInstall:
		return true
	}
	return self != "" && sid == self
}

// untrustedWriters lists the SIDs other than the trusted ones that hold any
// of rights on the object itself (inherit-only ACEs do not count), and
// the owner when it is not trusted (an owner can always rewrite the DACL).
// allowed are further SIDs that may write (the service's account for its
// log folder).
func (sd securityDescriptor) untrustedWriters(rights uint32, self string, allowed ...string) []string {
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	if sd.owner != "" && !trustedOwner(sd.owner, self) {
		add(sd.owner + " (owner)")
	}
	if sd.nullDACL {
		add("S-1-1-0 (no DACL: everyone)")
		return out
	}
	for _, a := range sd.dacl {
		if !a.allow || strings.Contains(a.flags, "IO") || a.mask&rights == 0 {
			continue
		}
		switch {
		case trustedOwner(a.sid, self), a.sid == sidCreatorOwner:
			continue
		case a.sid == sidOwnerRights && trustedOwner(sd.owner, self):
			continue
		}
		ok := a.sid == sd.owner && len(out) > 0 && out[0] == sd.owner+" (owner)" // listed already
		for _, s := range allowed {
			ok = ok || s == a.sid
		}
		if !ok {
			add(a.sid)
		}
	}
	return out
}

// sidName is a readable name for the well-known SIDs in messages.
func sidName(sid string) string {
	names := map[string]string{
		"S-1-5-32-545": "Users", "S-1-5-11": "Authenticated Users", "S-1-1-0": "Everyone",
		"S-1-5-4": "INTERACTIVE", "S-1-5-32-547": "Power Users", "S-1-5-32-546": "Guests",
		sidLocalService: "LocalService", sidNetworkService: "NetworkService",
	}
	base, suffix, _ := strings.Cut(sid, " ")
	if n, ok := names[base]; ok {
		return strings.TrimSpace(n + " " + suffix)
	}
	return sid
}
