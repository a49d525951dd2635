package msipkg

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/internal/winargs"
	"github.com/svcship/svcship/internal/winetest"
	"github.com/svcship/svcship/msi"
)

// buildWindows builds a main package for windows/amd64 with main.version
// stamped.
func buildWindows(t *testing.T, pkg, ver, out string) string {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version="+ver, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func httpGet(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func productCodeOf(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := msi.Open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := r.Rows("Property")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row[0] == "ProductCode" {
			return row[1].(string)
		}
	}
	t.Fatal("no ProductCode")
	return ""
}

// wineCase starts a wine end-to-end test (skipped with -short): a fresh
// wine prefix, a context bounded by d, a temporary folder and the
// svcship-installer.exe built into it.
func wineCase(t *testing.T, d time.Duration) (p *winetest.Prefix, ctx context.Context, dir, installer string) {
	t.Helper()
	if testing.Short() {
		t.Skip("wine end-to-end test skipped in -short mode")
	}
	p = winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	dir = t.TempDir()
	return p, ctx, dir, testInstaller(t, dir)
}

// TestWineInstallUpgradeUninstall installs, upgrades, downgrades and removes
// a real service MSI with wine's msiexec.
func TestWineInstallUpgradeUninstall(t *testing.T) {
	p, ctx, dir, installer := wineCase(t, 6*time.Minute)
	port := winetest.FreePort(t)
	const upgradeCode = "{3F2A1B0C-9D8E-4F7A-8B6C-5D4E3F2A1B0C}"
	yaml := fmt.Sprintf(`product:
  name: hellosvc
  display_name: Hello Service
  company: svcship tests
  description: Reference service for the MSI end-to-end test
  homepage: https://example.com/hellosvc
service:
  name: hellosvcmsi
  start: auto
  arguments: ["--listen", "127.0.0.1:%d", "--name", "hellosvcmsi"]
  environment:
    SVCSHIP_E2E_MARK: configured-by-msi
  recovery:
    on_non_crash_failure: false
packaging:
  upgrade_code: "%s"
`, port, upgradeCode)
	cfg := writeConfig(t, dir, yaml)
	ts := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	build := func(ver string) string {
		app := buildWindows(t, "github.com/svcship/svcship/cmd/hellosvc", ver, filepath.Join(dir, "hellosvc-"+ver+".exe"))
		v, err := version.Parse(ver)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "hellosvc-"+ver+".msi")
		spec := Spec{Config: cfg, Arch: "amd64", Version: v, AppBinary: app, Installer: installer, Timestamp: ts}
		if err := BuildFile(ctx, spec, out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	msi1, msi2 := build("1.0.0"), build("1.1.0")
	pc1, pc2 := productCodeOf(t, msi1), productCodeOf(t, msi2)

	installDir := p.UnixPath(`C:\Program Files\Hello Service`)
	const uninstallKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall`
	const eventKey = `HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\hellosvcmsi`
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	logN := 0
	msiexec := func(args ...string) (winetest.Result, error) {
		logN++
		log := filepath.Join(logDir(t, dir), fmt.Sprintf("msiexec-%d.log", logN))
		res, err := p.Msiexec(ctx, append(args, "/qn", "/l*v", p.WinPath(log))...)
		if os.Getenv("SVCSHIP_E2E_LOGS") != "" {
			_ = os.WriteFile(log+".stderr", []byte(res.Stderr), 0o644)
		}
		if err != nil {
			// Callers that expect success print this; a refused
			// downgrade does not.
			if b, rerr := os.ReadFile(log); rerr == nil {
				err = fmt.Errorf("%w; log tail:\n%s", err, tail(decodeLog(b), 4000))
			}
		}
		return res, err
	}
	registered := func(code string) bool {
		_, err := p.RegQuery(ctx, uninstallKey+`\`+code, "DisplayVersion")
		return err == nil
	}
	expectVersion := func(want string) {
		t.Helper()
		if err := p.WaitServiceState(ctx, "hellosvcmsi", "RUNNING", 60*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := p.WaitHTTP(ctx, base+"/healthz", 30*time.Second); err != nil {
			t.Fatal(err)
		}
		body, err := httpGet(ctx, base+"/version")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, `"`+want+`"`) {
			t.Fatalf("/version = %s, want version %s", body, want)
		}
	}

	// 1. Fresh install.
	if _, err := msiexec("/i", p.WinPath(msi1)); err != nil {
		t.Fatalf("install 1.0.0: %v", err)
	}
	expectVersion("1.0.0")
	if v, err := p.RegQuery(ctx, uninstallKey+`\`+pc1, "DisplayVersion"); err != nil || v != "1.0.0" {
		t.Fatalf("ARP DisplayVersion = %q, %v; want 1.0.0", v, err)
	}
	if v, err := p.RegQuery(ctx, uninstallKey+`\`+pc1, "Publisher"); err != nil || v != "svcship tests" {
		t.Errorf("ARP Publisher = %q, %v", v, err)
	}
	if _, err := p.RegQuery(ctx, eventKey, "EventMessageFile"); err != nil {
		t.Errorf("event source not registered: %v", err)
	}
	// The deferred configure step ran with the installed svcship.yaml: it
	// wrote the service environment, which ServiceInstall cannot express.
	if env, err := p.RegQuery(ctx, `HKLM\SYSTEM\CurrentControlSet\Services\hellosvcmsi`, "Environment"); err != nil || !strings.Contains(env, "SVCSHIP_E2E_MARK=configured-by-msi") {
		t.Errorf("service Environment = %q, %v; want the configure step's SVCSHIP_E2E_MARK", env, err)
	}
	for _, name := range []string{"hellosvc.exe", "svcship-installer.exe", "svcship.yaml"} {
		if _, err := os.Stat(filepath.Join(installDir, name)); err != nil {
			t.Errorf("installed file: %v", err)
		}
	}

	// 2. The administrator edits svcship.yaml; an upgrade keeps it.
	cfgInstalled := filepath.Join(installDir, "svcship.yaml")
	edited := append([]byte(yaml), []byte("# edited by the administrator\n")...)
	if err := os.WriteFile(cfgInstalled, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := msiexec("/i", p.WinPath(msi2)); err != nil {
		t.Fatalf("upgrade to 1.1.0: %v", err)
	}
	expectVersion("1.1.0")
	if registered(pc1) || !registered(pc2) {
		t.Fatalf("after upgrade: 1.0.0 registered=%v, 1.1.0 registered=%v; want only 1.1.0", registered(pc1), registered(pc2))
	}
	if got, err := os.ReadFile(cfgInstalled); err != nil || string(got) != string(edited) {
		t.Fatalf("svcship.yaml after upgrade = %q, %v; want the edited file kept", got, err)
	}

	// 3. Installing the older MSI over the newer one is refused.
	if res, err := msiexec("/i", p.WinPath(msi1)); err == nil {
		t.Fatalf("downgrade to 1.0.0 succeeded (exit %d); want it refused", res.ExitCode)
	} else if res.ExitCode != 1603%256 {
		// ERROR_INSTALL_FAILURE, as Unix sees it (modulo 256).
		t.Errorf("downgrade exit code %d, want 1603 (%d)", res.ExitCode, 1603%256)
	}
	// The refusal comes from the launch condition: FindRelatedProducts
	// found the newer product.
	if b, err := os.ReadFile(filepath.Join(logDir(t, dir), fmt.Sprintf("msiexec-%d.log", logN))); err != nil {
		t.Error(err)
	} else if log := decodeLog(b); !strings.Contains(log, "SVCSHIP_NEWER_FOUND = "+pc2) {
		t.Errorf("downgrade log does not show SVCSHIP_NEWER_FOUND = %s:\n%s", pc2, tail(log, 2000))
	}
	if registered(pc1) || !registered(pc2) {
		t.Fatalf("after refused downgrade: 1.0.0 registered=%v, 1.1.0 registered=%v", registered(pc1), registered(pc2))
	}
	expectVersion("1.1.0")

	// 4. Uninstall removes the service, the program files, svcship.yaml and
	// the registry entries; the administrator's settings are saved under
	// ProgramData for a later install.
	if _, err := msiexec("/x", p.WinPath(msi2)); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	checkRemoved := func(stage string) {
		t.Helper()
		if st, err := p.ServiceState(ctx, "hellosvcmsi"); err == nil {
			t.Errorf("%s: service still exists (state %s)", stage, st)
		}
		if registered(pc1) || registered(pc2) {
			t.Errorf("%s: product still registered in Add/Remove Programs", stage)
		}
		if _, err := p.RegQuery(ctx, eventKey, "EventMessageFile"); err == nil {
			t.Errorf("%s: event source still registered", stage)
		}
		for _, name := range []string{"hellosvc.exe", "svcship-installer.exe"} {
			if _, err := os.Stat(filepath.Join(installDir, name)); !os.IsNotExist(err) {
				t.Errorf("%s: %s still installed (%v)", stage, name, err)
			}
		}
	}
	checkRemoved("uninstall")
	if _, err := os.Stat(installDir); !os.IsNotExist(err) {
		t.Errorf("install folder still exists after uninstall (%v)", err)
	}
	savedWin := `C:\ProgramData\svcship\` + strings.Trim(config.NormalizeGUID(upgradeCode), "{}") + `\svcship.yaml`
	if got, err := os.ReadFile(p.UnixPath(savedWin)); err != nil || string(got) != string(edited) {
		t.Errorf("saved settings %s after uninstall = %q, %v; want the edited file", savedWin, got, err)
	}

	// 5. Reinstalling puts the saved configuration back; uninstalling with
	// SVCSHIP_PURGE=1 leaves nothing behind, not even the saved copy.
	if _, err := msiexec("/i", p.WinPath(msi2)); err != nil {
		t.Fatalf("reinstall 1.1.0: %v", err)
	}
	expectVersion("1.1.0")
	if got, err := os.ReadFile(cfgInstalled); err != nil || string(got) != string(edited) {
		t.Errorf("svcship.yaml after reinstall = %q, %v; want the kept file", got, err)
	}
	if _, err := msiexec("/x", p.WinPath(msi2), "SVCSHIP_PURGE=1"); err != nil {
		t.Fatalf("uninstall with SVCSHIP_PURGE=1: %v", err)
	}
	checkRemoved("purge")
	if _, err := os.Stat(p.UnixPath(savedWin)); !os.IsNotExist(err) {
		t.Errorf("saved settings still exist after purge (%v)", err)
	}
	if _, err := os.Stat(installDir); !os.IsNotExist(err) {
		left, _ := os.ReadDir(installDir)
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("install folder still exists after purge (%v), holding %v", err, names)
	}
}

// decodeLog turns an msiexec log (UTF-16LE with BOM, or ANSI) into text.
func decodeLog(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE {
		var sb strings.Builder
		for i := 2; i+1 < len(b); i += 2 {
			sb.WriteRune(rune(uint16(b[i]) | uint16(b[i+1])<<8))
		}
		return sb.String()
	}
	return string(b)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// logDir is where msiexec logs go: SVCSHIP_E2E_LOGS keeps them for
// debugging, otherwise they live in the test's temp dir.
func logDir(t *testing.T, dir string) string {
	if d := os.Getenv("SVCSHIP_E2E_LOGS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return dir
}

// TestWineHosted installs a hosted-mode MSI: svcship-installer.exe is the
// service and runs the program as its child.
func TestWineHosted(t *testing.T) {
	p, ctx, dir, installer := wineCase(t, 4*time.Minute)
	app := buildWindows(t, "github.com/svcship/svcship/cmd/hellosvc", "2.0.0", filepath.Join(dir, "hellosvc.exe"))
	port := winetest.FreePort(t)
	yaml := fmt.Sprintf(`product:
  name: hellosvc
  display_name: Hello Hosted
  company: svcship tests
  description: Hosted-mode MSI end-to-end test
service:
  name: hellohosted
  mode: hosted
  arguments: ["--listen", "127.0.0.1:%d", "--name", "hellohosted"]
  recovery:
    on_non_crash_failure: false
packaging:
  upgrade_code: "{0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D}"
`, port)
	cfg := writeConfig(t, dir, yaml)
	v, _ := version.Parse("2.0.0")
	out := filepath.Join(dir, "hosted.msi")
	spec := Spec{Config: cfg, Arch: "amd64", Version: v, AppBinary: app, Installer: installer, Timestamp: time.Unix(1764000000, 0)}
	if err := BuildFile(ctx, spec, out); err != nil {
		t.Fatal(err)
	}
	// INSTALLDIR on the command line moves the whole installation.
	if res, err := p.Msiexec(ctx, "/i", p.WinPath(out), "/qn", `INSTALLDIR=C:\Svc\Hosted\`); err != nil {
		t.Fatalf("install: %v (exit %d)", err, res.ExitCode)
	}
	if err := p.WaitServiceState(ctx, "hellohosted", "RUNNING", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/healthz", port), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"svcship-installer.exe", "svcship.yaml"} {
		if _, err := os.Stat(p.UnixPath(`C:\Svc\Hosted\` + name)); err != nil {
			t.Errorf("INSTALLDIR: %s not in C:\\Svc\\Hosted: %v", name, err)
		}
	}
	// Compared as the argument vector the service will see: the configure
	// step may rewrite the command line, quoting only what needs quotes.
	if image, err := p.RegQuery(ctx, `HKLM\SYSTEM\CurrentControlSet\Services\hellohosted`, "ImagePath"); err != nil ||
		!slices.Equal(winargs.Split(image), []string{`C:\Svc\Hosted\svcship-installer.exe`, "host", "--config", `C:\Svc\Hosted\svcship.yaml`}) {
		t.Errorf("ImagePath = %q (%v), want the installer in INSTALLDIR with host --config C:\\Svc\\Hosted\\svcship.yaml", image, err)
	}
	if _, err := os.Stat(p.UnixPath(`C:\Program Files\Hello Hosted`)); !os.IsNotExist(err) {
		t.Errorf("INSTALLDIR given, but the default folder was created too: %v", err)
	}
	// An upgrade without INSTALLDIR stays in the remembered folder.
	v2, _ := version.Parse("2.0.1")
	out2 := filepath.Join(dir, "hosted-2.0.1.msi")
	spec.Version = v2
	if err := BuildFile(ctx, spec, out2); err != nil {
		t.Fatal(err)
	}
	if res, err := p.Msiexec(ctx, "/i", p.WinPath(out2), "/qn"); err != nil {
		t.Fatalf("upgrade: %v (exit %d)", err, res.ExitCode)
	}
	if err := p.WaitServiceState(ctx, "hellohosted", "RUNNING", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.UnixPath(`C:\Program Files\Hello Hosted`)); !os.IsNotExist(err) {
		t.Errorf("the upgrade went to the default folder instead of the remembered one: %v", err)
	}
	if _, err := os.Stat(p.UnixPath(`C:\Svc\Hosted\svcship-installer.exe`)); err != nil {
		t.Errorf("the upgrade left the remembered folder: %v", err)
	}
	out = out2
	if res, err := p.Msiexec(ctx, "/x", p.WinPath(out), "/qn", "SVCSHIP_PURGE=1"); err != nil {
		t.Fatalf("uninstall: %v (exit %d)", err, res.ExitCode)
	}
	if st, err := p.ServiceState(ctx, "hellohosted"); err == nil {
		t.Errorf("service still exists after uninstall (state %s)", st)
	}
	if _, err := os.Stat(p.UnixPath(`C:\Svc\Hosted`)); !os.IsNotExist(err) {
		left, _ := os.ReadDir(p.UnixPath(`C:\Svc\Hosted`))
		t.Errorf("install folder left behind (%v), holding %v", err, left)
	}
}

// TestWineAutostartRunKey installs an MSI whose program runs in user
// sessions (service.mode autostart): the Run value for every user appears
// with the command line `svcship-installer autostart status` expects, no
// service is created, and uninstalling removes the value and the files.
func TestWineAutostartRunKey(t *testing.T) {
	p, ctx, dir, installer := wineCase(t, 4*time.Minute)
	app := buildWindows(t, "github.com/svcship/svcship/cmd/hellosvc", "3.0.0", filepath.Join(dir, "hellosvc.exe"))
	yaml := `product:
  name: hellotray
  display_name: Hello Tray
  company: svcship tests
  description: Autostart-mode MSI end-to-end test
  binary: hellosvc
service:
  name: hellotray
  mode: autostart
autostart:
  kind: run-key
  scope: machine
  arguments: ["--listen", "127.0.0.1:0"]
packaging:
  upgrade_code: "{5B2E7C1D-3A4F-4E6B-9C8D-7E6F5A4B3C2D}"
`
	cfg := writeConfig(t, dir, yaml)
	v, _ := version.Parse("3.0.0")
	out := filepath.Join(dir, "tray.msi")
	if err := BuildFile(ctx, Spec{Config: cfg, Arch: "amd64", Version: v, AppBinary: app, Installer: installer, Timestamp: time.Unix(1764000000, 0)}, out); err != nil {
		t.Fatal(err)
	}
	if res, err := p.Msiexec(ctx, "/i", p.WinPath(out), "/qn"); err != nil {
		t.Fatalf("install: %v (exit %d)", err, res.ExitCode)
	}
	const runKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`
	got, err := p.RegQuery(ctx, runKey, "hellotray")
	if want := `"C:\Program Files\Hello Tray\hellosvc.exe" --listen 127.0.0.1:0`; err != nil || got != want {
		t.Fatalf("Run value = %q (%v), want %q", got, err, want)
	}
	if st, err := p.ServiceState(ctx, "hellotray"); err == nil {
		t.Errorf("autostart mode created a service (state %s)", st)
	}
	// The bundled installer sees the entry the MSI wrote as its own.
	res, err := p.Run(ctx, p.UnixPath(`C:\Program Files\Hello Tray\svcship-installer.exe`), "status")
	if err != nil || !strings.Contains(res.Stdout, "hellotray") || !strings.Contains(res.Stdout, "hellosvc.exe") {
		t.Errorf("svcship-installer status: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	if res, err := p.Msiexec(ctx, "/x", p.WinPath(out), "/qn", "SVCSHIP_PURGE=1"); err != nil {
		t.Fatalf("uninstall: %v (exit %d)", err, res.ExitCode)
	}
	if v, err := p.RegQuery(ctx, runKey, "hellotray"); err == nil {
		t.Errorf("Run value still there after uninstall: %q", v)
	}
	if _, err := os.Stat(p.UnixPath(`C:\Program Files\Hello Tray`)); !os.IsNotExist(err) {
		t.Errorf("install folder left behind: %v", err)
	}
}

// writeConfig writes yaml as dir/svcship.yaml and loads it.
func writeConfig(t *testing.T, dir, yaml string) *config.Config {
	t.Helper()
	p := filepath.Join(dir, "svcship.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testInstaller builds svcship-installer.exe into dir, or returns the one
// named by SVCSHIP_E2E_INSTALLER (a prebuilt copy, for debugging).
func testInstaller(t *testing.T, dir string) string {
	t.Helper()
	if p := os.Getenv("SVCSHIP_E2E_INSTALLER"); p != "" {
		return p
	}
	return buildWindows(t, "github.com/svcship/svcship/cmd/svcship-installer", "1.0.0", filepath.Join(dir, "svcship-installer.exe"))
}
