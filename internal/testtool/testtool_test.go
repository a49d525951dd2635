package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Run in a child process so that the skip or failure can be observed.
func TestMissingToolSkipsOrFails(t *testing.T) {
	if os.Getenv("TESTTOOL_CHILD") == "1" {
		Require(t, "svcship-no-such-tool")
		t.Log("not reached")
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("the child's skip message differs on Windows")
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingToolSkipsOrFails$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTTOOL_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		s := string(out)
		if !strings.Contains(s, "svcship-no-such-tool not found on PATH") {
			t.Errorf("CI=%q: output lacks the reason:\n%s", ci, s)
		}
		if ci == "true" {
			if err == nil || !strings.Contains(s, "--- FAIL") {
				t.Errorf("CI=true: want a failure, got err=%v:\n%s", err, s)
			}
		} else if err != nil || !strings.Contains(s, "--- SKIP") {
			t.Errorf("CI unset: want a skip, got err=%v:\n%s", err, s)
		}
	}
}

// TestRequireFindsGo: Require returns, in the order asked, paths that run
// the programs named (the go running this test and git, which CI has on
// every runner).
func TestRequireFindsGo(t *testing.T) {
	paths := Require(t, "go", "git")
	if len(paths) != 2 {
		t.Fatalf("Require returned %d paths for 2 programs: %q", len(paths), paths)
	}
	for i, want := range []struct{ name, arg, output string }{
		{"go", "version", "go version " + runtime.Version() + " "},
		{"git", "--version", "git version "},
	} {
		p := paths[i]
		if base := strings.TrimSuffix(filepath.Base(p), ".exe"); base != want.name {
			t.Errorf("paths[%d] = %s, want a program named %s", i, p, want.name)
		}
		if !filepath.IsAbs(p) {
			t.Errorf("paths[%d] = %s is not absolute", i, p)
		}
		out, err := exec.Command(p, want.arg).Output()
		if err != nil {
			t.Fatalf("%s %s: %v", p, want.arg, err)
		}
		if !strings.HasPrefix(string(out), want.output) {
			t.Errorf("%s %s printed %q, want it to start with %q", p, want.arg, out, want.output)
		}
	}
	if p := Path(t, "go"); p != paths[0] {
		t.Errorf("Path(go) = %s, Require gave %s", p, paths[0])
	}
}
