package config

import (
	"log/slog"
	"strings"
	"testing"
)

func TestLogLevelAndHealthURL(t *testing.T) {
	tests := []struct {
		name, edit string
		level      string // want, when there is no error
		url        string
		err        string
	}{
		{"default", "service:\n  name: hellosvc\n", "info", "", ""},
		{"debug", "service:\n  name: hellosvc\n  logs: {level: debug}\n", "debug", "", ""},
		{"upper case", "service:\n  name: hellosvc\n  logs: {level: WARN}\n", "warn", "", ""},
		{"warning spelling", "service:\n  name: hellosvc\n  logs: {level: warning}\n", "warn", "", ""},
		{"error", "service:\n  name: hellosvc\n  logs: {level: error}\n", "error", "", ""},
		{"bad level", "service:\n  name: hellosvc\n  logs: {level: verbose}\n", "", "",
			`svcship.yaml:7: service.logs.level: "verbose" is not a log level (expected debug, info, warn or error)`},
		{"probe", "service:\n  name: hellosvc\n  health: {url: \"http://127.0.0.1:8080/healthz\"}\n", "info", "http://127.0.0.1:8080/healthz", ""},
		{"probe localhost", "service:\n  name: hellosvc\n  health: {url: \"http://localhost:9/\"}\n", "info", "http://localhost:9/", ""},
		{"probe v6", "service:\n  name: hellosvc\n  health: {url: \"http://[::1]:9/h\"}\n", "info", "http://[::1]:9/h", ""},
		{"probe https", "service:\n  name: hellosvc\n  health: {url: \"https://127.0.0.1/healthz\"}\n", "", "",
			`svcship.yaml:7: service.health.url: "https://127.0.0.1/healthz" is not an http URL`},
		{"probe remote", "service:\n  name: hellosvc\n  health: {url: \"http://example.com/healthz\"}\n", "", "",
			`service.health.url: "example.com" is not a loopback address (expected 127.0.0.1, [::1] or localhost)`},
		{"probe with user", "service:\n  name: hellosvc\n  health: {url: \"http://u:p@127.0.0.1/\"}\n", "", "",
			`service.health.url: "http://u:p@127.0.0.1/" is not an http URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(minimal, "service:\n  name: hellosvc\n", tt.edit, 1)
			c, err := Parse("svcship.yaml", []byte(doc))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Service.Logs.Level != tt.level || c.Service.Health.URL != tt.url {
				t.Fatalf("level %q url %q, want %q %q", c.Service.Logs.Level, c.Service.Health.URL, tt.level, tt.url)
			}
		})
	}
}

func TestParseLogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, " Info ": slog.LevelInfo, "warn": slog.LevelWarn, "ERROR": slog.LevelError} {
		got, err := ParseLogLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseLogLevel("trace"); err == nil || err.Error() != `"trace" is not a log level (expected debug, info, warn or error)` {
		t.Errorf("trace: %v", err)
	}
}
