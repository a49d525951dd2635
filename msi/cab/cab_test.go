package cab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// specCabinet is the one-file example cabinet from the MS-CAB document
// (also used by the rust-cab tests): hi.txt, stored, set ID 0x1234.
var specCabinet = []byte("MSCF\x00\x00\x00\x00\x59\x00\x00\x00\x00\x00\x00\x00" +
	"\x2c\x00\x00\x00\x00\x00\x00\x00\x03\x01\x01\x00\x01\x00\x00\x00\x34\x12\x00\x00" +
	"\x43\x00\x00\x00\x01\x00\x00\x00" +
	"\x0e\x00\x00\x00\x00\x00\x00\x00\x00\x00\x6c\x22\xba\x59\x01\x00hi.txt\x00" +
	"\x4c\x1a\x2e\x7f\x0e\x00\x0e\x00Hello, world!\n")

var specTime = time.Date(1997, 3, 12, 11, 13, 52, 0, time.UTC)

func TestChecksum(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		cbData uint16
		cbUnc  uint16
		want   uint32
	}{
		{"spec hello", []byte("Hello, world!\n"), 14, 14, 0x7F2E1A4C},
		{"empty", nil, 0, 0, 0},
		{"sizes only", nil, 0x1234, 0x5678, 0x56781234},
		{"tail 1", []byte{1}, 1, 1, 0x00010000},
		{"tail 2 first byte high", []byte{1, 2}, 2, 2, 0x0102 ^ 0x00020002},
		{"tail 3 first byte high", []byte{1, 2, 3}, 3, 3, 0x010203 ^ 0x00030003},
		{"word LE plus tail", []byte{1, 2, 3, 4, 5}, 5, 9, 0x04030201 ^ 0x05 ^ 0x00090005},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checksum(tt.data, tt.cbData, tt.cbUnc); got != tt.want {
				t.Fatalf("checksum = %#08x, want %#08x", got, tt.want)
			}
		})
	}
}

func TestDOSDateTime(t *testing.T) {
	tests := []struct {
		in        time.Time
		date, tod uint16
		back      time.Time
		wantErr   bool
	}{
		{in: specTime, date: 0x226C, tod: 0x59BA, back: specTime},
		{in: time.Time{}, date: 0x21, tod: 0, back: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		// Odd seconds round down: DOS time has 2 s resolution.
		{in: time.Date(2107, 12, 31, 23, 59, 59, 0, time.UTC), date: 127<<9 | 12<<5 | 31, tod: 23<<11 | 59<<5 | 29,
			back: time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)},
		{in: time.Date(1979, 12, 31, 0, 0, 0, 0, time.UTC), wantErr: true},
		{in: time.Date(2108, 1, 1, 0, 0, 0, 0, time.UTC), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			d, tod, err := dosDateTime(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrTimeOutOfRange) {
					t.Fatalf("err = %v, want ErrTimeOutOfRange", err)
				}
				return
			}
			if err != nil || d != tt.date || tod != tt.tod {
				t.Fatalf("got %#x %#x %v, want %#x %#x", d, tod, err, tt.date, tt.tod)
			}
			if got := fromDOS(d, tod); !got.Equal(tt.back) {
				t.Fatalf("fromDOS = %v, want %v", got, tt.back)
			}
		})
	}
}

func TestWriterMatchesSpecCabinet(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{Compression: None, SetID: 0x1234})
	if err := w.AddBytes(FileHeader{Name: "hi.txt", Modified: specTime, Attr: AttrReadOnly}, []byte("Hello, world!\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), specCabinet) {
		t.Fatalf("cabinet differs from spec example\n got %x\nwant %x", buf.Bytes(), specCabinet)
	}
}

