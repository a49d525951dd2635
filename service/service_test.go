package service

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveDefaultsAndEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		env     map[string]string
		check   func(Options) bool
		wantErr string
	}{
		{"defaults", Options{Name: "a"}, nil, func(o Options) bool {
			return o.EventSource == "a" && o.StopTimeout == DefaultStopTimeout && o.Logs.Keep == DefaultLogKeep &&
				o.Logs.MaxBytes == DefaultLogMaxBytes && o.Logs.Dir == "" && o.WorkDir == ""
		}, ""},
		{"env", Options{Name: "a"}, map[string]string{
			EnvWorkDir: `C:\w`, EnvLogDir: `D:\l`, EnvLogMaxBytes: "1000", EnvLogKeep: "3", EnvLogDaily: "true", EnvStopTimeout: "7s",
		}, func(o Options) bool {
			return o.WorkDir == `C:\w` && o.Logs.Dir == `D:\l` && o.Logs.MaxBytes == 1000 && o.Logs.Keep == 3 &&
				o.Logs.Daily && o.StopTimeout == 7*time.Second
		}, ""},
		{"options win over env", Options{Name: "a", WorkDir: "/x", StopTimeout: time.Second}, map[string]string{
			EnvWorkDir: "/y", EnvStopTimeout: "9s",
		}, func(o Options) bool { return o.WorkDir == "/x" && o.StopTimeout == time.Second }, ""},
		{"no name", Options{}, nil, nil, "empty service name"},
		{"bad size", Options{Name: "a"}, map[string]string{EnvLogMaxBytes: "10MB"}, nil, EnvLogMaxBytes},
		{"bad keep", Options{Name: "a"}, map[string]string{EnvLogKeep: "-1"}, nil, EnvLogKeep},
		{"bad timeout", Options{Name: "a"}, map[string]string{EnvStopTimeout: "soon"}, nil, EnvStopTimeout},
		{"bad daily", Options{Name: "a"}, map[string]string{EnvLogDaily: "maybe"}, nil, EnvLogDaily},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tc.opts.resolve(envOf(tc.env), nil, "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want mention of %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(o) {
				t.Fatalf("resolve = %+v, %v", o, err)
			}
		})
	}
}

func TestDefaultLogDir(t *testing.T) {
	if got := DefaultLogDir("svc", envOf(map[string]string{"ProgramData": `D:\PD`})); got != `D:\PD\svc\logs` {
		t.Fatal(got)
	}
	if got := DefaultLogDir("svc", envOf(nil)); got != `C:\ProgramData\svc\logs` {
		t.Fatal(got)
	}
}

func TestLoggerWritesJSONFileAndConsole(t *testing.T) {
	dir := t.TempDir()
	o, _ := Options{Name: "hello"}.resolve(envOf(nil), nil, "")
	var console syncBuf
	log, closeFn, err := newLogger(o, dir, &console)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("shutting down", "k", 1)
	if err := closeFn(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "hello.log"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("not one JSON line: %q: %v", b, err)
	}
	if rec["msg"] != "shutting down" || rec["service"] != "hello" || rec["k"] != 1.0 {
		t.Fatalf("record %v", rec)
	}
	if !strings.Contains(console.String(), "msg=\"shutting down\"") {
		t.Fatalf("console %q", console.String())
	}
}

func TestChdirDefaultsToExecutableFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, err := chdir("")
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	cur, _ := os.Getwd()
	if wd != filepath.Dir(exe) || cur != wd {
		t.Fatalf("workdir %q cwd %q exe %q", wd, cur, exe)
	}
	other := t.TempDir()
	if wd, err := chdir(other); err != nil || wd != other {
		t.Fatalf("chdir(%q) = %q, %v", other, wd, err)
	}
}

func TestResolveFromSvcshipYAML(t *testing.T) {
	file := &config.Service{
		Name: "hello", WorkingDirectory: "data", StopTimeout: config.Duration(9 * time.Second),
		Environment: map[string]string{"GREETING": "hi", "ALREADY": "file"},
		Logs:        config.Logs{Dir: "logs", MaxSize: 4096, Keep: 2, Daily: true},
	}
	exe := filepath.Join("/opt", "hello")
	o, err := Options{Name: "hello"}.resolve(envOf(map[string]string{"ALREADY": "env", EnvLogKeep: "7"}), file, exe)
	if err != nil {
		t.Fatal(err)
	}
	if o.WorkDir != filepath.Join(exe, "data") || o.Logs.Dir != filepath.Join(exe, "logs") || o.Logs.MaxBytes != 4096 ||
		o.Logs.Keep != 7 || !o.Logs.Daily || o.StopTimeout != 9*time.Second {
		t.Fatalf("resolved %+v", o)
	}
	if len(o.env) != 1 || o.env[0] != [2]string{"GREETING", "hi"} {
		t.Fatalf("env from file %v (a variable already set must win)", o.env)
	}
	// A file describing another service is ignored.
	o, _ = Options{Name: "other"}.resolve(envOf(nil), file, exe)
	if o.WorkDir != "" || o.Logs.Dir != "" || len(o.env) != 0 {
		t.Fatalf("foreign file applied: %+v", o)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	if s, err := loadFile(dir); s != nil || err != nil {
		t.Fatalf("no file: %v %v", s, err)
	}
	os.WriteFile(filepath.Join(dir, "svcship.yaml"), []byte("product: {name: x, company: c, description: d}\npackaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}\nservice: {name: x, logs: {dir: l}}\n"), 0o644)
	if s, err := loadFile(dir); err != nil || s.Name != "x" || s.Logs.Dir != "l" {
		t.Fatalf("%+v %v", s, err)
	}
	os.WriteFile(filepath.Join(dir, "svcship.yaml"), []byte("service: {start: sometimes}\n"), 0o644)
	if _, err := loadFile(dir); err == nil {
		t.Fatal("bad file accepted")
	}
}
