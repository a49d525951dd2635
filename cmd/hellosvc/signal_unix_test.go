//go:build unix

package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

// TestSignalsStopTheBinaryCleanly runs the built program and stops it the
// way a terminal or a process manager does.
func TestSignalsStopTheBinaryCleanly(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hellosvc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			addr := freeAddr(t)
			cmd := exec.Command(bin, "--listen", addr)
			var logs bytes.Buffer
			cmd.Stdout, cmd.Stderr = &logs, &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			if err := winetest.WaitHTTP(context.Background(), "http://"+addr+"/healthz", 10*time.Second); err != nil {
				t.Fatalf("%v\n%s", err, logs.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit after %v: %v\n%s", sig, err, logs.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still running 10s after %v\n%s", sig, logs.String())
			}
			if !strings.Contains(logs.String(), ShutdownLine) {
				t.Errorf("no %q after %v:\n%s", ShutdownLine, sig, logs.String())
			}
		})
	}
}
