package cfb

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/richardlehane/mscfb"
)

// build writes streams (name -> data) and returns the file.
func build(t testing.TB, clsid [16]byte, streams map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetRootCLSID(clsid)
	names := make([]string, 0, len(streams))
	for n := range streams {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := w.AddStream(n, streams[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// readBoth reads every stream with this package's Reader and with mscfb and
// checks that both see exactly want.
func readBoth(t testing.TB, file []byte, want map[string][]byte) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatalf("own reader: %v", err)
	}
	got := map[string][]byte{}
	for _, s := range r.Streams() {
		b, err := r.ReadStream(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != s.Size {
			t.Fatalf("%q: read %d bytes, size %d", s.Path, len(b), s.Size)
		}
		got[s.Path] = b
	}
	compareMaps(t, "own reader", got, want)

	m, err := mscfb.New(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("mscfb: %v", err)
	}
	got = map[string][]byte{}
	for f, err := m.Next(); err == nil; f, err = m.Next() {
		name := f.Name
		if !unicode.IsPrint(rune(f.Initial)) {
			name = string(rune(f.Initial)) + name
		}
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatalf("mscfb read %q: %v", name, err)
		}
		got[name] = b
	}
	compareMaps(t, "mscfb", got, want)
}

func compareMaps(t testing.TB, who string, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d streams, want %d", who, len(got), len(want))
	}
	for n, w := range want {
		g, ok := got[n]
		if !ok {
			t.Fatalf("%s: stream %q missing", who, n)
		}
		if !bytes.Equal(g, w) {
			t.Fatalf("%s: stream %q: %d bytes differ from %d written", who, n, len(g), len(w))
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		streams map[string][]byte
	}{
		{"empty file", map[string][]byte{}},
		{"one empty stream", map[string][]byte{"a": {}}},
		{"mini only", map[string][]byte{"a": pattern(1, 1), "bb": pattern(63, 2), "ccc": pattern(64, 3), "d": pattern(4095, 4)}},
		{"cutoff boundary", map[string][]byte{"small": pattern(4095, 5), "big": pattern(4096, 6), "big2": pattern(4097, 7)}},
		{"msi-like names", map[string][]byte{
			"\x05SummaryInformation": pattern(400, 8),
			"䡀㼿䅤䈯䠶":                  pattern(10, 9),
			"䡀㬿䏲䐸䖱":                  pattern(100, 10),
			"product.cab":            pattern(70000, 11),
		}},
		{"many streams", func() map[string][]byte {
			m := map[string][]byte{}
			for i := range 300 {
				m[fmt.Sprintf("s%03d", i)] = pattern(i*37%5000, uint64(i))
			}
			return m
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := build(t, CLSIDMSI, tc.streams)
			if len(file)%512 != 0 {
				t.Fatalf("file size %d not sector aligned", len(file))
			}
			readBoth(t, file, tc.streams)
			r, err := NewReader(bytes.NewReader(file), int64(len(file)))
			if err != nil {
				t.Fatal(err)
			}
			if r.RootCLSID() != CLSIDMSI {
				t.Errorf("root CLSID %x", r.RootCLSID())
			}
		})
	}
}

// TestLargeDIFAT writes a 20 MB stream, which needs more FAT sectors than
// the header's 109 slots, so DIFAT sectors must be present and correct.
func TestLargeDIFAT(t *testing.T) {
	big := pattern(20<<20, 42)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetRootCLSID(CLSIDMSI)
	if err := w.AddStreamReader("app.cab", bytes.NewReader(big), int64(len(big))); err != nil {
		t.Fatal(err)
	}
	small := pattern(1000, 43)
	if err := w.AddStream("small", small); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	nFAT := leU32(file[0x2C:])
	nDIFAT := leU32(file[0x48:])
	// 20 MiB / 512 = 40960 data sectors -> 321+ FAT sectors -> 2 DIFAT sectors.
	if nFAT <= headerDIFAT || nDIFAT != 2 {
		t.Fatalf("FAT sectors %d, DIFAT sectors %d; want >109 and 2", nFAT, nDIFAT)
	}
	if sectors := uint32(len(file)/512 - 1); nFAT*128 < sectors || (nFAT-1)*128 >= sectors {
		t.Fatalf("%d FAT sectors for %d sectors is not minimal", nFAT, sectors)
	}
	readBoth(t, file, map[string][]byte{"app.cab": big, "small": small})
}

func leU32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// TestFATBoundaries exercises sizes around the points where the FAT and
// DIFAT grow, where the fixed-point computation is most likely to be off.
func TestFATBoundaries(t *testing.T) {
	for _, secs := range []int{126, 127, 128, 129, 109*128 - 112, 109*128 - 111, 109*128 - 110, 109 * 128, 109*128 + 200} {
		t.Run(fmt.Sprint(secs), func(t *testing.T) {
			want := map[string][]byte{"x": pattern(secs*512-3, uint64(secs))}
			readBoth(t, build(t, [16]byte{}, want), want)
		})
	}
}

func TestNameOrder(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"b", "aa", -1},    // shorter first
		{"abc", "ABD", -1}, // case-insensitive
		{"ABC", "abc", 0},  // equal after uppercasing
		{"Z", "a", 1},      // 'Z' > 'A'
		{"_", "a", 1},      // 'a' uppercases to 0x41, below '_' (0x5F)
		{"䡀㼿", "䡀㬿", 1},    // CJK units compare by value
		{"é", "É", 0},      // simple uppercase beyond ASCII
	}
	for _, tc := range tests {
		if got := CompareNames(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestTreeOrder checks the on-disk tree: an in-order walk must list names
// in MS-CFB order, every node black, and the tree depth logarithmic.
func TestTreeOrder(t *testing.T) {
	want := map[string][]byte{}
	for i := range 100 {
		var name string
		switch i % 3 {
		case 0:
			name = strings.Repeat("x", i%20+1) + fmt.Sprint(i)
		case 1:
			name = strings.ToUpper(fmt.Sprintf("n%d", i))
		default:
			name = fmt.Sprintf("n%d_lower", i)
		}
		want[name] = pattern(i, uint64(i))
	}
	file := build(t, [16]byte{}, want)
	r, err := NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	got := r.Streams()
	for i := 1; i < len(got); i++ {
		if CompareNames(got[i-1].Path, got[i].Path) >= 0 {
			t.Fatalf("in-order walk not sorted: %q then %q", got[i-1].Path, got[i].Path)
		}
	}
	var depth func(id uint32) int
	depth = func(id uint32) int {
		if id == noStream {
			return 0
		}
		e := r.entries[id]
		if e.color != colorBlack {
			t.Errorf("entry %d is not black", id)
		}
		return 1 + max(depth(e.left), depth(e.right))
	}
	if d := depth(r.entries[0].child); d > 7 {
		t.Errorf("tree depth %d for 100 nodes, want <= 7", d)
	}
}

func TestDeterministicAndOrderIndependent(t *testing.T) {
	names := []string{"b", "a", "\x05SummaryInformation", "zzz", "big"}
	data := [][]byte{pattern(10, 1), pattern(5000, 2), pattern(300, 3), {}, pattern(9000, 4)}
	write := func(order []int) []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.SetModTime(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
		for _, i := range order {
			if err := w.AddStream(names[i], data[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := write([]int{0, 1, 2, 3, 4}), write([]int{4, 3, 2, 1, 0})
	if !bytes.Equal(a, b) {
		t.Fatal("output depends on the order streams were added")
	}
	r, err := NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.RootModTime(), uint64((1714521600+11644473600)*10_000_000); got != want {
		t.Errorf("root mod time %d, want %d", got, want)
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name    string
		add     func(w *Writer) error
		wantErr string
	}{
		{"empty name", func(w *Writer) error { return w.AddStream("", nil) }, "empty name"},
		{"slash", func(w *Writer) error { return w.AddStream("a/b", nil) }, "contains"},
		{"bang", func(w *Writer) error { return w.AddStream("a!", nil) }, "contains"},
		{"too long", func(w *Writer) error { return w.AddStream(strings.Repeat("a", 32), nil) }, "32 UTF-16 code units"},
		{"duplicate", func(w *Writer) error {
			_ = w.AddStream("Name", nil)
			return w.AddStream("NAME", nil)
		}, "duplicate"},
		{"negative size", func(w *Writer) error { return w.AddStreamReader("a", strings.NewReader(""), -1) }, "out of range"},
		{"short reader", func(w *Writer) error {
			if err := w.AddStreamReader("a", strings.NewReader("abc"), 10); err != nil {
				return err
			}
			return w.Close()
		}, "reader gave 3 bytes, want 10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.add(NewWriter(io.Discard))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
			}
		})
	}
	if err := ValidateName(strings.Repeat("a", 31)); err != nil {
		t.Errorf("31-unit name rejected: %v", err)
	}
}

func TestReaderRejectsCorruption(t *testing.T) {
	good := build(t, [16]byte{}, map[string][]byte{"a": pattern(5000, 1), "b": pattern(100, 2)})
	tests := []struct {
		name    string
		wantErr string
		edit    func(f []byte)
	}{
		{"bad signature", "bad signature", func(f []byte) { f[0] = 0 }},
		{"fat padding zero", "want FREESECT", func(f []byte) {
			// The FAT is the last sector; its last entry is padding.
			copy(f[len(f)-4:], []byte{0, 0, 0, 0})
		}},
		{"swapped names", "out of sibling-tree order", func(f []byte) {
			// Directory entries 1 and 2 hold "a" and "b"; swapping the
			// first code unit breaks the tree order.
			dir := (int(leU32(f[0x30:])) + 1) * 512
			f[dir+128], f[dir+256] = f[dir+256], f[dir+128]
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := bytes.Clone(good)
			tc.edit(f)
			_, err := NewReader(bytes.NewReader(f), int64(len(f)))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFiletime(t *testing.T) {
	if got := Filetime(time.Unix(0, 0)); got != 116444736000000000 {
		t.Errorf("Unix epoch = %d", got)
	}
	if Filetime(time.Time{}) != 0 {
		t.Error("zero time not 0")
	}
}
