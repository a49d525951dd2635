package msi

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/svcship/svcship/msi/cfb"
)

// Writer builds an installer database. Create it with NewWriter, declare
// tables, add rows and streams, set the summary information, then Close.
// Errors from CreateTable, AddRow and AddStream leave the Writer usable.
type Writer struct {
	w        io.Writer
	codepage int
	tables   map[string]*wtable
	streams  []*wstream
	encNames map[string]string // encoded stream name -> what claimed it
	summary  *SummaryInfo
	closed   bool

	validation ValidationOptions
	findings   []Finding // warnings of the last Close
}

type wtable struct {
	schema Table
	types  []colType
	rows   [][]any // normalised: nil, string, int32 or []byte
	keys   map[string]int
}

type wstream struct {
	enc  string
	data []byte
	r    io.Reader
	size int64
}

// NewWriter returns a Writer that writes the database to w on Close. The
// database codepage defaults to 1252.
func NewWriter(w io.Writer) *Writer {
	return &Writer{
		w:        w,
		codepage: Codepage1252,
		tables:   map[string]*wtable{},
		encNames: map[string]string{},
	}
}

// SetCodepage sets the database codepage (1252, or 0 for neutral/ASCII).
// It must be called before any row is added.
func (w *Writer) SetCodepage(cp int) error {
	if err := checkCodepage(cp); err != nil {
		return err
	}
	for _, t := range w.tables {
		if len(t.rows) > 0 {
			return errors.New("msi: SetCodepage after rows were added")
		}
	}
	w.codepage = cp
	return nil
}

// SetSummary sets the summary information stream. It is required.
func (w *Writer) SetSummary(s SummaryInfo) { w.summary = &s }

// CreateTable declares a table. Tables without rows are listed in the
// catalog but, like msi.dll does, get no stream.
func (w *Writer) CreateTable(t Table) error {
	if w.closed {
		return errors.New("msi: writer closed")
	}
	types, err := t.validate()
	if err != nil {
		return err
	}
	if _, dup := w.tables[t.Name]; dup {
		return fmt.Errorf("msi: table %s: already created", t.Name)
	}
	enc := EncodeStreamName(t.Name, true)
	if err := checkEncoded(t.Name, enc); err != nil {
		return fmt.Errorf("msi: table %s: %w", t.Name, err)
	}
	if err := w.claim(enc, "table "+t.Name); err != nil {
		return err
	}
	t.Columns = slices.Clone(t.Columns)
	w.tables[t.Name] = &wtable{schema: t, types: types, keys: map[string]int{}}
	return nil
}

func (w *Writer) claim(enc, what string) error {
	if prev, ok := w.encNames[enc]; ok {
		return fmt.Errorf("msi: %s: stream name collides with %s", what, prev)
	}
	// CFB compares names case-insensitively, so check that as well.
	for e, prev := range w.encNames {
		if cfb.CompareNames(e, enc) == 0 {
			return fmt.Errorf("msi: %s: stream name collides with %s", what, prev)
		}
	}
	w.encNames[enc] = what
	return nil
}

// AddRow appends a row to table. values must match the table's columns
// in number and type: string (or nil) for string columns, an integer type
// (or nil) for integer columns, []byte (or nil) for binary columns. A
// binary value becomes the stream "Table.Key" (key columns joined by ".").
func (w *Writer) AddRow(table string, values ...any) error {
	if w.closed {
		return errors.New("msi: writer closed")
	}
	t, ok := w.tables[table]
	if !ok {
		return fmt.Errorf("msi: table %s: not created", table)
	}
	rowNum := len(t.rows) + 1
	if len(values) != len(t.schema.Columns) {
		return fmt.Errorf("msi: table %s, row %d: %d values, table has %d columns", table, rowNum, len(values), len(t.schema.Columns))
	}
	row := make([]any, len(values))
	for i, v := range values {
		c := &t.schema.Columns[i]
		nv, err := w.normalise(v, t.types[i])
		if err != nil {
			return fmt.Errorf("msi: table %s, column %s, row %d: %w", table, c.Name, rowNum, err)
		}
		if nv == nil && !t.types[i].nullable {
			return fmt.Errorf("msi: table %s, column %s, row %d: NULL (or \"\") in a non-nullable column", table, c.Name, rowNum)
		}
		row[i] = nv
	}
	var key strings.Builder
	var keyParts []string
	for i, c := range t.schema.Columns {
		if !c.Key {
			break
		}
		var part string
		switch v := row[i].(type) {
		case string:
			part = v
		case int32:
			part = strconv.Itoa(int(v))
		}
		keyParts = append(keyParts, part)
		fmt.Fprintf(&key, "%T\x00%s\x00", row[i], part)
	}
	if prev, dup := t.keys[key.String()]; dup {
		return fmt.Errorf("msi: table %s, row %d: primary key (%s) duplicates row %d", table, rowNum, strings.Join(keyParts, ", "), prev)
	}
	var claimed []string
	for i, v := range row {
		if b, ok := v.([]byte); ok {
			name := table + "." + strings.Join(keyParts, ".")
			enc := EncodeStreamName(name, false)
			err := checkEncoded(name, enc)
			if err == nil {
				err = w.claim(enc, fmt.Sprintf("table %s, column %s, row %d", table, t.schema.Columns[i].Name, rowNum))
			}
			if err != nil {
				for _, e := range claimed {
					delete(w.encNames, e)
				}
				return fmt.Errorf("msi: table %s, column %s, row %d: %w", table, t.schema.Columns[i].Name, rowNum, err)
			}
			claimed = append(claimed, enc)
			row[i] = bytes.Clone(b)
		}
	}
	t.keys[key.String()] = rowNum
	t.rows = append(t.rows, row)
	return nil
}

