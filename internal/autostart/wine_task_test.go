//go:build linux

package autostart

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

// TestWineLogonTaskWithDelay registers a user logon task with a delay
// through `svcship-installer autostart` and wine's schtasks.exe (found in
// the System folder, not on PATH), then removes it. Wine's Task Scheduler
// keeps the definition as a file under system32\tasks but drops triggers,
// so the element order is checked by TestTaskXMLLogonTriggerElementOrder
// and on real Windows; what this shows is that a missing task is told by
// the definition file and exit code, whatever schtasks prints.
func TestWineLogonTaskWithDelay(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	inst := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/svcship-installer")
	flags := []string{"--kind", "task", "--scope", "user", "--delay", "45s", "--name", "svcshipdelay",
		"--exe", `C:\windows\system32\cmd.exe`, "--arg", "/c", "--arg", "exit"}
	run := func(verb string) (winetest.Result, error) {
		return p.Run(ctx, inst, append([]string{"autostart", verb}, flags...)...)
	}
	exitCode := func(err error) int {
		var ee *winetest.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode
		}
		if err != nil {
			return -1
		}
		return 0
	}

	// Before: not installed (exit 3), though schtasks /Query fails.
	if res, err := run("status"); exitCode(err) != 3 {
		t.Fatalf("status before add: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	if res, err := run("add"); err != nil || !strings.Contains(res.Stdout, "scheduled task registered") {
		t.Fatalf("add: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	def := p.UnixPath(`C:\windows\system32\tasks\svcshipdelay`)
	if _, err := os.Stat(def); err != nil {
		t.Fatalf("no task definition at %s: %v", def, err)
	}
	if res, err := run("status"); err != nil || !strings.Contains(res.Stdout, "scheduled task registered") {
		t.Errorf("status after add: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	if res, err := run("remove"); err != nil || !strings.Contains(res.Stdout, "scheduled task removed") {
		t.Fatalf("remove: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(def); !os.IsNotExist(err) {
		t.Errorf("task definition left at %s: %v", filepath.Base(def), err)
	}
	if res, err := run("status"); exitCode(err) != 3 {
		t.Errorf("status after remove: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	if res, err := run("remove"); err != nil || !strings.Contains(res.Stdout, "no scheduled task") {
		t.Errorf("second remove: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
}
