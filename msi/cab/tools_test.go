package cab

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// toolCases are cabinets the external tools must accept: MSZIP and stored,
// blocks straddling files, several folders, a Go-binary-like big file.
func toolCases() []struct {
	name  string
	opts  Options
	files []testFile
} {
	return []struct {
		name  string
		opts  Options
		files []testFile
	}{
		{"mszip single folder", Options{SingleFolder: true}, sizedFiles(BlockSize-1, 3, 3*BlockSize+5, 0, 100)},
		{"mszip many folders", Options{FolderSize: 50000}, sizedFiles(40000, 40000, 1, 90000, 7)},
		{"stored", Options{Compression: None}, sizedFiles(70000, 1, 2)},
		{"big", Options{SingleFolder: true}, sizedFiles(6<<20+3, 12345)},
	}
}

func writeCabFile(t *testing.T, opts Options, files []testFile) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.cab")
	if err := os.WriteFile(path, writeCab(t, opts, files), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func compareExtracted(t *testing.T, dir string, files []testFile) {
	t.Helper()
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.h.Name))
		if err != nil {
			t.Errorf("extracted %q: %v", f.h.Name, err)
			continue
		}
		if !bytes.Equal(got, f.data) {
			t.Errorf("extracted %q differs: %d bytes, want %d", f.h.Name, len(got), len(f.data))
		}
	}
}

func TestGcabReadsOurCabinets(t *testing.T) {
	gcab := testtool.Path(t, "gcab")
	for _, tc := range toolCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := writeCabFile(t, tc.opts, tc.files)
			list := strings.Fields(runTool(t, gcab, "-t", path))
			var want []string
			for _, f := range tc.files {
				want = append(want, f.h.Name)
			}
			sort.Strings(list)
			sort.Strings(want)
			if strings.Join(list, ",") != strings.Join(want, ",") {
				t.Errorf("gcab -t lists %v, want %v", list, want)
			}
			dir := t.TempDir()
			runTool(t, gcab, "-x", "-C", dir, path)
			compareExtracted(t, dir, tc.files)
		})
	}
}

// cabextract (libmspack) verifies every CFDATA checksum while testing.
func TestCabextractVerifiesOurCabinets(t *testing.T) {
	cabextract := testtool.Path(t, "cabextract")
	for _, tc := range toolCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := writeCabFile(t, tc.opts, tc.files)
			out := runTool(t, cabextract, "-t", path)
			if !strings.Contains(out, "All done, no errors") {
				t.Errorf("cabextract -t:\n%s", out)
			}
			dir := t.TempDir()
			runTool(t, cabextract, "-q", "-d", dir, path)
			compareExtracted(t, dir, tc.files)

			// Prove the check has teeth: a flipped byte in the last block
			// must fail the checksum.
			b, _ := os.ReadFile(path)
			b[len(b)-3] ^= 0x10
			bad := filepath.Join(t.TempDir(), "bad.cab")
			if err := os.WriteFile(bad, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(cabextract, "-t", bad).CombinedOutput(); err == nil {
				t.Errorf("cabextract accepted a corrupted cabinet:\n%s", out)
			}
		})
	}
}

// Our Reader against cabinets from an independent writer (gcab's MSZIP
// blocks use the previous block as deflate history).
func TestReaderReadsGcabCabinets(t *testing.T) {
	gcab := testtool.Path(t, "gcab")
	dir := t.TempDir()
	files := sizedFiles(3*BlockSize+17, 0, 5, 100000)
	var names []string
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.h.Name), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, f.h.Name)
	}
	for _, zip := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "g.cab")
		args := []string{"-c", "-n"}
		if zip {
			args = append(args, "-z")
		}
		args = append(args, path)
		for _, n := range names {
			args = append(args, filepath.Join(dir, n))
		}
		runTool(t, gcab, args...)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("zip=%v: %v", zip, err)
		}
		wantComp := None
		if zip {
			wantComp = MSZIP
		}
		if r.Folders[0].Compression != wantComp {
			t.Errorf("zip=%v: folder compression %v", zip, r.Folders[0].Compression)
		}
		byName := map[string]*File{}
		for _, f := range r.Files {
			byName[f.Name] = f
		}
		for _, f := range files {
			got, ok := byName[f.h.Name]
			if !ok {
				t.Errorf("zip=%v: %q missing", zip, f.h.Name)
				continue
			}
			if !bytes.Equal(readAll(t, got), f.data) {
				t.Errorf("zip=%v: %q content differs", zip, f.h.Name)
			}
		}
	}
}
