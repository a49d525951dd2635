package msipkg

import (
	"fmt"
	"sort"
	"strings"
)

// Characters Windows Installer refuses in long file and folder names
// (Filename column type), besides control characters.
const forbiddenLong = `\?|><:/*"`

// Characters allowed in 8.3 short names besides letters and digits.
const shortExtra = "!#$%&'()-@^_`{}~"

// reservedDevice are names Windows maps to devices, with any extension.
var reservedDevice = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// checkLongName reports why name cannot be an installed file or folder
// name, or nil.
func checkLongName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case len(name) > 255:
		return fmt.Errorf("%q is longer than 255 characters", name)
	case strings.TrimRight(name, ". ") != name:
		return fmt.Errorf("%q ends with a space or a period, which Windows strips", name)
	case strings.TrimLeft(name, " ") != name:
		return fmt.Errorf("%q starts with a space", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q contains a control character", name)
		}
		if !inCP1252(r) {
			return fmt.Errorf("%q contains %q, which an MSI cannot hold (code page 1252)", name, r)
		}
		if strings.ContainsRune(forbiddenLong, r) {
			return fmt.Errorf("%q contains %q, which Windows Installer forbids in file names (forbidden: %s)", name, r, forbiddenLong)
		}
	}
	base, _, _ := strings.Cut(name, ".")
	if reservedDevice[strings.ToUpper(strings.TrimRight(base, " "))] {
		return fmt.Errorf("%q is a reserved Windows device name", name)
	}
	return nil
}

// isShortName reports whether name is already a valid 8.3 name.
func isShortName(name string) bool {
	base, ext, hasExt := strings.Cut(name, ".")
	if len(base) == 0 || len(base) > 8 || (hasExt && (len(ext) == 0 || len(ext) > 3 || strings.Contains(ext, "."))) {
		return false
	}
	return shortChars(base) && shortChars(ext)
}

func shortChars(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(shortExtra, r)) {
			return false
		}
	}
	return true
}

// shortFilter keeps the characters of s allowed in a short name,
// uppercased.
func shortFilter(s string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if b.Len() == max {
			break
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// msiNames returns the "short|long" DefaultDir/FileName values for the
// long names of one folder. Long names that are already 8.3 stand alone;
// the others get a deterministic NAME~N.EXT short name, unique in the
// folder (case-insensitively), assigned in sorted order of the long names.
func msiNames(longs []string) map[string]string {
	out := make(map[string]string, len(longs))
	used := map[string]bool{}
	sorted := append([]string(nil), longs...)
	sort.Strings(sorted)
	for _, l := range sorted {
		if isShortName(l) {
			out[l] = l
			used[strings.ToUpper(l)] = true
		}
	}
	for _, l := range sorted {
		if _, done := out[l]; done {
			continue
		}
		base, ext := l, ""
		if i := strings.LastIndexByte(l, '.'); i > 0 {
			base, ext = l[:i], l[i+1:]
		}
		b := shortFilter(base, 6)
		if b == "" {
			b = "FILE"
		}
		e := shortFilter(ext, 3)
		for n := 1; ; n++ {
			suffix := fmt.Sprintf("~%d", n)
			stem := b
			if len(stem)+len(suffix) > 8 {
				stem = stem[:8-len(suffix)]
			}
			s := stem + suffix
			if e != "" {
				s += "." + e
			}
			if !used[s] {
				used[s] = true
				out[l] = s + "|" + l
				break
			}
		}
	}
	return out
}
