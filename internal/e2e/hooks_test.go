package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/release"
)

// TestGoReleaserHooksFromDocs runs the .goreleaser.yaml that
// docs/pipeline.md shows for calling svcship from GoReleaser hooks, exactly
// as written, on testdata/pingd: GoReleaser builds, svcship stamps the
// resources, builds the installer and an MSI per arch, and GoReleaser's
// checksums list the MSIs.
func TestGoReleaserHooksFromDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a project with GoReleaser; skipped with -short")
	}
	testtool.Require(t, "git")
	root := repoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "pipeline.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Without mage: svcship from GoReleaser hooks.*?```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/pipeline.md has no yaml block under \"Without mage: svcship from GoReleaser hooks\"")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := pingdWithSvcship(ctx, t, "hooks-pingd")
	goCmd(ctx, t, dir, "mod", "edit", "-tool=github.com/svcship/svcship/cmd/svcship", "-tool=github.com/svcship/svcship/cmd/svcship-installer")
	goCmd(ctx, t, dir, "mod", "tidy")
	files := map[string]string{
		".goreleaser.yaml": string(m[1]),
		".gitignore":       "dist/\nbuild/\n*.syso\n",
		"svcship.yaml": `product:
  name: pingd
  company: Acme
  description: pingd ping server
  main: ./cmd/pingd
service:
  name: pingd
  mode: hosted
packaging:
  upgrade_code: "{0E5A3F1C-2B4D-4C6E-8F70-9A1B2C3D4E5F}"
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitCommit(t, dir, "init", "-q")
	gitCommit(t, dir, "remote", "add", "origin", "https://github.com/acme/pingd.git")
	gitCommit(t, dir, "add", "-A")
	gitCommit(t, dir, "commit", "-q", "-m", "hooks")
	gitCommit(t, dir, "tag", "v2.3.4")

	cmd := exec.CommandContext(ctx, "go", "run", release.PinnedGoReleaser, "release", "--clean", "--skip=publish")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser release with the documented hooks: %v\n%s", err, tail(string(out), 60))
	}
	sums, err := os.ReadFile(filepath.Join(dir, "dist", "pingd_2.3.4_checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		name := fmt.Sprintf("pingd_2.3.4_windows_%s.msi", arch)
		if st, err := os.Stat(filepath.Join(dir, "build", name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(string(sums), name) {
			t.Errorf("checksums lack %s:\n%s", name, sums)
		}
	}
	if _, err := exec.LookPath("exiftool"); err == nil {
		out, _ := exec.Command("exiftool", "-s", "-ProductVersion", "-CompanyName", filepath.Join(dir, "dist", "pingd_windows_amd64_v1", "pingd.exe")).CombinedOutput()
		if !strings.Contains(string(out), "2.3.4") || !strings.Contains(string(out), "Acme") {
			t.Errorf("the resources hook did not stamp pingd.exe:\n%s", out)
		}
	}
}
