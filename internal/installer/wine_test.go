package installer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/installer"
	"github.com/svcship/svcship/internal/winetest"
)

// wineRig is an install folder inside a fresh wine prefix holding
// hellosvc.exe, svcship-installer.exe and svcship.yaml.
type wineRig struct {
	p      *winetest.Prefix
	dir    string // Unix path of the install folder
	winDir string
	exe    string // svcship-installer.exe, Windows path
	addr   string
}

const wineYAML = `product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
service:
  name: hellosvc
  arguments: ["--listen", "%s"]
  stop_timeout: 10s
  environment: {HELLO_GREETING: hi}
  logs: {dir: logs}
`

func buildWindows(t testing.TB, pkg, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath",
		"-ldflags", "-X main.version=1.2.3 -X main.commit=abc1234 -X main.date=2026-11-25T00:00:00Z", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func newRig(t testing.TB) *wineRig {
	t.Helper()
	p := winetest.New(t)
	r := &wineRig{p: p, winDir: `C:\Program Files\Hello`, addr: freeAddr(t)}
	r.dir = filepath.Join(p.Dir(), "drive_c", "Program Files", "Hello")
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	buildWindows(t, "github.com/svcship/svcship/cmd/hellosvc", filepath.Join(r.dir, "hellosvc.exe"))
	buildWindows(t, "github.com/svcship/svcship/cmd/svcship-installer", filepath.Join(r.dir, "svcship-installer.exe"))
	if err := os.WriteFile(filepath.Join(r.dir, "svcship.yaml"), []byte(fmt.Sprintf(wineYAML, r.addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.exe = r.winDir + `\svcship-installer.exe`
	return r
}

// inst runs svcship-installer.exe and returns its result; a non-zero exit
// is not an error here (tests check the code).
func (r *wineRig) inst(t testing.TB, args ...string) winetest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := r.p.Run(ctx, r.exe, args...)
	var ee *winetest.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run installer %v: %v", args, err)
	}
	return res
}

func (r *wineRig) mustInst(t testing.TB, args ...string) winetest.Result {
	t.Helper()
	res := r.inst(t, args...)
	if res.ExitCode != 0 {
		t.Fatalf("svcship-installer %v: exit %d\nstdout: %s\nstderr: %s", args, res.ExitCode, res.Stdout, res.Stderr)
	}
	return res
}

func (r *wineRig) get(t testing.TB, path string) (string, error) {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + r.addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), nil
}

func (r *wineRig) status(t testing.TB) installer.Report {
	t.Helper()
	res := r.inst(t, "status", "--json")
	var rep installer.Report
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s\n%s", err, res.Stdout, res.Stderr)
	}
	return rep
}

// logFile is where hellosvc logs as a service: logs.dir in svcship.yaml
// reaches it through the service's registry Environment value.
func (r *wineRig) logFile() string {
	return filepath.Join(r.dir, "logs", "hellosvc.log")
}

