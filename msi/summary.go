package msi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/svcship/svcship/msi/cfb"
)

// SummaryStreamName is the CFB name of the summary information stream.
const SummaryStreamName = "\x05SummaryInformation"

// SummaryInfo is the \x05SummaryInformation property set of a package.
// Empty strings and zero times are omitted from the stream.
type SummaryInfo struct {
	// Codepage of the summary strings; 0 means 1252.
	Codepage int16
	Title    string // "Installation Database"
	Subject  string // product name
	Author   string // manufacturer
	Keywords string // "Installer"
	Comments string
	// Template is the platform and languages, e.g. "x64;1033",
	// "Arm64;1033", "Intel;1033". Required.
	Template   string
	LastAuthor string
	// RevisionNumber holds the package code, an uppercase "{GUID}" that
	// must change with every build. Required.
	RevisionNumber string
	Created        time.Time
	LastSaved      time.Time
	// PageCount is the minimum installer version times 100: at least 200
	// for x64, 500 for Arm64. Required (nonzero).
	PageCount int32
	// WordCount: 2 = compressed source (files in an embedded cabinet),
	// plus 8 for no elevation, etc.
	WordCount int32
	AppName   string // creating application
	// Security: 2 = read-only recommended.
	Security int32
}

// Property ids (PIDSI_*) and variant types used in the stream.
const (
	pidCodepage   = 1
	pidTitle      = 2
	pidSubject    = 3
	pidAuthor     = 4
	pidKeywords   = 5
	pidComments   = 6
	pidTemplate   = 7
	pidLastAuthor = 8
	pidRevNumber  = 9
	pidCreated    = 12
	pidLastSaved  = 13
	pidPageCount  = 14
	pidWordCount  = 15
	pidAppName    = 18
	pidSecurity   = 19

	vtI2       = 2
	vtI4       = 3
	vtLPSTR    = 30
	vtFILETIME = 64
)

// fmtidSummary is F29F85E0-4FF9-1068-AB91-08002B27B3D9 in stored order.
var fmtidSummary = [16]byte{0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9}

func (s *SummaryInfo) codepage() int {
	if s.Codepage == 0 {
		return Codepage1252
	}
	return int(s.Codepage)
}

// encode serialises the property set.
func (s *SummaryInfo) encode() ([]byte, error) {
	if s.Template == "" {
		return nil, errors.New("msi: summary: Template is required (e.g. \"x64;1033\")")
	}
	if s.RevisionNumber == "" {
		return nil, errors.New("msi: summary: RevisionNumber (package code) is required")
	}
	if s.PageCount <= 0 {
		return nil, errors.New("msi: summary: PageCount (minimum installer version, e.g. 500) is required")
	}
	cp := s.codepage()
	if err := checkCodepage(cp); err != nil {
		return nil, fmt.Errorf("msi: summary: %w", err)
	}
	type prop struct {
		id  uint32
		val []byte
	}
	le := binary.LittleEndian
	var props []prop
	i2 := func(id uint32, v int16) {
		b := make([]byte, 8)
		le.PutUint32(b, vtI2)
		le.PutUint16(b[4:], uint16(v))
		props = append(props, prop{id, b})
	}
	i4 := func(id uint32, v int32) {
		b := make([]byte, 8)
		le.PutUint32(b, vtI4)
		le.PutUint32(b[4:], uint32(v))
		props = append(props, prop{id, b})
	}
	var err error
	str := func(id uint32, name, v string) {
		if v == "" || err != nil {
			return
		}
		enc, e := encodeString(v, cp)
		if e != nil {
			err = fmt.Errorf("msi: summary: %s: %w", name, e)
			return
		}
		n := len(enc) + 1
		b := make([]byte, 8+(n+3)/4*4)
		le.PutUint32(b, vtLPSTR)
		le.PutUint32(b[4:], uint32(n))
		copy(b[8:], enc)
		props = append(props, prop{id, b})
	}
	ft := func(id uint32, t time.Time) {
		if t.IsZero() {
			return
		}
		b := make([]byte, 12)
		le.PutUint32(b, vtFILETIME)
		le.PutUint64(b[4:], cfb.Filetime(t))
		props = append(props, prop{id, b})
	}
	// Ascending PID order.
	i2(pidCodepage, int16(cp))
	str(pidTitle, "Title", s.Title)
	str(pidSubject, "Subject", s.Subject)
	str(pidAuthor, "Author", s.Author)
	str(pidKeywords, "Keywords", s.Keywords)
	str(pidComments, "Comments", s.Comments)
	str(pidTemplate, "Template", s.Template)
	str(pidLastAuthor, "LastAuthor", s.LastAuthor)
	str(pidRevNumber, "RevisionNumber", s.RevisionNumber)
	ft(pidCreated, s.Created)
	ft(pidLastSaved, s.LastSaved)
	i4(pidPageCount, s.PageCount)
	i4(pidWordCount, s.WordCount)
	str(pidAppName, "AppName", s.AppName)
	i4(pidSecurity, s.Security)
	if err != nil {
		return nil, err
	}

	const sectionOffset = 48
	head := make([]byte, sectionOffset)
	le.PutUint16(head[0:], 0xFFFE)
	le.PutUint16(head[2:], 0)
	le.PutUint32(head[4:], 0x00020005) // Win32, version 5
	le.PutUint32(head[24:], 1)
	copy(head[28:], fmtidSummary[:])
	le.PutUint32(head[44:], sectionOffset)

	idx := make([]byte, 8+8*len(props))
	off := uint32(len(idx))
	var vals []byte
	for i, p := range props {
		le.PutUint32(idx[8+8*i:], p.id)
		le.PutUint32(idx[12+8*i:], off)
		vals = append(vals, p.val...)
		off += uint32(len(p.val))
	}
	le.PutUint32(idx[0:], off) // section size including this header
	le.PutUint32(idx[4:], uint32(len(props)))
	out := append(head, idx...)
	return append(out, vals...), nil
}

