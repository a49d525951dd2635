package targets

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestCancelInterruptsTheTool: when mage cancels a target (Ctrl-C), svcship
// is interrupted, so it can stop GoReleaser and clean up, not killed.
func TestCancelInterruptsTheTool(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no interrupt to send to a process; command kills it there")
	}
	marker := filepath.Join(t.TempDir(), "interrupted")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := command(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), "TARGETS_HELPER_MARKER="+marker)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper: %q, %v", line, err)
	}
	cancel()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("helper ended with %v, want exit status 3 (it handled the interrupt)", err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the helper was not interrupted: %v", err)
	}
}

// TestMain runs the child of TestCancelInterruptsTheTool when asked to
// (the test binary is that child), else the tests.
func TestMain(m *testing.M) {
	if marker := os.Getenv("TARGETS_HELPER_MARKER"); marker != "" {
		waitForInterrupt(marker)
	}
	os.Exit(m.Run())
}

// waitForInterrupt says ready, then exits 3 after an interrupt (leaving
// the marker file), or 4 after 20 seconds without one.
func waitForInterrupt(marker string) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	os.Stdout.WriteString("ready\n")
	select {
	case <-c:
		os.WriteFile(marker, []byte("yes"), 0o644)
		os.Exit(3)
	case <-time.After(20 * time.Second):
		os.Exit(4)
	}
}
