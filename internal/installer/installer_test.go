package installer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/svcship/svcship/internal/svcstate"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"
)

const dir = `C:\Program Files\Hello`

const baseYAML = `product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
service:
  name: hellosvc
`

type run struct {
	code           int
	stdout, stderr string
}

// runCLI runs the installer with svcship.yaml = yaml beside it (none if
// yaml is empty) and the given environment.
func runCLI(t *testing.T, sys *fakeSys, yaml string, env map[string]string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{
		Sys: sys, Stdout: &out, Stderr: &errb, Dir: dir,
		Getenv: func(k string) string { return env[k] },
		ReadFile: func(p string) ([]byte, error) {
			if yaml != "" && (p == dir+`\svcship.yaml` || p == `D:\cfg\svcship.yaml`) {
				return []byte(yaml), nil
			}
			return nil, fs.ErrNotExist
		},
		Poll: time.Millisecond,
	}
	code := Main(context.Background(), e, args)
	return run{code, out.String(), errb.String()}
}

func TestInstallMapsEverySettingToCalls(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		args  []string
		check func(t *testing.T, f *fakeSys, s *fakeSvc)
	}{
		{"defaults", baseYAML, nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			// Least privilege by default: the virtual account, whose
			// password must be NULL, not "".
			want := CoreConfig{DisplayName: "hellosvc", BinaryPath: `"C:\Program Files\Hello\hellosvc.exe"`, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`, PasswordNull: true}
			if !equalCore(s.core, want) || !s.core.PasswordNull || s.core.Password != "" {
				t.Errorf("core %+v, want %+v", s.core, want)
			}
			if s.desc != "A small HTTP service" {
				t.Errorf("description %q", s.desc)
			}
			wantFA := FailureActions{Steps: []FailureStep{{ActionRestart, 5 * time.Second}, {ActionRestart, 10 * time.Second}, {ActionRestart, 30 * time.Second}}, ResetPeriod: 24 * time.Hour}
			if !equalFailure(s.fa, wantFA) || !s.nonCrash {
				t.Errorf("recovery %+v nonCrash=%v", s.fa, s.nonCrash)
			}
			if s.delayed || s.sid != SIDTypeUnrestricted {
				t.Errorf("delayed=%v sid=%d", s.delayed, s.sid)
			}
			if !f.sources["hellosvc"] {
				t.Error("event source not registered")
			}
			wantCalls := []string{"Create", "SetDescription", "SetSIDType", "SetFailureActions", "SetNonCrashFailures", "SetEnvironment", "InstallEventSource", "Start"}
			if got := f.methods(); !slices.Equal(got, wantCalls) {
				t.Errorf("calls %v, want %v", got, wantCalls)
			}
			if s.status.State != svcstate.Running {
				t.Errorf("not started: %v", s.status.State)
			}
		}},
		{"delayed-auto", baseYAML + "  start: delayed-auto\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Start != StartModeAuto || !s.delayed {
				t.Errorf("start %v delayed %v", s.core.Start, s.delayed)
			}
		}},
		{"manual is not started", baseYAML, nil, []string{"--start", "manual"}, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Start != StartModeManual || s.status.State != svcstate.Stopped || slices.Contains(f.methods(), "Start") {
				t.Errorf("start %v state %v calls %v", s.core.Start, s.status.State, f.methods())
			}
		}},
		{"disabled", baseYAML + "  start: disabled\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Start != StartModeDisabled || slices.Contains(f.methods(), "Start") {
				t.Errorf("start %v calls %v", s.core.Start, f.methods())
			}
		}},
		{"LocalSystem only when written", baseYAML + "  account: LocalSystem\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Account != "LocalSystem" || s.core.PasswordNull || s.sid != SIDTypeNone {
				t.Errorf("account %q null password %v sid %d", s.core.Account, s.core.PasswordNull, s.sid)
			}
		}},
		{"managed service account", baseYAML + "  account: EXAMPLE\\websvc$\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Account != `EXAMPLE\websvc$` || !s.core.PasswordNull || !slices.Equal(f.granted, []string{`EXAMPLE\websvc$`}) {
				t.Errorf("account %q null password %v granted %v", s.core.Account, s.core.PasswordNull, f.granted)
			}
		}},
		{"LocalService", baseYAML + "  account: LocalService\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Account != `NT AUTHORITY\LocalService` || s.core.Password != "" || s.core.PasswordNull || len(f.granted) != 0 {
				t.Errorf("account %q granted %v", s.core.Account, f.granted)
			}
		}},
		{"NetworkService flag", baseYAML, nil, []string{"--account", "NetworkService"}, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Account != `NT AUTHORITY\NetworkService` {
				t.Errorf("account %q", s.core.Account)
			}
		}},
		{"virtual account", baseYAML + "  account: virtual\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.Account != `NT SERVICE\hellosvc` || !s.core.PasswordNull || s.sid != SIDTypeUnrestricted || len(f.granted) != 0 {
				t.Errorf("account %q sid %d granted %v", s.core.Account, s.sid, f.granted)
			}
		}},
		{"user with password from env", baseYAML + "  account: .\\svcuser\n  password_env: HELLO_PW\n", map[string]string{"HELLO_PW": "s3cret!"}, nil,
			func(t *testing.T, f *fakeSys, s *fakeSvc) {
				if s.core.Account != `.\svcuser` || s.core.Password != "s3cret!" {
					t.Errorf("account %q password set=%v", s.core.Account, s.core.Password != "")
				}
				if !slices.Equal(f.granted, []string{`.\svcuser`}) {
					t.Errorf("logon right granted to %v", f.granted)
				}
			}},
		{"dependencies, arguments, environment, workdir, logs", baseYAML + `  dependencies: [Tcpip, Dnscache]
  arguments: ["--listen", "127.0.0.1:9090", "a b"]
  environment: {GREETING: hi there}
  working_directory: data
  stop_timeout: 7s
  logs: {dir: 'D:\logs', keep: 3, max_size: 1MB, daily: true}
`, nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if !slices.Equal(s.core.Dependencies, []string{"Tcpip", "Dnscache"}) {
				t.Errorf("deps %v", s.core.Dependencies)
			}
			if want := `"C:\Program Files\Hello\hellosvc.exe" --listen 127.0.0.1:9090 "a b"`; s.core.BinaryPath != want {
				t.Errorf("image path %s, want %s", s.core.BinaryPath, want)
			}
			want := []string{"GREETING=hi there", `SVCSHIP_LOG_DAILY=true`, `SVCSHIP_LOG_DIR=D:\logs`, "SVCSHIP_LOG_KEEP=3",
				"SVCSHIP_LOG_MAX_BYTES=1048576", "SVCSHIP_STOP_TIMEOUT=7s", `SVCSHIP_WORKING_DIRECTORY=C:\Program Files\Hello\data`}
			if !slices.Equal(s.env, want) {
				t.Errorf("env\n%q\nwant\n%q", s.env, want)
			}
		}},
		{"recovery run and reboot", baseYAML + `  recovery:
    actions: [{action: run, delay: 1s}, {action: reboot, delay: 2m}]
    command: 'C:\tools\alert.exe'
    reboot_message: bye
    reset_after: 1h
    on_non_crash_failure: false
`, nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			want := FailureActions{Steps: []FailureStep{{ActionRun, time.Second}, {ActionReboot, 2 * time.Minute}},
				ResetPeriod: time.Hour, Command: `C:\tools\alert.exe`, RebootMessage: "bye"}
			if !equalFailure(s.fa, want) || s.fa.Command != want.Command {
				t.Errorf("recovery %+v", s.fa)
			}
			if s.nonCrash || slices.Contains(f.methods(), "SetNonCrashFailures") {
				t.Errorf("non-crash flag set")
			}
		}},
		{"recovery flags", baseYAML, nil, []string{"--recovery", "restart:1s,none:0s", "--reset-after", "2h", "--non-crash=false"}, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			want := FailureActions{Steps: []FailureStep{{ActionRestart, time.Second}, {ActionNone, 0}}, ResetPeriod: 2 * time.Hour}
			if !equalFailure(s.fa, want) || s.nonCrash {
				t.Errorf("recovery %+v nonCrash %v", s.fa, s.nonCrash)
			}
		}},
		{"event source and description flags", baseYAML, nil, []string{"--event-source", "HelloSrc", "--description", "new words", "--display-name", "Hello Service"}, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if !f.sources["HelloSrc"] || f.sources["hellosvc"] || s.desc != "new words" || s.core.DisplayName != "Hello Service" {
				t.Errorf("sources %v desc %q display %q", f.sources, s.desc, s.core.DisplayName)
			}
		}},
		{"hosted mode", baseYAML + "  mode: hosted\n  environment: {A: b}\n", nil, nil, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			want := `"C:\Program Files\Hello\svcship-installer.exe" host --config "C:\Program Files\Hello\svcship.yaml"`
			if s.core.BinaryPath != want || len(s.env) != 0 {
				t.Errorf("image path %s env %v", s.core.BinaryPath, s.env)
			}
		}},
		{"flags only, no yaml", "", nil, []string{"--name", "other", "--arg", "--x=1"}, func(t *testing.T, f *fakeSys, s *fakeSvc) {
			if s.core.BinaryPath != `"C:\Program Files\Hello\other.exe" --x=1` || s.core.DisplayName != "other" {
				t.Errorf("core %+v", s.core)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			r := runCLI(t, f, tc.yaml, tc.env, append([]string{"install"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			name := "hellosvc"
			if tc.yaml == "" {
				name = "other"
			}
			s := f.svcs[name]
			if s == nil {
				t.Fatalf("service %s not created; calls %v", name, f.calls)
			}
			tc.check(t, f, s)
			for _, v := range tc.env {
				if strings.Contains(r.stdout+r.stderr+strings.Join(f.calls, "\n"), v) {
					t.Errorf("secret %q printed or logged", v)
				}
			}
			// Create-or-update: the same install again changes nothing.
			f.calls = nil
			r2 := runCLI(t, f, tc.yaml, tc.env, append([]string{"install"}, tc.args...)...)
			if r2.code != 0 || !strings.Contains(r2.stdout, name+": unchanged") || len(f.mutating()) != 0 {
				t.Fatalf("second install: exit %d, stdout %q, changes %v", r2.code, r2.stdout, f.mutating())
			}
		})
	}
}

func equalCore(a, b CoreConfig) bool {
	return a.DisplayName == b.DisplayName && a.BinaryPath == b.BinaryPath && a.Start == b.Start &&
		a.Account == b.Account && a.Password == b.Password && a.PasswordNull == b.PasswordNull && slices.Equal(a.Dependencies, b.Dependencies)
}

func TestInstallUpdatesInPlace(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantCalls []string
		check     func(*fakeSvc) bool
	}{
		{"description", []string{"--description", "changed"}, []string{"SetDescription"}, func(s *fakeSvc) bool { return s.desc == "changed" }},
		{"start type", []string{"--start", "manual"}, []string{"ChangeCore"}, func(s *fakeSvc) bool { return s.core.Start == StartModeManual }},
		{"delayed", []string{"--start", "delayed-auto"}, []string{"SetDelayedAutoStart"}, func(s *fakeSvc) bool { return s.delayed }},
		{"arguments", []string{"--arg", "-v"}, []string{"ChangeCore"}, func(s *fakeSvc) bool { return strings.HasSuffix(s.core.BinaryPath, " -v") }},
		{"account to LocalService", []string{"--account", "LocalService"}, []string{"ChangeCore", "SetSIDType"}, func(s *fakeSvc) bool {
			return s.core.Account == `NT AUTHORITY\LocalService` && !s.core.PasswordNull && s.sid == SIDTypeNone
		}},
		{"recovery", []string{"--recovery", "restart:1m"}, []string{"SetFailureActions"}, func(s *fakeSvc) bool { return len(s.fa.Steps) == 1 }},
		{"environment", []string{"--env", "A=1"}, []string{"SetEnvironment"}, func(s *fakeSvc) bool { return slices.Contains(s.env, "A=1") }},
		{"dependencies", []string{"--depends", "Tcpip,Afd"}, []string{"ChangeCore"}, func(s *fakeSvc) bool { return len(s.core.Dependencies) == 2 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			if r := runCLI(t, f, baseYAML, nil, "install"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			f.calls = nil
			r := runCLI(t, f, baseYAML, nil, append([]string{"install"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := f.methods(); !slices.Equal(got, tc.wantCalls) {
				t.Fatalf("calls %v, want %v (stdout %s)", got, tc.wantCalls, r.stdout)
			}
			if !tc.check(f.svcs["hellosvc"]) {
				t.Fatalf("not applied: %+v", f.svcs["hellosvc"])
			}
			if f.svcs["hellosvc"].core.Account == "" {
				t.Fatal("account lost on update")
			}
		})
	}
}

func TestPasswordOnlySentWithAccountChange(t *testing.T) {
	f := newFake()
	y := baseYAML + "  account: EXAMPLE\\svc\n  password_env: PW\n"
	env := map[string]string{"PW": "pw1"}
	if r := runCLI(t, f, y, env, "install"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	f.calls = nil
	// Another start type: ChangeCore must not resend the account.
	if r := runCLI(t, f, y, env, "install", "--start", "manual"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if !slices.Equal(f.mutating(), []string{"ChangeCore hellosvc "}) {
		t.Fatalf("calls %v", f.mutating())
	}
	if s := f.svcs["hellosvc"]; s.core.Account != `EXAMPLE\svc` || s.core.Password != "pw1" {
		t.Fatalf("account %q", s.core.Account)
	}
}

func TestPromptedPassword(t *testing.T) {
	f := newFake()
	var out, errb bytes.Buffer
	prompted := ""
	e := Env{Sys: f, Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(string) string { return "" },
		ReadFile: func(string) ([]byte, error) { return []byte(baseYAML), nil }, Poll: time.Millisecond,
		Prompt: func(p string) (string, error) { prompted = p; return "typed", nil }}
	if code := Main(context.Background(), e, []string{"install", "--account", "bob@example.com"}); code != 0 {
		t.Fatal(errb.String())
	}
	if prompted != "Password for bob@example.com: " || f.svcs["hellosvc"].core.Password != "typed" {
		t.Fatalf("prompt %q", prompted)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	tests := []struct {
		name, yaml string
		args       []string
		want       string
	}{
		{"invalid service name", baseYAML, []string{"--name", `bad\name`}, "invalid service name"},
		{"invalid service name in yaml", strings.Replace(baseYAML, "service:\n  name: hellosvc", "service:\n  name: a/b", 1), nil, "service.name"},
		{"user without password", baseYAML, []string{"--account", `.\bob`}, `account ".\bob" is a user account and needs a password`},
		{"user, password env empty", baseYAML, []string{"--account", `DOM\bob`, "--password-env", "NOPE"}, "needs a password"},
		{"negative delay flag", baseYAML, []string{"--recovery", "restart:-5s"}, "delay -5s is negative"},
		{"negative delay yaml", baseYAML + "  recovery: {actions: [{action: restart, delay: -5s}]}\n", nil, "negative"},
		{"unknown start type", baseYAML, []string{"--start", "sometimes"}, `start type "sometimes" is not a start type`},
		{"unknown account", baseYAML, []string{"--account", "bob"}, `account "bob" is not an account`},
		{"unknown recovery action", baseYAML, []string{"--recovery", "explode:1s"}, `"explode" is not a recovery action`},
		{"run without command", baseYAML, []string{"--recovery", "run:1s"}, "recovery.command is empty"},
		{"bad env flag", baseYAML, []string{"--env", "NOEQUALS"}, "is not KEY=VALUE"},
		{"bad env name", baseYAML, []string{"--env", "A-B=1"}, `environment variable name "A-B" is invalid`},
		{"unknown mode", baseYAML, []string{"--mode", "magic"}, `mode "magic"`},
		{"no name", "", nil, "no service name"},
		{"bad flag", baseYAML, []string{"--frobnicate"}, "flag provided but not defined"},
		{"missing --config", baseYAML, []string{"--config", `E:\nowhere.yaml`}, "nowhere.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			r := runCLI(t, f, tc.yaml, nil, append([]string{"install"}, tc.args...)...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr %s", r.code, ExitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("stderr %q lacks %q", r.stderr, tc.want)
			}
			// Reading the current service is allowed; nothing is changed.
			if len(f.mutating()) != 0 || len(f.fakeFS.calls) != 0 {
				t.Fatalf("system changed: %v %v", f.mutating(), f.fakeFS.calls)
			}
		})
	}
}

func TestWineOptionalSettingsAreWarnings(t *testing.T) {
	f := newFake()
	f.wine = true
	r := runCLI(t, f, baseYAML+"  start: delayed-auto\n  account: virtual\n", nil, "install")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, w := range []string{"delayed automatic start on", "service SID type", "recovery also on non-crash"} {
		if !strings.Contains(r.stderr, "warning: "+w) {
			t.Errorf("no warning for %q in %s", w, r.stderr)
		}
	}
	s := f.svcs["hellosvc"]
	if s == nil || s.status.State != svcstate.Running {
		t.Fatalf("service lost or not started after an unsupported optional setting: %+v", s)
	}
	f.calls = nil
	r = runCLI(t, f, baseYAML+"  start: delayed-auto\n  account: virtual\n", nil, "install")
	if r.code != 0 || !strings.Contains(r.stdout, "unchanged") || len(f.mutating()) != 0 {
		t.Fatalf("second install under wine: %d %s %v", r.code, r.stdout, f.mutating())
	}
	if !strings.Contains(r.stdout, "not compared: delayed automatic start") {
		t.Errorf("skipped settings not reported: %s", r.stdout)
	}
}

func TestFailedRequiredStepKeepsTheNewService(t *testing.T) {
	f := newFake()
	f.fail["SetEnvironment"] = errors.New("registry full")
	r := runCLI(t, f, baseYAML, nil, "install")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "registry full") {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
	if f.svcs["hellosvc"] == nil || slices.Contains(f.methods(), "Delete") {
		t.Fatal("the service created before the failure was deleted")
	}
	// Re-running after the cause is fixed completes the install.
	delete(f.fail, "SetEnvironment")
	f.calls = nil
	if r := runCLI(t, f, baseYAML, nil, "install"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got := f.methods(); !slices.Equal(got, []string{"SetEnvironment", "InstallEventSource", "Start"}) {
		t.Fatalf("completion calls %v", got)
	}
}

func TestAccessDeniedExitCode(t *testing.T) {
	f := newFake()
	f.fail["Create"] = ErrAccessDenied
	if r := runCLI(t, f, baseYAML, nil, "install"); r.code != ExitAccessDenied || !strings.Contains(r.stderr, "administrator") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestConfigureAppliesOnlyOptionalSettings(t *testing.T) {
	f := newFake()
	if r := runCLI(t, f, baseYAML, nil, "configure"); r.code != ExitNotInstalled {
		t.Fatalf("configure without service: exit %d", r.code)
	}
	// An MSI created the service with the core settings of svcship.yaml.
	f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: `"C:\Program Files\Hello\hellosvc.exe"`, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`}, status: RunStatus{State: svcstate.Running, PID: 5}}
	f.calls = nil
	r := runCLI(t, f, baseYAML+"  start: delayed-auto\n", nil, "configure")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := []string{"SetDescription", "SetDelayedAutoStart", "SetSIDType", "SetFailureActions", "SetNonCrashFailures", "SetEnvironment", "InstallEventSource"}
	if got := f.methods(); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
}

