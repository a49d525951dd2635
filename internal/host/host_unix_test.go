//go:build unix

package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildHostedApp builds the project's service-agnostic test program.
func buildHostedApp(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hostedapp")
	cmd := exec.Command("go", "build", "-o", out, "github.com/svcship/svcship/internal/testapps/hostedapp")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hostedapp: %v\n%s", err, b)
	}
	return out
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// hostRun runs Run in the background and reports its result.
type hostRun struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error
	ready  chan struct{}
	logs   *syncBuf
}

func startHost(t *testing.T, o Options) *hostRun {
	t.Helper()
	logs := &syncBuf{}
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	h := &hostRun{cancel: cancel, done: make(chan struct{}), ready: make(chan struct{}), logs: logs}
	var once sync.Once
	go func() {
		h.err = Run(ctx, o, func() { once.Do(func() { close(h.ready) }) })
		close(h.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
			t.Error("host did not return after cancel")
		}
		if t.Failed() {
			t.Logf("host log:\n%s", logs.String())
		}
	})
	return h
}

func (h *hostRun) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-h.done:
		return h.err
	case <-time.After(timeout):
		t.Fatalf("host still running after %v", timeout)
		return nil
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func get(url string) (string, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

var pidRE = regexp.MustCompile(`pid=(\d+)`)

// pids lists the child pids hostedapp printed, in order.
func pids(log string) []int {
	var out []int
	for _, m := range pidRE.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is dead for our purposes.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || !strings.Contains(string(b), ") Z")
}

func TestRunServesLogsAndStopsGracefully(t *testing.T) {
	exe := buildHostedApp(t)
	logDir := t.TempDir()
	addr := freeAddr(t)
	for _, sig := range []Signal{CtrlBreak, CtrlC} {
		t.Run(sig.String(), func(t *testing.T) {
			h := startHost(t, Options{
				Executable: exe, Args: []string{"--listen", addr, "--print-env", "HOSTED_FOO"},
				Env: []string{"HOSTED_FOO=bar baz"}, LogDir: logDir, StopSignal: sig, StopTimeout: 10 * time.Second,
			})
			select {
			case <-h.ready:
			case <-time.After(10 * time.Second):
				t.Fatal("ready not called")
			}
			if err := waitHTTP("http://" + addr + "/hello"); err != nil {
				t.Fatal(err)
			}
			stdout := filepath.Join(logDir, "hostedapp.stdout.log")
			waitFor(t, "request line in log", 5*time.Second, func() bool { return strings.Contains(readFile(stdout), "hostedapp: GET /hello") })
			log := readFile(stdout)
			for _, want := range []string{"hostedapp: ready addr=" + addr, "wd=" + filepath.Dir(exe), "env HOSTED_FOO=bar baz"} {
				if !strings.Contains(log, want) {
					t.Errorf("stdout log lacks %q:\n%s", want, log)
				}
			}
			if !strings.Contains(readFile(filepath.Join(logDir, "hostedapp.stderr.log")), "hostedapp: stderr works") {
				t.Error("stderr line missing from stderr log")
			}
			ps := pids(log)
			pid := ps[len(ps)-1]

			begin := time.Now()
			h.cancel()
			if err := h.wait(t, 15*time.Second); err != nil {
				t.Fatalf("Run after stop = %v, want nil", err)
			}
			t.Logf("stop latency (%v): %v", sig, time.Since(begin).Round(time.Millisecond))
			if !strings.Contains(readFile(stdout), "hostedapp: shutting down gracefully") {
				t.Errorf("child did not shut down gracefully:\n%s", readFile(stdout))
			}
			if alive(pid) {
				t.Errorf("child %d still alive after stop", pid)
			}
		})
	}
	// Both runs appended to the same file.
	if n := strings.Count(readFile(filepath.Join(logDir, "hostedapp.stdout.log")), "hostedapp: ready"); n != 2 {
		t.Errorf("stdout log has %d ready lines, want 2 (appended across restarts)", n)
	}
}

func waitHTTP(url string) error {
	var err error
	for i := 0; i < 100; i++ {
		if _, err = get(url); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not answering: %w", url, err)
}

func TestRestartAfterKillWithBackoff(t *testing.T) {
	exe := buildHostedApp(t)
	logDir := t.TempDir()
	addr := freeAddr(t)
	h := startHost(t, Options{
		Executable: exe, Args: []string{"--listen", addr}, LogDir: logDir,
		Restart: RestartPolicy{Delay: 50 * time.Millisecond, MaxDelay: time.Second},
	})
	stdout := filepath.Join(logDir, "hostedapp.stdout.log")
	for round := 1; round <= 3; round++ {
		waitFor(t, "child serving", 10*time.Second, func() bool { return len(pids(readFile(stdout))) == round })
		if err := waitHTTP("http://" + addr + "/"); err != nil {
			t.Fatal(err)
		}
		ps := pids(readFile(stdout))
		if err := syscall.Kill(ps[len(ps)-1], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "fourth child", 10*time.Second, func() bool { return len(pids(readFile(stdout))) == 4 })
	logs := h.logs.String()
	for _, want := range []string{
		`msg="host: restarting child" attempt=2 backoff=50ms`,
		`msg="host: restarting child" attempt=3 backoff=100ms`,
		`msg="host: restarting child" attempt=4 backoff=200ms`,
		`msg="host: child exited unexpectedly"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("host log lacks %q:\n%s", want, logs)
		}
	}
	select {
	case <-h.done:
		t.Fatalf("host returned early: %v", h.err)
	default:
	}
}

func TestCrashLoopGivesUp(t *testing.T) {
	exe := buildHostedApp(t)
	addr := freeAddr(t)
	h := startHost(t, Options{
		Executable: exe, Args: []string{"--listen", addr, "--crash-after", "20"},
		// MaxDelay far above the child's 20 ms run: a run that lasts
		// MaxDelay counts as healthy and starts the back-off over, and a
		// loaded machine stretched a 20 ms run past a 40 ms MaxDelay once.
		Restart: RestartPolicy{Delay: 50 * time.Millisecond, MaxDelay: 10 * time.Second, MaxFailures: 4, Window: time.Minute},
	})
	begin := time.Now()
	err := h.wait(t, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "failed 4 times within 1m0s") {
		t.Fatalf("Run = %v, want a give-up error", err)
	}
	logs := h.logs.String()
	if n := strings.Count(logs, `msg="host: child started"`); n != 4 {
		t.Errorf("child started %d times, want 4", n)
	}
	for _, want := range []string{"backoff=50ms", "backoff=100ms", "backoff=200ms", `msg="host: giving up on child"`, "exit_code=3", "hostedapp: crashing on purpose"} {
		if !strings.Contains(logs, want) {
			t.Errorf("host log lacks %q", want)
		}
	}
	t.Logf("crash loop ended after %v", time.Since(begin).Round(time.Millisecond))
}

func TestExitCodeClassification(t *testing.T) {
	exe := buildHostedApp(t)
	tests := []struct {
		name        string
		code        int
		success     []int
		wantRestart bool
	}{
		{"zero stops by default", 0, nil, false},
		{"listed code stops", 7, []int{0, 7}, false},
		{"zero not listed restarts", 0, []int{7}, true},
		{"failure restarts", 1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHost(t, Options{
				Executable: exe, Args: []string{"--listen", freeAddr(t), "--exit-after", "30", "--exit-code", strconv.Itoa(tt.code)},
				SuccessExitCodes: tt.success,
				Restart:          RestartPolicy{Delay: 10 * time.Millisecond, MaxFailures: 2},
			})
			err := h.wait(t, 20*time.Second)
			starts := strings.Count(h.logs.String(), `msg="host: child started"`)
			if tt.wantRestart {
				if err == nil || starts != 2 {
					t.Errorf("want restart then give up: err=%v starts=%d", err, starts)
				}
			} else if err != nil || starts != 1 {
				t.Errorf("want clean stop: err=%v starts=%d", err, starts)
			}
		})
	}
}

func TestStopTimeoutKillsWholeTree(t *testing.T) {
	exe := buildHostedApp(t)
	addr, grand := freeAddr(t), freeAddr(t)
	logs := filepath.Join(t.TempDir(), "out.log")
	h := startHost(t, Options{
		Executable: exe, Args: []string{"--listen", addr, "--ignore-stop", "--grandchild", grand},
		StdoutPath: logs, StderrPath: logs, StopTimeout: 300 * time.Millisecond,
	})
	for _, a := range []string{addr, grand} {
		if err := waitHTTP("http://" + a + "/"); err != nil {
			t.Fatal(err)
		}
	}
	ps := pids(readFile(logs))
	if len(ps) != 2 {
		t.Fatalf("want child and grandchild pids, got %v", ps)
	}
	begin := time.Now()
	h.cancel()
	if err := h.wait(t, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	if took < 300*time.Millisecond {
		t.Errorf("stop took %v, less than the stop timeout", took)
	}
	if !strings.Contains(h.logs.String(), "child ignored the stop signal") {
		t.Errorf("forced termination not logged:\n%s", h.logs.String())
	}
	for _, pid := range ps {
		waitFor(t, fmt.Sprintf("pid %d gone", pid), 5*time.Second, func() bool { return !alive(pid) })
	}
	if _, err := get("http://" + grand + "/"); err == nil {
		t.Error("grandchild still answering after stop")
	}
	// Same file for both streams: no line may be torn.
	for _, line := range strings.Split(strings.TrimSpace(readFile(logs)), "\n") {
		if !strings.HasPrefix(line, "hostedapp: ") {
			t.Errorf("torn or foreign line %q", line)
		}
	}
}

func TestMissingExecutableFailsAtOnce(t *testing.T) {
	err := Run(context.Background(), Options{Executable: filepath.Join(t.TempDir(), "nope")}, func() { t.Error("ready called") })
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Run = %v, want a not-exist error", err)
	}
}
