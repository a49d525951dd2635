// Package version parses semantic versions (tags such as v1.2.3-rc.1) and
// maps them onto the numeric versions Windows wants.
//
// Windows resources carry a four-part FileVersion a.b.c.d with 16-bit parts;
// an MSI's ProductVersion is major.minor.build with limits 255.255.65535,
// and Windows Installer ignores a fourth field when it compares versions for
// upgrades. The mapping is:
//
//	semver            VERSIONINFO   MSI ProductVersion
//	1.2.3             1.2.3.0       1.2.3
//	1.2.3-rc.4        1.2.3.0       1.2.3
//	0.1.0-SNAPSHOT-x  0.1.0.0       0.1.0
//
// Prereleases and snapshots share the numeric version of the release they
// lead up to, so an MSI built from 1.2.3-rc.1 and one built from 1.2.3 are
// the same version to Windows Installer: install the release over the
// prerelease by uninstalling first, or bump the patch number. Versions whose
// parts do not fit are refused with a message that names the limit.
package version

import (
	"fmt"
	"strconv"
	"strings"
)

// V is a parsed semantic version.
type V struct {
	Major, Minor, Patch int
	// Prerelease is the part after '-', without it ("rc.1").
	Prerelease string
	// Metadata is the part after '+', without it.
	Metadata string
}

// Parse reads a semantic version, with or without a leading "v".
func Parse(s string) (V, error) {
	raw := s
	s = strings.TrimPrefix(s, "v")
	var v V
	if i := strings.IndexByte(s, '+'); i >= 0 {
		v.Metadata = s[i+1:]
		s = s[:i]
		if !validIdents(v.Metadata, false) {
			return V{}, fmt.Errorf("version %q: build metadata %q is not dot-separated [0-9A-Za-z-] identifiers", raw, v.Metadata)
		}
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.Prerelease = s[i+1:]
		s = s[:i]
		if !validIdents(v.Prerelease, true) {
			return V{}, fmt.Errorf("version %q: prerelease %q is not dot-separated [0-9A-Za-z-] identifiers", raw, v.Prerelease)
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return V{}, fmt.Errorf("version %q is not semantic (expected MAJOR.MINOR.PATCH, e.g. v1.2.3)", raw)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return V{}, fmt.Errorf("version %q: %q is not a number without leading zeros", raw, p)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return V{}, fmt.Errorf("version %q: %q is not a non-negative number", raw, p)
		}
		nums[i] = n
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	return v, nil
}

func validIdents(s string, noLeadingZeros bool) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		numeric := true
		for _, c := range id {
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				numeric = false
			default:
				return false
			}
		}
		if noLeadingZeros && numeric && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

// String returns the version without a leading "v".
func (v V) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Prerelease != "" {
		s += "-" + v.Prerelease
	}
	if v.Metadata != "" {
		s += "+" + v.Metadata
	}
	return s
}

// IsPrerelease reports whether the version has a prerelease part.
func (v V) IsPrerelease() bool { return v.Prerelease != "" }

// Windows returns the four-part numeric version for VERSIONINFO
// (major.minor.patch.0). Parts above 65535 are an error.
func (v V) Windows() ([4]uint16, error) {
	for _, p := range []struct {
		name string
		n    int
	}{{"major", v.Major}, {"minor", v.Minor}, {"patch", v.Patch}} {
		if p.n > 65535 {
			return [4]uint16{}, fmt.Errorf("version %s: %s %d does not fit a Windows file version (at most 65535)", v, p.name, p.n)
		}
	}
	return [4]uint16{uint16(v.Major), uint16(v.Minor), uint16(v.Patch), 0}, nil
}

// MSI returns the ProductVersion of an MSI ("major.minor.build"), or an
// error naming the part that exceeds Windows Installer's limits.
func (v V) MSI() (string, error) {
	switch {
	case v.Major > 255:
		return "", fmt.Errorf("version %s: MSI major version %d is above 255", v, v.Major)
	case v.Minor > 255:
		return "", fmt.Errorf("version %s: MSI minor version %d is above 255", v, v.Minor)
	case v.Patch > 65535:
		return "", fmt.Errorf("version %s: MSI build (patch) %d is above 65535", v, v.Patch)
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch), nil
}

// Compare returns -1, 0 or +1 by semver precedence (metadata ignored).
func (v V) Compare(o V) int {
	for _, d := range []int{v.Major - o.Major, v.Minor - o.Minor, v.Patch - o.Patch} {
		if d != 0 {
			return sign(d)
		}
	}
	switch {
	case v.Prerelease == o.Prerelease:
		return 0
	case v.Prerelease == "":
		return 1
	case o.Prerelease == "":
		return -1
	}
	a, b := strings.Split(v.Prerelease, "."), strings.Split(o.Prerelease, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareIdent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

func compareIdent(a, b string) int {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return sign(na - nb)
	case ea == nil:
		return -1 // numeric identifiers sort before alphanumeric ones
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func sign(d int) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}