func (w *Writer) normalise(v any, ct colType) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch ct.kind {
	case kindString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want string, got %T (%v)", v, v)
		}
		if s == "" {
			return nil, nil
		}
		if ct.size > 0 {
			if n := utf8.RuneCountInString(s); n > ct.size {
				return nil, fmt.Errorf("string of %d characters exceeds column size %d", n, ct.size)
			}
		}
		enc, err := encodeString(s, w.codepage)
		if err != nil {
			return nil, err
		}
		if len(enc) > MaxStringBytes {
			return nil, fmt.Errorf("string of %d bytes exceeds the %d-byte limit", len(enc), MaxStringBytes)
		}
		return s, nil
	case kindInt16, kindInt32:
		var n int64
		switch x := v.(type) {
		case int:
			n = int64(x)
		case int8:
			n = int64(x)
		case int16:
			n = int64(x)
		case int32:
			n = int64(x)
		case int64:
			n = x
		case uint:
			n = int64(min(uint64(x), math.MaxInt64))
		case uint8:
			n = int64(x)
		case uint16:
			n = int64(x)
		case uint32:
			n = int64(x)
		case uint64:
			n = int64(min(x, math.MaxInt64))
		default:
			return nil, fmt.Errorf("want integer, got %T (%v)", v, v)
		}
		// The most negative value of each width is the NULL encoding.
		lim := int64(math.MaxInt16)
		if ct.kind == kindInt32 {
			lim = math.MaxInt32
		}
		if n < -lim || n > lim {
			return nil, fmt.Errorf("integer %d outside %d..%d", n, -lim, lim)
		}
		return int32(n), nil
	case kindBinary:
		b, ok := v.([]byte)
		if !ok {
			return nil, fmt.Errorf("want []byte, got %T", v)
		}
		if len(b) == 0 {
			return nil, nil
		}
		if int64(len(b)) > cfb.MaxStreamSize {
			return nil, fmt.Errorf("binary value of %d bytes too large", len(b))
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown column kind %d", ct.kind)
}

// AddValidation creates the _Validation table (if not yet created) and
// adds rows describing every table created so far, itself included,
// from the Category, Range, KeyTable, KeyColumn and Set of their columns.
// Call it after the last CreateTable.
func (w *Writer) AddValidation() error {
	if _, ok := w.tables["_Validation"]; !ok {
		if err := w.CreateTable(ValidationTable()); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(w.tables))
	for n := range w.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	schemas := make([]Table, 0, len(names))
	for _, n := range names {
		schemas = append(schemas, w.tables[n].schema)
	}
	rows, err := ValidationRows(schemas...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.AddRow("_Validation", r...); err != nil {
			return err
		}
	}
	return nil
}

// MaxStreamNameLen is the longest name AddStream accepts (the _Streams
// table's Name column is s62).
const MaxStreamNameLen = 62

// AddStream adds a raw stream to the database, such as an embedded
// cabinet referenced by Media.Cabinet "#name". The name is compressed as
// msi.dll does (no table prefix). data is kept until Close.
func (w *Writer) AddStream(name string, data []byte) error {
	return w.addStream(name, &wstream{data: data, size: int64(len(data))})
}

