package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGoReleaserCheck: GoReleaser itself accepts this repository's config.
func TestGoReleaserCheck(t *testing.T) {
	cmd := exec.Command("go", "tool", "-modfile=tools/go.mod", "goreleaser", "check")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "validated") {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
}
