package e2e

import (
	"context"
	"encoding/json"
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

	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/winetest"
)

// TestAdoptThirdPartyProject is the adoption path of the README on a copy
// of internal/scaffold/testdata/pingd, an HTTP server written without svcship in
// mind (its own main package and .goreleaser.yaml): svcship init, then
// go tool mage snapshot; its zip and MSI land in its dist/, and under wine
// the MSI installs it in hosted mode and it answers HTTP.
func TestAdoptThirdPartyProject(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a whole third-party project; skipped with -short")
	}
	testtool.Require(t, "git")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := pingdWithSvcship(ctx, t, "adopt-pingd")
	gitCommit(t, dir, "init", "-q")
	gitCommit(t, dir, "remote", "add", "origin", "https://github.com/acme/pingd.git")
	out := goCmd(ctx, t, dir, "run", "-mod=mod", "github.com/svcship/svcship/cmd/svcship", "init")
	for _, want := range []string{"create          svcship.yaml", "create          magefile.go", "merge           .goreleaser.yaml", "builds[pingd]: goos += windows", "publishers += svcship-release", "goreleaser check: .goreleaser.yaml is valid", "tool github.com/svcship/svcship/cmd/svcship-installer"} {
		if !strings.Contains(out, want) {
			t.Errorf("init output lacks %q:\n%s", want, out)
		}
	}
	if again := goCmd(ctx, t, dir, "run", "-mod=mod", "github.com/svcship/svcship/cmd/svcship", "init"); !strings.Contains(again, "everything is already in place") {
		t.Errorf("second init changed something:\n%s", again)
	}

	// GoReleaser itself accepts the merged config.
	bin := goreleaserDir(t)
	check := exec.CommandContext(ctx, filepath.Join(bin, "goreleaser"), "check")
	check.Dir = dir
	if out, err := check.CombinedOutput(); err != nil || !strings.Contains(string(out), "1 configuration file(s) validated") {
		t.Errorf("goreleaser check on the merged .goreleaser.yaml: %v\n%s", err, out)
	}

	// The maintainer tells the service where to listen, as they would.
	port := winetest.FreePort(t)
	yamlPath := filepath.Join(dir, "svcship.yaml")
	y, err := os.ReadFile(yamlPath)
	if err != nil {
		t.Fatal(err)
	}
	y2 := strings.Replace(string(y), "  account: virtual\n", fmt.Sprintf("  account: virtual\n  arguments: [\"-addr\", \"127.0.0.1:%d\"]\n", port), 1)
	if y2 == string(y) {
		t.Fatalf("svcship.yaml has no account line to extend:\n%s", y)
	}
	if err := os.WriteFile(yamlPath, []byte(y2), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(ctx, t, dir, "mod", "tidy")
	gitCommit(t, dir, "add", "-A")
	gitCommit(t, dir, "commit", "-q", "-m", "ship pingd with svcship")
	gitCommit(t, dir, "tag", "v1.4.2")
	commit := gitCommit(t, dir, "rev-parse", "HEAD")

	cmd := exec.CommandContext(ctx, "go", "tool", "mage", "snapshot")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), pathWith(bin))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go tool mage snapshot: %v\n%s", err, tail(string(b), 60))
	}

	// GoReleaser's Windows zip and svcship's MSI (an extra file, listed
	// in GoReleaser's checksums) for windows/amd64.
	msi := filepath.Join(dir, "dist", "pingd_1.4.2-SNAPSHOT-"+commit[:7]+"_windows_amd64.msi")
	var zip string
	data, err := os.ReadFile(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var arts []artifact
	if err := json.Unmarshal(data, &arts); err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if a.Type == "Archive" && a.Goos == "windows" && a.Goarch == "amd64" {
			zip = filepath.Join(dir, filepath.FromSlash(a.Path))
		}
	}
	if zip == "" {
		t.Fatalf("dist/artifacts.json lists no windows/amd64 archive: %s", data)
	}
	for _, p := range []string{msi, zip} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Fatalf("%s: %v", p, err)
		}
	}
	var entries []string
	for _, e := range readArchive(t, zip) {
		entries = append(entries, e.name)
	}
	slices.Sort(entries)
	if want := []string{"README.md", "pingd.exe", "scripts/install.ps1", "scripts/uninstall.ps1", "svcship-installer.exe", "svcship.yaml"}; !slices.Equal(entries, want) {
		t.Errorf("%s holds %v, want %v", filepath.Base(zip), entries, want)
	}

	// Under wine the MSI installs pingd in hosted mode and it answers.
	p := winetest.New(t)
	if res, err := p.Msiexec(ctx, "/i", p.WinPath(msi), "/qn"); err != nil {
		t.Fatalf("msiexec /i: %v\n%s", err, res.Stdout)
	}
	if err := p.WaitServiceState(ctx, "pingd", "RUNNING", 60*time.Second); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/ping", port)
	if err := p.WaitHTTP(ctx, url, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "pong 1.4.2") {
		t.Errorf("/ping = %q, want the stamped version 1.4.2", body)
	}
	// Hosted mode: the service's program is the bundled installer, its path
	// quoted (wine's msiexec leaves it bare; the MSI's configure step
	// quotes it).
	image, err := p.RegQuery(ctx, `HKLM\SYSTEM\CurrentControlSet\Services\pingd`, "ImagePath")
	if err != nil || !strings.HasPrefix(image, `"C:\Program Files\pingd\svcship-installer.exe" host --config `) {
		t.Errorf("ImagePath = %q (%v), want svcship-installer.exe host", image, err)
	}
	if res, err := p.Msiexec(ctx, "/x", p.WinPath(msi), "/qn", "SVCSHIP_PURGE=1"); err != nil {
		t.Fatalf("msiexec /x: %v\n%s", err, res.Stdout)
	}
	if st, err := p.ServiceState(ctx, "pingd"); err == nil {
		t.Errorf("after uninstall the service is still there (%s)", st)
	}
}

func goCmd(ctx context.Context, t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return string(b)
}

// pingdWithSvcship copies internal/scaffold/testdata/pingd into a new folder named
// name and does what `go get github.com/svcship/svcship@latest` does for a
// real adopter, pointed at this checkout.
func pingdWithSvcship(ctx context.Context, t *testing.T, name string) string {
	t.Helper()
	root := repoRoot(t)
	dir := filepath.Join(sharedDir(t), name)
	testtool.CopyTree(t, filepath.Join(root, "internal", "scaffold", "testdata", "pingd"), dir)
	goCmd(ctx, t, dir, "mod", "edit", "-require=github.com/svcship/svcship@v0.0.0", "-replace=github.com/svcship/svcship="+root)
	goCmd(ctx, t, dir, "get", "github.com/svcship/svcship@v0.0.0")
	return dir
}
