package msi

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/svcship/svcship/msi/cfb"
)

func units(s string) []uint16 { return utf16.Encode([]rune(s)) }

func TestEncodeStreamName(t *testing.T) {
	tests := []struct {
		name  string
		table bool
		want  []uint16
	}{
		{"_Columns", true, []uint16{0x4840, 0x3B3F, 0x43F2, 0x4438, 0x45B1}},
		{"_Tables", true, []uint16{0x4840, 0x3F7F, 0x4164, 0x422F, 0x4836}},
		{"App.exe", false, []uint16{0x44CA, 0x47B3, 0x46E8, 0x4828}},
		{"\x05SummaryInformation", false, units("\x05SummaryInformation")},
		{"a-b", false, []uint16{0x4800 + 36, '-', 0x4800 + 37}},
	}
	for _, tc := range tests {
		enc := EncodeStreamName(tc.name, tc.table)
		if got := units(enc); !slices.Equal(got, tc.want) {
			t.Errorf("EncodeStreamName(%q, %v) = %04X, want %04X", tc.name, tc.table, got, tc.want)
		}
		dec, table := DecodeStreamName(enc)
		if dec != tc.name || table != tc.table {
			t.Errorf("DecodeStreamName(%q) = %q, %v", enc, dec, table)
		}
	}
}

func TestColumnTypeBits(t *testing.T) {
	tests := []struct {
		idt  string
		key  bool
		want int
	}{
		{"s72", false, 0x0D48}, {"S72", false, 0x1D48}, {"s255", false, 0x0DFF}, {"S255", false, 0x1DFF},
		{"l0", false, 0x0F00}, {"L0", false, 0x1F00}, {"l255", false, 0x0FFF}, {"i2", false, 0x0502},
		{"I2", false, 0x1502}, {"i4", false, 0x0104}, {"I4", false, 0x1104}, {"v0", false, 0x0900},
		{"V0", false, 0x1900}, {"s72", true, 11592},
	}
	for _, tc := range tests {
		ct, err := parseType(tc.idt)
		if err != nil {
			t.Fatal(err)
		}
		if got := ct.bits(tc.key); got != tc.want {
			t.Errorf("%s key=%v: bits %#x, want %#x", tc.idt, tc.key, got, tc.want)
		}
		back, err := typeFromBits(tc.want)
		if err != nil || back != tc.idt {
			t.Errorf("typeFromBits(%#x) = %q, %v; want %q", tc.want, back, err, tc.idt)
		}
	}
	for _, bad := range []string{"", "x7", "i3", "s256", "v1", "s", "s-1"} {
		if _, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q) accepted", bad)
		}
	}
}

// TestStandardSchemas checks a few column types against the values
// Windows Installer's own schema gives.
func TestStandardSchemas(t *testing.T) {
	want := map[string]map[string]int{
		"Property":       {"Property": 0x2D48, "Value": 0x0F00},
		"File":           {"File": 0x2D48, "FileSize": 0x0104, "Version": 0x1D48, "Sequence": 0x0104, "Attributes": 0x1502},
		"Media":          {"DiskId": 0x2502, "LastSequence": 0x0104, "Cabinet": 0x1DFF},
		"Feature":        {"Feature": 0x2D26, "Title": 0x1F40},
		"ServiceInstall": {"Name": 0x0DFF, "ServiceType": 0x0104, "DisplayName": 0x1FFF},
		"Upgrade":        {"UpgradeCode": 0x2D26, "VersionMin": 0x3D14, "Attributes": 0x2104, "ActionProperty": 0x0D48},
		"Binary":         {"Data": 0x0900},
		"_Validation":    {"Table": 0x2D20, "Nullable": 0x0D04},
	}
	for tn, cols := range want {
		tb := std(t, tn)
		if _, err := tb.validate(); err != nil {
			t.Fatal(err)
		}
		for _, c := range tb.Columns {
			w, ok := cols[c.Name]
			if !ok {
				continue
			}
			ct, _ := parseType(c.Type)
			if got := ct.bits(c.Key); got != w {
				t.Errorf("%s.%s: type %#x, want %#x", tn, c.Name, got, w)
			}
		}
	}
	if len(StandardTableNames()) < 25 {
		t.Errorf("only %d standard tables", len(StandardTableNames()))
	}
	// Fresh copies: changing one must not change the next.
	a := std(t, "File")
	a.Columns[0].Name = "changed"
	if std(t, "File").Columns[0].Name != "File" {
		t.Error("StandardTable returns shared state")
	}
}

