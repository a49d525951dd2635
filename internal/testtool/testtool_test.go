package testtool

import (
	"os"
	"os/exec"
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

func TestRequireFindsGo(t *testing.T) {
	if p := Path(t, "go"); p == "" {
		t.Fatal("empty path for go")
	}
}
