package installer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"io/fs"
	"sort"
	"strings"
	"testing"
	"time"
)

// fakeInsp is an in-memory Event Log, file system, signature verifier,
// permission checker and HTTP probe.
type fakeInsp struct {
	events    map[string][]Event
	eventsErr error
	sigs      map[string]Signature // default: valid
	sigErr    error
	writeErr  error
	readOnly  map[string]bool // dir|account pairs that may not write
	files     map[string]string
	dirs      map[string]bool
	denied    map[string]bool // paths whose reading is denied
	probe     int
	probeErr  error
	probed    []string
}

func (f *fakeInsp) Events(source string, max int) ([]Event, error) {
	if f.eventsErr != nil {
		return nil, f.eventsErr
	}
	ev := f.events[source]
	if len(ev) > max {
		ev = ev[:max]
	}
	return ev, nil
}

func (f *fakeInsp) Signature(path string) (Signature, error) {
	if f.sigErr != nil {
		return Signature{}, f.sigErr
	}
	if s, ok := f.sigs[path]; ok {
		return s, nil
	}
	return Signature{State: SigValid}, nil
}

func (f *fakeInsp) CanWrite(dir, account string) (bool, error) {
	if !f.dirs[dir] {
		return false, fs.ErrNotExist
	}
	if f.writeErr != nil {
		return false, f.writeErr
	}
	return !f.readOnly[dir+"|"+account], nil
}

func (f *fakeInsp) Exists(path string) (bool, error) {
	if f.denied[path] {
		return false, ErrAccessDenied
	}
	_, ok := f.files[path]
	return ok || f.dirs[path], nil
}

