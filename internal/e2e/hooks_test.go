package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedConfigIsValid takes the GoReleaser configuration that
// docs/pipeline.md shows adopters (the yaml block after the
// svcship-config-example marker) exactly as written and has GoReleaser
// check it, so the documented entries stay ones GoReleaser accepts.
func TestDocumentedConfigIsValid(t *testing.T) {
	if testing.Short() {
		t.Skip("builds GoReleaser; skipped with -short")
	}
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "pipeline.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)svcship-config-example[^\n]*\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/pipeline.md has no ```yaml block right after the svcship-config-example marker")
	}
	block := string(m[1])
	// The entries svcship's driver looks for are all in the example.
	for _, want := range []string{
		`{{ envOrDefault "SVCSHIP_COMMAND" "go tool svcship" }} goreleaser before `,
		`{{ envOrDefault "SVCSHIP_COMMAND" "go tool svcship" }} goreleaser build `,
		`dist/svcship/{{ .Os }}_{{ .Arch }}/**`,
		"- glob: dist/*.msi",
		"use_existing_draft: true",
		"SVCSHIP_PUBLISH",
		"dist/svcship/bin/svcship goreleaser record ",
		"dist/svcship/bin/svcship goreleaser publish ",
		"cmd: svcship/bin/svcship",
		"- glob: dist/svcship/signatures/*.p7s",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("the documented config lacks %q", want)
		}
	}
	out, err := goreleaserCheck(t, block)
	if err != nil || !strings.Contains(string(out), "1 configuration file(s) validated") {
		t.Fatalf("goreleaser check on the documented config: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "DEPRECATED") {
		t.Errorf("the documented config uses deprecated GoReleaser keys:\n%s", out)
	}
}
