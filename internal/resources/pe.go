package resources

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
)

// AddToExecutable returns exe, a Windows executable the Go linker wrote
// without resources, with the resources of obj (a .syso from Syso) added
// as a last .rsrc section, laid out as the linker lays out a linked
// .syso: the same section name, flags and alignment, the relocations
// resolved against the section's address, and the resource data directory
// pointing at it. It lets one linked executable take each product's
// VERSIONINFO without being linked again.
//
// The executable must have no resources, no certificate and no bytes
// after its last section, and room in its headers for one more section
// header; every Go-linked executable has these. Anything else is refused,
// never patched halfway.
func AddToExecutable(exe, obj []byte) ([]byte, error) {
	h, err := parsePE(exe)
	if err != nil {
		return nil, err
	}
	if h.resourceRVA != 0 || h.resourceSize != 0 {
		return nil, errors.New("resources: the executable already has resources")
	}
	if h.certSize != 0 {
		return nil, errors.New("resources: the executable is signed; add resources before signing")
	}
	if h.rawEnd != uint32(len(exe)) {
		return nil, fmt.Errorf("resources: the executable has %d bytes after its last section", len(exe)-int(h.rawEnd))
	}
	tableEnd := h.sectionTable + 40*uint32(h.numSections)
	if tableEnd+40 > h.sizeOfHeaders || tableEnd+40 > h.firstRaw {
		return nil, errors.New("resources: no room for another section header")
	}

	va := alignUp(h.virtualEnd, h.sectionAlign)
	data, err := objectResources(obj, va)
	if err != nil {
		return nil, err
	}
	raw := alignUp(uint32(len(exe)), h.fileAlign)
	rawSize := alignUp(uint32(len(data)), h.fileAlign)

	out := make([]byte, raw+rawSize)
	copy(out, exe)
	copy(out[raw:], data)
	le := binary.LittleEndian

	sec := out[tableEnd : tableEnd+40]
	copy(sec[0:8], ".rsrc\x00\x00\x00")
	le.PutUint32(sec[8:], uint32(len(data))) // VirtualSize
	le.PutUint32(sec[12:], va)               // VirtualAddress
	le.PutUint32(sec[16:], rawSize)          // SizeOfRawData
	le.PutUint32(sec[20:], raw)              // PointerToRawData
	// IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ, as the linker
	// marks a linked .syso's section.
	le.PutUint32(sec[36:], 0x40000040)

	le.PutUint16(out[h.coff+2:], h.numSections+1)
	opt := h.optional
	// SizeOfInitializedData stays: the linker leaves .rsrc out of it too
	// (loaders ignore the field).
	le.PutUint32(out[opt+56:], alignUp(va+uint32(len(data)), h.sectionAlign)) // SizeOfImage
	le.PutUint32(out[h.dataDirs+2*8:], va)                                    // resource table
	le.PutUint32(out[h.dataDirs+2*8+4:], uint32(len(data)))
	if le.Uint32(out[opt+64:]) != 0 {
		le.PutUint32(out[opt+64:], peChecksum(out, opt+64))
	}
	return out, nil
}

// objectResources is the .rsrc section of a COFF object, copied, with
// its relocations resolved for a section at va. They all point into the
// section itself: the resource data entries' RVAs.
func objectResources(obj []byte, va uint32) ([]byte, error) {
	f, err := pe.NewFile(bytes.NewReader(obj))
	if err != nil {
		return nil, fmt.Errorf("resources: object: %w", err)
	}
	s := f.Section(".rsrc")
	if s == nil {
		return nil, errors.New("resources: object has no .rsrc section")
	}
	raw, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("resources: object: %w", err)
	}
	data := bytes.Clone(raw)
	// The image-relative 32-bit relocation of each machine:
	// IMAGE_REL_AMD64_ADDR32NB, IMAGE_REL_I386_DIR32NB,
	// IMAGE_REL_ARM64_ADDR32NB.
	want := map[uint16]uint16{pe.IMAGE_FILE_MACHINE_AMD64: 3, pe.IMAGE_FILE_MACHINE_I386: 7, pe.IMAGE_FILE_MACHINE_ARM64: 2}[f.Machine]
	if want == 0 {
		return nil, fmt.Errorf("resources: object for machine %#x", f.Machine)
	}
	for _, r := range s.Relocs {
		if r.Type != want {
			return nil, fmt.Errorf("resources: object relocation type %d, want %d", r.Type, want)
		}
		if int(r.SymbolTableIndex) >= len(f.COFFSymbols) {
			return nil, fmt.Errorf("resources: object relocation names symbol %d of %d", r.SymbolTableIndex, len(f.COFFSymbols))
		}
		sym := f.COFFSymbols[r.SymbolTableIndex]
		if sym.SectionNumber != 1 {
			return nil, fmt.Errorf("resources: object relocation against section %d, not .rsrc", sym.SectionNumber)
		}
		if int(r.VirtualAddress)+4 > len(data) {
			return nil, fmt.Errorf("resources: object relocation at %d outside the section", r.VirtualAddress)
		}
		p := data[r.VirtualAddress:]
		binary.LittleEndian.PutUint32(p, binary.LittleEndian.Uint32(p)+sym.Value+va)
	}
	return data, nil
}

