package sbomtest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

// TestGoReleaserSBOMsSnippet runs GoReleaser (the version tools/go.mod
// pins) with testdata/goreleaser-sboms.yaml as written on a small project
// and checks that every binary got one SBOM that matches the CycloneDX
// schema.
func TestGoReleaserSBOMsSnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a GoReleaser snapshot (-short)")
	}
	tools := testtool.Require(t, "go", "git")
	goTool, git := tools[0], tools[1]
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	snippet, err := os.ReadFile(filepath.Join("testdata", "goreleaser-sboms.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tools"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The project pins its tools as svcship does: tools/go.mod.
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(root, "tools", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "tools", f), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/grsbom\n\ngo 1.22\n\nrequire gopkg.in/yaml.v3 v3.0.1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"gopkg.in/yaml.v3\"\n\nfunc main() { _, _ = yaml.Marshal(1) }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("dist/\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".goreleaser.yaml"), append([]byte(`version: 2
project_name: grsbom
builds:
  - id: grsbom
    binary: grsbom
    env: [CGO_ENABLED=0]
    flags: [-trimpath]
    mod_timestamp: "{{ .CommitTimestamp }}"
    goos: [windows, linux]
    goarch: [amd64, arm64]
archives:
  - formats: [zip]
`), snippet...), 0o644)
	run(t, dir, []string{"GOFLAGS=-mod=mod"}, goTool, "mod", "tidy")
	gitEnv := []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2026-11-30T12:00:00Z", "GIT_COMMITTER_DATE=2026-11-30T12:00:00Z"}
	run(t, dir, gitEnv, git, "init", "-q")
	run(t, dir, gitEnv, git, "add", "-A")
	run(t, dir, gitEnv, git, "commit", "-q", "-m", "init")
	run(t, dir, gitEnv, git, "tag", "v0.1.0")
	run(t, dir, nil, goTool, "tool", "-modfile=tools/go.mod", "goreleaser", "release", "--snapshot", "--clean", "--skip=publish")

	docs, err := filepath.Glob(filepath.Join(dir, "dist", "*.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range docs {
		names = append(names, filepath.Base(d))
	}
	want := []string{
		"grsbom_0.0.0-SNAPSHOT-none_linux_amd64.cdx.json", "grsbom_0.0.0-SNAPSHOT-none_linux_arm64.cdx.json",
		"grsbom_0.0.0-SNAPSHOT-none_windows_amd64.cdx.json", "grsbom_0.0.0-SNAPSHOT-none_windows_arm64.cdx.json",
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Fatalf("SBOMs %v, want one per binary: %v", names, want)
	}
	s := schema(t)
	for _, d := range docs {
		data, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, s, data); err != nil {
			t.Errorf("%s does not match the CycloneDX 1.6 schema: %v", filepath.Base(d), err)
		}
		var b bom
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		if got := b.Metadata.Component.PURL; got != "pkg:golang/example.com/grsbom@v0.0.0-SNAPSHOT-none" {
			t.Errorf("%s: main purl %q", filepath.Base(d), got)
		}
		if !bytes.Contains(data, []byte(`"pkg:golang/gopkg.in/yaml.v3@v3.0.1"`)) {
			t.Errorf("%s does not list gopkg.in/yaml.v3", filepath.Base(d))
		}
	}
	sums, err := filepath.Glob(filepath.Join(dir, "dist", "*checksums.txt"))
	if err != nil || len(sums) != 1 {
		t.Fatalf("checksums file: %v %v", sums, err)
	}
	data, _ := os.ReadFile(sums[0])
	if n := bytes.Count(data, []byte(".cdx.json")); n != 4 {
		t.Errorf("the checksums file lists %d SBOMs, want 4:\n%s", n, data)
	}
}
