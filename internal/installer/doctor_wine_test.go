package installer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/installer"
	"github.com/svcship/svcship/internal/winetest"
)

// doctorYAML is the rig's service with a health probe and a secret in its
// environment.
const doctorWineYAML = `product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
service:
  name: hellosvc
  arguments: ["--listen", "%[1]s"]
  stop_timeout: 10s
  environment: {HELLO_TOKEN: wine-secret-4711}
  logs: {dir: logs}
  health: {url: "http://%[1]s/healthz"}
`

// doctor runs "svcship-installer doctor" (text and --json) and returns the
// exit code, the text and the parsed report; it fails the test when the
// two exit codes differ, the JSON does not parse, or the secret shows.
func (r *wineRig) doctor(t *testing.T) (int, string, installer.DoctorReport) {
	t.Helper()
	text := r.inst(t, "doctor")
	js := r.inst(t, "doctor", "--json")
	var rep installer.DoctorReport
	if err := json.Unmarshal([]byte(js.Stdout), &rep); err != nil {
		t.Fatalf("doctor --json does not parse: %v\n%s\n%s", err, js.Stdout, js.Stderr)
	}
	if text.ExitCode != js.ExitCode {
		t.Fatalf("doctor exit %d, doctor --json exit %d", text.ExitCode, js.ExitCode)
	}
	for _, out := range []string{text.Stdout, text.Stderr, js.Stdout, js.Stderr} {
		if strings.Contains(out, "wine-secret-4711") {
			t.Fatalf("doctor printed the secret:\n%s", out)
		}
	}
	t.Logf("doctor (exit %d):\n%s%s", text.ExitCode, text.Stdout, text.Stderr)
	return text.ExitCode, text.Stdout, rep
}

func hasFinding(rep installer.DoctorReport, check, sev, text string) bool {
	for _, f := range rep.Findings {
		if f.Check == check && f.Severity == sev && strings.Contains(f.Message, text) {
			return true
		}
	}
	return false
}

