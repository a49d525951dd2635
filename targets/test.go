package targets

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// Test runs the test suite (go test ./...) and ends with one summary line, "N passed, N failed, N skipped".
func Test(ctx context.Context) error {
	// -count=1: results come from this run, never from the test cache, since
	// the tests drive external programs the cache cannot see.
	args := []string{"test", "-json", "-count=1", "-timeout", "28m", "./..."}
	if extra := os.Getenv("SVCSHIP_TEST_FLAGS"); extra != "" {
		args = append(args[:1], append(strings.Fields(extra), args[1:]...)...)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sum := summarize(out, os.Stdout)
	waitErr := cmd.Wait()
	fmt.Println(sum.line())
	if waitErr != nil {
		return fmt.Errorf("go test: %w", waitErr)
	}
	if sum.failed > 0 {
		return fmt.Errorf("%d tests failed", sum.failed)
	}
	return nil
}

// testEvent is one line of `go test -json` (cmd/test2json).
type testEvent struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type summary struct {
	passed, failed, skipped int
	failedNames             []string
}

func (s summary) line() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", s.passed, s.failed, s.skipped)
}

// summarize prints what a person reads from plain `go test`: one line per
// package, and the full output of every failed test (and of packages that
// failed to build), while counting results.
func summarize(r io.Reader, w io.Writer) summary {
	var s summary
	outputs := map[string]*strings.Builder{} // package + "\x00" + test
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e testEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not JSON: a build error line
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				status := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "?   "}[e.Action]
				fmt.Fprintf(w, "%s\t%s\t%s\n", status, e.Package, (time.Duration(e.Elapsed * float64(time.Second))).Round(10*time.Millisecond))
				if e.Action == "fail" {
					if b := outputs[key]; b != nil {
						io.WriteString(w, b.String())
					}
				}
				delete(outputs, key)
				continue
			}
			switch e.Action {
			case "pass":
				s.passed++
			case "skip":
				s.skipped++
			case "fail":
				s.failed++
				s.failedNames = append(s.failedNames, e.Package+" "+e.Test)
				if b := outputs[key]; b != nil {
					io.WriteString(w, b.String())
				}
			}
			delete(outputs, key)
		}
	}
	if len(s.failedNames) > 0 {
		sort.Strings(s.failedNames)
		fmt.Fprintf(w, "failed: %s\n", strings.Join(s.failedNames, ", "))
	}
	return s
}
