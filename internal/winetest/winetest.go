package winetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
)

// Result is what a finished wine process left behind.
type Result struct {
	Stdout   string
	Stderr   string
	ExitCode int // as seen by Unix: the Windows exit code modulo 256
}

// ExitError reports a process that ran but exited non-zero.
type ExitError struct {
	Exe      string
	ExitCode int
	Stderr   string
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("winetest: %s exited with code %d", e.Exe, e.ExitCode)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

// Prefix is one isolated wine prefix owned by a test.
type Prefix struct {
	t    testing.TB
	dir  string
	logs string
	env  []string

	mu    sync.Mutex
	procs []*exec.Cmd
	n     int
}

// New creates a fresh prefix for t. It skips t (or fails it when CI=true)
// if wine or the tools the harness needs are missing.
func New(t testing.TB) *Prefix {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("winetest: wine tests run on Linux only (GOOS=%s)", runtime.GOOS)
	}
	for _, tool := range []string{"wine", "wineserver", mingwCC} {
		if _, err := exec.LookPath(tool); err != nil {
			missing(t, fmt.Sprintf("%s not found on PATH (apt-get install wine wine64 gcc-mingw-w64-x86-64-win32)", tool))
		}
	}
	tmpl, err := template(t)
	if err != nil {
		t.Fatalf("winetest: template prefix: %v", err)
	}
	root := t.TempDir()
	p := &Prefix{t: t, dir: filepath.Join(root, "prefix"), logs: filepath.Join(root, "logs")}
	start := time.Now()
	if err := copyPrefix(tmpl, p.dir); err != nil {
		t.Fatalf("winetest: copy template prefix: %v", err)
	}
	if err := os.MkdirAll(p.logs, 0o755); err != nil {
		t.Fatalf("winetest: %v", err)
	}
	t.Logf("winetest: prefix %s ready in %v", p.dir, time.Since(start).Round(time.Millisecond))
	p.env = prefixEnv(os.Environ(), p.dir)
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(p.cleanup)
	start = time.Now()
	if err := p.waitServiceManager(30 * time.Second); err != nil {
		t.Fatalf("winetest: %v", err)
	}
	t.Logf("winetest: boot services running after %v", time.Since(start).Round(time.Millisecond))
	return p
}

// bootServices are the services a booted wine 8 prefix runs: the
// auto-start ones and the drivers PlugPlay loads. They start one by one
// after services.exe already answers queries.
const bootServices = "Eventlog MountMgr NDIS nsiproxy PlugPlay RpcSs winebus winehid wineusb"

