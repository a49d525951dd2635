package msi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/svcship/svcship/msi/cfb"
)

// Reader reads an installer database. It decodes the string pool and the
// catalog on Open and table streams on demand. It is strict about what
// Windows requires and libmsi does not check (row order, root CLSID).
type Reader struct {
	cf       *cfb.Reader
	codepage int
	strWidth int
	strs     []string // index = id; strs[0] is unused
	refs     []int
	tables   []string
	schemas  map[string]*rtable
	streams  map[string]string // decoded name -> CFB name, non-table streams
}

type rtable struct {
	schema Table
	types  []colType
}

// Open reads the database of the given size from ra.
func Open(ra io.ReaderAt, size int64) (*Reader, error) {
	cf, err := cfb.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("msi: %w", err)
	}
	if cf.RootCLSID() != cfb.CLSIDMSI {
		return nil, fmt.Errorf("msi: root CLSID %x is not the installer database CLSID", cf.RootCLSID())
	}
	r := &Reader{cf: cf, schemas: map[string]*rtable{}, streams: map[string]string{}}
	if err := r.loadPool(); err != nil {
		return nil, fmt.Errorf("msi: string pool: %w", err)
	}
	if err := r.loadCatalog(); err != nil {
		return nil, fmt.Errorf("msi: catalog: %w", err)
	}
	for _, s := range cf.Streams() {
		name, table := DecodeStreamName(s.Path)
		if !table {
			r.streams[name] = s.Path
		}
	}
	return r, nil
}

func (r *Reader) tableStream(name string) ([]byte, bool, error) {
	enc := EncodeStreamName(name, true)
	for _, s := range r.cf.Streams() {
		if s.Path == enc {
			b, err := r.cf.ReadStream(enc)
			return b, true, err
		}
	}
	return nil, false, nil
}

func (r *Reader) loadPool() error {
	pool, ok, err := r.tableStream("_StringPool")
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("no _StringPool stream")
	}
	data, _, err := r.tableStream("_StringData")
	if err != nil {
		return err
	}
	if len(pool) < 4 || len(pool)%4 != 0 {
		return fmt.Errorf("_StringPool has %d bytes", len(pool))
	}
	le := binary.LittleEndian
	hdr := le.Uint32(pool)
	r.codepage = int(hdr &^ 0x80000000)
	r.strWidth = 2
	if hdr&0x80000000 != 0 {
		r.strWidth = 3
	}
	r.strs = []string{""}
	r.refs = []int{0}
	off := 0
	for i := 4; i < len(pool); i += 4 {
		n, ref := int(le.Uint16(pool[i:])), int(le.Uint16(pool[i+2:]))
		if n == 0 && ref != 0 {
			return fmt.Errorf("string %d uses the long-string extension, not supported", len(r.strs))
		}
		if off+n > len(data) {
			return fmt.Errorf("string %d runs past _StringData", len(r.strs))
		}
		r.strs = append(r.strs, decodeString(data[off:off+n], r.codepage))
		r.refs = append(r.refs, ref)
		off += n
	}
	if off != len(data) {
		return fmt.Errorf("_StringData has %d bytes, pool uses %d", len(data), off)
	}
	return nil
}

func (r *Reader) str(id uint32) (string, error) {
	if int(id) >= len(r.strs) {
		return "", fmt.Errorf("string id %d out of range", id)
	}
	return r.strs[id], nil
}

func (r *Reader) loadCatalog() error {
	tables, err := r.rawRows("_Tables", []kind{kindString}, 1)
	if err != nil {
		return err
	}
	for _, row := range tables {
		s, err := r.str(row[0])
		if err != nil {
			return err
		}
		r.tables = append(r.tables, s)
		r.schemas[s] = &rtable{schema: Table{Name: s}}
	}
	cols, err := r.rawRows("_Columns", []kind{kindString, kindInt16, kindString, kindInt16}, 2)
	if err != nil {
		return err
	}
	for _, row := range cols {
		tn, err := r.str(row[0])
		if err != nil {
			return err
		}
		cn, err := r.str(row[2])
		if err != nil {
			return err
		}
		t, ok := r.schemas[tn]
		if !ok {
			return fmt.Errorf("_Columns lists table %q missing from _Tables", tn)
		}
		num := int(int16(uint16(row[1]) ^ 0x8000))
		if num != len(t.schema.Columns)+1 {
			return fmt.Errorf("table %s: column number %d out of sequence", tn, num)
		}
		bits := int(int16(uint16(row[3]) ^ 0x8000))
		typ, err := typeFromBits(bits)
		if err != nil {
			return fmt.Errorf("table %s, column %s: %w", tn, cn, err)
		}
		ct, err := parseType(typ)
		if err != nil {
			return err
		}
		t.schema.Columns = append(t.schema.Columns, Column{Name: cn, Type: typ, Key: bits&bitKey != 0})
		t.types = append(t.types, ct)
	}
	return nil
}