func TestRoundTrip(t *testing.T) {
	f := serviceFixture(t)
	file := f.write(t)
	r, err := Open(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Codepage() != 1252 {
		t.Errorf("codepage %d", r.Codepage())
	}
	gotTables := r.Tables()
	slices.Sort(gotTables)
	if want := StandardTableNames(); !slices.Equal(gotTables, want) {
		t.Errorf("tables %v, want %v", gotTables, want)
	}
	for _, tb := range f.tables {
		s, err := r.Schema(tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Columns) != len(tb.Columns) {
			t.Fatalf("%s: %d columns", tb.Name, len(s.Columns))
		}
		for i, c := range tb.Columns {
			if s.Columns[i].Name != c.Name || s.Columns[i].Type != c.Type || s.Columns[i].Key != c.Key {
				t.Errorf("%s column %d: got %+v, want %s %s key=%v", tb.Name, i, s.Columns[i], c.Name, c.Type, c.Key)
			}
		}
		rows, err := r.Rows(tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := canon(rows), canon(f.rows[tb.Name]); !slices.Equal(got, want) {
			t.Errorf("%s rows:\n got %q\nwant %q", tb.Name, got, want)
		}
	}
	cab, err := r.Stream("app.cab")
	if err != nil || !bytes.Equal(cab, f.streams["app.cab"]) {
		t.Errorf("app.cab stream: %v", err)
	}
	wantStreams := []string{"\x05SummaryInformation", "Binary.Helper", "Icon.app.ico", "app.cab"}
	if got := r.Streams(); !slices.Equal(got, wantStreams) {
		t.Errorf("streams %q, want %q", got, wantStreams)
	}
	sum, err := r.Summary()
	if err != nil {
		t.Fatal(err)
	}
	want := f.summary
	want.Codepage = 1252
	if sum != want {
		t.Errorf("summary\n got %+v\nwant %+v", sum, want)
	}
}

// TestRowOrderByStringID: keys must sort by string id, not by text.
func TestRowOrderByStringID(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
	tb := Table{Name: "T", Columns: []Column{{Name: "K", Type: "s10", Key: true}, {Name: "N", Type: "i2", Key: true}, {Name: "V", Type: "I4"}}}
	if err := w.CreateTable(tb); err != nil {
		t.Fatal(err)
	}
	// Strings are interned in first-use order after the catalog strings,
	// so "zeta" gets a lower id than "alpha".
	for _, r := range [][]any{{"zeta", 5, 1}, {"alpha", -3, 2}, {"zeta", -7, 3}, {"alpha", 300, nil}} {
		if err := w.AddRow("T", r...); err != nil {
			t.Fatal(err)
		}
	}
	w.SetSummary(testSummary())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := r.Rows("T")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"zeta", -7, 3}, {"zeta", 5, 1}, {"alpha", -3, 2}, {"alpha", 300, nil}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("stored order %v, want %v", rows, want)
	}
}

func testSummary() SummaryInfo {
	return SummaryInfo{Template: "x64;1033", RevisionNumber: "{00000000-0000-0000-0000-000000000000}", PageCount: 200, WordCount: 2}
}

func TestStringPoolRefCounts(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
	if err := w.CreateTable(std(t, "Property")); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{{"A", "Property"}, {"B", "x"}, {"C", "x"}, {"D", "A"}} {
		if err := w.AddRow("Property", r...); err != nil {
			t.Fatal(err)
		}
	}
	w.SetSummary(testSummary())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	// "Property": _Tables 1 + _Columns table name 2 + column name 1 + cell 1.
	for s, want := range map[string]int{"Property": 5, "Value": 1, "x": 2, "A": 2, "B": 1} {
		if got := r.stringRefCount(s); got != want {
			t.Errorf("refcount(%q) = %d, want %d", s, got, want)
		}
	}
	if r.stringRefCount("") != -1 {
		t.Error("empty string interned")
	}
}

