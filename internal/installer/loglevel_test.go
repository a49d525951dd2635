package installer

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/svcship/svcship/config"
)

func TestConfigureLogLevelEditsSvcshipYAML(t *testing.T) {
	const commented = baseYAML + "  # the operator's note stays\n  logs:\n    dir: logs # beside the exe\n    level: info\n"
	tests := []struct {
		name, yaml, level string
		code              int
		want              []string // substrings of the new file
		err               string
	}{
		{"adds a logs section", baseYAML, "debug", 0, []string{"service:\n  name: hellosvc\n  logs:\n    level: debug\n"}, ""},
		{"adds to a flow mapping", baseYAML + "  logs: {dir: logs}\n", "warn", 0, []string{"logs: {dir: logs, level: warn}"}, ""},
		{"replaces, keeps comments", commented, "error", 0, []string{"# the operator's note stays", "dir: logs # beside the exe", "level: error"}, ""},
		{"bad level", baseYAML, "verbose", ExitUsage, nil, `--log-level: "verbose" is not a log level (expected debug, info, warn or error)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sys := newFake()
			if r := runCLI(t, sys, tc.yaml, nil, "install"); r.code != 0 {
				t.Fatalf("install: %+v", r)
			}
			files := map[string]string{dir + `\svcship.yaml`: tc.yaml}
			writes := 0
			var out, errb bytes.Buffer
			env := Env{Sys: sys, Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(string) string { return "" },
				ReadFile: func(p string) ([]byte, error) {
					if s, ok := files[p]; ok {
						return []byte(s), nil
					}
					return nil, fs.ErrNotExist
				},
				WriteFile: func(p string, b []byte) error { writes++; files[p] = string(b); return nil },
			}
			code := Main(context.Background(), env, []string{"configure", "--log-level", tc.level})
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out.String(), errb.String())
			}
			if tc.err != "" {
				if !strings.Contains(errb.String(), tc.err) || writes != 0 {
					t.Fatalf("stderr %q, %d writes", errb.String(), writes)
				}
				return
			}
			got := files[dir+`\svcship.yaml`]
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("new svcship.yaml lacks %q:\n%s", w, got)
				}
			}
			c, err := config.Parse("svcship.yaml", []byte(got))
			if err != nil || c.Service.Logs.Level != tc.level {
				t.Fatalf("parse: %v, level %q", err, c.Service.Logs.Level)
			}
			if !strings.Contains(out.String(), "service.logs.level is "+tc.level+` in C:\Program Files\Hello\svcship.yaml; it applies at the next start`) {
				t.Errorf("stdout %q", out.String())
			}
			// Only the file changed: the level is not in the service's
			// registry environment (svcship.yaml decides at each start).
			for _, kv := range sys.svcs["hellosvc"].env {
				if strings.Contains(kv, "LOG_LEVEL") {
					t.Errorf("environment has %s", kv)
				}
			}
		})
	}
}

func TestConfigureLogLevelDryRunWritesNothing(t *testing.T) {
	sys := newFake()
	if r := runCLI(t, sys, baseYAML, nil, "install"); r.code != 0 {
		t.Fatalf("install: %+v", r)
	}
	r := runCLI(t, sys, baseYAML, nil, "configure", "--log-level", "debug", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, `would set service.logs.level to debug in C:\Program Files\Hello\svcship.yaml`) {
		t.Fatalf("%+v", r)
	}
}