func TestReaderSpecCabinet(t *testing.T) {
	r, err := NewReader(bytes.NewReader(specCabinet), int64(len(specCabinet)))
	if err != nil {
		t.Fatal(err)
	}
	if r.SetID != 0x1234 || len(r.Folders) != 1 || len(r.Files) != 1 {
		t.Fatalf("set %#x, %d folders, %d files", r.SetID, len(r.Folders), len(r.Files))
	}
	f := r.Files[0]
	if f.Name != "hi.txt" || f.Size != 14 || f.Attr != AttrReadOnly || !f.Modified.Equal(specTime) {
		t.Fatalf("header %+v", f.FileHeader)
	}
	if got := readAll(t, f); string(got) != "Hello, world!\n" {
		t.Fatalf("data %q", got)
	}

	// One flipped payload bit must be caught by the checksum.
	bad := bytes.Clone(specCabinet)
	bad[len(bad)-2] ^= 0x01
	r, err = NewReader(bytes.NewReader(bad), int64(len(bad)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Files[0].Open(); !errors.Is(err, ErrChecksum) {
		t.Fatalf("corrupted data: err = %v, want ErrChecksum", err)
	}
}

func readAll(t testing.TB, f *File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type testFile struct {
	h    FileHeader
	data []byte
}

// payload returns n bytes that are half text-like (compressible) and
// half random (incompressible), deterministic per seed.
func payload(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; {
		run := min(n-i, 1+rng.IntN(3000))
		if rng.IntN(2) == 0 {
			for j := range run {
				b[i+j] = byte(rng.Uint32())
			}
		} else {
			word := []byte(fmt.Sprintf("func main%d() { return }\n", rng.IntN(50)))
			for j := range run {
				b[i+j] = word[j%len(word)]
			}
		}
		i += run
	}
	return b
}

func writeCab(t testing.TB, opts Options, files []testFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	for i, f := range files {
		var err error
		if i%2 == 0 {
			err = w.AddBytes(f.h, f.data)
		} else {
			// Exercise the io.Reader path with a reader that returns short reads.
			err = w.Add(f.h, io.LimitReader(&chunkReader{b: f.data, n: 777}, int64(len(f.data))), int64(len(f.data)))
		}
		if err != nil {
			t.Fatalf("add %q: %v", f.h.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return buf.Bytes()
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// checkCab reads cab back, compares it with files, and checks the
// structural rules the Writer promises.
func checkCab(t testing.TB, cab []byte, opts Options, files []testFile) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(cab), int64(len(cab)))
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if len(r.Files) != len(files) {
		t.Fatalf("%d files, want %d", len(r.Files), len(files))
	}
	for fi, f := range r.Folders {
		if f.Compression != opts.Compression {
			t.Errorf("folder %d compression %v, want %v", fi, f.Compression, opts.Compression)
		}
		for bi, b := range f.Blocks {
			if b.Checksum == 0 {
				t.Errorf("folder %d block %d: checksum not supplied", fi, bi)
			}
			if bi < len(f.Blocks)-1 && b.Uncompressed != BlockSize {
				t.Errorf("folder %d block %d: %d bytes, only the last may be short", fi, bi, b.Uncompressed)
			}
			if b.Compressed > maxMSZIPBlock {
				t.Errorf("folder %d block %d: cbData %d", fi, bi, b.Compressed)
			}
		}
		data, err := r.FolderData(fi)
		if err != nil {
			t.Fatalf("folder %d: %v", fi, err)
		}
		var sum int64
		for _, file := range r.Files {
			if file.Folder == fi {
				if int64(file.Offset) != sum {
					t.Errorf("file %q offset %d, want %d (files packed in order)", file.Name, file.Offset, sum)
				}
				sum += file.Size
			}
		}
		if sum != int64(len(data)) {
			t.Errorf("folder %d holds %d bytes, files sum to %d", fi, len(data), sum)
		}
	}
	prevFolder := 0
	for i, f := range r.Files {
		want := files[i]
		if f.Folder < prevFolder {
			t.Errorf("file %q folder %d after folder %d", f.Name, f.Folder, prevFolder)
		}
		prevFolder = f.Folder
		wantMod, _, _ := dosDateTime(want.h.Modified)
		gotMod, _, _ := dosDateTime(f.Modified)
		if f.Name != want.h.Name || f.Size != int64(len(want.data)) || gotMod != wantMod {
			t.Errorf("file %d: got %q size %d mod %v, want %q size %d mod %v",
				i, f.Name, f.Size, f.Modified, want.h.Name, len(want.data), want.h.Modified)
		}
		if f.Attr&^AttrNameUTF8 != want.h.Attr {
			t.Errorf("file %q attr %#x, want %#x", f.Name, f.Attr, want.h.Attr)
		}
		if got := readAll(t, f); !bytes.Equal(got, want.data) {
			t.Errorf("file %q: content differs (%d bytes vs %d)", f.Name, len(got), len(want.data))
		}
	}
	return r
}

func sizedFiles(sizes ...int) []testFile {
	ts := time.Date(2025, 11, 25, 10, 30, 4, 0, time.UTC)
	var fs []testFile
	for i, n := range sizes {
		fs = append(fs, testFile{
			h:    FileHeader{Name: fmt.Sprintf("fil%08x", i*2654435761), Modified: ts.Add(time.Duration(i) * time.Hour), Attr: AttrArchive},
			data: payload(n, uint64(i)+1),
		})
	}
	return fs
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		files       []testFile
		wantFolders int
	}{
		{"one empty file", Options{}, sizedFiles(0), 1},
		{"stored small files", Options{Compression: None}, sizedFiles(1, 2, 3, 100), 1},
		{"mszip small files", Options{}, sizedFiles(1, 2, 3, 100), 1},
		{"exact block multiples", Options{}, sizedFiles(BlockSize, 2*BlockSize, 0, BlockSize), 1},
		{"files straddle blocks", Options{Level: 1}, sizedFiles(BlockSize-1, 3, BlockSize+5, 70000, 1), 1},
		{"stored straddle", Options{Compression: None}, sizedFiles(BlockSize-1, 3, BlockSize+5), 1},
		{"folder threshold", Options{FolderSize: 40000}, sizedFiles(30000, 30000, 10, 50000, 0, 5), 3},
		{"single folder ignores threshold", Options{FolderSize: 40000, SingleFolder: true}, sizedFiles(30000, 30000, 10, 50000), 1},
		{"sequential", Options{Concurrency: 1}, sizedFiles(100000, 5), 1},
		{"utf8 name", Options{}, []testFile{{h: FileHeader{Name: "fichier_é.txt", Attr: AttrReadOnly | AttrHidden | AttrSystem | AttrExec}, data: []byte("x")}}, 1},
		{"longest name", Options{}, []testFile{{h: FileHeader{Name: strings.Repeat("n", MaxNameLen)}, data: []byte("x")}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cab := writeCab(t, tt.opts, tt.files)
			r := checkCab(t, cab, tt.opts, tt.files)
			if len(r.Folders) != tt.wantFolders {
				t.Errorf("%d folders, want %d", len(r.Folders), tt.wantFolders)
			}
		})
	}
}

func TestUTF8NameFlag(t *testing.T) {
	cab := writeCab(t, Options{}, []testFile{
		{h: FileHeader{Name: "ascii"}, data: nil},
		{h: FileHeader{Name: "ü"}, data: nil},
	})
	r, err := NewReader(bytes.NewReader(cab), int64(len(cab)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Files[0].Attr&AttrNameUTF8 != 0 || r.Files[1].Attr&AttrNameUTF8 == 0 {
		t.Fatalf("UTF-8 flag: ascii %#x, ü %#x", r.Files[0].Attr, r.Files[1].Attr)
	}
}

// A Go binary sized payload: 24 MiB, more than 700 blocks.
func TestLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large payload skipped in -short mode")
	}
	files := sizedFiles(24<<20+123, 4096)
	opts := Options{SingleFolder: true}
	cab := writeCab(t, opts, files)
	r := checkCab(t, cab, opts, files)
	if n := len(r.Folders[0].Blocks); n != (24<<20+123+4096+BlockSize-1)/BlockSize {
		t.Errorf("%d blocks", n)
	}
	if len(cab) >= 24<<20 {
		t.Errorf("cabinet %d bytes: compressible half did not compress", len(cab))
	}
	t.Logf("24 MiB payload -> %d byte cabinet", len(cab))
}

func TestDeterministic(t *testing.T) {
	files := sizedFiles(200000, 1, 70000, 0, 33000)
	ref := writeCab(t, Options{}, files)
	for _, c := range []int{1, 2, 3, 16} {
		for range 2 {
			if got := writeCab(t, Options{Concurrency: c}, files); !bytes.Equal(got, ref) {
				t.Fatalf("concurrency %d: output differs from reference", c)
			}
		}
	}
}

// errReader fails after delivering n bytes.
type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, errors.New("disk on fire")
	}
	k := min(len(p), e.n)
	e.n -= k
	return k, nil
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		prep    func(*Writer) error // files added first
		h       FileHeader
		r       io.Reader
		size    int64
		want    error
		sticky  bool // later Adds fail too
		wantMsg string
	}{
		{name: "empty name", h: FileHeader{}, want: ErrNameEmpty},
		{name: "name too long", h: FileHeader{Name: strings.Repeat("a", MaxNameLen+1)}, want: ErrNameTooLong, wantMsg: "aaaa"},
		{name: "invalid utf8", h: FileHeader{Name: "a\xffb"}, want: ErrNameInvalid, wantMsg: `a\xffb`},
		{name: "nul in name", h: FileHeader{Name: "a\x00b"}, want: ErrNameInvalid},
		{name: "duplicate", prep: func(w *Writer) error { return w.AddBytes(FileHeader{Name: "filA"}, nil) },
			h: FileHeader{Name: "filA"}, want: ErrDuplicateName, wantMsg: "filA"},
		{name: "unknown attr", h: FileHeader{Name: "filB", Attr: 0x100}, want: ErrBadAttr, wantMsg: "filB"},
		{name: "time before 1980", h: FileHeader{Name: "filC", Modified: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}, want: ErrTimeOutOfRange, wantMsg: "filC"},
		{name: "file too large", h: FileHeader{Name: "big"}, size: MaxFileSize + 1, want: ErrFileTooLarge, wantMsg: "big"},
		{name: "negative size", h: FileHeader{Name: "neg"}, size: -1, want: ErrFileTooLarge},
		{name: "single folder overflow", opts: Options{SingleFolder: true},
			prep: func(w *Writer) error { return w.AddBytes(FileHeader{Name: "one"}, []byte{1}) },
			h:    FileHeader{Name: "huge"}, size: MaxFileSize, want: ErrFolderTooLarge, wantMsg: "huge"},
		{name: "short reader", h: FileHeader{Name: "short"}, r: strings.NewReader("abc"), size: 5,
			want: io.ErrUnexpectedEOF, sticky: true, wantMsg: "short"},
		{name: "long reader", h: FileHeader{Name: "long"}, r: strings.NewReader("abcdef"), size: 5,
			want: ErrSizeMismatch, sticky: true, wantMsg: "long"},
		{name: "failing reader", h: FileHeader{Name: "fail"}, r: &errReader{n: 40000}, size: 50000,
			sticky: true, wantMsg: "disk on fire"},
		{name: "bad level", opts: Options{Level: 11}, h: FileHeader{Name: "x"}, sticky: true, wantMsg: "level 11"},
		{name: "bad compression", opts: Options{Compression: 7}, h: FileHeader{Name: "x"}, sticky: true, wantMsg: "unsupported compression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter(io.Discard, tt.opts)
			if tt.prep != nil {
				if err := tt.prep(w); err != nil {
					t.Fatal(err)
				}
			}
			r := tt.r
			if r == nil {
				r = strings.NewReader("")
			}
			err := w.Add(tt.h, r, tt.size)
			if err == nil {
				t.Fatal("Add succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err %q does not mention %q", err, tt.wantMsg)
			}
			later := w.AddBytes(FileHeader{Name: "fine"}, []byte("ok"))
			if tt.sticky != (later != nil) {
				t.Errorf("later Add err = %v, sticky = %v", later, tt.sticky)
			}
			if cerr := w.Close(); tt.sticky != (cerr != nil) {
				t.Errorf("Close err = %v, sticky = %v", cerr, tt.sticky)
			}
		})
	}
}