// Where the service differs from svcship.yaml (a restored copy, an
// --msi-property), configure corrects the core settings too, but never a
// user account's: ServiceInstall set that with the password configure
// does not have.
func TestConfigureCorrectsCoreSettingsButNotAUserAccount(t *testing.T) {
	f := newFake()
	f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "from msi", BinaryPath: "x.exe", Start: StartModeAuto, Account: `.\other`}, status: RunStatus{State: svcstate.Running, PID: 5}}
	r := runCLI(t, f, baseYAML+"  start: manual\n  account: .\\svcuser\n", nil, "configure")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := f.svcs["hellosvc"]
	if s.core.DisplayName != "hellosvc" || s.core.BinaryPath != `"C:\Program Files\Hello\hellosvc.exe"` || s.core.Start != StartModeManual {
		t.Errorf("core after configure %+v", s.core)
	}
	if s.core.Account != `.\other` || !slices.Contains(f.mutating(), "ChangeCore hellosvc ") {
		t.Errorf("configure touched the user account: %+v, calls %v", s.core, f.mutating())
	}
	if !strings.Contains(r.stdout, `not compared: account .\other is kept`) {
		t.Errorf("kept account not reported: %s", r.stdout)
	}
}

// An MSI engine that left the program path unquoted gets it quoted by the
// configure step; a correctly quoted path is left alone.
func TestConfigureQuotesProgramPath(t *testing.T) {
	quoted := `"C:\Program Files\Hello\hellosvc.exe" --listen 127.0.0.1:8080`
	for _, tc := range []struct {
		have string
		fix  bool
	}{
		{`C:\Program Files\Hello\hellosvc.exe --listen 127.0.0.1:8080`, true},
		{quoted, false},
	} {
		f := newFake()
		f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: tc.have, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`}}
		r := runCLI(t, f, baseYAML+"  arguments: [\"--listen\", \"127.0.0.1:8080\"]\n", nil, "configure")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.have, r.code, r.stderr)
		}
		got := f.svcs["hellosvc"].core
		if tc.fix && (got.BinaryPath != quoted || got.Start != StartModeAuto) {
			t.Errorf("%s: after configure %+v, want the quoted path and start unchanged", tc.have, got)
		}
		if !tc.fix && (got.BinaryPath != tc.have || slices.Contains(f.methods(), "ChangeCore")) {
			t.Errorf("%s: configure changed the command line to %s", tc.have, got.BinaryPath)
		}
	}
}

func TestControlCommands(t *testing.T) {
	f := newFake()
	if r := runCLI(t, f, baseYAML, nil, "install", "--no-start"); r.code != 0 || f.svcs["hellosvc"].status.State != svcstate.Stopped {
		t.Fatalf("install --no-start: %d %s", r.code, r.stderr)
	}
	steps := []struct {
		args  []string
		code  int
		out   string
		state svcstate.State
	}{
		{[]string{"start"}, 0, "hellosvc is running (pid 101)", svcstate.Running},
		{[]string{"start"}, 0, "already running", svcstate.Running},
		{[]string{"restart"}, 0, "hellosvc is running (pid 102)", svcstate.Running},
		{[]string{"stop"}, 0, "hellosvc stopped in", svcstate.Stopped},
		{[]string{"stop"}, 0, "already stopped", svcstate.Stopped},
		{[]string{"start", "--name", "hellosvc", "--config", `D:\cfg\svcship.yaml`}, 0, "running", svcstate.Running},
	}
	for _, s := range steps {
		r := runCLI(t, f, baseYAML, nil, s.args...)
		if r.code != s.code || !strings.Contains(r.stdout, s.out) || f.svcs["hellosvc"].status.State != s.state {
			t.Fatalf("%v: exit %d stdout %q stderr %q state %v", s.args, r.code, r.stdout, r.stderr, f.svcs["hellosvc"].status.State)
		}
	}
	for _, cmd := range []string{"start", "stop", "restart", "status"} {
		r := runCLI(t, newFake(), baseYAML, nil, cmd)
		if r.code != ExitNotInstalled || !strings.Contains(r.stdout+r.stderr, "not installed") {
			t.Errorf("%s on a missing service: exit %d %q %q", cmd, r.code, r.stdout, r.stderr)
		}
	}
}

func TestStartFailureReportsExitCode(t *testing.T) {
	f := newFake()
	f.onStart = svcstate.Stopped
	r := runCLI(t, f, baseYAML, nil, "install")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "stopped while starting (service-specific exit code 1)") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestStatus(t *testing.T) {
	f := newFake()
	runCLI(t, f, baseYAML+"  dependencies: [Tcpip]\n", nil, "install")
	r := runCLI(t, f, baseYAML, nil, "status", "--json")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	var rep Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	want := Report{Name: "hellosvc", Installed: true, State: "running", PID: 101, Start: "auto", DisplayName: "hellosvc",
		Description: "A small HTTP service", Account: `NT SERVICE\hellosvc`, Command: `"C:\Program Files\Hello\hellosvc.exe"`,
		Dependencies: []string{"Tcpip"}, EventSource: "hellosvc", EventSourceFound: true}
	if !jsonEqual(rep, want) {
		t.Fatalf("status %+v\nwant %+v", rep, want)
	}
	h := runCLI(t, f, baseYAML, nil, "status")
	for _, s := range []string{"hellosvc: running (pid 101)", "start:", "auto", "dependencies: Tcpip"} {
		if !strings.Contains(h.stdout, s) {
			t.Errorf("human status lacks %q:\n%s", s, h.stdout)
		}
	}
	none := runCLI(t, newFake(), baseYAML, nil, "status", "--json")
	if none.code != ExitNotInstalled || !strings.Contains(none.stdout, `"installed": false`) {
		t.Fatalf("not installed: %d %s", none.code, none.stdout)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestUninstall(t *testing.T) {
	t.Run("running", func(t *testing.T) {
		f := newFake()
		runCLI(t, f, baseYAML, nil, "install")
		f.calls = nil
		r := runCLI(t, f, baseYAML, nil, "uninstall")
		if r.code != 0 || !strings.Contains(r.stdout, "hellosvc uninstalled") {
			t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		if got := f.methods(); !slices.Equal(got, []string{"Stop", "Delete", "RemoveEventSource"}) {
			t.Fatalf("calls %v", got)
		}
		if len(f.svcs) != 0 || len(f.sources) != 0 {
			t.Fatalf("left %v %v", f.svcs, f.sources)
		}
	})
	t.Run("not installed", func(t *testing.T) {
		f := newFake()
		f.sources["hellosvc"] = true // left over by a broken uninstall
		r := runCLI(t, f, baseYAML, nil, "uninstall")
		if r.code != ExitNotInstalled || !strings.Contains(r.stdout, "hellosvc is not installed; nothing to uninstall") {
			t.Fatalf("exit %d %q", r.code, r.stdout)
		}
		if f.sources["hellosvc"] {
			t.Fatal("leftover event source kept")
		}
	})
	t.Run("stuck service is ended", func(t *testing.T) {
		f := newFake()
		runCLI(t, f, baseYAML, nil, "install")
		f.stuck = true
		r := runCLI(t, f, baseYAML, nil, "uninstall", "--timeout", "30ms")
		if r.code != 0 || !slices.Equal(f.killed, []uint32{101}) || len(f.svcs) != 0 {
			t.Fatalf("exit %d killed %v stdout %s stderr %s", r.code, f.killed, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "did not stop within 30ms: ended process 101") {
			t.Fatalf("stdout %s", r.stdout)
		}
	})
}

func TestStopTimeoutExitCode(t *testing.T) {
	f := newFake()
	runCLI(t, f, baseYAML, nil, "install")
	f.stuck = true
	if r := runCLI(t, f, baseYAML, nil, "stop", "--timeout", "20ms"); r.code != ExitTimeout {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	f := newFake()
	r := runCLI(t, f, baseYAML, nil, "install", "--dry-run")
	if r.code != 0 || len(f.mutating()) != 0 || !strings.Contains(r.stdout, "would create") {
		t.Fatalf("exit %d calls %v out %s", r.code, f.mutating(), r.stdout)
	}
}

func TestUsageAndUnknownCommand(t *testing.T) {
	if r := runCLI(t, newFake(), "", nil); r.code != ExitUsage || !strings.Contains(r.stderr, "usage:") {
		t.Fatal(r)
	}
	if r := runCLI(t, newFake(), "", nil, "frob"); r.code != ExitUsage || !strings.Contains(r.stderr, `unknown command "frob"`) {
		t.Fatal(r)
	}
}
