//go:build linux

package service_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

const levelYAML = `product:
  name: hellosvc
  company: Example Ltd
  description: log level test
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
service:
  name: hellosvc
  logs: {dir: logs, level: %s}
`

const debugLine = `"level":"DEBUG","msg":"service settings"`

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestWineLogLevel runs hellosvc under wine: on a console the file's
// level applies unless SVCSHIP_LOG_LEVEL overrides it; as a service the
// file's level applies, and an edit takes effect at the next start.
func TestWineLogLevel(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	built := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/hellosvc")
	dir := p.UnixPath(`C:\lv`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hellosvc.exe"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	setLevel := func(level string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "svcship.yaml"), []byte(fmt.Sprintf(levelYAML, level)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logFile := filepath.Join(dir, "logs", "hellosvc.log")
	// since returns what the log gained after offset.
	since := func(off int) string {
		b, _ := os.ReadFile(logFile)
		if len(b) < off {
			return ""
		}
		return string(b[off:])
	}
	size := func() int { b, _ := os.ReadFile(logFile); return len(b) }
	waitFor := func(off int, s string) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := since(off)
			if strings.Contains(got, s) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("log lacks %q after 30s:\n%s", s, got)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	console := func(env ...string) string {
		t.Helper()
		off := size()
		addr := freePort(t)
		cmd := p.Command(context.Background(), `C:\lv\hellosvc.exe`, "--listen", addr)
		cmd.Env = append(cmd.Env, env...)
		if err := p.StartCmd(cmd); err != nil {
			t.Fatal(err)
		}
		if err := p.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
			t.Fatal(err)
		}
		got := waitFor(off, `"msg":"request"`)
		cmd.Process.Kill()
		cmd.Wait()
		return got
	}

	// Console, file says info: no debug record.
	setLevel("info")
	if got := console(); strings.Contains(got, debugLine) || !strings.Contains(got, `"msg":"running in the foreground"`) {
		t.Fatalf("console at info:\n%s", got)
	}
	// Console, SVCSHIP_LOG_LEVEL=debug overrides the file.
	if got := console("SVCSHIP_LOG_LEVEL=debug"); !strings.Contains(got, debugLine) {
		t.Fatalf("console with SVCSHIP_LOG_LEVEL=debug:\n%s", got)
	}
	// Console, file says warn: not even the info records.
	setLevel("warn")
	off := size()
	addr := freePort(t)
	cmd := p.Command(context.Background(), `C:\lv\hellosvc.exe`, "--listen", addr)
	if err := p.StartCmd(cmd); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := since(off); strings.Contains(got, `"level":"INFO"`) || strings.Contains(got, `"level":"DEBUG"`) {
		t.Fatalf("console at warn wrote:\n%s", got)
	}
	cmd.Process.Kill()
	cmd.Wait()

	// As a service with level debug in svcship.yaml.
	setLevel("debug")
	addr = freePort(t)
	if res, err := p.SC(ctx, "create", "hellosvc", "binPath=", `C:\lv\hellosvc.exe --listen `+addr); err != nil {
		t.Fatalf("sc create: %v\n%s", err, res.Stdout)
	}
	off = size()
	if res, err := p.SC(ctx, "start", "hellosvc"); err != nil {
		t.Fatalf("sc start: %v\n%s", err, res.Stdout)
	}
	if err := p.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(off, `"msg":"request"`); !strings.Contains(got, `"msg":"service starting"`) || !strings.Contains(got, debugLine) {
		t.Fatalf("service at debug:\n%s", got)
	}
	// Edit the level, restart: no reinstall, and no debug record.
	if res, err := p.SC(ctx, "stop", "hellosvc"); err != nil {
		t.Fatalf("sc stop: %v\n%s", err, res.Stdout)
	}
	if err := p.WaitServiceState(ctx, "hellosvc", "STOPPED", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	setLevel("info")
	off = size()
	if res, err := p.SC(ctx, "start", "hellosvc"); err != nil {
		t.Fatalf("sc start: %v\n%s", err, res.Stdout)
	}
	if err := p.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(off, `"msg":"request"`); !strings.Contains(got, `"msg":"service starting"`) || strings.Contains(got, `"level":"DEBUG"`) {
		t.Fatalf("service at info after the edit:\n%s", got)
	}
}