// TestWineDoctor: a healthy service passes (exit 0); a changed
// configuration, then a deleted executable, make doctor fail and name the
// cause. The request id of hellosvc round-trips and lands in its log.
func TestWineDoctor(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(r.dir, "svcship.yaml"), []byte(fmt.Sprintf(doctorWineYAML, r.addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustInst(t, "install")
	if err := r.p.WaitHTTP(ctx, "http://"+r.addr+"/healthz", 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// The request id round-trips and appears in the service's JSON line.
	req, _ := http.NewRequest("GET", "http://"+r.addr+"/version", nil)
	req.Header.Set("X-Request-ID", "wine-req-0042")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "wine-req-0042" {
		t.Fatalf("X-Request-ID = %q", got)
	}
	line := r.waitLog(t, `"request_id":"wine-req-0042"`, 10*time.Second)
	if !strings.Contains(line, `"msg":"request","service":"hellosvc","request_id":"wine-req-0042","method":"GET","path":"/version","status":200,"duration_ms":`) {
		t.Fatalf("no request line in the log:\n%s", line)
	}

	// A log line that carries the secret (as a careless app might write):
	// doctor shows the tail, masked.
	f, err := os.OpenFile(r.logFile(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"level":"INFO","msg":"using token wine-secret-4711"}`)
	f.Close()

	// Healthy: exit 0, and the checks that wine can answer are ok.
	code, text, rep := r.doctor(t)
	if !strings.Contains(text, `"msg":"using token [redacted]"`) {
		t.Errorf("the log tail is not shown masked:\n%s", text)
	}
	if code != 0 || rep.Errors != 0 {
		t.Fatalf("healthy service: exit %d, %d errors\n%s", code, rep.Errors, text)
	}
	for _, w := range [][3]string{
		{"installed", "ok", "service hellosvc is installed"},
		{"config", "ok", "match svcship.yaml"},
		{"state", "ok", "running (pid "},
		{"logs", "ok", `hellosvc.log`},
		{"executable", "ok", `C:\Program Files\Hello\hellosvc.exe exists`},
		{"health", "ok", "/healthz answered 200"},
	} {
		if !hasFinding(rep, w[0], w[1], w[2]) {
			t.Errorf("healthy: no %s %s finding with %q", w[1], w[0], w[2])
		}
	}

	// svcship.yaml was edited after the install (wine's sc.exe has no
	// "config" verb to change the service itself): start type and
	// dependencies differ.
	yamlPath := filepath.Join(r.dir, "svcship.yaml")
	edited := fmt.Sprintf(doctorWineYAML, r.addr) + "  start: manual\n  dependencies: [Tcpip]\n"
	if err := os.WriteFile(yamlPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, text, rep = r.doctor(t)
	if code != installer.ExitFailure ||
		!hasFinding(rep, "config", "error", "start type differs from svcship.yaml: installed auto, svcship.yaml wants manual") ||
		!hasFinding(rep, "config", "error", "dependencies differ from svcship.yaml: installed (none), svcship.yaml wants Tcpip") {
		t.Fatalf("changed svcship.yaml: exit %d\n%s", code, text)
	}
	if err := os.WriteFile(yamlPath, []byte(fmt.Sprintf(doctorWineYAML, r.addr)), 0o644); err != nil {
		t.Fatal(err)
	}

	// configure --log-level edits the installed svcship.yaml; a restart
	// applies it, without a reinstall.
	res := r.mustInst(t, "configure", "--log-level", "debug")
	if !strings.Contains(res.Stdout, `service.logs.level is debug in C:\Program Files\Hello\svcship.yaml`) {
		t.Fatalf("configure --log-level:\n%s%s", res.Stdout, res.Stderr)
	}
	if b, _ := os.ReadFile(yamlPath); !strings.Contains(string(b), "level: debug") {
		t.Fatalf("svcship.yaml after configure --log-level:\n%s", b)
	}
	r.mustInst(t, "restart")
	r.waitLog(t, `"level":"DEBUG","msg":"service settings"`, 15*time.Second)

	// The executable was deleted (the service is stopped first: a running
	// exe cannot be deleted on Windows).
	r.mustInst(t, "stop")
	if err := os.Remove(filepath.Join(r.dir, "hellosvc.exe")); err != nil {
		t.Fatal(err)
	}
	code, text, rep = r.doctor(t)
	if code != installer.ExitFailure || !hasFinding(rep, "executable", "error", `C:\Program Files\Hello\hellosvc.exe does not exist`) {
		t.Fatalf("deleted executable: exit %d\n%s", code, text)
	}
	if !hasFinding(rep, "state", "error", "stopped, although it starts automatically") {
		t.Errorf("deleted executable: state not reported\n%s", text)
	}
	if !strings.Contains(text, "fix: repair the installation") {
		t.Errorf("no fix given:\n%s", text)
	}
}

// TestWineDoctorHostedCrashLoop: the hosted child crashes at once, the
// host gives up, and doctor names the crash loop from the host's status
// file.
func TestWineDoctorHostedCrashLoop(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	inst := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/svcship-installer")
	app := winetest.BuildGo(t, "github.com/svcship/svcship/internal/testapps/hostedapp")
	dirU := p.UnixPath(`C:\crashy`)
	if err := os.MkdirAll(dirU, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{inst, app} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirU, filepath.Base(f)), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	yaml := fmt.Sprintf(`product:
  name: crashy
  binary: hostedapp
  company: svcship tests
  description: hosted crash loop
service:
  name: crashy
  mode: hosted
  start: manual
  arguments: ["--listen", "%s", "--crash-after", "100"]
  logs: {dir: logs, level: debug}
  hosted:
    restart: {delay: 100ms, max_delay: 200ms, max_failures: 3, window: 1m}
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
`, freeAddr(t))
	if err := os.WriteFile(filepath.Join(dirU, "svcship.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := `C:\crashy\svcship-installer.exe`
	if res, err := p.Run(ctx, exe, "install", "--no-start"); err != nil {
		t.Fatalf("install: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	// wine's "sc start" does not wait; the host gives up after 3 crashes.
	if res, err := p.SC(ctx, "start", "crashy"); err != nil {
		t.Fatalf("sc start: %v\n%s", err, res.Stdout)
	}
	statusFile := filepath.Join(dirU, "logs", "host-status.json")
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(statusFile)
		if strings.Contains(string(b), `"state": "gave-up"`) {
			t.Logf("host-status.json:\n%s", b)
			break
		}
		if time.Now().After(deadline) {
			hostLog, _ := os.ReadFile(filepath.Join(dirU, "logs", "crashy.log"))
			t.Fatalf("host did not give up: status %s\nhost log:\n%s", b, hostLog)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The host's debug records are there: service.logs.level is debug.
	hostLog, _ := os.ReadFile(filepath.Join(dirU, "logs", "crashy.log"))
	if !strings.Contains(string(hostLog), `"level":"DEBUG","msg":"host: settings"`) {
		t.Errorf("no debug record in the host log at level debug:\n%s", hostLog)
	}
	if err := p.WaitServiceState(ctx, "crashy", "STOPPED", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	text, _ := p.Run(ctx, exe, "doctor")
	js, _ := p.Run(ctx, exe, "doctor", "--json")
	t.Logf("doctor (exit %d):\n%s%s", text.ExitCode, text.Stdout, text.Stderr)
	var rep installer.DoctorReport
	if err := json.Unmarshal([]byte(js.Stdout), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, js.Stdout)
	}
	if text.ExitCode != installer.ExitFailure || js.ExitCode != installer.ExitFailure {
		t.Fatalf("crash loop: exit %d / %d", text.ExitCode, js.ExitCode)
	}
	if !hasFinding(rep, "hosted-child", "error", "hostedapp.exe kept crashing: it exited unexpectedly 3 times within the restart window and the host gave up (last exit code 3") {
		t.Errorf("crash loop not named:\n%s", text.Stdout)
	}
	if !hasFinding(rep, "state", "error", "stopped with service-specific exit code 1: the hosted program failed too often and the host gave up") {
		t.Errorf("state not named:\n%s", text.Stdout)
	}
}