// AddStreamReader adds a raw stream of exactly size bytes read from r
// during Close.
func (w *Writer) AddStreamReader(name string, r io.Reader, size int64) error {
	if r == nil {
		return fmt.Errorf("msi: stream %q: nil reader", name)
	}
	return w.addStream(name, &wstream{r: r, size: size})
}

func (w *Writer) addStream(name string, s *wstream) error {
	if w.closed {
		return errors.New("msi: writer closed")
	}
	if name == "" || utf8.RuneCountInString(name) > MaxStreamNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("msi: stream %q: name must be 1..%d characters of valid UTF-8", name, MaxStreamNameLen)
	}
	if name[0] == 5 {
		return fmt.Errorf("msi: stream %q: names starting with \\x05 are reserved (use SetSummary)", name)
	}
	for _, r := range name {
		if r < 0x20 || (r >= 0x3800 && r <= 0x4840) {
			return fmt.Errorf("msi: stream %q: character %U not allowed", name, r)
		}
	}
	if s.size < 0 || s.size > cfb.MaxStreamSize {
		return fmt.Errorf("msi: stream %q: size %d out of range", name, s.size)
	}
	s.enc = EncodeStreamName(name, false)
	if err := checkEncoded(name, s.enc); err != nil {
		return fmt.Errorf("msi: stream: %w", err)
	}
	if err := w.claim(s.enc, fmt.Sprintf("stream %q", name)); err != nil {
		return err
	}
	w.streams = append(w.streams, s)
	return nil
}

// stringPool interns strings; ids start at 1 (0 is NULL).
type stringPool struct {
	ids   map[string]uint32
	strs  []string // index id-1
	refs  []uint32
	bytes [][]byte
}

func (p *stringPool) intern(s string, cp int) (uint32, error) {
	if id, ok := p.ids[s]; ok {
		p.refs[id-1]++
		return id, nil
	}
	enc, err := encodeString(s, cp)
	if err != nil {
		return 0, err
	}
	p.strs = append(p.strs, s)
	p.refs = append(p.refs, 1)
	p.bytes = append(p.bytes, enc)
	id := uint32(len(p.strs))
	p.ids[s] = id
	return id, nil
}

// rawTable is a table ready for serialisation: cells as stored values.
type rawTable struct {
	name  string
	kinds []kind
	nKeys int
	rows  [][]uint32
}