// decodeSummary parses a summary information stream.
func decodeSummary(b []byte) (SummaryInfo, error) {
	var s SummaryInfo
	le := binary.LittleEndian
	if len(b) < 48 || le.Uint16(b) != 0xFFFE || le.Uint32(b[24:]) < 1 {
		return s, errors.New("msi: summary: bad property set header")
	}
	if [16]byte(b[28:44]) != fmtidSummary {
		return s, errors.New("msi: summary: first section is not the summary FMTID")
	}
	sec := int(le.Uint32(b[44:]))
	if sec+8 > len(b) {
		return s, errors.New("msi: summary: section offset out of range")
	}
	size := int(le.Uint32(b[sec:]))
	n := int(le.Uint32(b[sec+4:]))
	if sec+size > len(b) || 8+8*n > size {
		return s, errors.New("msi: summary: section size out of range")
	}
	body := b[sec : sec+size]
	cp := Codepage1252
	type raw struct {
		id  uint32
		off int
	}
	var list []raw
	for i := range n {
		list = append(list, raw{le.Uint32(body[8+8*i:]), int(le.Uint32(body[12+8*i:]))})
	}
	// Read the codepage first: strings depend on it.
	for _, p := range list {
		if p.id == pidCodepage && p.off+8 <= len(body) && le.Uint32(body[p.off:]) == vtI2 {
			s.Codepage = int16(le.Uint16(body[p.off+4:]))
			cp = int(uint16(s.Codepage))
		}
	}
	for _, p := range list {
		if p.off+4 > len(body) {
			return s, fmt.Errorf("msi: summary: property %d offset out of range", p.id)
		}
		vt := le.Uint32(body[p.off:])
		v := body[p.off+4:]
		var sv string
		var iv int32
		var tv time.Time
		switch vt {
		case vtI2:
			iv = int32(int16(le.Uint16(v)))
		case vtI4:
			iv = int32(le.Uint32(v))
		case vtLPSTR:
			l := int(le.Uint32(v))
			if 4+l > len(v) {
				return s, fmt.Errorf("msi: summary: property %d string out of range", p.id)
			}
			str := v[4 : 4+l]
			for len(str) > 0 && str[len(str)-1] == 0 {
				str = str[:len(str)-1]
			}
			sv = decodeString(str, cp)
		case vtFILETIME:
			ft := le.Uint64(v)
			if ft != 0 {
				const epochDiff = 116444736000000000
				tv = time.Unix(0, 0).Add(time.Duration(int64(ft)-epochDiff) * 100).UTC()
			}
		default:
			continue
		}
		switch p.id {
		case pidTitle:
			s.Title = sv
		case pidSubject:
			s.Subject = sv
		case pidAuthor:
			s.Author = sv
		case pidKeywords:
			s.Keywords = sv
		case pidComments:
			s.Comments = sv
		case pidTemplate:
			s.Template = sv
		case pidLastAuthor:
			s.LastAuthor = sv
		case pidRevNumber:
			s.RevisionNumber = sv
		case pidCreated:
			s.Created = tv
		case pidLastSaved:
			s.LastSaved = tv
		case pidPageCount:
			s.PageCount = iv
		case pidWordCount:
			s.WordCount = iv
		case pidAppName:
			s.AppName = sv
		case pidSecurity:
			s.Security = iv
		}
	}
	return s, nil
}
