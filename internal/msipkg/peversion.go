package msipkg

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// fileVersion is what the File table wants from a versioned file.
type fileVersion struct {
	version  string // "a.b.c.d" from VS_FIXEDFILEINFO.dwFileVersion
	language string // decimal LANGID, e.g. "1033"
}

// Resource layout: PE/COFF "The .rsrc Section"
// (https://learn.microsoft.com/en-us/windows/win32/debug/pe-format#the-rsrc-section)
// and VS_VERSIONINFO
// (https://learn.microsoft.com/en-us/windows/win32/menurc/vs-versioninfo).
const (
	rtVersion          = 16
	resourceDirEntry   = 2 // IMAGE_DIRECTORY_ENTRY_RESOURCE
	fixedFileInfoMagic = 0xFEEF04BD
)

var errNoVersion = errors.New("no VERSIONINFO resource")

// readFileVersion returns the version and language of a PE image's
// VERSIONINFO resource, or errNoVersion when it has none.
func readFileVersion(data []byte) (fileVersion, error) {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return fileVersion{}, err
	}
	var rva, size uint32
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if len(oh.DataDirectory) > resourceDirEntry {
			rva, size = oh.DataDirectory[resourceDirEntry].VirtualAddress, oh.DataDirectory[resourceDirEntry].Size
		}
	case *pe.OptionalHeader64:
		if len(oh.DataDirectory) > resourceDirEntry {
			rva, size = oh.DataDirectory[resourceDirEntry].VirtualAddress, oh.DataDirectory[resourceDirEntry].Size
		}
	}
	if rva == 0 || size == 0 {
		return fileVersion{}, errNoVersion
	}
	var sec *pe.Section
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva < s.VirtualAddress+max(s.VirtualSize, s.Size) {
			sec = s
		}
	}
	if sec == nil {
		return fileVersion{}, fmt.Errorf("resource directory at RVA %#x is in no section", rva)
	}
	raw, err := sec.Data()
	if err != nil {
		return fileVersion{}, fmt.Errorf("resource section: %w", err)
	}
	// at reads n bytes at an RVA inside the section.
	at := func(r uint32, n uint32) ([]byte, error) {
		if r < sec.VirtualAddress || uint64(r-sec.VirtualAddress)+uint64(n) > uint64(len(raw)) {
			return nil, fmt.Errorf("resource data at RVA %#x+%d outside %s", r, n, sec.Name)
		}
		o := r - sec.VirtualAddress
		return raw[o : o+n], nil
	}
	le := binary.LittleEndian
	// entries returns the (id-or-name, offset) pairs of the directory at
	// offset off (relative to the resource root).
	type entry struct{ id, off uint32 }
	entries := func(off uint32) ([]entry, error) {
		hdr, err := at(rva+off, 16)
		if err != nil {
			return nil, err
		}
		n := uint32(le.Uint16(hdr[12:])) + uint32(le.Uint16(hdr[14:]))
		b, err := at(rva+off+16, n*8)
		if err != nil {
			return nil, err
		}
		out := make([]entry, n)
		for i := range out {
			out[i] = entry{le.Uint32(b[i*8:]), le.Uint32(b[i*8+4:])}
		}
		return out, nil
	}
	const isDir = 0x80000000
	root, err := entries(0)
	if err != nil {
		return fileVersion{}, err
	}
	var typeDir uint32
	found := false
	for _, e := range root {
		if e.id == rtVersion && e.off&isDir != 0 {
			typeDir, found = e.off&^isDir, true
		}
	}
	if !found {
		return fileVersion{}, errNoVersion
	}
	names, err := entries(typeDir)
	if err != nil || len(names) == 0 || names[0].off&isDir == 0 {
		return fileVersion{}, fmt.Errorf("RT_VERSION directory: malformed (%v)", err)
	}
	langs, err := entries(names[0].off &^ isDir)
	if err != nil || len(langs) == 0 || langs[0].off&isDir != 0 {
		return fileVersion{}, fmt.Errorf("RT_VERSION language directory: malformed (%v)", err)
	}
	resLang := langs[0].id & 0xFFFF
	de, err := at(rva+langs[0].off, 16)
	if err != nil {
		return fileVersion{}, err
	}
	vi, err := at(le.Uint32(de), le.Uint32(de[4:]))
	if err != nil {
		return fileVersion{}, err
	}
	return parseVersionInfo(vi, resLang)
}

// parseVersionInfo reads VS_VERSIONINFO: the fixed file version, and the
// first language of VarFileInfo\Translation (or the resource's language).
func parseVersionInfo(b []byte, resLang uint32) (fileVersion, error) {
	key, value, children, err := versionBlock(b)
	if err != nil {
		return fileVersion{}, err
	}
	if key != "VS_VERSION_INFO" || len(value) < 52 || binary.LittleEndian.Uint32(value) != fixedFileInfoMagic {
		return fileVersion{}, errors.New("VERSIONINFO: no VS_FIXEDFILEINFO")
	}
	le := binary.LittleEndian
	ms, ls := le.Uint32(value[8:]), le.Uint32(value[12:])
	fv := fileVersion{version: fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xFFFF, ls>>16, ls&0xFFFF)}
	lang := resLang
	for len(children) >= 6 {
		n := int(le.Uint16(children))
		if n < 6 || n > len(children) {
			break
		}
		k, _, sub, err := versionBlock(children[:n])
		if err == nil && k == "VarFileInfo" {
			if tk, tv, _, err := versionBlock(sub); err == nil && tk == "Translation" && len(tv) >= 2 {
				lang = uint32(le.Uint16(tv))
			}
		}
		next := align4(n)
		if next >= len(children) {
			break
		}
		children = children[next:]
	}
	fv.language = fmt.Sprint(lang)
	return fv, nil
}

func align4(n int) int { return (n + 3) &^ 3 }

// versionBlock splits one version-resource block into its key, value and
// children (wLength, wValueLength, wType, szKey, padding, Value, padding,
// Children).
func versionBlock(b []byte) (key string, value, children []byte, err error) {
	le := binary.LittleEndian
	if len(b) < 6 {
		return "", nil, nil, errors.New("VERSIONINFO: short block")
	}
	n, vlen, typ := int(le.Uint16(b)), int(le.Uint16(b[2:])), le.Uint16(b[4:])
	if n > len(b) || n < 6 {
		return "", nil, nil, errors.New("VERSIONINFO: bad block length")
	}
	b = b[:n]
	pos := 6
	var u []uint16
	for pos+2 <= n {
		c := le.Uint16(b[pos:])
		pos += 2
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	key = string(utf16.Decode(u))
	pos = align4(pos)
	if typ == 1 { // text value: length in WORDs
		vlen *= 2
	}
	if pos > n || pos+vlen > n {
		return "", nil, nil, errors.New("VERSIONINFO: value past block")
	}
	value = b[pos : pos+vlen]
	pos = align4(pos + vlen)
	if pos < n {
		children = b[pos:]
	}
	return key, value, children, nil
}
