//go:build windows

package installer_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/installer"
)

// TestRealWindowsFolderCalls checks the file-system half of System against
// NTFS: a folder created with a descriptor has exactly it (protected), a
// junction and a hard link are seen for what they are and never followed,
// and the virtual-account SID computed in Go is the one Windows looks up.
func TestRealWindowsFolderCalls(t *testing.T) {
	realWindows(t)
	sys, err := installer.NewSystem()
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "secured")
	const sddl = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
	if err := sys.CreateDir(dir, sddl); err != nil {
		t.Fatal(err)
	}
	info, err := sys.Inspect(dir)
	if err != nil || !info.Exists || !info.Dir || info.Reparse {
		t.Fatalf("inspect %s: %+v, %v", dir, info, err)
	}
	if !strings.HasPrefix(info.SDDL, "O:BAD:P") || !strings.Contains(info.SDDL, "(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)") || strings.Contains(info.SDDL, ";BU)") {
		t.Errorf("created folder's descriptor %s, want %s", info.SDDL, sddl)
	}
	icacls, _ := exec.Command("icacls", dir).CombinedOutput()
	t.Logf("icacls:\n%s", icacls)
	if strings.Contains(string(icacls), "(I)") || strings.Contains(string(icacls), "Users") {
		t.Errorf("the folder inherits or grants Users:\n%s", icacls)
	}

	// A junction to a folder: seen as a reparse point, its target's
	// permissions never changed.
	target := filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	before, _ := sys.Inspect(target)
	junction := filepath.Join(base, "junction")
	if out, err := exec.Command("cmd", "/c", "mklink", "/J", junction, target).CombinedOutput(); err != nil {
		t.Fatalf("mklink /J: %v\n%s", err, out)
	}
	ji, err := sys.Inspect(junction)
	if err != nil || !ji.Reparse {
		t.Fatalf("junction inspected as %+v, %v", ji, err)
	}
	if err := sys.SetSecurity(junction, sddl); err == nil {
		t.Error("SetSecurity followed a junction")
	}
	if after, _ := sys.Inspect(target); after.SDDL != before.SDDL {
		t.Errorf("the junction's target changed: %s -> %s", before.SDDL, after.SDDL)
	}
	if err := sys.RemovePath(junction); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("removing the junction removed its target: %v", err)
	}

	// A hard link: two names.
	file := filepath.Join(base, "a.log")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(file, filepath.Join(base, "b.log")); err != nil {
		t.Fatal(err)
	}
	if fi, err := sys.Inspect(file); err != nil || fi.Links != 2 {
		t.Errorf("hard-linked file: %+v, %v", fi, err)
	}

	sid, err := sys.AccountSID(`NT SERVICE\TrustedInstaller`)
	if err != nil || sid != installer.VirtualAccountSID("TrustedInstaller") {
		t.Errorf("NT SERVICE\\TrustedInstaller is %s (%v), computed %s", sid, err, installer.VirtualAccountSID("TrustedInstaller"))
	}
	if pd, err := sys.ProgramData(); err != nil || !strings.EqualFold(pd, os.Getenv("ProgramData")) {
		t.Errorf("ProgramData = %s, %v", pd, err)
	}
}

// TestRealWindowsStopWhileStarting stops a service that is still
// START_PENDING (the service manager answers
// ERROR_SERVICE_CANNOT_ACCEPT_CTRL): stop waits and stops it; one that
// never finishes starting is ended within the timeout.
func TestRealWindowsStopWhileStarting(t *testing.T) {
	realWindows(t)
	dir := t.TempDir()
	for pkg, out := range map[string]string{
		"github.com/svcship/svcship/internal/testapps/slowstart": "slowstart.exe",
		"github.com/svcship/svcship/cmd/svcship-installer":       "svcship-installer.exe",
	} {
		if b, err := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, b)
		}
	}
	// The virtual account must be able to run the program.
	if b, err := exec.Command("icacls", dir, "/grant", "Users:(OI)(CI)RX").CombinedOutput(); err != nil {
		t.Fatalf("icacls: %v\n%s", err, b)
	}
	inst := filepath.Join(dir, "svcship-installer.exe")
	run := func(args ...string) (string, error) {
		out, err := exec.Command(inst, args...).CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct {
		readyAfter string
		want       string
	}{
		{"8s", "stopped in"},
		{"0", "did not become ready to stop"},
	} {
		const name = "svcshipslow"
		if out, err := run("install", "--name", name, "--exe", "slowstart.exe", "--start", "manual",
			"--arg", "--name", "--arg", name, "--arg", "--ready-after", "--arg", tc.readyAfter); err != nil {
			t.Fatalf("install: %v\n%s", err, out)
		}
		t.Cleanup(func() { run("uninstall", "--name", name) })
		// sc start returns while the service is START_PENDING.
		if out, err := exec.Command("sc.exe", "start", name).CombinedOutput(); err != nil {
			t.Fatalf("sc start: %v\n%s", err, out)
		}
		q, _ := exec.Command("sc.exe", "query", name).CombinedOutput()
		if !strings.Contains(string(q), "START_PENDING") {
			t.Fatalf("not start-pending:\n%s", q)
		}
		begin := time.Now()
		out, err := run("stop", "--name", name, "--timeout", "30s")
		t.Logf("ready after %s: stop took %s: %s", tc.readyAfter, time.Since(begin).Round(time.Millisecond), out)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("stop while starting (ready after %s): %v\n%s", tc.readyAfter, err, out)
		}
		if q, _ := exec.Command("sc.exe", "query", name).CombinedOutput(); !strings.Contains(string(q), "STOPPED") {
			t.Errorf("after stop:\n%s", q)
		}
		if out, err := run("uninstall", "--name", name); err != nil {
			t.Fatalf("uninstall: %v\n%s", err, out)
		}
	}
}
