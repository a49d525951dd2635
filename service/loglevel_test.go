package service

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/config"
)

// The level decides whether a debug record reaches the file: the console
// environment beats svcship.yaml, which beats Options, which beats info;
// as a service the environment is ignored.
func TestLogLevelDecidesWhatIsWritten(t *testing.T) {
	tests := []struct {
		name      string
		console   bool
		env       string // $SVCSHIP_LOG_LEVEL
		file      string // service.logs.level ("" = no svcship.yaml)
		opts      slog.Leveler
		wantDebug bool
		wantInfo  bool
		wantErr   string
	}{
		{name: "default is info", console: true, wantInfo: true},
		{name: "file debug as a service", file: "debug", wantDebug: true, wantInfo: true},
		{name: "file info as a service", file: "info", wantInfo: true},
		{name: "file error hides info", file: "error"},
		{name: "console env debug beats file info", console: true, env: "debug", file: "info", wantDebug: true, wantInfo: true},
		{name: "console env warn beats file debug", console: true, env: "warn", file: "debug"},
		{name: "service ignores env", env: "debug", file: "info", wantInfo: true},
		{name: "file beats options", file: "info", opts: slog.LevelDebug, wantInfo: true},
		{name: "options without file", opts: slog.LevelDebug, wantDebug: true, wantInfo: true},
		{name: "bad env on console", console: true, env: "loud", wantErr: `service: SVCSHIP_LOG_LEVEL: "loud" is not a log level (expected debug, info, warn or error)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var file *config.Service
			if tc.file != "" {
				file = &config.Service{Name: "lv", Logs: config.Logs{Level: tc.file}}
			}
			env := envOf(map[string]string{EnvLogLevel: tc.env})
			o, err := Options{Name: "lv", Logs: LogOptions{Level: tc.opts}}.resolve(env, file, "")
			if err != nil {
				t.Fatal(err)
			}
			level, err := o.level(tc.console, env)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o.Logs.Level = level
			dir := t.TempDir()
			log, closeFn, err := newLogger(o, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("a debug line")
			log.Info("an info line")
			// The app's logger is the same one.
			Logger(WithLogger(context.Background(), log)).Debug("an app debug line")
			if err := closeFn(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "lv.log"))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			got := string(b)
			if strings.Contains(got, `"msg":"a debug line"`) != tc.wantDebug || strings.Contains(got, `"msg":"an app debug line"`) != tc.wantDebug {
				t.Errorf("debug lines written = %v, want %v:\n%s", !tc.wantDebug, tc.wantDebug, got)
			}
			if strings.Contains(got, `"msg":"an info line"`) != tc.wantInfo {
				t.Errorf("info line written = %v, want %v:\n%s", !tc.wantInfo, tc.wantInfo, got)
			}
		})
	}
}

// The runtime's own settings line is a debug record, so it shows whether
// the chosen level took effect.
func TestSettingsLineIsDebug(t *testing.T) {
	for _, lv := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		var buf syncBuf
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: lv}))
		o, err := Options{Name: "lv"}.resolve(envOf(nil), nil, "")
		if err != nil {
			t.Fatal(err)
		}
		logSettings(log, o, `C:\logs`, lv)
		has := strings.Contains(buf.String(), `msg="service settings" log_level=`+lv.String()+` log_dir=C:\logs log_max_bytes=10485760 log_keep=5 log_daily=false stop_timeout=20s start_timeout=2m0s`)
		if has != (lv == slog.LevelDebug) {
			t.Errorf("level %v: settings line present = %v: %q", lv, has, buf.String())
		}
	}
}