func (f *fakeInsp) ReadDir(dir string) ([]string, error) {
	if f.denied[dir] {
		return nil, fmt.Errorf("open %s: %w", dir, ErrAccessDenied)
	}
	if !f.dirs[dir] {
		return nil, fmt.Errorf("open %s: %w", dir, fs.ErrNotExist)
	}
	var names []string
	for p := range f.files {
		if rest, ok := strings.CutPrefix(p, dir+`\`); ok && !strings.Contains(rest, `\`) {
			names = append(names, rest)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (f *fakeInsp) Tail(path string, max int64) ([]byte, error) {
	if f.denied[path] {
		return nil, ErrAccessDenied
	}
	s, ok := f.files[path]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", path, fs.ErrNotExist)
	}
	if int64(len(s)) > max {
		s = s[int64(len(s))-max:]
	}
	return []byte(s), nil
}

func (f *fakeInsp) Get(_ context.Context, url string) (int, error) {
	f.probed = append(f.probed, url)
	return f.probe, f.probeErr
}

const (
	logDir    = `C:\ProgramData\hellosvc\logs`
	exePath   = dir + `\hellosvc.exe`
	hostExe   = dir + `\svcship-installer.exe`
	logPath   = logDir + `\hellosvc.log`
	statusLog = logDir + `\host-status.json`
)

const doctorYAML = baseYAML + `  account: virtual
  dependencies: [Tcpip]
  environment: {API_TOKEN: "tok-3f9a-SECRET", MODE: "on"}
  health: {url: "http://127.0.0.1:8080/healthz"}
`

// healthy installs the service from yaml on a fresh fake and gives it a
// log, a signed program, Event Log entries and a dependency that runs.
func healthy(t *testing.T, yaml string) (*fakeSys, *fakeInsp) {
	t.Helper()
	sys := newFake()
	if r := runCLI(t, sys, yaml, nil, "install"); r.code != 0 {
		t.Fatalf("install: %d %s %s", r.code, r.stdout, r.stderr)
	}
	sys.svcs["Tcpip"] = &fakeSvc{status: RunStatus{State: svcstate.Running, PID: 4}}
	in := &fakeInsp{
		events: map[string][]Event{"hellosvc": {
			{Time: time.Date(2026, 12, 1, 10, 0, 1, 0, time.UTC), Type: "information", ID: 1, Message: "service started"},
			{Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Type: "information", ID: 1, Message: "service stopped"},
		}},
		files: map[string]string{
			exePath:               "MZ",
			hostExe:               "MZ",
			logPath:               `{"time":"2026-12-01T10:00:01Z","level":"INFO","msg":"service running","service":"hellosvc"}` + "\n",
			dir + `\svcship.yaml`: yaml,
		},
		dirs:  map[string]bool{logDir: true, dir: true},
		probe: 200,
	}
	return sys, in
}

type doctorRun struct {
	code           int
	stdout, stderr string
}

func runDoctorOn(t *testing.T, sys *fakeSys, in *fakeInsp, yaml string, env map[string]string, args ...string) doctorRun {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{
		Sys: sys, Stdout: &out, Stderr: &errb, Dir: dir,
		Getenv: func(k string) string {
			if k == "ProgramData" {
				return `C:\ProgramData`
			}
			return env[k]
		},
		ReadFile: func(p string) ([]byte, error) {
			if p == dir+`\svcship.yaml` {
				return []byte(yaml), nil
			}
			return nil, fs.ErrNotExist
		},
	}
	code := doctorMain(context.Background(), e, in, args)
	return doctorRun{code, out.String(), errb.String()}
}

func findingsOf(t *testing.T, r doctorRun) DoctorReport {
	t.Helper()
	var rep DoctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return rep
}

// want is one finding a case expects: its check, severity and a part of
// its message (or fix).
type want struct{ check, sev, text string }

func TestDoctorDecisions(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		env    map[string]string
		mutate func(sys *fakeSys, in *fakeInsp)
		code   int
		want   []want
	}{
		{"healthy", doctorYAML, nil, nil, 0, []want{
			{"installed", "ok", `service hellosvc is installed: "C:\Program Files\Hello\hellosvc.exe"`},
			{"config", "ok", "binary path, arguments, account, start type, dependencies and recovery match svcship.yaml"},
			{"state", "ok", "running (pid 101)"},
			{"dependencies", "ok", "dependencies running: Tcpip"},
			{"event-log", "ok", "last 2 entries from hellosvc (newest first)"},
			{"logs", "ok", `last 1 lines of C:\ProgramData\hellosvc\logs\hellosvc.log`},
			{"log-folder", "ok", `NT SERVICE\hellosvc can write to C:\ProgramData\hellosvc\logs`},
			{"executable", "ok", `C:\Program Files\Hello\hellosvc.exe exists`},
			{"signature", "ok", "has a valid Authenticode signature"},
			{"health", "ok", "http://127.0.0.1:8080/healthz answered 200"},
		}},
		{"not installed", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { delete(sys.svcs, "hellosvc") }, 1, []want{
			{"installed", "error", "service hellosvc is not installed"},
			{"executable", "ok", `hellosvc.exe exists`},
		}},
		{"query denied", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.fail["Query"] = ErrAccessDenied }, 0, []want{
			{"installed", "warning", "run as administrator to read the service's configuration"},
		}},
		{"binary path differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].core.BinaryPath = `"C:\Old\hellosvc.exe"`
		}, 1, []want{{"config", "error", `binary path differs from svcship.yaml: installed C:\Old\hellosvc.exe, svcship.yaml wants C:\Program Files\Hello\hellosvc.exe`}}},
		{"arguments differ", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].core.BinaryPath = `"C:\Program Files\Hello\hellosvc.exe" --listen 0.0.0.0:80`
		}, 1, []want{{"config", "error", `arguments differ from svcship.yaml: installed ["--listen" "0.0.0.0:80"], svcship.yaml wants []`}}},
		{"account differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["hellosvc"].core.Account = "LocalSystem" }, 1, []want{
			{"config", "error", `account differs from svcship.yaml: installed LocalSystem, svcship.yaml wants NT SERVICE\hellosvc`},
		}},
		{"start type differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["hellosvc"].core.Start = StartModeManual }, 1, []want{
			{"config", "error", "start type differs from svcship.yaml: installed manual, svcship.yaml wants auto"},
		}},
		{"delayed start differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["hellosvc"].delayed = true }, 1, []want{
			{"config", "error", "start type differs from svcship.yaml: installed delayed-auto, svcship.yaml wants auto"},
		}},
		{"dependencies differ", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["hellosvc"].core.Dependencies = nil }, 1, []want{
			{"config", "error", "dependencies differ from svcship.yaml: installed (none), svcship.yaml wants Tcpip"},
		}},
		{"recovery differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].fa = FailureActions{Steps: []FailureStep{{ActionNone, 0}}, ResetPeriod: time.Hour}
		}, 1, []want{{"config", "error", "recovery actions differ from svcship.yaml: installed none after 0s (reset after 1h0m0s), svcship.yaml wants restart after 5s, restart after 10s, restart after 30s (reset after 24h0m0s)"}}},
		{"recovery unreadable (wine)", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.wine = true }, 0, []want{
			{"config", "info", "recovery actions cannot be read back on this system; not compared"},
			{"config", "ok", "match svcship.yaml"},
		}},
		{"non-crash flag differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["hellosvc"].nonCrash = false }, 1, []want{
			{"config", "error", "recovery on non-crash failure differs from svcship.yaml: installed off, svcship.yaml wants on"},
		}},
		{"environment differs", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["hellosvc"].env = []string{"MODE=on"} }, 0, []want{
			{"config", "warning", "environment differs from svcship.yaml: installed MODE, svcship.yaml wants API_TOKEN, MODE"},
		}},
		{"stopped with logon failure", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1069}
		}, 1, []want{{"state", "error", "stopped with exit code 1069: ERROR_SERVICE_LOGON_FAILED"}, {"health", "info", "not probed"}}},
		{"stopped with 1053", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1053}
		}, 1, []want{{"state", "error", "stopped with exit code 1053: ERROR_SERVICE_REQUEST_TIMEOUT"}}},
		{"stopped with 1067", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1067}
		}, 1, []want{{"state", "error", "stopped with exit code 1067: ERROR_PROCESS_ABORTED"}}},
		{"stopped with 5", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 5}
		}, 1, []want{{"state", "error", "stopped with exit code 5: ERROR_ACCESS_DENIED"}}},
		{"stopped with 2", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 2}
		}, 1, []want{{"state", "error", "stopped with exit code 2: ERROR_FILE_NOT_FOUND"}}},
		{"stopped with 3", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 3}
		}, 1, []want{{"state", "error", "stopped with exit code 3: ERROR_PATH_NOT_FOUND"}}},
		{"unknown exit code", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 4242}
		}, 1, []want{{"state", "error", "stopped with exit code 4242: exit code 4242 (see learn.microsoft.com"}}},
		{"service-specific 3", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1066, ServiceExitCode: 3}
		}, 1, []want{{"state", "error", "stopped with service-specific exit code 3: the runtime could not set up its working directory or log file"}}},
		{"manual never started", doctorYAML + "  start: manual\n", nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1077}
		}, 0, []want{{"state", "info", "stopped; not started since boot (start type manual)"}}},
		{"auto but stopped cleanly", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped}
		}, 1, []want{{"state", "error", "stopped, although it starts automatically"}}},
		{"start pending", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.StartPending, PID: 7}
		}, 0, []want{{"state", "warning", "start-pending (pid 7): the service is between states"}}},
		{"dependency missing", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { delete(sys.svcs, "Tcpip") }, 1, []want{
			{"dependencies", "error", "dependency Tcpip is not installed: the service cannot start (error 1075)"},
		}},
		{"dependency stopped while running", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) { sys.svcs["Tcpip"].status.State = svcstate.Stopped }, 0, []want{
			{"dependencies", "warning", "dependency Tcpip is stopped"},
		}},
		{"dependency stopped and service stopped", doctorYAML, nil, func(sys *fakeSys, _ *fakeInsp) {
			sys.svcs["Tcpip"].status.State = svcstate.Stopped
			sys.svcs["hellosvc"].status = RunStatus{State: svcstate.Stopped, Win32ExitCode: 1068}
		}, 1, []want{
			{"state", "error", "1068: ERROR_SERVICE_DEPENDENCY_FAIL"},
			{"dependencies", "error", "dependency Tcpip is stopped"},
		}},
		{"event log newest is an error", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.events["hellosvc"] = append([]Event{{Time: time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC), Type: "error", ID: 3, Message: "service failed: listen: bind: address already in use"}}, in.events["hellosvc"]...)
		}, 0, []want{{"event-log", "warning", "the newest entry from hellosvc is an error: service failed: listen: bind: address already in use"}}},
		{"event log unreadable (wine)", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) { in.eventsErr = ErrUnsupported }, 0, []want{
			{"event-log", "info", "the Event Log cannot be read on this system"},
		}},
		{"event log denied", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) { in.eventsErr = ErrAccessDenied }, 0, []want{
			{"event-log", "warning", "run as administrator to read the Application log"},
		}},
		{"log folder admin-only", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.denied[logDir] = true
			in.writeErr = ErrAccessDenied
		}, 0, []want{
			{"logs", "warning", `run as administrator to read the log folder C:\ProgramData\hellosvc\logs`},
			{"log-folder", "warning", `run as administrator to read the permissions of C:\ProgramData\hellosvc\logs`},
		}},
		{"log folder missing", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) { delete(in.dirs, logDir); delete(in.files, logPath) }, 0, []want{
			{"logs", "warning", `log folder C:\ProgramData\hellosvc\logs does not exist`},
		}},
		{"log folder not writable", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.readOnly = map[string]bool{logDir + `|NT SERVICE\hellosvc`: true}
		}, 1, []want{{"log-folder", "error", `the service account NT SERVICE\hellosvc cannot create files in C:\ProgramData\hellosvc\logs`}}},
		{"errors in the log tail", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.files[logPath] += `{"level":"ERROR","msg":"service failed","err":"listen tcp 127.0.0.1:8080: bind: Only one usage of each socket address is normally permitted."}` + "\n"
		}, 0, []want{{"logs", "warning", `1 of the last 2 lines of C:\ProgramData\hellosvc\logs\hellosvc.log are errors`}}},
		{"executable deleted", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) { delete(in.files, exePath) }, 1, []want{
			{"executable", "error", `C:\Program Files\Hello\hellosvc.exe does not exist: the service cannot start (exit code 2)`},
		}},
		{"unsigned", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.sigs = map[string]Signature{exePath: {State: SigUnsigned, Detail: "no signature"}}
		}, 0, []want{{"signature", "warning", `C:\Program Files\Hello\hellosvc.exe is not signed`}}},
		{"untrusted signer", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.sigs = map[string]Signature{exePath: {State: SigUntrusted, Detail: "CERT_E_UNTRUSTEDROOT"}}
		}, 0, []want{{"signature", "warning", "signed by a certificate this machine does not trust: CERT_E_UNTRUSTEDROOT"}}},
		{"tampered", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) {
			in.sigs = map[string]Signature{exePath: {State: SigInvalid, Detail: "TRUST_E_BAD_DIGEST"}}
		}, 1, []want{{"signature", "error", "has a signature that does not match its content"}}},
		{"probe refused", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) { in.probeErr = errors.New("connection refused") }, 1, []want{
			{"health", "error", "http://127.0.0.1:8080/healthz: connection refused"},
		}},
		{"probe unhealthy", doctorYAML, nil, func(_ *fakeSys, in *fakeInsp) { in.probe = 503 }, 1, []want{
			{"health", "error", "http://127.0.0.1:8080/healthz answered 503 (a server error)"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys, in := healthy(t, tc.yaml)
			if in.denied == nil {
				in.denied = map[string]bool{}
			}
			if tc.mutate != nil {
				tc.mutate(sys, in)
			}
			r := runDoctorOn(t, sys, in, tc.yaml, tc.env, "--json")
			rep := findingsOf(t, r)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tc.code, r.stdout)
			}
			if (rep.Errors == 0) != (tc.code == 0) {
				t.Errorf("%d errors with exit %d", rep.Errors, r.code)
			}
			for _, w := range tc.want {
				found := false
				for _, f := range rep.Findings {
					if f.Check == w.check && f.Severity == w.sev && (strings.Contains(f.Message, w.text) || strings.Contains(f.Fix, w.text)) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s finding %q with %q in:\n%s", w.sev, w.check, w.text, r.stdout)
				}
			}
			if tc.name == "healthy" {
				// Nothing else is wrong, and the order is the documented one.
				var checks []string
				for _, f := range rep.Findings {
					if f.Severity != "ok" {
						t.Errorf("healthy service has finding %+v", f)
					}
					checks = append(checks, f.Check)
				}
				wantOrder := "installed config state dependencies event-log logs log-folder executable signature health"
				if strings.Join(checks, " ") != wantOrder {
					t.Errorf("order %v, want %s", checks, wantOrder)
				}
				if len(in.probed) != 1 || in.probed[0] != "http://127.0.0.1:8080/healthz" {
					t.Errorf("probed %v", in.probed)
				}
			}
		})
	}
}

const hostedYAML = baseYAML + `  mode: hosted
  environment: {DB_PASSWORD: "pa55-WORD-xyz"}
`

func TestDoctorHostedChild(t *testing.T) {
	status := func(state string, restarts, fails int, code int) string {
		return fmt.Sprintf(`{"executable":"C:\\Program Files\\Hello\\hellosvc.exe","host_pid":40,"state":%q,"starts":%d,"restarts":%d,"failures_in_window":%d,"max_failures":5,`+
			`"last_exit":{"code":%d,"success":false,"at":"2026-12-01T10:00:00Z","ran_ms":150},"updated":"2026-12-01T10:00:00Z"}`, state, restarts+1, restarts, fails, code)
	}
	tests := []struct {
		name, status string
		state        RunStatus
		code         int
		want         want
	}{
		{"gave up", status("gave-up", 4, 5, 3), RunStatus{State: svcstate.Stopped, Win32ExitCode: 1066, ServiceExitCode: 1}, 1,
			want{"hosted-child", "error", "hellosvc.exe kept crashing: it exited unexpectedly 5 times within the restart window and the host gave up (last exit code 3 at 2026-12-01T10:00:00Z after 150ms)"}},
		{"backing off", status("backing-off", 2, 3, 3), RunStatus{State: svcstate.Running, PID: 40}, 1,
			want{"hosted-child", "error", "hellosvc.exe is in a crash loop: it exited unexpectedly (last exit code 3"}},
		{"recovered", status("running", 2, 2, 3), RunStatus{State: svcstate.Running, PID: 40}, 0,
			want{"hosted-child", "warning", "hellosvc.exe is running but was restarted 2 times"}},
		{"no status yet", "", RunStatus{State: svcstate.Running, PID: 40}, 0,
			want{"hosted-child", "info", `no C:\ProgramData\hellosvc\logs\host-status.json yet`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys, in := healthy(t, hostedYAML)
			delete(sys.svcs, "Tcpip")
			in.denied = map[string]bool{}
			sys.svcs["hellosvc"].status = tc.state
			if tc.status != "" {
				in.files[statusLog] = tc.status
			}
			r := runDoctorOn(t, sys, in, hostedYAML, nil, "--json")
			rep := findingsOf(t, r)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tc.code, r.stdout)
			}
			found := false
			for _, f := range rep.Findings {
				if f.Check == tc.want.check && f.Severity == tc.want.sev && strings.Contains(f.Message, tc.want.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %+v in\n%s", tc.want, r.stdout)
			}
			// Both the host and the program are checked.
			for _, exe := range []string{hostExe, exePath} {
				if !strings.Contains(r.stdout, strings.ReplaceAll(exe, `\`, `\\`)+` exists`) {
					t.Errorf("%s not checked:\n%s", exe, r.stdout)
				}
			}
		})
	}
}

// doctor never prints a secret: not svcship.yaml's environment values, not
// the installed service's, not the password from password_env, in text
// or JSON, in findings or in log tails, on stdout or stderr.
func TestDoctorRedactsSecrets(t *testing.T) {
	const (
		token    = "tok-3f9a-SECRET"
		regToken = "reg-only-7781"
		password = `Pw"with\quotes-99`
	)
	yaml := strings.Replace(doctorYAML, "  account: virtual\n", "  account: .\\svcuser\n  password_env: HELLO_PW\n", 1)
	env := map[string]string{"HELLO_PW": password}
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			sys, in := healthy(t, doctorYAML)
			in.denied = map[string]bool{}
			svc := sys.svcs["hellosvc"]
			svc.core.Account = `.\svcuser`
			svc.env = append(svc.env, "OLD_KEY="+regToken)
			// A log tail, an Event Log entry and an argument that carry them.
			in.files[logPath] += `{"level":"ERROR","msg":"auth failed","token":"` + token + `","password":"Pw\"with\\quotes-99"}` + "\n" +
				"plain line with " + token + " and " + password + " and " + regToken + "\n"
			in.events["hellosvc"] = []Event{{Type: "error", Message: "service failed: bad token " + token}}
			svc.core.BinaryPath = `"C:\Program Files\Hello\hellosvc.exe" --token ` + token
			in.probeErr = errors.New("refused by " + password)
			args := []string{}
			if asJSON {
				args = append(args, "--json")
			}
			r := runDoctorOn(t, sys, in, yaml, env, args...)
			all := r.stdout + r.stderr
			for _, s := range []string{token, regToken, password, `Pw\"with\\quotes-99`, "3f9a", "7781"} {
				if strings.Contains(all, s) {
					t.Errorf("output contains secret %q:\n%s", s, all)
				}
			}
			if !strings.Contains(all, "[redacted]") || strings.Count(all, "[redacted]") < 6 {
				t.Errorf("expected the secrets masked as [redacted]:\n%s", all)
			}
			if asJSON {
				findingsOf(t, r)
			}
			// The short value "on" is not masked (it would garble the report).
			if !strings.Contains(all, "auth failed") {
				t.Errorf("log tail missing:\n%s", all)
			}
		})
	}
}

