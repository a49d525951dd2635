//go:build windows

package autostart

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRealWindowsLogonTaskWithDelay registers a logon task for the current
// user with a delay: Task Scheduler validates the XML against its schema,
// where UserId must come before Delay. The removal also exercises the
// missing-task check (the task's definition file, not schtasks' text).
func TestRealWindowsLogonTaskWithDelay(t *testing.T) {
	if os.Getenv("SVCSHIP_REAL_WINDOWS") != "1" {
		t.Skip("set SVCSHIP_REAL_WINDOWS=1 on a disposable Windows machine to run")
	}
	who, err := exec.Command("whoami").Output()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := TaskManager{Run: ExecRunner{}, CurrentUser: strings.TrimSpace(string(who))}
	task := Task{
		Entry: Entry{Name: "svcship-logon-delay-test", Command: `C:\Windows\System32\cmd.exe`, Args: []string{"/c", "exit", "0"}},
		Scope: ScopeUser, Trigger: TriggerLogon, Delay: 45 * time.Second,
	}
	t.Cleanup(func() { m.Remove(ctx, task.Name) })
	if err := m.Add(ctx, task); err != nil {
		t.Fatal(err)
	}
	xml, err := exec.Command(schtasksPath(), "/Query", "/TN", task.Name, "/XML").CombinedOutput()
	if err != nil {
		t.Fatalf("schtasks /Query /XML: %v\n%s", err, xml)
	}
	x := string(xml)
	u, d := strings.Index(x, "<UserId>"), strings.Index(x, "<Delay>PT45S</Delay>")
	if !strings.Contains(x, "<LogonTrigger>") || u < 0 || d < 0 || u > d {
		t.Errorf("registered task lacks a LogonTrigger with UserId before Delay:\n%s", x)
	}
	if changed, err := m.Remove(ctx, task.Name); err != nil || !changed {
		t.Fatalf("remove: %v, %v", changed, err)
	}
	if st, err := m.Status(ctx, task.Name); err != nil || st.Installed {
		t.Fatalf("status after remove: %+v, %v", st, err)
	}
}