// waitLog waits until the service's log file contains s.
func (r *wineRig) waitLog(t testing.TB, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(r.logFile())
		if strings.Contains(string(b), s) {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s lacks %q after %s:\n%s", r.logFile(), s, timeout, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// winePIDsOf lists Linux processes of this prefix whose command line
// mentions exe.
func winePIDsOf(prefix, exe string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(strings.ToLower(string(cmd)), strings.ToLower(exe)) {
			continue
		}
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if strings.Contains(string(env), "WINEPREFIX="+prefix+"\x00") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWineServiceLifecycle(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	// install -> RUNNING and answering HTTP.
	began := time.Now()
	res := r.mustInst(t, "install")
	if err := r.p.WaitHTTP(ctx, "http://"+r.addr+"/healthz", 30*time.Second); err != nil {
		t.Fatalf("%v\ninstall said: %s\n%s", err, res.Stdout, res.Stderr)
	}
	t.Logf("install to healthy HTTP: %s", time.Since(began).Round(time.Millisecond))
	t.Logf("install output:\n%s%s", res.Stdout, res.Stderr)
	if st, err := r.p.ServiceState(ctx, "hellosvc"); err != nil || st != "RUNNING" {
		t.Fatalf("sc query: %q %v", st, err)
	}
	if body, err := r.get(t, "/healthz"); err != nil || body != "ok" {
		t.Fatalf("/healthz = %q, %v", body, err)
	}
	if body, err := r.get(t, "/version"); err != nil || !strings.Contains(body, `"version":"1.2.3"`) || !strings.Contains(body, `"commit":"abc1234"`) {
		t.Fatalf("/version = %q, %v", body, err)
	}

	// status --json.
	rep := r.status(t)
	if !rep.Installed || rep.State != "running" || rep.PID == 0 || rep.Start != "auto" ||
		rep.Description != "A small HTTP service" || rep.DisplayName != "hellosvc" ||
		rep.Command != `"C:\Program Files\Hello\hellosvc.exe" --listen `+r.addr || !rep.EventSourceFound {
		t.Fatalf("status %+v", rep)
	}

	// stop is graceful: the app's own shutdown line reaches its log file.
	began = time.Now()
	res = r.mustInst(t, "stop")
	t.Logf("graceful stop: %s (%s)", time.Since(began).Round(time.Millisecond), strings.TrimSpace(res.Stdout))
	if st, _ := r.p.ServiceState(ctx, "hellosvc"); st != "STOPPED" {
		t.Fatalf("after stop: %s", st)
	}
	logText := r.waitLog(t, "hellosvc: shutting down gracefully", 5*time.Second)
	if !strings.Contains(logText, `"msg":"service stopped"`) {
		t.Fatalf("no clean stop in log:\n%s", logText)
	}
	if _, err := r.get(t, "/healthz"); err == nil {
		t.Fatal("still answering after stop")
	}

	// restart from stopped, then restart while running gives a new process.
	r.mustInst(t, "restart")
	first := r.status(t)
	if first.State != "running" {
		t.Fatalf("after restart: %+v", first)
	}
	r.mustInst(t, "restart")
	second := r.status(t)
	if second.State != "running" || second.PID == first.PID {
		t.Fatalf("restart did not replace the process: %d -> %d (%s)", first.PID, second.PID, second.State)
	}
	if err := r.p.WaitHTTP(ctx, "http://"+r.addr+"/healthz", 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// A second install changes nothing.
	res = r.mustInst(t, "install")
	if !strings.Contains(res.Stdout, "hellosvc: unchanged") {
		t.Fatalf("second install:\n%s%s", res.Stdout, res.Stderr)
	}
	if after := r.status(t); after.PID != second.PID {
		t.Fatalf("second install restarted the service: %d -> %d", second.PID, after.PID)
	}

	// A new description is updated in place.
	res = r.mustInst(t, "install", "--description", "Now with more hello")
	if !strings.Contains(res.Stdout, `description "Now with more hello"`) {
		t.Fatalf("description update:\n%s%s", res.Stdout, res.Stderr)
	}
	if rep := r.status(t); rep.Description != "Now with more hello" || rep.PID != second.PID {
		t.Fatalf("after description update: %+v", rep)
	}

	// uninstall leaves no service, no event source and no process.
	res = r.mustInst(t, "uninstall")
	if !strings.Contains(res.Stdout, "hellosvc uninstalled") {
		t.Fatalf("uninstall:\n%s%s", res.Stdout, res.Stderr)
	}
	if res, err := r.p.SC(ctx, "query", "hellosvc"); err == nil {
		t.Fatalf("service still exists:\n%s", res.Stdout)
	}
	if _, err := r.p.RegQuery(ctx, `HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\hellosvc`, "EventMessageFile"); err == nil {
		t.Fatal("event source still registered")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(winePIDsOf(r.p.Dir(), "hellosvc.exe")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("hellosvc.exe still running: pids %v", winePIDsOf(r.p.Dir(), "hellosvc.exe"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := r.get(t, "/healthz"); err == nil {
		t.Fatal("still answering after uninstall")
	}
	if rep := r.status(t); rep.Installed {
		t.Fatalf("status after uninstall: %+v", rep)
	}

	// A second uninstall says so clearly.
	res = r.inst(t, "uninstall")
	if res.ExitCode != installer.ExitNotInstalled || !strings.Contains(res.Stdout, "hellosvc is not installed") {
		t.Fatalf("uninstall of a missing service: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// TestWineBadInputChangesNothing runs the real executable with bad input.
func TestWineBadInputChangesNothing(t *testing.T) {
	r := newRig(t)
	res := r.inst(t, "install", "--account", `.\bob`)
	if res.ExitCode != installer.ExitUsage || !strings.Contains(res.Stderr, "needs a password") {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	if res, err := r.p.SC(context.Background(), "query", "hellosvc"); err == nil {
		t.Fatalf("service created despite bad input:\n%s", res.Stdout)
	}
}

// BenchmarkWineInstallToHealthy measures, under wine, the time from
// "svcship-installer install" to a healthy /healthz answer, and the time of
// a graceful "svcship-installer stop". Each iteration uses a fresh prefix
// (excluded from the timing).
func BenchmarkWineInstallToHealthy(b *testing.B) {
	var installTotal, stopTotal time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newRig(b)
		b.StartTimer()
		began := time.Now()
		r.mustInst(b, "install")
		if err := r.p.WaitHTTP(context.Background(), "http://"+r.addr+"/healthz", 60*time.Second); err != nil {
			b.Fatal(err)
		}
		installTotal += time.Since(began)
		began = time.Now()
		r.mustInst(b, "stop")
		stopTotal += time.Since(began)
		b.StopTimer()
		r.waitLog(b, "hellosvc: shutting down gracefully", 5*time.Second)
		r.mustInst(b, "uninstall")
		b.StartTimer()
	}
	b.ReportMetric(float64(installTotal.Milliseconds())/float64(b.N), "ms-install-to-healthy")
	b.ReportMetric(float64(stopTotal.Milliseconds())/float64(b.N), "ms-graceful-stop")
}

// TestWineAppFailureStopsWithServiceSpecificCode: hellosvc cannot listen on
// a busy port, returns an error, and the runtime stops the service with
// service-specific exit code 1 (ERROR_SERVICE_SPECIFIC_ERROR), which is
// what makes recovery actions apply on Windows.
func TestWineAppFailureStopsWithServiceSpecificCode(t *testing.T) {
	r := newRig(t)
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	res := r.inst(t, "install")
	if res.ExitCode != installer.ExitFailure || !strings.Contains(res.Stderr, "stopped while starting (service-specific exit code 1)") {
		t.Fatalf("install with a busy port: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	rep := r.status(t)
	if !rep.Installed || rep.State != "stopped" || rep.Win32ExitCode != 1066 || rep.ServiceExitCode != 1 {
		t.Fatalf("status %+v", rep)
	}
	logText := r.waitLog(t, `"msg":"service failed"`, 5*time.Second)
	if !strings.Contains(logText, "address already in use") && !strings.Contains(logText, "listen") {
		t.Fatalf("log lacks the cause:\n%s", logText)
	}
}
