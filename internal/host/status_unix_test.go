//go:build unix

package host

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A crash loop leaves a status file that says the host gave up, how often
// it restarted the child and how the child last ended.
func TestStatusFileRecordsCrashLoop(t *testing.T) {
	exe := buildHostedApp(t)
	dir := t.TempDir()
	h := startHost(t, Options{
		Executable: exe, Args: []string{"--listen", freeAddr(t), "--crash-after", "20"}, LogDir: dir,
		Restart: RestartPolicy{Delay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond, MaxFailures: 3, Window: time.Minute},
	})
	if err := h.wait(t, 30*time.Second); err == nil {
		t.Fatal("host did not give up")
	}
	st, err := ReadStatus(filepath.Join(dir, "host-status.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "gave-up" || st.Starts != 3 || st.Restarts != 2 || st.FailuresInWindow != 3 || st.MaxFailures != 3 || st.ChildPID != 0 {
		t.Errorf("status %+v", st)
	}
	if st.LastExit == nil || st.LastExit.Code != 3 || st.LastExit.Success || st.LastExit.At.IsZero() {
		t.Errorf("last exit %+v", st.LastExit)
	}
	if st.Executable != exe || st.Updated.IsZero() {
		t.Errorf("status %+v", st)
	}
	// The host's debug record shows where the file is.
	if !strings.Contains(h.logs.String(), "status="+filepath.Join(dir, "host-status.json")) {
		t.Errorf("no settings record in %s", h.logs.String())
	}
}

// A running child is recorded with its pid; a stop on request ends as
// stopped.
func TestStatusFileRunningThenStopped(t *testing.T) {
	exe := buildHostedApp(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "st.json")
	h := startHost(t, Options{Executable: exe, Args: []string{"--listen", freeAddr(t)}, StatusPath: path})
	select {
	case <-h.ready:
	case <-time.After(20 * time.Second):
		t.Fatal("not ready")
	}
	var st *Status
	waitFor(t, "running status", 10*time.Second, func() bool {
		s, err := ReadStatus(path)
		st = s
		return err == nil && s.State == "running"
	})
	if st.ChildPID == 0 || st.Starts != 1 || st.Restarts != 0 || st.LastExit != nil {
		t.Errorf("running status %+v", st)
	}
	h.cancel()
	if err := h.wait(t, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := ReadStatus(path)
	if err != nil || st.State != "stopped" || st.ChildPID != 0 {
		t.Fatalf("after stop: %+v, %v", st, err)
	}
}
