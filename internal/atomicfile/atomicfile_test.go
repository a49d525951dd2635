package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteFileCreatesFolderAndReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b", "out.txt")
	for _, content := range []string{"first", "second"} {
		if err := WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	if st, _ := os.Stat(p); runtime.GOOS != "windows" && st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	assertOnly(t, filepath.Dir(p), "out.txt")
}

// A failed write leaves the old file untouched and no temporary file.
func TestFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.msi")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, 0o644, func(w io.Writer) error {
		w.Write([]byte("half of a new fi"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("target = %q, want the old content", got)
	}
	assertOnly(t, dir, "out.msi")
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(names) {
		var got []string
		for _, e := range ents {
			got = append(got, e.Name())
		}
		t.Fatalf("folder holds %v, want %v", got, names)
	}
}

func TestCopyNewRefusesAnExistingTarget(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("content"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dst")
	if err := CopyNew(src, dst, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || string(got) != "content" {
		t.Fatalf("copy = %q, %v", got, err)
	}
	if st, _ := os.Stat(dst); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	// A planted target is not written through.
	if err := os.WriteFile(dst, []byte("planted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CopyNew(src, dst, 0o600); err == nil {
		t.Error("CopyNew wrote over an existing file")
	}
	if got, _ := os.ReadFile(dst); string(got) != "planted" {
		t.Errorf("existing target changed to %q", got)
	}
}

func TestCopyReplacesWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "svcship")
	if err := os.WriteFile(src, []byte("new binary"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "bin", "svcship")
	if err := WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Copy(src, dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(dst); err != nil || string(got) != "new binary" {
		t.Fatalf("copy = %q, %v", got, err)
	}
	if st, _ := os.Stat(dst); runtime.GOOS != "windows" && st.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", st.Mode().Perm())
	}
	// A source that cannot be read leaves the target as it was.
	if err := Copy(filepath.Join(dir, "missing"), dst, 0o755); err == nil {
		t.Fatal("copying a missing file succeeded")
	}
	if got, _ := os.ReadFile(dst); string(got) != "new binary" {
		t.Errorf("target = %q after a failed copy", got)
	}
	assertOnly(t, filepath.Dir(dst), "svcship")
}