func TestTooManyFiles(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{Compression: None})
	for i := range MaxFiles {
		if err := w.AddBytes(FileHeader{Name: fmt.Sprintf("f%d", i)}, nil); err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
	}
	err := w.AddBytes(FileHeader{Name: "one_too_many"}, nil)
	if !errors.Is(err, ErrTooManyFiles) || !strings.Contains(err.Error(), "one_too_many") {
		t.Fatalf("err = %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != MaxFiles {
		t.Fatalf("%d files read back", len(r.Files))
	}
}

func TestCloseTwice(t *testing.T) {
	w := NewWriter(io.Discard, Options{})
	if err := w.Close(); !errors.Is(err, ErrNoFiles) {
		t.Fatalf("Close without files: %v", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.AddBytes(FileHeader{Name: "late"}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space") }

func TestCloseWriteError(t *testing.T) {
	w := NewWriter(failWriter{}, Options{})
	if err := w.AddBytes(FileHeader{Name: "a"}, []byte("data")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("Close = %v", err)
	}
}

func TestReaderRejects(t *testing.T) {
	good := writeCab(t, Options{}, sizedFiles(70000))
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	r0, err := NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	firstPayload := int(r0.Folders[0].Blocks[0].offset)
	tests := []struct {
		name string
		cab  []byte
		want error // from NewReader or Open
	}{
		{"bad signature", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrFormat},
		{"truncated", good[:len(good)-10], ErrFormat},
		{"next cabinet flag", mut(func(b []byte) []byte { b[30] |= flagNext; return b }), ErrUnsupportedInput},
		{"LZX folder", mut(func(b []byte) []byte { b[headerSize+6] = 3; return b }), ErrUnsupportedInput},
		{"bad checksum", mut(func(b []byte) []byte { b[firstPayload+10] ^= 0x40; return b }), ErrChecksum},
		{"missing CK", mut(func(b []byte) []byte {
			b[firstPayload] = 'X'
			// Zero the checksum so the signature check is what fails.
			copy(b[firstPayload-dataHeader:], []byte{0, 0, 0, 0})
			return b
		}), ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.cab), int64(len(tt.cab)))
			if err == nil {
				_, err = r.Files[0].Open()
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
