package msi

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/richardlehane/mscfb"

	"github.com/svcship/svcship/msi/cfb"
)

const identChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789."

func randIdent(r *rand.Rand, maxLen int) string {
	n := 1 + r.IntN(maxLen)
	b := []byte{identChars[r.IntN(53)]} // letter or _
	for len(b) < n {
		b = append(b, identChars[r.IntN(len(identChars))])
	}
	return string(b)
}

func randText(r *rand.Rand, maxLen int) string {
	const extra = "é€ß -+!/\\:;"
	var b strings.Builder
	n := 1 + r.IntN(maxLen)
	for i := 0; i < n; i++ {
		if r.IntN(8) == 0 {
			rs := []rune(extra)
			b.WriteRune(rs[r.IntN(len(rs))])
		} else {
			b.WriteByte(identChars[r.IntN(len(identChars))])
		}
	}
	return b.String()
}

// FuzzWriter builds random databases, writes them, and reads them back
// with this package's Reader and the compound-file layer with mscfb.
func FuzzWriter(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(10), uint32(100))
	f.Add(uint64(2), uint8(1), uint8(200), uint32(5000))
	f.Add(uint64(3), uint8(8), uint8(0), uint32(70000))
	f.Fuzz(func(t *testing.T, seed uint64, nTables, nRows uint8, streamSize uint32) {
		r := rand.New(rand.NewPCG(seed, uint64(nTables)))
		streamSize %= 1 << 18
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
		type want struct {
			table Table
			rows  [][]any
		}
		var tables []*want
		for range int(nTables%10) + 1 {
			tb := Table{Name: randIdent(r, 31)}
			nCols := 1 + r.IntN(6)
			for c := range nCols {
				col := Column{Name: fmt.Sprintf("%s%d", randIdent(r, 10), c), Key: c == 0 || (c == 1 && r.IntN(2) == 0)}
				switch r.IntN(4) {
				case 0:
					col.Type = fmt.Sprintf("s%d", r.IntN(80))
				case 1:
					col.Type = []string{"i2", "i4"}[r.IntN(2)]
				case 2:
					col.Type = fmt.Sprintf("L%d", r.IntN(80))
				default:
					if col.Key {
						col.Type = "I4"
					} else {
						col.Type = "V0"
					}
				}
				tb.Columns = append(tb.Columns, col)
			}
			if err := w.CreateTable(tb); err != nil {
				if strings.Contains(err.Error(), "already created") || strings.Contains(err.Error(), "collides") {
					continue
				}
				t.Fatalf("CreateTable %+v: %v", tb, err)
			}
			wt := &want{table: tb}
			tables = append(tables, wt)
			types, _ := tb.validate()
			for range int(nRows) {
				row := make([]any, len(tb.Columns))
				for i, ct := range types {
					if ct.nullable && r.IntN(4) == 0 {
						continue
					}
					switch ct.kind {
					case kindString:
						size := ct.size
						if size == 0 {
							size = 300
						}
						row[i] = randText(r, size)
					case kindInt16:
						row[i] = r.IntN(65535) - 32767
					case kindInt32:
						row[i] = int(r.Int32()) - r.IntN(2)*int(r.Int32())
						if row[i] == -2147483648 {
							row[i] = 0
						}
					case kindBinary:
						row[i] = bytes.Repeat([]byte{byte(r.Uint32())}, 1+r.IntN(int(streamSize)%6000+1))
					}
				}
				if err := w.AddRow(tb.Name, row...); err != nil {
					if strings.Contains(err.Error(), "duplicates row") || strings.Contains(err.Error(), "stream name") || strings.Contains(err.Error(), "collides") {
						continue
					}
					t.Fatalf("AddRow %s %v: %v", tb.Name, row, err)
				}
				wt.rows = append(wt.rows, row)
			}
		}
		streams := map[string][]byte{}
		for i := range 3 {
			name := randText(r, 20)
			data := make([]byte, int(streamSize)>>(2*i))
			for j := range data {
				data[j] = byte(j * (i + 3))
			}
			if err := w.AddStream(name, data); err != nil {
				continue // collisions and over-long encodings are rejected
			}
			streams[name] = data
		}
		w.SetSummary(testSummary())
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		file := buf.Bytes()

		rd, err := Open(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			t.Fatal(err)
		}
		for _, wt := range tables {
			rows, err := rd.Rows(wt.table.Name)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := canon(rows), canon(wt.rows); !slices.Equal(got, want) {
				t.Fatalf("table %s: rows differ\n got %q\nwant %q", wt.table.Name, got, want)
			}
		}
		for name, data := range streams {
			got, err := rd.Stream(name)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("stream %q: %v", name, err)
			}
		}

		// mscfb must see the same streams with the same bytes.
		cr, err := cfb.NewReader(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			t.Fatal(err)
		}
		own := map[string][]byte{}
		for _, s := range cr.Streams() {
			b, err := cr.ReadStream(s.Path)
			if err != nil {
				t.Fatal(err)
			}
			own[s.Path] = b
		}
		m, err := mscfb.New(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("mscfb: %v", err)
		}
		n := 0
		for e, err := m.Next(); err == nil; e, err = m.Next() {
			name := e.Name
			if !unicode.IsPrint(rune(e.Initial)) {
				name = string(rune(e.Initial)) + name
			}
			b, err := io.ReadAll(e)
			if err != nil {
				t.Fatalf("mscfb read %q: %v", name, err)
			}
			if !bytes.Equal(b, own[name]) {
				t.Fatalf("mscfb stream %q: %d bytes, own reader %d", name, len(b), len(own[name]))
			}
			n++
		}
		if n != len(own) {
			t.Fatalf("mscfb saw %d streams, own reader %d", n, len(own))
		}
	})
}
