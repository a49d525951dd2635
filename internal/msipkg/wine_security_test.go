package msipkg

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/internal/winetest"
)

// TestWineFailedUpgradeKeepsSavedSettings: the administrator's svcship.yaml
// is saved by the old version's removal and put back by the new version's
// configure step; when that step fails, the saved copy must survive, so
// neither the rolled-back old version nor the next attempt loses the
// administrator's settings. The edit names a log folder whose parent does
// not exist, which the configure step refuses after the restore.
func TestWineFailedUpgradeKeepsSavedSettings(t *testing.T) {
	p, ctx, dir, inst := wineCase(t, 5*time.Minute)
	port := winetest.FreePort(t)
	const upgradeCode = "{2B7C9E41-6D3A-4F58-B0E2-91C4A7D35F86}"
	yaml := fmt.Sprintf(`product:
  name: hellosvc
  display_name: Hello Keep
  company: svcship tests
  description: Saved settings across a failed upgrade
service:
  name: hellokeep
  arguments: ["--listen", "127.0.0.1:%d", "--name", "hellokeep"]
  recovery:
    on_non_crash_failure: false
packaging:
  upgrade_code: "%s"
`, port, upgradeCode)
	cfg := writeConfig(t, dir, yaml)
	build := func(ver string) string {
		app := buildWindows(t, "github.com/svcship/svcship/cmd/hellosvc", ver, filepath.Join(dir, "hellosvc-"+ver+".exe"))
		v, err := version.Parse(ver)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "keep-"+ver+".msi")
		spec := Spec{Config: cfg, Arch: "amd64", Version: v, AppBinary: app, Installer: inst, Timestamp: time.Unix(1764000000, 0)}
		if err := BuildFile(ctx, spec, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	msi1, msi2 := build("1.0.0"), build("1.1.0")
	n := 0
	msiexec := func(args ...string) (string, error) {
		t.Helper()
		n++
		log := filepath.Join(dir, fmt.Sprintf("msiexec-%d.log", n))
		res, err := p.Msiexec(ctx, append(args, "/qn", "/l*v", p.WinPath(log))...)
		b, _ := os.ReadFile(log)
		return res.Stderr + decodeLog(b), err
	}
	if out, err := msiexec("/i", p.WinPath(msi1)); err != nil {
		t.Fatalf("install 1.0.0: %v\n%s", err, tail(out, 4000))
	}
	t.Cleanup(func() {
		for _, m := range []string{msi2, msi1} {
			msiexec("/x", p.WinPath(m), "SVCSHIP_PURGE=1")
		}
	})

	installed := p.UnixPath(`C:\Program Files\Hello Keep\svcship.yaml`)
	edited := strings.Replace(yaml, "service:\n  name: hellokeep\n",
		"service:\n  name: hellokeep\n  description: edited by the administrator\n  logs: {dir: 'C:\\no\\such\\parent\\logs'}\n", 1)
	if err := os.WriteFile(installed, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := msiexec("/i", p.WinPath(msi2))
	if err == nil {
		t.Fatalf("the upgrade succeeded although its configure step must fail:\n%s", tail(out, 4000))
	}
	if !strings.Contains(out, `C:\no\such\parent does not exist`) {
		t.Errorf("the msiexec log does not show the configure step's refusal:\n%s", tail(out, 6000))
	}
	saved := p.UnixPath(`C:\ProgramData\svcship\` + strings.Trim(upgradeCode, "{}") + `\svcship.yaml`)
	got, rerr := os.ReadFile(saved)
	if rerr != nil || string(got) != edited {
		t.Fatalf("saved settings after the failed upgrade = %q, %v; want the administrator's file kept", got, rerr)
	}
}