// TestLongStringRefs: more than 65535 strings switch every string cell to
// 3 bytes.
func TestLongStringRefs(t *testing.T) {
	file := longStringDB(t, 70000)
	r, err := Open(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if !r.LongStringRefs() {
		t.Fatal("long string refs not used")
	}
	rows, err := r.Rows("Property")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 70000 || rows[69999][0] != "P69999" || rows[69999][1] != "v69999" {
		t.Fatalf("%d rows, last %v", len(rows), rows[len(rows)-1])
	}
	small := longStringDB(t, 10)
	r, err = Open(bytes.NewReader(small), int64(len(small)))
	if err != nil || r.LongStringRefs() {
		t.Fatalf("small db uses long refs (err %v)", err)
	}
}

func longStringDB(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
	if err := w.CreateTable(std(t, "Property")); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.AddRow("Property", fmt.Sprintf("P%d", i), fmt.Sprintf("v%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	w.SetSummary(testSummary())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	a := serviceFixture(t).write(t)
	b := serviceFixture(t).write(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of the same input differ")
	}
	// Creating tables in another order must not change the bytes either.
	f := serviceFixture(t)
	slices.Reverse(f.tables)
	if !bytes.Equal(a, f.write(t)) {
		t.Fatal("output depends on table creation order")
	}
}

func TestWriterErrors(t *testing.T) {
	prop := std(t, "Property")
	tests := []struct {
		name string
		run  func(w *Writer) error
		want string
	}{
		{"bad table name", func(w *Writer) error { return w.CreateTable(Table{Name: "1abc", Columns: prop.Columns}) }, `table "1abc": name is not an identifier`},
		{"table name with space", func(w *Writer) error { return w.CreateTable(Table{Name: "My Table", Columns: prop.Columns}) }, "not an identifier"},
		{"long table name", func(w *Writer) error {
			return w.CreateTable(Table{Name: strings.Repeat("T", 32), Columns: prop.Columns})
		}, "32 characters, limit 31"},
		{"reserved table", func(w *Writer) error { return w.CreateTable(Table{Name: "_Columns", Columns: prop.Columns}) }, "reserved"},
		{"duplicate table", func(w *Writer) error {
			_ = w.CreateTable(prop)
			return w.CreateTable(prop)
		}, "table Property: already created"},
		{"bad column name", func(w *Writer) error {
			return w.CreateTable(Table{Name: "T", Columns: []Column{{Name: "a-b", Type: "s72", Key: true}}})
		}, `table T, column "a-b"`},
		{"bad column type", func(w *Writer) error {
			return w.CreateTable(Table{Name: "T", Columns: []Column{{Name: "A", Type: "x9", Key: true}}})
		}, "table T, column A: type \"x9\""},
		{"key after non-key", func(w *Writer) error {
			return w.CreateTable(Table{Name: "T", Columns: []Column{{Name: "A", Type: "s72", Key: true}, {Name: "B", Type: "s72"}, {Name: "C", Type: "s72", Key: true}}})
		}, "table T, column C: key columns must come first"},
		{"no key", func(w *Writer) error {
			return w.CreateTable(Table{Name: "T", Columns: []Column{{Name: "A", Type: "s72"}}})
		}, "no primary key"},
		{"binary key", func(w *Writer) error {
			return w.CreateTable(Table{Name: "T", Columns: []Column{{Name: "A", Type: "v0", Key: true}}})
		}, "binary column cannot be a key"},
		{"unknown table", func(w *Writer) error { return w.AddRow("Nope", "a") }, "table Nope: not created"},
		{"wrong value count", func(w *Writer) error { return w.AddRow("Property", "a") }, "table Property, row 1: 1 values, table has 2 columns"},
		{"string too long", func(w *Writer) error {
			return w.AddRow("Property", strings.Repeat("p", 73), "v")
		}, "table Property, column Property, row 1: string of 73 characters exceeds column size 72"},
		{"null in non-nullable", func(w *Writer) error { return w.AddRow("Property", "P", nil) }, "table Property, column Value, row 1: NULL"},
		{"empty string is null", func(w *Writer) error { return w.AddRow("Property", "P", "") }, "column Value, row 1: NULL"},
		{"wrong value type", func(w *Writer) error { return w.AddRow("Property", "P", 5) }, "table Property, column Value, row 1: want string, got int"},
		{"int for string", func(w *Writer) error { return w.AddRow("Media", "1", 1, nil, nil, nil, nil) }, "table Media, column DiskId, row 1: want integer, got string"},
		{"i2 out of range", func(w *Writer) error { return w.AddRow("Media", 1, 1, nil, nil, nil, nil, 0) }, "7 values"},
		{"i2 overflow", func(w *Writer) error { return w.AddRow("Media", -32768, 1, nil, nil, nil, nil) }, "column DiskId, row 1: integer -32768 outside -32767..32767"},
		{"i4 overflow", func(w *Writer) error { return w.AddRow("Media", 1, int64(1)<<31, nil, nil, nil, nil) }, "column LastSequence, row 1: integer 2147483648 outside"},
		{"unencodable", func(w *Writer) error { return w.AddRow("Property", "P", "日本") }, "table Property, column Value, row 1: character '日' cannot be encoded in codepage 1252"},
		{"duplicate key", func(w *Writer) error {
			_ = w.AddRow("Property", "P", "1")
			return w.AddRow("Property", "P", "2")
		}, "table Property, row 2: primary key (P) duplicates row 1"},
		{"binary wrong type", func(w *Writer) error { return w.AddRow("Binary", "B", "text") }, "table Binary, column Data, row 1: want []byte"},
		{"binary stream name too long", func(w *Writer) error {
			return w.AddRow("Binary", strings.Repeat("-", 60), []byte{1})
		}, "table Binary, column Data, row 1: stream name"},
		{"stream name over 62", func(w *Writer) error { return w.AddStream(strings.Repeat("a", 63), nil) }, "1..62 characters"},
		{"stream encoded over 31", func(w *Writer) error { return w.AddStream(strings.Repeat("a-", 16), nil) }, "encodes to 32 UTF-16 code units, limit 31"},
		{"stream 62 alphabet chars ok", func(w *Writer) error {
			if err := w.AddStream(strings.Repeat("a", 62), nil); err != nil {
				return err
			}
			return fmt.Errorf("ok")
		}, "ok"},
		{"stream collides with binary", func(w *Writer) error {
			_ = w.AddRow("Binary", "B", []byte{1})
			return w.AddStream("Binary.B", []byte{2})
		}, "collides with table Binary, column Data, row 1"},
		{"stream reserved prefix", func(w *Writer) error { return w.AddStream("\x05DigitalSignature", nil) }, "reserved"},
		{"stream bad char", func(w *Writer) error { return w.AddStream("a/b", nil) }, "contains"},
		{"no summary", func(w *Writer) error { return w.Close() }, "summary information not set"},
		{"summary without template", func(w *Writer) error {
			w.SetSummary(SummaryInfo{RevisionNumber: "x", PageCount: 200})
			return w.Close()
		}, "Template is required"},
		{"codepage 65001", func(w *Writer) error { return w.SetCodepage(65001) }, "codepage 65001 not supported"},
		{"neutral codepage rejects non-ASCII", func(w *Writer) error {
			if err := w.SetCodepage(CodepageNeutral); err != nil {
				return err
			}
			return w.AddRow("Property", "P", "é")
		}, "cannot be encoded in codepage 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriter(io.Discard)
			w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
			for _, n := range []string{"Property", "Media", "Binary"} {
				if tc.name != "duplicate table" || n != "Property" {
					if err := w.CreateTable(std(t, n)); err != nil {
						t.Fatal(err)
					}
				}
			}
			err := tc.run(w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant containing %q", err, tc.want)
			}
		})
	}
}

func TestWriterErrorLeavesWriterUsable(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
	if err := w.CreateTable(std(t, "Property")); err != nil {
		t.Fatal(err)
	}
	if err := w.AddRow("Property", "P", nil); err == nil {
		t.Fatal("NULL accepted")
	}
	if err := w.AddRow("Property", "P", "ok"); err != nil {
		t.Fatalf("row after a rejected row: %v", err)
	}
	w.SetSummary(testSummary())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := r.Rows("Property")
	if fmt.Sprint(rows) != "[[P ok]]" {
		t.Errorf("rows %v", rows)
	}
}

func TestCodepageStrings(t *testing.T) {
	s := "€ café Œ ™ ÿ"
	b, err := encodeString(s, Codepage1252)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x80, ' ', 'c', 'a', 'f', 0xE9, ' ', 0x8C, ' ', 0x99, ' ', 0xFF}; !bytes.Equal(b, want) {
		t.Errorf("encoded % X, want % X", b, want)
	}
	if got := decodeString(b, Codepage1252); got != s {
		t.Errorf("decoded %q", got)
	}
}

func TestSummaryEncoding(t *testing.T) {
	s := testSummary()
	s.Title = "abc" // 4 bytes with NUL: no padding needed
	b, err := s.encode()
	if err != nil {
		t.Fatal(err)
	}
	// Header: byte order, format 0, OS version, CLSID, 1 section at 48.
	if !bytes.Equal(b[:4], []byte{0xFE, 0xFF, 0, 0}) || b[24] != 1 || b[44] != 48 {
		t.Errorf("bad header % X", b[:48])
	}
	if !bytes.Equal(b[28:44], fmtidSummary[:]) {
		t.Error("bad FMTID")
	}
	if size := int(b[48]) | int(b[49])<<8; 48+size != len(b) {
		t.Errorf("section size %d, stream %d", size, len(b))
	}
	back, err := decodeSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	s.Codepage = 1252
	if back != s {
		t.Errorf("got %+v, want %+v", back, s)
	}
}

func TestValidationRows(t *testing.T) {
	rows, err := ValidationRows(std(t, "Media"), ValidationTable())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6+10 {
		t.Fatalf("%d rows", len(rows))
	}
	if got := fmt.Sprint(rows[0]); got != "[Media DiskId N 1 32767 <nil> <nil> <nil> <nil> <nil>]" {
		t.Errorf("Media.DiskId row: %s", got)
	}
	if got := fmt.Sprint(rows[3]); got != "[Media Cabinet Y <nil> <nil> <nil> <nil> Cabinet <nil> <nil>]" {
		t.Errorf("Media.Cabinet row: %s", got)
	}
	if _, err := ValidationRows(Table{Name: "bad name"}); err == nil {
		t.Error("invalid table accepted")
	}
}

func TestAddValidation(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
	for _, n := range []string{"Property", "File"} {
		if err := w.CreateTable(std(t, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.AddValidation(); err != nil {
		t.Fatal(err)
	}
	w.SetSummary(testSummary())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := r.Rows("_Validation")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+8+10 {
		t.Fatalf("%d _Validation rows, want 20", len(rows))
	}
	found := false
	for _, row := range rows {
		if fmt.Sprint(row) == "[File Sequence N 1 2147483647 <nil> <nil> <nil> <nil> <nil>]" {
			found = true
		}
	}
	if !found {
		t.Errorf("no File.Sequence row in %v", rows)
	}
}

// TestReaderRejectsUnsortedRows hand-builds a database whose Property rows
// are out of key order (Windows error 2219) and expects Rows to refuse it.
func TestReaderRejectsUnsortedRows(t *testing.T) {
	le := func(vs ...uint16) []byte {
		var b []byte
		for _, v := range vs {
			b = append(b, byte(v), byte(v>>8))
		}
		return b
	}
	// Strings: 1 Property, 2 Value, 3 A, 4 B, 5 x.
	strs := []string{"Property", "Value", "A", "B", "x"}
	refs := []uint16{4, 1, 1, 1, 2}
	pool := le(1252, 0)
	var data []byte
	for i, s := range strs {
		pool = append(pool, le(uint16(len(s)), refs[i])...)
		data = append(data, s...)
	}
	streams := map[string][]byte{
		"_StringPool": pool,
		"_StringData": data,
		"_Tables":     le(1),
		"_Columns":    le(1, 1, 0x8001, 0x8002, 1, 2, 0x8000|0x2D48, 0x8000|0x0F00),
		"Property":    le(4, 3, 5, 5), // B before A: unsorted
	}
	var buf bytes.Buffer
	cw := cfb.NewWriter(&buf)
	cw.SetRootCLSID(cfb.CLSIDMSI)
	for n, b := range streams {
		if err := cw.AddStream(EncodeStreamName(n, true), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Schema("Property"); len(s.Columns) != 2 || s.Columns[0].Type != "s72" || !s.Columns[0].Key || s.Columns[1].Type != "l0" {
		t.Fatalf("schema %+v", s)
	}
	_, err = r.Rows("Property")
	if err == nil || !strings.Contains(err.Error(), "not in ascending primary-key order") {
		t.Fatalf("err = %v", err)
	}
}