// waitServiceManager returns once the prefix's service manager answers and
// has finished starting the services of a boot. The first wine process of
// a prefix starts wineserver and services.exe, and a program that opens
// the service manager before services.exe listens gets
// RPC_S_SERVER_UNAVAILABLE. Worse, while services.exe starts a boot
// service, wine's StartServiceCtrlDispatcher in any process connects to
// the pipe that service's process is meant to open (wine names it after
// the ServiceCurrent counter and does not check who connects), so a
// console run of a service-aware program started then becomes that
// service. Every test would race both, so the harness waits here, once.
// The wineserver started here serves the test's own processes.
func (p *Prefix) waitServiceManager(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var queries []string
	for _, name := range strings.Fields(bootServices) {
		queries = append(queries, "sc query "+name)
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, "wine", "cmd", "/c", strings.Join(queries, " & "))
		cmd.Env = p.env
		out, err := cmd.CombinedOutput()
		cancel()
		pending := ""
		if err == nil {
			pending = notRunning(string(out))
			if pending == "" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("still starting: %s", pending)
			}
			return fmt.Errorf("the service manager of %s did not settle within %v: %v\n%s", p.dir, limit, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// notRunning reads the output of several "sc query" runs and names the
// services that are not RUNNING, or RpcSs when its query printed nothing
// (the service manager did not answer). A service the prefix lacks prints
// no block and is not waited for.
func notRunning(out string) string {
	var pending []string
	seen := false
	for _, block := range strings.Split(out, "SERVICE_NAME:")[1:] {
		name, _, _ := strings.Cut(strings.TrimSpace(block), "\n")
		name = strings.TrimSpace(name)
		if name == "RpcSs" {
			seen = true
		}
		if st, err := parseState(block); err != nil || st != "RUNNING" {
			pending = append(pending, name)
		}
	}
	if !seen {
		pending = append(pending, "RpcSs")
	}
	return strings.Join(pending, " ")
}

// missing skips, or fails under CI where a missing tool is a broken runner.
func missing(t testing.TB, reason string) {
	t.Helper()
	testtool.Missing(t, "winetest: "+reason)
}

// prefixEnv returns base without any variable that would let the caller's
// wine settings or display leak in, plus the pinned wine settings.
func prefixEnv(base []string, dir string) []string {
	drop := map[string]bool{
		"WINEPREFIX": true, "WINEDEBUG": true, "WINEDLLOVERRIDES": true,
		"WINEARCH": true, "DISPLAY": true, "WAYLAND_DISPLAY": true,
	}
	env := make([]string, 0, len(base)+3)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	debug := "-all"
	if v := os.Getenv("SVCSHIP_WINEDEBUG"); v != "" {
		debug = v
	}
	return append(env,
		"WINEPREFIX="+dir,
		"WINEDEBUG="+debug,
		"WINEDLLOVERRIDES=mscoree,mshtml=",
	)
}

// Dir is the WINEPREFIX directory.
func (p *Prefix) Dir() string { return p.dir }

// Env is the environment every wine process of this prefix gets.
func (p *Prefix) Env() []string { return append([]string(nil), p.env...) }

// Command returns an unstarted "wine exe args..." command bound to the
// prefix. Use StartCmd to start it under the harness's cleanup.
func (p *Prefix) Command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = p.Env()
	// Wine's helper processes may inherit the pipes; do not wait forever.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Run runs exe (a Unix path, a C:\ path or a name on wine's PATH such as
// "sc.exe") and waits. Result is filled whenever the process ran; err is
// non-nil if it could not run, ctx ended, or it exited non-zero (*ExitError).
func (p *Prefix) Run(ctx context.Context, exe string, args ...string) (Result, error) {
	cmd := p.Command(ctx, exe, args...)
	stdout, stderr, err := runToFiles(cmd, p.logs)
	res := Result{Stdout: stdout, Stderr: stderr, ExitCode: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("winetest: %s %s: %w", exe, strings.Join(args, " "), ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return res, &ExitError{Exe: exe, ExitCode: res.ExitCode, Stderr: res.Stderr}
	}
	if err != nil {
		return res, fmt.Errorf("winetest: run %s: %w", exe, err)
	}
	return res, nil
}

// runToFiles runs cmd with stdout and stderr going to files rather than
// pipes: wine hands the standard handles to wineserver and services.exe,
// which outlive the command and would keep a pipe open.
func runToFiles(cmd *exec.Cmd, dir string) (stdout, stderr string, err error) {
	outF, err := os.CreateTemp(dir, "stdout-")
	if err != nil {
		return "", "", err
	}
	defer os.Remove(outF.Name())
	defer outF.Close()
	errF, err := os.CreateTemp(dir, "stderr-")
	if err != nil {
		return "", "", err
	}
	defer os.Remove(errF.Name())
	defer errF.Close()
	cmd.Stdout, cmd.Stderr = outF, errF
	runErr := cmd.Run()
	o, _ := os.ReadFile(outF.Name())
	e, _ := os.ReadFile(errF.Name())
	return string(o), string(e), runErr
}

// Start starts exe in the background. Its stdout and stderr go to
// <logs>/<n>-<exe>.log, n counting the processes started from 1; the
// process is killed at cleanup.
func (p *Prefix) Start(exe string, args ...string) (*exec.Cmd, error) {
	cmd := p.Command(context.Background(), exe, args...)
	p.mu.Lock()
	p.n++
	name := fmt.Sprintf("%02d-%s.log", p.n, sanitize(filepath.Base(strings.ReplaceAll(exe, `\`, "/"))))
	p.mu.Unlock()
	f, err := os.Create(filepath.Join(p.logs, name))
	if err != nil {
		return nil, fmt.Errorf("winetest: start %s: %w", exe, err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	err = p.StartCmd(cmd)
	f.Close() // the child holds its own copy
	if err != nil {
		return nil, err
	}
	return cmd, nil
}

// StartCmd starts cmd (usually from Command) and kills it at cleanup.
func (p *Prefix) StartCmd(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("winetest: start %s: %w", cmd.Path, err)
	}
	p.mu.Lock()
	p.procs = append(p.procs, cmd)
	p.mu.Unlock()
	return nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ':' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

// cleanup ends everything the test left running in the prefix.
func (p *Prefix) cleanup() {
	p.mu.Lock()
	procs := p.procs
	p.procs = nil
	p.mu.Unlock()
	for _, cmd := range procs {
		if cmd.ProcessState == nil && cmd.Process != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, args := range [][]string{{"-k"}, {"-w"}} {
		cmd := exec.CommandContext(ctx, "wineserver", args...)
		cmd.Env = p.env
		_ = cmd.Run() // -k fails harmlessly when no server is running
	}
}

// WinPath maps a Unix path to the path wine programs see: files in the
// prefix's drive_c become C:\..., everything else Z:\... .
func (p *Prefix) WinPath(unixPath string) string {
	abs, err := filepath.Abs(unixPath)
	if err != nil {
		abs = unixPath
	}
	driveC := filepath.Join(p.dir, "drive_c")
	if rel, err := filepath.Rel(driveC, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		if rel == "." {
			return `C:\`
		}
		return `C:\` + strings.ReplaceAll(rel, "/", `\`)
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}

// UnixPath maps a C:\ or Z:\ path to the Unix file behind it. Components are
// matched case-insensitively against what exists, like wine does.
func (p *Prefix) UnixPath(winPath string) string {
	s := strings.ReplaceAll(winPath, `\`, "/")
	if len(s) < 2 || s[1] != ':' {
		return s
	}
	var base string
	switch strings.ToLower(s[:1]) {
	case "c":
		base = filepath.Join(p.dir, "drive_c")
	case "z":
		base = "/"
	default:
		base = filepath.Join(p.dir, "dosdevices", strings.ToLower(s[:2]))
	}
	cur := base
	for _, part := range strings.Split(s[2:], "/") {
		if part == "" || part == "." {
			continue
		}
		cur = filepath.Join(cur, matchCase(cur, part))
	}
	return cur
}

// matchCase returns the existing entry of dir equal to name ignoring case,
// or name itself.
func matchCase(dir, name string) string {
	if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
		return name
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return name
	}
	for _, e := range entries {
		if strings.EqualFold(e.Name(), name) {
			return e.Name()
		}
	}
	return name
}

// SC runs wine's sc.exe.
func (p *Prefix) SC(ctx context.Context, args ...string) (Result, error) {
	return p.Run(ctx, "sc.exe", args...)
}

// Msiexec runs wine's msiexec.exe, e.g. Msiexec(ctx, "/i", p.WinPath(msi), "/qn").
func (p *Prefix) Msiexec(ctx context.Context, args ...string) (Result, error) {
	return p.Run(ctx, "msiexec.exe", args...)
}

// ServiceState returns the STATE word sc.exe reports for a service
// (RUNNING, STOPPED, START_PENDING, ...).
func (p *Prefix) ServiceState(ctx context.Context, name string) (string, error) {
	res, err := p.SC(ctx, "query", name)
	if err != nil {
		return "", fmt.Errorf("winetest: query service %s: %w (%s)", name, err, strings.TrimSpace(res.Stdout))
	}
	return parseState(res.Stdout)
}

func parseState(out string) (string, error) {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "STATE" {
			continue
		}
		f := strings.Fields(v)
		if len(f) >= 2 {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("winetest: no STATE in sc output %q", out)
}

// WaitServiceState polls until the service reports want or timeout passes.
func (p *Prefix) WaitServiceState(ctx context.Context, name, want string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := ""
	for {
		st, err := p.ServiceState(ctx, name)
		if err == nil && st == want {
			return nil
		}
		if err == nil {
			last = st
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("winetest: service %s not %s after %v (last: %s)", name, want, timeout, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// RegQuery returns the data of one registry value as reg.exe prints it,
// e.g. RegQuery(ctx, `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, "app").
// A missing key or value is an error wrapping *ExitError.
func (p *Prefix) RegQuery(ctx context.Context, key, value string) (string, error) {
	res, err := p.Run(ctx, "reg.exe", "query", key, "/v", value)
	if err != nil {
		return "", fmt.Errorf("winetest: reg query %s /v %s: %w", key, value, err)
	}
	for _, line := range strings.Split(res.Stdout, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.EqualFold(f[0], value) && strings.HasPrefix(f[1], "REG_") {
			// Data may contain spaces: take the text after the type word.
			idx := strings.Index(line, f[1]) + len(f[1])
			return strings.TrimSpace(line[idx:]), nil
		}
	}
	return "", fmt.Errorf("winetest: reg query %s /v %s: value not in output %q", key, value, res.Stdout)
}

// WaitHTTP polls url until it answers with a status below 500, ctx ends or
// timeout passes.
func (p *Prefix) WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	return WaitHTTP(ctx, url, timeout)
}

// WaitHTTP is the prefix-independent form of Prefix.WaitHTTP.
func WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("winetest: wait for %s: %w", url, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("winetest: %s not answering after %v: %w", url, timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// BuildGo builds the Go main package pkg (import path or directory) for
// windows/amd64 into a temporary directory and returns the .exe path.
func BuildGo(t testing.TB, pkg string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("winetest: go toolchain not on PATH: %v", err)
	}
	name := filepath.Base(pkg)
	if name == "." || name == "/" {
		name = "prog"
	}
	out := filepath.Join(t.TempDir(), name+".exe")
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("winetest: go build %s for windows: %v\n%s", pkg, err, b)
	}
	return out
}

// FreePort returns a loopback TCP port that was free a moment ago, for a
// service under test to listen on.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("winetest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
