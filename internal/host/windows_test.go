//go:build windows

package host

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// These run on a real Windows machine only (the windows-latest CI job sets
// SVCSHIP_REAL_WINDOWS=1): wine 8 cannot deliver CTRL_BREAK_EVENT, so this
// is where Ctrl-Break and the job object's tree kill are shown.
func realWindows(t *testing.T) {
	if os.Getenv("SVCSHIP_REAL_WINDOWS") != "1" {
		t.Skip("set SVCSHIP_REAL_WINDOWS=1 to run on a real Windows machine")
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func winAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func winWaitHTTP(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{Timeout: time.Second}
	for i := 0; i < 200; i++ {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not answering", url)
}

func TestWindowsStopSignalsAndJob(t *testing.T) {
	realWindows(t)
	exe := filepath.Join(t.TempDir(), "hostedapp.exe")
	if b, err := exec.Command("go", "build", "-o", exe, "github.com/svcship/svcship/internal/testapps/hostedapp").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	for _, sig := range []Signal{CtrlBreak, CtrlC} {
		t.Run(sig.String(), func(t *testing.T) {
			addr, grand := winAddr(t), winAddr(t)
			out := filepath.Join(t.TempDir(), "out.log")
			logs := &lockedBuf{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, Options{
					Executable: exe, Args: []string{"--listen", addr, "--grandchild", grand},
					StdoutPath: out, StderrPath: out, StopSignal: sig, StopTimeout: 10 * time.Second,
					Logger: slog.New(slog.NewTextHandler(logs, nil)),
				}, nil)
			}()
			winWaitHTTP(t, "http://"+addr+"/")
			winWaitHTTP(t, "http://"+grand+"/")
			begin := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("host did not stop")
			}
			t.Logf("stop latency with %v: %v", sig, time.Since(begin).Round(time.Millisecond))
			b, _ := os.ReadFile(out)
			if !strings.Contains(string(b), "hostedapp: shutting down gracefully") {
				t.Errorf("no graceful shutdown:\n%s\nhost log:\n%s", b, logs.String())
			}
			// The grandchild shares the job: it must be gone too.
			c := &http.Client{Timeout: time.Second}
			if resp, err := c.Get("http://" + grand + "/"); err == nil {
				resp.Body.Close()
				t.Error("grandchild still answering after stop")
			}
		})
	}
}

// BenchmarkWindowsCtrlBreakStop measures the stop latency of a hosted
// child that honours Ctrl-Break: from the stop request to the host having
// seen the child exit. The windows-latest CI job prints it.
func BenchmarkWindowsCtrlBreakStop(b *testing.B) {
	if os.Getenv("SVCSHIP_REAL_WINDOWS") != "1" {
		b.Skip("set SVCSHIP_REAL_WINDOWS=1 to run on a real Windows machine")
	}
	exe := filepath.Join(b.TempDir(), "hostedapp.exe")
	if out, err := exec.Command("go", "build", "-o", exe, "github.com/svcship/svcship/internal/testapps/hostedapp").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, Options{
				Executable: exe, Args: []string{"--listen", addr},
				StdoutPath: filepath.Join(b.TempDir(), "out.log"), StopSignal: CtrlBreak, StopTimeout: 10 * time.Second,
				Logger: slog.New(slog.DiscardHandler),
			}, nil)
		}()
		c := &http.Client{Timeout: time.Second}
		for j := 0; ; j++ {
			if resp, err := c.Get("http://" + addr + "/"); err == nil {
				resp.Body.Close()
				break
			}
			if j == 200 {
				b.Fatal("hosted child not answering")
			}
			time.Sleep(50 * time.Millisecond)
		}
		begin := time.Now()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		total += time.Since(begin)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "stop-ms")
}
