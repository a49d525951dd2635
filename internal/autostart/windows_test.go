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

// TestRealWindowsTaskScheduler registers a startup task through schtasks,
// reads it back with Task Scheduler's own export, replaces it, and removes
// it. It changes the machine, so it runs only on a disposable Windows
// machine (the windows-latest runner) with SVCSHIP_REAL_WINDOWS=1, as
// administrator. Wine has no Task Scheduler service.
func TestRealWindowsTaskScheduler(t *testing.T) {
	if os.Getenv("SVCSHIP_REAL_WINDOWS") != "1" {
		t.Skip("set SVCSHIP_REAL_WINDOWS=1 on a disposable Windows machine to run")
	}
	ctx := context.Background()
	m := TaskManager{Run: ExecRunner{}}
	task := Task{
		Entry:   Entry{Name: "svcship-autostart-test", Command: `C:\Windows\System32\cmd.exe`, Args: []string{"/c", "exit", "0"}},
		Scope:   ScopeMachine,
		Trigger: TriggerStartup,
		Delay:   30 * time.Second,
	}
	t.Cleanup(func() { m.Remove(ctx, task.Name) })
	for i := 0; i < 2; i++ { // the second Add replaces the first
		if err := m.Add(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.Status(ctx, task.Name)
	if err != nil || !st.Installed {
		t.Fatalf("status after add: %+v, %v", st, err)
	}
	xml, err := exec.Command("schtasks.exe", "/Query", "/TN", task.Name, "/XML").CombinedOutput()
	if err != nil {
		t.Fatalf("schtasks /Query /XML: %v\n%s", err, xml)
	}
	for _, want := range []string{"<BootTrigger>", "<Delay>PT30S</Delay>", "S-1-5-18", `cmd.exe</Command>`, "<Arguments>/c exit 0</Arguments>"} {
		if !strings.Contains(string(xml), want) {
			t.Errorf("registered task lacks %q:\n%s", want, xml)
		}
	}
	if changed, err := m.Remove(ctx, task.Name); err != nil || !changed {
		t.Fatalf("remove: %v, %v", changed, err)
	}
	if st, err := m.Status(ctx, task.Name); err != nil || st.Installed {
		t.Fatalf("status after remove: %+v, %v", st, err)
	}
	if changed, err := m.Remove(ctx, task.Name); err != nil || changed {
		t.Fatalf("second remove: %v, %v", changed, err)
	}
}