// rawRows reads a table stream into stored cell values and checks that
// the rows are sorted by key.
func (r *Reader) rawRows(name string, kinds []kind, nKeys int) ([][]uint32, error) {
	data, ok, err := r.tableStream(name)
	if err != nil || !ok {
		return nil, err
	}
	rt := &rawTable{kinds: kinds}
	rowSize := 0
	for i := range kinds {
		rowSize += rt.width(i, r.strWidth)
	}
	if len(data)%rowSize != 0 {
		return nil, fmt.Errorf("table %s: stream of %d bytes is not a multiple of the row size %d", name, len(data), rowSize)
	}
	n := len(data) / rowSize
	rows := make([][]uint32, n)
	for i := range rows {
		rows[i] = make([]uint32, len(kinds))
	}
	off := 0
	for c := range kinds {
		wd := rt.width(c, r.strWidth)
		for i := range n {
			b := data[off : off+wd]
			switch wd {
			case 2:
				rows[i][c] = uint32(binary.LittleEndian.Uint16(b))
			case 3:
				rows[i][c] = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
			case 4:
				rows[i][c] = binary.LittleEndian.Uint32(b)
			}
			off += wd
		}
	}
	for i := 1; i < n; i++ {
		if slices.Compare(rows[i-1][:nKeys], rows[i][:nKeys]) >= 0 {
			return nil, fmt.Errorf("table %s: rows %d and %d are not in ascending primary-key order", name, i, i+1)
		}
	}
	return rows, nil
}

// Codepage returns the database codepage from the string pool header.
func (r *Reader) Codepage() int { return r.codepage }

// LongStringRefs reports whether string references are 3 bytes wide.
func (r *Reader) LongStringRefs() bool { return r.strWidth == 3 }

// Tables lists the tables in catalog order.
func (r *Reader) Tables() []string { return slices.Clone(r.tables) }

// Schema returns a table's columns as stored (Name, Type, Key only).
func (r *Reader) Schema(table string) (Table, error) {
	t, ok := r.schemas[table]
	if !ok {
		return Table{}, fmt.Errorf("msi: table %s: not in database", table)
	}
	s := t.schema
	s.Columns = slices.Clone(s.Columns)
	return s, nil
}

// Rows returns a table's rows in stored order. Cells are nil (NULL),
// string, int, or []byte (the contents of a binary column's stream).
func (r *Reader) Rows(table string) ([][]any, error) {
	t, ok := r.schemas[table]
	if !ok {
		return nil, fmt.Errorf("msi: table %s: not in database", table)
	}
	kinds := make([]kind, len(t.types))
	nKeys := 0
	for i, ct := range t.types {
		kinds[i] = ct.kind
		if t.schema.Columns[i].Key {
			nKeys++
		}
	}
	raw, err := r.rawRows(table, kinds, nKeys)
	if err != nil {
		return nil, fmt.Errorf("msi: %w", err)
	}
	out := make([][]any, len(raw))
	for i, cells := range raw {
		row := make([]any, len(cells))
		var keyParts []string
		for c, v := range cells {
			switch kinds[c] {
			case kindString:
				if v != 0 {
					s, err := r.str(v)
					if err != nil {
						return nil, fmt.Errorf("msi: table %s, column %s, row %d: %w", table, t.schema.Columns[c].Name, i+1, err)
					}
					row[c] = s
				}
			case kindInt16:
				if v != 0 {
					row[c] = int(int16(uint16(v) ^ 0x8000))
				}
			case kindInt32:
				if v != 0 {
					row[c] = int(int32(v ^ 0x80000000))
				}
			}
			if c < nKeys {
				switch x := row[c].(type) {
				case string:
					keyParts = append(keyParts, x)
				case int:
					keyParts = append(keyParts, fmt.Sprint(x))
				default:
					keyParts = append(keyParts, "")
				}
			}
		}
		for c, v := range cells {
			if kinds[c] == kindBinary && v != 0 {
				name := table
				for _, p := range keyParts {
					name += "." + p
				}
				b, err := r.Stream(name)
				if err != nil {
					return nil, fmt.Errorf("msi: table %s, column %s, row %d: %w", table, t.schema.Columns[c].Name, i+1, err)
				}
				row[c] = b
			}
		}
		out[i] = row
	}
	return out, nil
}

// Streams lists the decoded names of the streams that are not tables,
// including binary-cell streams ("Binary.Key"), embedded cabinets and
// "\x05SummaryInformation".
func (r *Reader) Streams() []string {
	out := make([]string, 0, len(r.streams))
	for n := range r.streams {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Stream returns the contents of a non-table stream by decoded name.
func (r *Reader) Stream(name string) ([]byte, error) {
	enc, ok := r.streams[name]
	if !ok {
		return nil, fmt.Errorf("msi: stream %q not found", name)
	}
	return r.cf.ReadStream(enc)
}

// Summary decodes the summary information stream.
func (r *Reader) Summary() (SummaryInfo, error) {
	b, err := r.Stream(SummaryStreamName)
	if err != nil {
		return SummaryInfo{}, err
	}
	return decodeSummary(b)
}

// stringRefCount returns the pool refcount of s (for tests).
func (r *Reader) stringRefCount(s string) int {
	for i, v := range r.strs {
		if i > 0 && v == s {
			return r.refs[i]
		}
	}
	return -1
}
