//go:build linux

package host

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

// wineApp is hostedapp installed in hosted mode in a wine prefix.
type wineApp struct {
	p      *winetest.Prefix
	name   string
	dir    string // Unix path of C:\<name>
	addr   string
	stdout string // Unix path of the child's stdout log
	hostLg string // Unix path of the host's own log
}

// installHosted copies the installer and hostedapp into C:\<name>, writes
// svcship.yaml and installs the service with the project's installer.
func installHosted(t *testing.T, p *winetest.Prefix, name string, args []string, hosted string) *wineApp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/svcship-installer")
	app := winetest.BuildGo(t, "github.com/svcship/svcship/internal/testapps/hostedapp")
	a := &wineApp{p: p, name: name, addr: freeAddr(t)}
	a.dir = p.UnixPath(`C:\` + name)
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{inst, app} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(a.dir, filepath.Base(f)), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	quoted := make([]string, 0, len(args)+2)
	for _, s := range append([]string{"--listen", a.addr}, args...) {
		quoted = append(quoted, strconv.Quote(s))
	}
	yaml := fmt.Sprintf(`product:
  name: %[1]s
  binary: hostedapp
  company: svcship tests
  description: hosted-mode test
service:
  name: %[1]s
  mode: hosted
  start: manual
  arguments: [%[2]s]
  logs:
    dir: logs
  hosted:
%[3]s
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
`, name, strings.Join(quoted, ", "), hosted)
	if err := os.WriteFile(filepath.Join(a.dir, "svcship.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	win := `C:\` + name
	res, err := p.Run(ctx, win+`\svcship-installer.exe`, "install", "--config", win+`\svcship.yaml`, "--no-start")
	if err != nil {
		t.Fatalf("install: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	a.stdout = filepath.Join(a.dir, "logs", "hostedapp.stdout.log")
	a.hostLg = filepath.Join(a.dir, "logs", name+".log")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("host log:\n%s\nchild stdout:\n%s", readFile(a.hostLg), readFile(a.stdout))
		}
	})
	return a
}

var winPidRE = regexp.MustCompile(`ready addr=\S+ pid=(\d+)`)

// childPids are the Windows pids of every hostedapp start, in order.
func (a *wineApp) childPids() []int {
	var out []int
	for _, m := range winPidRE.FindAllStringSubmatch(readFile(a.stdout), -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// unixPids lists live Unix processes of this prefix whose command line
// mentions exe.
func unixPids(prefix, exe string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte("WINEPREFIX="+prefix+"\x00")) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if bytes.Contains(bytes.ToLower(cmd), []byte(strings.ToLower(exe))) && !bytes.Contains(stat, []byte(") Z")) {
			out = append(out, pid)
		}
	}
	return out
}

func TestWineHostedServiceLifecycle(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// Wine 8 implements only CTRL_C_EVENT (CTRL_BREAK_EVENT fails with
	// "not implemented"), so the wine test uses ctrl-c; the Windows CI job
	// covers ctrl-break.
	// Wine reports exit code 0 for a process ended by taskkill /F or by a
	// Unix SIGKILL (Windows reports 1), so only 42 counts as a purposeful
	// stop here and the killed child is restarted.
	a := installHosted(t, p, "hostedwine", nil, `    stop_signal: ctrl-c
    success_exit_codes: [42]
    stop_timeout: 10s
    restart:
      delay: 300ms
      max_delay: 2s`)

	if _, err := p.SC(ctx, "start", a.name); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitServiceState(ctx, a.name, "RUNNING", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHTTP(ctx, "http://"+a.addr+"/first", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "request line in the child's log", 10*time.Second, func() bool {
		return strings.Contains(readFile(a.stdout), "hostedapp: GET /first")
	})
	if !strings.Contains(readFile(filepath.Join(a.dir, "logs", "hostedapp.stderr.log")), "hostedapp: stderr works") {
		t.Error("child's stderr line not in hostedapp.stderr.log")
	}

	// Kill the child behind the host's back: the host restarts it.
	pids := a.childPids()
	if len(pids) != 1 {
		t.Fatalf("want one child start, got pids %v", pids)
	}
	if res, err := p.Run(ctx, "taskkill.exe", "/F", "/PID", strconv.Itoa(pids[0])); err != nil {
		t.Fatalf("taskkill: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	waitFor(t, "restarted child", 30*time.Second, func() bool { return len(a.childPids()) == 2 })
	if err := p.WaitHTTP(ctx, "http://"+a.addr+"/second", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	hostLog := readFile(a.hostLg)
	for _, want := range []string{`"msg":"host: child exited unexpectedly"`, `"msg":"host: restarting child","service":"hostedwine","attempt":2,"backoff":"300ms"`} {
		if !strings.Contains(hostLog, want) {
			t.Errorf("host log lacks %s", want)
		}
	}
	if st, _ := p.ServiceState(ctx, a.name); st != "RUNNING" {
		t.Errorf("service %s after a child restart, want RUNNING", st)
	}

	// Stop: the console signal reaches the child, which exits on its own.
	begin := time.Now()
	if _, err := p.SC(ctx, "stop", a.name); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitServiceState(ctx, a.name, "STOPPED", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("service stop under wine took %v (sc stop to STOPPED, polled)", time.Since(begin).Round(time.Millisecond))
	if !strings.Contains(readFile(a.stdout), "hostedapp: shutting down gracefully") {
		t.Error("child did not log a graceful shutdown")
	}
	if !strings.Contains(readFile(a.hostLg), `"msg":"host: child stopped"`) {
		t.Error("host did not log the child's stop")
	}
	waitFor(t, "no hostedapp process left", 10*time.Second, func() bool { return len(unixPids(p.Dir(), "hostedapp.exe")) == 0 })
}

func TestWineHostedCrashLoopStopsService(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// max_delay is far above the child's run: a child that ran max_delay
	// starts the back-off over, and under load a 200 ms run under wine
	// took 406 ms, which a 400 ms cap turned into a second 100 ms wait.
	a := installHosted(t, p, "hostedcrash", []string{"--crash-after", "200"}, `    restart:
      delay: 100ms
      max_delay: 30s
      max_failures: 3
      window: 1m`)
	if _, err := p.SC(ctx, "start", a.name); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitServiceState(ctx, a.name, "STOPPED", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	res, err := p.SC(ctx, "query", a.name)
	if err != nil {
		t.Fatal(err)
	}
	// 1066 = ERROR_SERVICE_SPECIFIC_ERROR: a failure, so recovery applies.
	if !strings.Contains(res.Stdout, "1066") {
		t.Errorf("service did not stop as failed:\n%s", res.Stdout)
	}
	log := readFile(a.hostLg)
	if n := strings.Count(log, `"msg":"host: child started"`); n != 3 {
		t.Errorf("child started %d times, want 3", n)
	}
	for _, want := range []string{`"backoff":"100ms"`, `"backoff":"200ms"`, `"msg":"host: giving up on child"`} {
		if !strings.Contains(log, want) {
			t.Errorf("host log lacks %s", want)
		}
	}
	if left := unixPids(p.Dir(), "hostedapp.exe"); len(left) != 0 {
		t.Errorf("hostedapp processes left: %v", left)
	}
}

// TestWineHostDeathKillsChild kills the host process outright (no stop,
// no cleanup code runs): the job object's kill-on-close ends the child,
// so a crashed host leaves no orphan holding the port.
func TestWineHostDeathKillsChild(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := installHosted(t, p, "hostedorphan", nil, `    stop_signal: ctrl-c
    restart:
      max_failures: 1`)
	if _, err := p.SC(ctx, "start", a.name); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHTTP(ctx, "http://"+a.addr+"/up", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(unixPids(p.Dir(), "hostedapp.exe")) == 0 {
		t.Fatal("no hostedapp process while the service answers")
	}
	hosts := unixPids(p.Dir(), "svcship-installer.exe")
	if len(hosts) == 0 {
		t.Fatal("no svcship-installer host process")
	}
	for _, pid := range hosts {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the child to die with its host", 15*time.Second, func() bool {
		return len(unixPids(p.Dir(), "hostedapp.exe")) == 0
	})
}
