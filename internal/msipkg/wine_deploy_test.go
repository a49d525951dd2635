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

// TestWineDeploymentProperties: SERVICE_START and SERVICE_ARGUMENTS given to
// msiexec reach the service through the configure step (its start type and
// command line), and an
// upgrade without them keeps them (they were written into svcship.yaml,
// which the removal saves and the next configure restores).
func TestWineDeploymentProperties(t *testing.T) {
	p, ctx, dir, installer := wineCase(t, 5*time.Minute)
	port, port2 := winetest.FreePort(t), winetest.FreePort(t)
	yaml := fmt.Sprintf(`product:
  name: hellosvc
  display_name: Hello Deploy
  company: svcship tests
  description: Deployment properties end-to-end test
service:
  name: hellodeploy
  start: auto
  arguments: ["--listen", "127.0.0.1:%d", "--name", "hellodeploy"]
  recovery:
    on_non_crash_failure: false
packaging:
  upgrade_code: "{5E4D3C2B-1A09-4F8E-9D7C-6B5A4F3E2D1C}"
`, port)
	cfg := writeConfig(t, dir, yaml)
	build := func(ver string) string {
		app := buildWindows(t, "github.com/svcship/svcship/cmd/hellosvc", ver, filepath.Join(dir, "hellosvc-"+ver+".exe"))
		v, err := version.Parse(ver)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "deploy-"+ver+".msi")
		spec := Spec{Config: cfg, Arch: "amd64", Version: v, AppBinary: app, Installer: installer, Timestamp: time.Unix(1764000000, 0)}
		if err := BuildFile(ctx, spec, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	msi1, msi2 := build("1.0.0"), build("1.1.0")
	n := 0
	msiexec := func(args ...string) {
		t.Helper()
		n++
		log := filepath.Join(dir, fmt.Sprintf("msiexec-%d.log", n))
		res, err := p.Msiexec(ctx, append(args, "/qn", "/l*v", p.WinPath(log))...)
		if err != nil {
			b, _ := os.ReadFile(log)
			t.Fatalf("msiexec %v: %v\n%s\n%s", args, err, res.Stderr, tail(decodeLog(b), 4000))
		}
	}
	// Wine's sc.exe has no qc: read what `sc qc` would print (START_TYPE,
	// BINARY_PATH_NAME) from the service's registry key, where the service
	// control manager keeps it.
	const svcKey = `HKLM\SYSTEM\CurrentControlSet\Services\hellodeploy`
	qc := func(stage string) {
		t.Helper()
		start, err := p.RegQuery(ctx, svcKey, "Start")
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		bin, err := p.RegQuery(ctx, svcKey, "ImagePath")
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		if start != "0x3" {
			t.Errorf("%s: Start = %s, want 0x3 (SERVICE_DEMAND_START, from SERVICE_START=manual)", stage, start)
		}
		wantArgs := fmt.Sprintf(`--listen 127.0.0.1:%d --name deployed`, port2)
		if !strings.HasSuffix(bin, wantArgs) {
			t.Errorf("%s: ImagePath %q, want it to end with %s (SERVICE_ARGUMENTS)", stage, bin, wantArgs)
		}
	}
	args := fmt.Sprintf(`SERVICE_ARGUMENTS=--listen 127.0.0.1:%d --name deployed`, port2)
	msiexec("/i", p.WinPath(msi1), "SERVICE_START=manual", args)
	qc("install 1.0.0 with SERVICE_START and SERVICE_ARGUMENTS")
	msiexec("/i", p.WinPath(msi2))
	qc("upgrade to 1.1.0 without the properties")
	msiexec("/x", p.WinPath(msi2), "SVCSHIP_PURGE=1")
}