// peHeaders are the offsets and values AddToExecutable reads and writes.
type peHeaders struct {
	coff, optional, dataDirs, sectionTable uint32
	numSections                            uint16
	sectionAlign, fileAlign, sizeOfHeaders uint32
	resourceRVA, resourceSize, certSize    uint32
	virtualEnd, rawEnd, firstRaw           uint32
}

func parsePE(exe []byte) (peHeaders, error) {
	var h peHeaders
	le := binary.LittleEndian
	bad := func(what string) (peHeaders, error) {
		return peHeaders{}, fmt.Errorf("resources: not a Windows executable (%s)", what)
	}
	if len(exe) < 0x40 || exe[0] != 'M' || exe[1] != 'Z' {
		return bad("no MZ header")
	}
	peOff := le.Uint32(exe[0x3c:])
	if uint64(peOff)+24 > uint64(len(exe)) || !bytes.Equal(exe[peOff:peOff+4], []byte("PE\x00\x00")) {
		return bad("no PE signature")
	}
	h.coff = peOff + 4
	h.numSections = le.Uint16(exe[h.coff+2:])
	optSize := uint32(le.Uint16(exe[h.coff+16:]))
	h.optional = h.coff + 20
	h.sectionTable = h.optional + optSize
	if uint64(h.sectionTable)+40*uint64(h.numSections) > uint64(len(exe)) {
		return bad("truncated headers")
	}
	var nDirs uint32
	switch le.Uint16(exe[h.optional:]) {
	case 0x10b: // PE32
		h.dataDirs, nDirs = h.optional+96, le.Uint32(exe[h.optional+92:])
	case 0x20b: // PE32+
		h.dataDirs, nDirs = h.optional+112, le.Uint32(exe[h.optional+108:])
	default:
		return bad("unknown optional header")
	}
	if nDirs < 5 || h.dataDirs+nDirs*8 > h.sectionTable {
		return bad("too few data directories")
	}
	h.sectionAlign = le.Uint32(exe[h.optional+32:])
	h.fileAlign = le.Uint32(exe[h.optional+36:])
	h.sizeOfHeaders = le.Uint32(exe[h.optional+60:])
	if h.sectionAlign == 0 || h.fileAlign == 0 {
		return bad("zero alignment")
	}
	h.resourceRVA, h.resourceSize = le.Uint32(exe[h.dataDirs+16:]), le.Uint32(exe[h.dataDirs+20:])
	h.certSize = le.Uint32(exe[h.dataDirs+36:])
	h.firstRaw = ^uint32(0)
	for i := range uint32(h.numSections) {
		s := exe[h.sectionTable+40*i:]
		vsize, vaddr, rsize, rptr := le.Uint32(s[8:]), le.Uint32(s[12:]), le.Uint32(s[16:]), le.Uint32(s[20:])
		h.virtualEnd = max(h.virtualEnd, vaddr+max(vsize, rsize))
		if rsize > 0 {
			h.rawEnd = max(h.rawEnd, rptr+rsize)
			h.firstRaw = min(h.firstRaw, rptr)
		}
	}
	return h, nil
}

func alignUp(n, a uint32) uint32 { return (n + a - 1) / a * a }

// peChecksum is the image checksum (ImageHlp's CheckSumMappedFile): the
// 16-bit one's-complement-style sum of the file without its checksum
// field, plus the file's length.
func peChecksum(b []byte, field uint32) uint32 {
	var sum uint64
	for i := 0; i+1 < len(b); i += 2 {
		if uint32(i) == field || uint32(i) == field+2 {
			continue
		}
		sum += uint64(binary.LittleEndian.Uint16(b[i:]))
		sum = (sum & 0xffff) + (sum >> 16)
	}
	if len(b)%2 == 1 {
		sum += uint64(b[len(b)-1])
		sum = (sum & 0xffff) + (sum >> 16)
	}
	sum = (sum & 0xffff) + (sum >> 16)
	return uint32(sum) + uint32(len(b))
}
