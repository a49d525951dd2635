package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoReleaserCheck: GoReleaser itself (the pinned version) accepts this
// repository's config, svcship's entries included, without deprecations.
func TestGoReleaserCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds GoReleaser; skipped with -short")
	}
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := goreleaserCheck(t, string(data))
	if err != nil || !strings.Contains(string(out), "1 configuration file(s) validated") {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "DEPRECATED") {
		t.Errorf("the config uses deprecated GoReleaser keys:\n%s", out)
	}
}

// goreleaserCheck runs the pinned GoReleaser's check on config, in a
// git repository whose origin is on GitHub (GoReleaser reads the release
// repository from it, as it would in a clone).
func goreleaserCheck(t *testing.T, config string) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".goreleaser.yaml"), config)
	gitCommit(t, dir, "init", "-q")
	gitCommit(t, dir, "remote", "add", "origin", "https://github.com/svcship/svcship.git")
	cmd := exec.Command(filepath.Join(goreleaserDir(t), "goreleaser"), "check")
	cmd.Dir = dir
	return cmd.CombinedOutput()
}
