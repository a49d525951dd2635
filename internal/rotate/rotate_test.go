package rotate

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// files returns the contents of Path, Path.1, ... that exist.
func files(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	matches, err := filepath.Glob(path + "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(m)] = string(b)
	}
	return out
}

func allLines(t *testing.T, path string) []string {
	t.Helper()
	var lines []string
	for name, content := range files(t, path) {
		if content != "" && !strings.HasSuffix(content, "\n") {
			t.Errorf("%s does not end at a line boundary: %q", name, content)
		}
		sc := bufio.NewScanner(strings.NewReader(content))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}
	sort.Strings(lines)
	return lines
}

func TestSizeRotationKeepsNAndNoLineSplit(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int64
		keep     int
		lines    int
		wantN    int // files expected (current + rotated)
	}{
		{"keep2", 40, 2, 20, 3},
		{"keep1", 40, 1, 20, 2},
		{"keep-default", 40, 0, 40, 1 + DefaultKeep},
		{"big-limit-no-rotation", 1 << 20, 3, 20, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "logs", "app.log")
			w, err := New(Options{Path: path, MaxBytes: tc.maxBytes, Keep: tc.keep})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tc.lines; i++ {
				// Write each line in two pieces to exercise the partial buffer.
				line := fmt.Sprintf("line %03d xxxxxxxxxx\n", i)
				if _, err := w.Write([]byte(line[:7])); err != nil {
					t.Fatal(err)
				}
				if _, err := w.Write([]byte(line[7:])); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got := files(t, path)
			if len(got) != tc.wantN {
				t.Fatalf("got %d files %v, want %d", len(got), keys(got), tc.wantN)
			}
			for name, c := range got {
				if int64(len(c)) > tc.maxBytes {
					t.Errorf("%s has %d bytes > limit %d", name, len(c), tc.maxBytes)
				}
				if !strings.HasSuffix(c, "\n") {
					t.Errorf("%s split a line: %q", name, c)
				}
			}
			// Files kept must be the newest: the last line is in the current file.
			if !strings.Contains(got["app.log"], fmt.Sprintf("line %03d", tc.lines-1)) {
				t.Errorf("current file lacks the last line: %q", got["app.log"])
			}
			// Oldest file first (app.log.N ... app.log.1, app.log), the kept
			// lines are exactly the newest ones written, each once, in order.
			var kept []string
			for i := tc.wantN - 1; i >= 0; i-- {
				name := "app.log"
				if i > 0 {
					name = fmt.Sprintf("app.log.%d", i)
				}
				c, ok := got[name]
				if !ok {
					t.Fatalf("missing %s among %v", name, keys(got))
				}
				kept = append(kept, strings.Split(strings.TrimSuffix(c, "\n"), "\n")...)
			}
			first := tc.lines - len(kept)
			if first < 0 {
				t.Fatalf("%d lines kept, only %d written", len(kept), tc.lines)
			}
			for i, line := range kept {
				if want := fmt.Sprintf("line %03d xxxxxxxxxx", first+i); line != want {
					t.Fatalf("kept line %d = %q, want %q (a gap, a duplicate or a reordering)", i, line, want)
				}
			}
			if tc.wantN == 1 && len(kept) != tc.lines {
				t.Errorf("got %d lines, want %d", len(kept), tc.lines)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// With a Keep large enough to hold everything, every line must be present
// exactly once, even with many concurrent writers.
func TestConcurrentWritersNothingLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	w, err := New(Options{Path: path, MaxBytes: 256, Keep: 1000})
	if err != nil {
		t.Fatal(err)
	}
	const writers, per = 8, 200
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := fmt.Fprintf(w, "g%d i%04d payload\n", g, i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := allLines(t, path)
	if len(lines) != writers*per {
		t.Fatalf("got %d lines, want %d", len(lines), writers*per)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			t.Fatalf("duplicate line %q", l)
		}
		seen[l] = true
	}
	for g := 0; g < writers; g++ {
		for i := 0; i < per; i++ {
			if l := fmt.Sprintf("g%d i%04d payload", g, i); !seen[l] {
				t.Fatalf("missing line %q", l)
			}
		}
	}
	if n := len(files(t, path)); n < 10 {
		t.Errorf("expected many rotations with a 256-byte limit, got %d files", n)
	}
}

func TestOversizedLineGoesWholeIntoItsOwnFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	w, err := New(Options{Path: path, MaxBytes: 20, Keep: 5})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("B", 50) + "\n"
	for _, s := range []string{"short1\n", big, "short2\n"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	got := files(t, path)
	want := map[string]string{"app.log.2": "short1\n", "app.log.1": big, "app.log": "short2\n"}
	for name, c := range want {
		if got[name] != c {
			t.Errorf("%s = %q, want %q (all: %v)", name, got[name], c, got)
		}
	}
}

func TestPartialLineFlushedOnClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	w, err := New(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, "a\nb")
	if b, _ := os.ReadFile(path); string(b) != "a\n" {
		t.Fatalf("before close: %q, want only the complete line", b)
	}
	w.Close()
	if b, _ := os.ReadFile(path); string(b) != "a\nb" {
		t.Fatalf("after close: %q", b)
	}
	if _, err := w.Write([]byte("x\n")); err == nil {
		t.Fatal("write after close succeeded")
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestDailyRotationWithFakeClock(t *testing.T) {
	clk := &fakeClock{t: time.Date(2030, 1, 1, 23, 0, 0, 0, time.Local)}
	path := filepath.Join(t.TempDir(), "app.log")
	w, err := New(Options{Path: path, Daily: true, Keep: 3, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "day1 a")
	clk.Add(30 * time.Minute)
	fmt.Fprintln(w, "day1 b")
	clk.Add(time.Hour) // 2030-01-02 00:30
	fmt.Fprintln(w, "day2 a")
	clk.Add(48 * time.Hour)
	fmt.Fprintln(w, "day4 a")
	w.Close()
	got := files(t, path)
	want := map[string]string{
		"app.log.2": "day1 a\nday1 b\n",
		"app.log.1": "day2 a\n",
		"app.log":   "day4 a\n",
	}
	if len(got) != len(want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for name, c := range want {
		if got[name] != c {
			t.Errorf("%s = %q, want %q", name, got[name], c)
		}
	}
}

func TestReopenAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	for i := 0; i < 3; i++ {
		w, err := New(Options{Path: path, MaxBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "run %d\n", i)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if string(b) != "run 0\nrun 1\nrun 2\n" {
		t.Fatalf("got %q", b)
	}
	// Reopening counts the existing size toward the limit.
	w, err := New(Options{Path: path, MaxBytes: int64(len(b)) + 3})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "run 3")
	w.Close()
	got := files(t, path)
	if got["app.log.1"] != string(b) || got["app.log"] != "run 3\n" {
		t.Fatalf("got %v", got)
	}
}

func TestKeepLoweredRemovesOldFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	for k := 1; k <= 6; k++ {
		os.WriteFile(fmt.Sprintf("%s.%d", path, k), []byte("old\n"), 0o644)
	}
	w, err := New(Options{Path: path, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "x")
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got := keys(files(t, path)); strings.Join(got, ",") != "app.log,app.log.1,app.log.2" {
		t.Fatalf("files %v", got)
	}
}

func TestBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{},
		{Path: filepath.Join(dir, "a"), MaxBytes: -1},
		{Path: filepath.Join(dir, "a"), Keep: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}
