//go:build windows

package installer_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/installer"
)

// These tests change the machine's services: they run only on a disposable
// real Windows machine (the GitHub Actions windows-latest runner) with
// SVCSHIP_REAL_WINDOWS=1, as administrator.
func realWindows(t *testing.T) {
	if os.Getenv("SVCSHIP_REAL_WINDOWS") != "1" {
		t.Skip("set SVCSHIP_REAL_WINDOWS=1 on a disposable Windows machine to run")
	}
}

func sc(t *testing.T, args ...string) string {
	out, err := exec.Command("sc.exe", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sc %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestRealWindowsDelayedStartAndRecovery installs hellosvc with delayed
// start and recovery actions and reads them back with sc qc / sc qfailure.
func TestRealWindowsDelayedStartAndRecovery(t *testing.T) {
	realWindows(t)
	dir := t.TempDir()
	build := func(pkg, out string) {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, b)
		}
	}
	build("github.com/svcship/svcship/cmd/hellosvc", "svcshiptest.exe")
	build("github.com/svcship/svcship/cmd/svcship-installer", "svcship-installer.exe")
	// The service runs as its virtual account, which must be able to read
	// the program (a test folder is the administrator's alone).
	if b, err := exec.Command("icacls", dir, "/grant", "Users:(OI)(CI)RX").CombinedOutput(); err != nil {
		t.Fatalf("icacls: %v\n%s", err, b)
	}
	inst := filepath.Join(dir, "svcship-installer.exe")
	run := func(args ...string) string {
		out, err := exec.Command(inst, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("installer %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { exec.Command(inst, "uninstall", "--name", "svcshiptest").Run() })
	run("install", "--name", "svcshiptest", "--start", "delayed-auto", "--arg", "--listen", "--arg", "127.0.0.1:18089",
		"--arg", "--name", "--arg", "svcshiptest", "--recovery", "restart:5s,restart:10s,reboot:1m", "--reset-after", "1h")
	qc := sc(t, "qc", "svcshiptest")
	if !strings.Contains(qc, "AUTO_START  (DELAYED)") {
		t.Errorf("sc qc:\n%s", qc)
	}
	qf := sc(t, "qfailure", "svcshiptest")
	for _, want := range []string{"RESET_PERIOD (in seconds)    : 3600", "RESTART -- Delay = 5000", "REBOOT -- Delay = 60000"} {
		if !strings.Contains(qf, want) {
			t.Errorf("sc qfailure lacks %q:\n%s", want, qf)
		}
	}
	flag := sc(t, "qfailureflag", "svcshiptest")
	if !strings.Contains(flag, "TRUE") {
		t.Errorf("sc qfailureflag:\n%s", flag)
	}
	sys, _ := installer.NewSystem()
	cur, err := sys.Query("svcshiptest")
	if err != nil || !cur.DelayedAutoStart.OK || !cur.DelayedAutoStart.Value || !cur.Failure.OK {
		t.Fatalf("query: %+v %v", cur, err)
	}
	if out := run("install", "--name", "svcshiptest", "--start", "delayed-auto", "--arg", "--listen", "--arg", "127.0.0.1:18089",
		"--arg", "--name", "--arg", "svcshiptest", "--recovery", "restart:5s,restart:10s,reboot:1m", "--reset-after", "1h"); !strings.Contains(out, "unchanged") {
		t.Errorf("second install:\n%s", out)
	}

	// The runtime reports start and stop to the Event Log under the source
	// the installer registered (wine has no Event Log, so this runs here).
	run("stop", "--name", "svcshiptest")
	ev, err := exec.Command("wevtutil", "qe", "Application", "/q:*[System[Provider[@Name='svcshiptest']]]", "/f:text", "/c:20", "/rd:true").CombinedOutput()
	if err != nil {
		t.Fatalf("wevtutil: %v\n%s", err, ev)
	}
	for _, want := range []string{"service started", "service stopped"} {
		if !strings.Contains(string(ev), want) {
			t.Errorf("Event Log lacks %q from source svcshiptest:\n%s", want, ev)
		}
	}
}

// TestRealWindowsUserAccount installs a service that runs as a local user
// whose password comes from the environment. The service manager refuses
// to start it (error 1069) unless the installer granted the user
// "Log on as a service" through LSA, so a running service shows the grant.
func TestRealWindowsUserAccount(t *testing.T) {
	realWindows(t)
	dir := t.TempDir()
	for pkg, out := range map[string]string{
		"github.com/svcship/svcship/cmd/hellosvc":          "svcshipuser.exe",
		"github.com/svcship/svcship/cmd/svcship-installer": "svcship-installer.exe",
	} {
		if b, err := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, b)
		}
	}
	// The binaries must be readable by the new user.
	if b, err := exec.Command("icacls", dir, "/grant", "Users:(OI)(CI)RX").CombinedOutput(); err != nil {
		t.Fatalf("icacls: %v\n%s", err, b)
	}
	var raw [12]byte
	if _, err := rand.Read(raw[:]); err != nil {
		t.Fatal(err)
	}
	password := "Sv-" + hex.EncodeToString(raw[:]) + "!a"
	const user = "svcshipuser"
	if b, err := exec.Command("net", "user", user, password, "/add").CombinedOutput(); err != nil {
		t.Fatalf("net user /add: %v\n%s", err, b)
	}
	t.Cleanup(func() { exec.Command("net", "user", user, "/delete").Run() })

	inst := exec.Command(filepath.Join(dir, "svcship-installer.exe"), "install", "--name", "svcshipuser",
		"--account", `.\`+user, "--password-env", "SVCSHIP_TEST_PASSWORD",
		"--arg", "--listen", "--arg", "127.0.0.1:18090", "--arg", "--name", "--arg", "svcshipuser")
	inst.Env = append(os.Environ(), "SVCSHIP_TEST_PASSWORD="+password)
	out, err := inst.CombinedOutput()
	t.Cleanup(func() {
		exec.Command(filepath.Join(dir, "svcship-installer.exe"), "uninstall", "--name", "svcshipuser").Run()
	})
	if err != nil {
		t.Fatalf("install as %s: %v\n%s", user, err, out)
	}
	if strings.Contains(string(out), password) {
		t.Error("the installer printed the password")
	}
	qc := sc(t, "qc", "svcshipuser")
	if !strings.Contains(strings.ToLower(qc), `.\`+user) {
		t.Errorf("SERVICE_START_NAME is not the user:\n%s", qc)
	}
	q := sc(t, "query", "svcshipuser")
	if !strings.Contains(q, "RUNNING") {
		t.Errorf("the service does not run as %s (no logon right?):\n%s", user, q)
	}
}