// Close writes the database. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return errors.New("msi: writer already closed")
	}
	w.closed = true
	if w.summary == nil {
		return errors.New("msi: summary information not set (SetSummary)")
	}
	if !w.validation.Disabled {
		// Nothing is written unless validation passes.
		warnings, verr := w.validate()
		w.findings = warnings
		if verr != nil {
			return verr
		}
	}
	sum, err := w.summary.encode()
	if err != nil {
		return err
	}

	names := make([]string, 0, len(w.tables))
	for n := range w.tables {
		names = append(names, n)
	}
	slices.Sort(names)

	pool := &stringPool{ids: map[string]uint32{}}
	intern := func(s string) uint32 {
		id, err2 := pool.intern(s, w.codepage)
		if err2 != nil && err == nil {
			err = fmt.Errorf("msi: string pool: %q: %w", s, err2)
		}
		return id
	}
	// Catalog strings first, then cell strings table by table.
	tablesRaw := &rawTable{name: "_Tables", kinds: []kind{kindString}, nKeys: 1}
	columnsRaw := &rawTable{name: "_Columns", kinds: []kind{kindString, kindInt16, kindString, kindInt16}, nKeys: 2}
	for _, n := range names {
		t := w.tables[n]
		tid := intern(n)
		tablesRaw.rows = append(tablesRaw.rows, []uint32{tid})
		for i, c := range t.schema.Columns {
			ctid := intern(n)
			cid := intern(c.Name)
			columnsRaw.rows = append(columnsRaw.rows, []uint32{
				ctid, storeInt(int32(i+1), kindInt16), cid,
				storeInt(int32(t.types[i].bits(c.Key)), kindInt16),
			})
		}
	}
	var raws []*rawTable
	for _, n := range names {
		t := w.tables[n]
		rt := &rawTable{name: n}
		for i, c := range t.schema.Columns {
			rt.kinds = append(rt.kinds, t.types[i].kind)
			if c.Key {
				rt.nKeys++
			}
		}
		for _, row := range t.rows {
			cells := make([]uint32, len(row))
			for i, v := range row {
				switch x := v.(type) {
				case string:
					cells[i] = intern(x)
				case int32:
					cells[i] = storeInt(x, t.types[i].kind)
				case []byte:
					cells[i] = 1
				}
			}
			rt.rows = append(rt.rows, cells)
		}
		raws = append(raws, rt)
	}
	if err != nil {
		return err
	}
	strWidth := 2
	if len(pool.strs) > 0xFFFF {
		strWidth = 3
	}

	cw := cfb.NewWriter(w.w)
	cw.SetRootCLSID(cfb.CLSIDMSI)
	add := func(enc string, data []byte) {
		if e := cw.AddStream(enc, data); e != nil && err == nil {
			err = fmt.Errorf("msi: %w", e)
		}
	}
	add(SummaryStreamName, sum)
	poolData, strData := encodePool(pool, w.codepage, strWidth)
	add(EncodeStreamName("_StringPool", true), poolData)
	add(EncodeStreamName("_StringData", true), strData)
	// _Tables is always written, even when empty; other tables only with rows.
	add(EncodeStreamName("_Tables", true), tablesRaw.encode(strWidth))
	if len(columnsRaw.rows) > 0 {
		add(EncodeStreamName("_Columns", true), columnsRaw.encode(strWidth))
	}
	for _, rt := range raws {
		if len(rt.rows) > 0 {
			add(EncodeStreamName(rt.name, true), rt.encode(strWidth))
		}
	}
	for _, n := range names {
		t := w.tables[n]
		for _, row := range t.rows {
			var keyParts []string
			for i, c := range t.schema.Columns {
				if !c.Key {
					break
				}
				switch v := row[i].(type) {
				case string:
					keyParts = append(keyParts, v)
				case int32:
					keyParts = append(keyParts, strconv.Itoa(int(v)))
				default:
					keyParts = append(keyParts, "")
				}
			}
			for _, v := range row {
				if b, ok := v.([]byte); ok {
					add(EncodeStreamName(n+"."+strings.Join(keyParts, "."), false), b)
				}
			}
		}
	}
	for _, s := range w.streams {
		if s.r != nil {
			if e := cw.AddStreamReader(s.enc, s.r, s.size); e != nil && err == nil {
				err = fmt.Errorf("msi: %w", e)
			}
		} else {
			add(s.enc, s.data)
		}
	}
	if err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("msi: %w", err)
	}
	return nil
}

// storeInt gives the stored form of an integer cell: the value with its
// sign bit flipped, so that 0 can mean NULL.
func storeInt(v int32, k kind) uint32 {
	if k == kindInt16 {
		return uint32(uint16(int16(v)) ^ 0x8000)
	}
	return uint32(v) ^ 0x80000000
}

func (rt *rawTable) width(i, strWidth int) int {
	switch rt.kinds[i] {
	case kindString:
		return strWidth
	case kindInt32:
		return 4
	default: // i2 and binary
		return 2
	}
}

// encode sorts the rows by their stored key values (msi.dll requires
// this; a string key sorts by string id, not text) and lays the cells out
// column by column.
func (rt *rawTable) encode(strWidth int) []byte {
	slices.SortStableFunc(rt.rows, func(a, b []uint32) int {
		for i := range rt.nKeys {
			if c := cmp.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	var out []byte
	for i := range rt.kinds {
		wd := rt.width(i, strWidth)
		for _, row := range rt.rows {
			v := row[i]
			switch wd {
			case 2:
				out = binary.LittleEndian.AppendUint16(out, uint16(v))
			case 3:
				out = append(out, byte(v), byte(v>>8), byte(v>>16))
			case 4:
				out = binary.LittleEndian.AppendUint32(out, v)
			}
		}
	}
	return out
}

// encodePool builds the _StringPool and _StringData streams.
func encodePool(p *stringPool, cp, strWidth int) ([]byte, []byte) {
	hdr := uint32(cp)
	if strWidth == 3 {
		hdr |= 0x80000000
	}
	pool := binary.LittleEndian.AppendUint32(nil, hdr)
	var data []byte
	for i, b := range p.bytes {
		pool = binary.LittleEndian.AppendUint16(pool, uint16(len(b)))
		pool = binary.LittleEndian.AppendUint16(pool, uint16(min(p.refs[i], 0xFFFF)))
		data = append(data, b...)
	}
	return pool, data
}
