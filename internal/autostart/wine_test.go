//go:build linux

package autostart

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

// TestWineRunKey drives `svcship-installer autostart` under wine and checks
// the registry with wine's reg.exe.
func TestWineRunKey(t *testing.T) {
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	inst := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/svcship-installer")
	key := `HKCU\` + RunKey
	flags := []string{"--kind", "run-key", "--scope", "user", "--name", "svcshiptest", "--exe", `C:\Program Files\Svc Test\app.exe`, "--arg", "--tray"}
	want := `"C:\Program Files\Svc Test\app.exe" --tray`

	run := func(verb string) (winetest.Result, error) {
		return p.Run(ctx, inst, append([]string{"autostart", verb}, flags...)...)
	}
	for i := 0; i < 2; i++ { // the second add must be a no-op
		res, err := run("add")
		if err != nil {
			t.Fatalf("add #%d: %v\n%s%s", i+1, err, res.Stdout, res.Stderr)
		}
		if i == 1 && !strings.Contains(res.Stdout, "already in") {
			t.Errorf("second add did not report a no-op: %q", res.Stdout)
		}
	}
	got, err := p.RegQuery(ctx, key, "svcshiptest")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Run value = %q, want %q", got, want)
	}
	if res, err := run("status"); err != nil || !strings.Contains(res.Stdout, "registered in") {
		t.Errorf("status = %v, %q", err, res.Stdout)
	}
	if res, err := run("remove"); err != nil || !strings.Contains(res.Stdout, "removed from") {
		t.Fatalf("remove = %v, %q", err, res.Stdout)
	}
	if _, err := p.RegQuery(ctx, key, "svcshiptest"); err == nil {
		t.Error("Run value still present after remove")
	}
	res, err := run("status")
	var ee *winetest.ExitError
	if !errors.As(err, &ee) || ee.ExitCode != 3 {
		t.Errorf("status after remove = %v (%q), want exit code 3", err, res.Stdout)
	}
	if res, err := run("remove"); err != nil || !strings.Contains(res.Stdout, "not in") {
		t.Errorf("second remove = %v, %q", err, res.Stdout)
	}
}
