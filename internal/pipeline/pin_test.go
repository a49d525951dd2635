package pipeline

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Adopters run PinnedGoReleaser through `go run`; this repository runs the
// version in tools/go.mod. They must be the same GoReleaser.
func TestPinnedGoReleaserMatchesToolsModule(t *testing.T) {
	data, err := os.ReadFile("../../tools/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/goreleaser/goreleaser/v2 (v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("tools/go.mod does not require github.com/goreleaser/goreleaser/v2")
	}
	if want := "@" + string(m[1]); !strings.HasSuffix(PinnedGoReleaser, want) {
		t.Errorf("PinnedGoReleaser = %s, tools/go.mod has %s", PinnedGoReleaser, m[1])
	}
}