func TestDoctorTextOutput(t *testing.T) {
	sys, in := healthy(t, doctorYAML)
	in.denied = map[string]bool{}
	delete(in.files, exePath)
	in.sigs = map[string]Signature{hostExe: {State: SigUnsigned}}
	r := runDoctorOn(t, sys, in, doctorYAML, nil)
	if r.code != 1 {
		t.Fatalf("exit %d", r.code)
	}
	for _, line := range []string{
		"svcship-installer doctor: hellosvc (native mode)\n",
		"OK       installed     service hellosvc is installed: \"C:\\Program Files\\Hello\\hellosvc.exe\"\n",
		"ERROR    executable    C:\\Program Files\\Hello\\hellosvc.exe does not exist: the service cannot start (exit code 2)\n",
		"                       fix: repair the installation (msiexec /fa <the MSI>, or unpack the zip again and run 'svcship-installer install')\n",
		"                       | {\"time\":\"2026-12-01T10:00:01Z\",\"level\":\"INFO\",\"msg\":\"service running\",\"service\":\"hellosvc\"}\n",
		"1 error, 0 warnings\n",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("text output lacks %q:\n%s", line, r.stdout)
		}
	}
}

func TestDoctorBadInput(t *testing.T) {
	sys, in := healthy(t, doctorYAML)
	for _, tc := range []struct {
		args []string
		yaml string
		code int
		err  string
	}{
		{[]string{"extra"}, doctorYAML, ExitUsage, `unexpected argument "extra"`},
		{[]string{"--nope"}, doctorYAML, ExitUsage, "flag provided but not defined: -nope"},
		{nil, "", ExitUsage, "doctor needs svcship.yaml beside the installer"},
	} {
		r := runDoctorOn(t, sys, in, tc.yaml, nil, tc.args...)
		if tc.yaml == "" {
			var out, errb bytes.Buffer
			e := Env{Sys: sys, Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(string) string { return "" },
				ReadFile: func(string) ([]byte, error) { return nil, fs.ErrNotExist }}
			r = doctorRun{doctorMain(context.Background(), e, in, tc.args), out.String(), errb.String()}
		}
		if r.code != tc.code || !strings.Contains(r.stderr, tc.err) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
	}
}
