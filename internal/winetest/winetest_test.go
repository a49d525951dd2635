package winetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const helloSrc = `package main

import (
	"crypto/rand"
	"fmt"
	"os"
)

func main() {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		fmt.Fprintln(os.Stderr, "rand:", err)
		os.Exit(2)
	}
	wd, _ := os.Getwd()
	fmt.Printf("hello %d args=%q wd=%s\n", len(b), os.Args[1:], wd)
	os.Exit(7)
}
`

// buildHello writes a tiny program into its own module and builds it.
func buildHello(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(helloSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(src)
	return BuildGo(t, ".")
}

func TestRunGoProgram(t *testing.T) {
	p := New(t)
	exe := buildHello(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	for _, path := range []string{exe, p.WinPath(exe)} {
		start := time.Now()
		res, err := p.Run(ctx, path, "a b", "c")
		var ee *ExitError
		if !errors.As(err, &ee) || ee.ExitCode != 7 {
			t.Fatalf("Run(%s): want ExitError code 7, got %v (stderr %q)", path, err, res.Stderr)
		}
		if res.ExitCode != 7 {
			t.Errorf("ExitCode = %d, want 7", res.ExitCode)
		}
		if !strings.Contains(res.Stdout, `hello 16 args=["a b" "c"]`) {
			t.Errorf("stdout = %q, want the hello line with both args", res.Stdout)
		}
		t.Logf("run via %s took %v", path, time.Since(start).Round(time.Millisecond))
	}
}

func TestServiceManager(t *testing.T) {
	p := New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	res, err := p.SC(ctx, "query", "eventlog")
	if err != nil {
		t.Fatalf("sc query eventlog: %v\n%s", err, res.Stdout)
	}
	if !strings.Contains(res.Stdout, "SERVICE_NAME: eventlog") {
		t.Errorf("sc query output lacks the service name: %q", res.Stdout)
	}
	if _, err := p.ServiceState(ctx, "eventlog"); err != nil {
		t.Error(err)
	}
	if _, err := p.SC(ctx, "query", "svcship-no-such-service"); err == nil {
		t.Error("sc query of a missing service succeeded")
	}
}

func TestRegQuery(t *testing.T) {
	p := New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	key := `HKCU\Software\svcship\winetest`
	if _, err := p.Run(ctx, "reg.exe", "add", key, "/v", "greeting", "/t", "REG_SZ", "/d", "hello world", "/f"); err != nil {
		t.Fatal(err)
	}
	got, err := p.RegQuery(ctx, key, "greeting")
	if err != nil {
		t.Fatal(err)
	}
	if got != "hello world" {
		t.Errorf("RegQuery = %q, want %q", got, "hello world")
	}
	if _, err := p.RegQuery(ctx, key, "missing"); err == nil {
		t.Error("RegQuery of a missing value succeeded")
	}
}

func TestStartIsKilledAtCleanup(t *testing.T) {
	var pid int
	t.Run("inner", func(t *testing.T) {
		p := New(t)
		cmd, err := p.Start("cmd.exe", "/c", "ping -n 600 127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		pid = cmd.Process.Pid
		time.Sleep(time.Second)
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err != nil {
			t.Fatalf("started process not alive: %v", err)
		}
	})
	if pid == 0 {
		t.Skip("inner test skipped")
	}
	if st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil && !strings.Contains(string(st), ") Z") {
		t.Errorf("process %d still alive after cleanup: %s", pid, st)
	}
}

func TestPaths(t *testing.T) {
	p := &Prefix{dir: "/x/prefix"}
	tests := []struct{ unix, win string }{
		{"/x/prefix/drive_c/Program Files/app/a.exe", `C:\Program Files\app\a.exe`},
		{"/x/prefix/drive_c", `C:\`},
		{"/tmp/build/a.exe", `Z:\tmp\build\a.exe`},
		{"/x/prefix/drive_cc/a", `Z:\x\prefix\drive_cc\a`},
	}
	for _, tt := range tests {
		if got := p.WinPath(tt.unix); got != tt.win {
			t.Errorf("WinPath(%q) = %q, want %q", tt.unix, got, tt.win)
		}
	}
	for _, tt := range tests[:3] {
		if got := p.UnixPath(tt.win); got != tt.unix {
			t.Errorf("UnixPath(%q) = %q, want %q", tt.win, got, tt.unix)
		}
	}
}

func TestUnixPathMatchesCase(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "drive_c", "windows", "system32"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &Prefix{dir: dir}
	got := p.UnixPath(`c:\Windows\System32\New.txt`)
	want := filepath.Join(dir, "drive_c", "windows", "system32", "New.txt")
	if got != want {
		t.Errorf("UnixPath = %q, want %q", got, want)
	}
}

func TestParseState(t *testing.T) {
	out := "SERVICE_NAME: x\n        TYPE               : 10  WIN32_OWN_PROCESS\n        STATE              : 4  RUNNING\n"
	tests := []struct {
		in, want string
		ok       bool
	}{
		{out, "RUNNING", true},
		{"STATE : 1  STOPPED\r\n", "STOPPED", true},
		{"nothing", "", false},
	}
	for _, tt := range tests {
		got, err := parseState(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseState(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestNotRunning(t *testing.T) {
	block := func(name, state string) string {
		return "SERVICE_NAME: " + name + "\r\n        TYPE               : 20  WIN32_SHARE_PROCESS\r\n        STATE              : " + state + "\r\n        WIN32_EXIT_CODE    : 0  (0x0)\r\n"
	}
	tests := []struct {
		name, out, want string
	}{
		{"all running", block("Eventlog", "4  RUNNING") + block("RpcSs", "4  RUNNING") + block("winebus", "4  RUNNING"), ""},
		{"one starting", block("Eventlog", "4  RUNNING") + block("RpcSs", "4  RUNNING") + block("PlugPlay", "2  START_PENDING"), "PlugPlay"},
		{"not started yet", block("RpcSs", "4  RUNNING") + block("winebus", "1  STOPPED") + block("winehid", "1  STOPPED"), "winebus winehid"},
		{"missing service ignored", block("RpcSs", "4  RUNNING"), ""},
		{"no answer", "", "RpcSs"},
		{"no RpcSs block", block("Eventlog", "4  RUNNING"), "RpcSs"},
		{"block without state", "SERVICE_NAME: NDIS\r\n" + block("RpcSs", "4  RUNNING"), "NDIS"},
	}
	for _, tt := range tests {
		if got := notRunning(tt.out); got != tt.want {
			t.Errorf("%s: notRunning = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPrefixEnv(t *testing.T) {
	t.Setenv("SVCSHIP_WINEDEBUG", "")
	env := prefixEnv([]string{"PATH=/bin", "DISPLAY=:0", "WINEPREFIX=/old", "WINEDEBUG=+all"}, "/new")
	got := strings.Join(env, "\n")
	for _, want := range []string{"PATH=/bin", "WINEPREFIX=/new", "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml="} {
		if !strings.Contains(got, want) {
			t.Errorf("env lacks %s: %v", want, env)
		}
	}
	for _, bad := range []string{"DISPLAY=", "WINEPREFIX=/old", "WINEDEBUG=+all"} {
		if strings.Contains(got, bad) {
			t.Errorf("env keeps %s: %v", bad, env)
		}
	}
}

// TestTemplateSavesTime measures what the cached template buys.
func TestTemplateSavesTime(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs wineboot")
	}
	New(t) // make sure the template exists and wine works
	start := time.Now()
	p := New(t)
	copyTime := time.Since(start)

	dir := filepath.Join(t.TempDir(), "fresh")
	start = time.Now()
	if err := initPrefix(dir); err != nil {
		t.Fatal(err)
	}
	bootTime := time.Since(start)
	t.Logf("fresh prefix via wineboot: %v; via template copy: %v", bootTime.Round(time.Millisecond), copyTime.Round(time.Millisecond))
	if copyTime >= bootTime {
		t.Errorf("template copy (%v) not faster than wineboot (%v)", copyTime, bootTime)
	}
	_ = p
}
