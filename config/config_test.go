package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimal = `product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
service:
  name: hellosvc
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
`

func TestParseMinimalAppliesDefaults(t *testing.T) {
	c, err := Parse("svcship.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Service
	checks := []struct {
		name      string
		got, want any
	}{
		{"display name", s.DisplayName, "hellosvc"},
		{"description", s.Description, "A small HTTP service"},
		{"mode", s.Mode, ModeNative},
		{"start", s.Start, StartAuto},
		{"account (least privilege by default)", s.Account, AccountVirtual},
		{"event source", s.EventSource, "hellosvc"},
		{"stop timeout", s.StopTimeout.D(), 20 * time.Second},
		{"recovery actions", len(s.Recovery.Actions), 3},
		{"first delay", s.Recovery.Actions[0].Delay.D(), 5 * time.Second},
		{"reset", s.Recovery.ResetAfter.D(), 24 * time.Hour},
		{"non-crash", *s.Recovery.OnNonCrashFailure, true},
		{"log size", s.Logs.MaxSize, Size(10 << 20)},
		{"keep", s.Logs.Keep, 5},
		{"hosted exe", s.Hosted.Executable, "hellosvc.exe"},
		{"upgrade code", c.Packaging.UpgradeCode, "{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}"},
		{"install dir", c.Packaging.InstallDir, "hellosvc"},
		{"msi", c.Packaging.BuildsMSI(), true},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestParseFull(t *testing.T) {
	full := minimal + `  install_dir: Hello Service
  msi: false
release:
  github: svcship/svcship
autostart:
  kind: task
  trigger: startup
  delay: 30s
`
	full = strings.Replace(full, "service:\n  name: hellosvc\n", `service:
  name: hellosvc
  mode: hosted
  start: delayed-auto
  account: virtual
  dependencies: [Tcpip, +NetworkProvider]
  arguments: ["--listen", "127.0.0.1:8080"]
  environment:
    HELLO_MODE: prod
  stop_timeout: 1m
  recovery:
    actions:
      - action: restart
        delay: 1s
      - action: run
        delay: 2s
    command: notify.exe
    on_non_crash_failure: false
  logs:
    max_size: 512KiB
    keep: 3
    daily: true
  hosted:
    stop_signal: Ctrl-C
    restart: {delay: 2s, max_delay: 30s, max_failures: 3, window: 5m}
    success_exit_codes: [0, 3]
`, 1)
	c, err := Parse("svcship.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Service
	if s.Mode != ModeHosted || s.Start != StartDelayedAuto || s.Account != "virtual" {
		t.Errorf("service = %+v", s)
	}
	if len(s.Dependencies) != 2 || s.Arguments[1] != "127.0.0.1:8080" || s.Environment["HELLO_MODE"] != "prod" {
		t.Errorf("deps/args/env = %v %v %v", s.Dependencies, s.Arguments, s.Environment)
	}
	if s.Recovery.Actions[1].Action != ActionRun || s.Recovery.Actions[1].Delay.D() != 2*time.Second || *s.Recovery.OnNonCrashFailure {
		t.Errorf("recovery = %+v", s.Recovery)
	}
	if s.Logs.MaxSize != 512<<10 || !s.Logs.Daily || s.Logs.Keep != 3 {
		t.Errorf("logs = %+v", s.Logs)
	}
	if s.Hosted.StopSignal != "ctrl-c" || s.Hosted.Restart.MaxFailures != 3 || s.Hosted.Restart.Window.D() != 5*time.Minute || len(s.Hosted.SuccessExitCodes) != 2 {
		t.Errorf("hosted = %+v", s.Hosted)
	}
	if c.Packaging.BuildsMSI() || c.Packaging.InstallDir != "Hello Service" || c.Release.GitHub != "svcship/svcship" {
		t.Errorf("packaging = %+v", c.Packaging)
	}
	if c.Autostart == nil || c.Autostart.Scope != "user" || c.Autostart.Delay.D() != 30*time.Second {
		t.Errorf("autostart = %+v", c.Autostart)
	}
}

// Every bad input gives one error naming file, line, key and expectation.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"unknown key", "service:\n  name: hellosvc\n  colour: blue\n", "svcship.yaml:7: service.colour: unknown key (expected one of"},
		{"wrong type", "service:\n  name: hellosvc\n  arguments: --verbose\n", `svcship.yaml:7: service.arguments: got "--verbose", expected a list`},
		{"wrong type int", "service:\n  name: hellosvc\n  logs: {keep: many}\n", `svcship.yaml:7: service.logs.keep: got "many", expected a whole number`},
		{"missing required", "service:\n  display_name: x\n", "svcship.yaml:6: service.name: is required (missing in service)"},
		{"bad start", "service:\n  name: hellosvc\n  start: sometimes\n", `svcship.yaml:7: service.start: "sometimes" is not a start type (expected auto, delayed-auto, manual or disabled)`},
		{"bad duration", "service:\n  name: hellosvc\n  stop_timeout: 5 seconds\n", `svcship.yaml:7: service.stop_timeout: "5 seconds" is not a duration`},
		{"negative delay", "service:\n  name: hellosvc\n  recovery:\n    actions:\n      - action: restart\n        delay: -5s\n", `svcship.yaml:10: service.recovery.actions[0].delay: "-5s" is negative`},
		{"autostart without section", "service:\n  name: hellosvc\n  mode: autostart\n", "svcship.yaml:7: service.mode: is autostart, but there is no autostart section"},
		{"bad mode", "service:\n  name: hellosvc\n  mode: daemon\n", `service.mode: "daemon" is not a mode (expected native, hosted or autostart)`},
		{"bad account", "service:\n  name: hellosvc\n  account: bob\n", `service.account: "bob" is not an account`},
		{"bad service name", "service:\n  name: a/b\n", `svcship.yaml:6: service.name: service name "a/b" contains '/'`},
		{"run without command", "service:\n  name: hellosvc\n  recovery:\n    actions: [{action: run}]\n", "service.recovery.actions[0].action: is run, but service.recovery.command is empty"},
		{"password for builtin", "service:\n  name: hellosvc\n  password_env: PW\n", `service.password_env: is set, but account "virtual" needs no password`},
		{"password for managed account", "service:\n  name: hellosvc\n  account: EXAMPLE\\web$\n  password_env: PW\n", `service.password_env: is set, but account "EXAMPLE\\web$" needs no password`},
		{"data dir with a variable", "service:\n  name: hellosvc\n  data_dir: '%ProgramData%\\x'\n", `service.data_dir: "%ProgramData%\\x" uses an environment variable`},
		{"data dir is the log folder", "service:\n  name: hellosvc\n  data_dir: D:\\svc\n  logs: {dir: D:\\svc}\n", `service.data_dir: "D:\\svc" is also the log folder`},
		{"bad size", "service:\n  name: hellosvc\n  logs: {max_size: huge}\n", `service.logs.max_size: "huge" is not a size`},
		{"duplicate", "service:\n  name: hellosvc\n  name: other\n", "svcship.yaml:7: service.name: appears twice"},
		{"syntax", "service:\n  name: [unclosed\n", "(not valid YAML)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(minimal, "service:\n  name: hellosvc\n", tt.edit, 1)
			_, err := Parse("svcship.yaml", []byte(doc))
			if err == nil {
				t.Fatalf("no error for:\n%s", doc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tt.want)
			}
			if strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestParseTopLevelErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"", "svcship.yaml: file is empty"},
		{strings.Replace(minimal, "  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10\n", "  upgrade_code: not-a-guid\n", 1), `svcship.yaml:8: packaging.upgrade_code: "not-a-guid" is not a GUID`},
		{strings.Replace(minimal, "packaging:\n  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10\n", "", 1), "packaging: is required (missing in the top level)"},
		{minimal + "extra: 1\n", "svcship.yaml:9: extra: unknown key (expected one of autostart, packaging, product, release, service, signing)"},
		{strings.Replace(minimal, "name: hellosvc\n  company", "name: hello svc\n  company", 1), `product.name: "hello svc" is not a product name`},
	}
	for _, tt := range tests {
		_, err := Parse("svcship.yaml", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error = %v, want %q", err, tt.want)
		}
	}
}

func TestLoadChecksFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	doc := strings.Replace(minimal, "  description: A small HTTP service\n", "  description: A small HTTP service\n  icon: assets/app.ico\n", 1)
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), `product.icon: "assets/app.ico" does not exist`) {
		t.Fatalf("Load error = %v", err)
	}
	os.MkdirAll(filepath.Join(dir, "assets"), 0o755)
	os.WriteFile(filepath.Join(dir, "assets", "app.ico"), []byte{0, 0, 1, 0}, 0o644)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Resolve(c.Product.Icon); got != filepath.Join(dir, "assets", "app.ico") {
		t.Errorf("Resolve = %q", got)
	}
	if _, err := Load(filepath.Join(dir, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "nope.yaml: file not found") {
		t.Errorf("missing file error = %v", err)
	}
}
