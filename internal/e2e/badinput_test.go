package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/release"
)

// miniRepo is a git repository holding the project's svcship.yaml (edited),
// .goreleaser.yaml and icon, enough for the pipeline to validate.
func miniRepo(t *testing.T, yaml string) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	for _, rel := range []string{".goreleaser.yaml", "assets/hellosvc.ico", "go.mod", ".gitignore"} {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"cmd/hellosvc", "cmd/svcship-installer"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
		os.WriteFile(filepath.Join(dir, d, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	}
	if err := os.WriteFile(filepath.Join(dir, "svcship.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCommit(t, dir, "init", "-q")
	gitCommit(t, dir, "add", "-A")
	gitCommit(t, dir, "commit", "-q", "-m", "mini")
	return dir
}

// fakeGoReleaser stands in for GoReleaser: if validation wrongly lets a
// run through, the error names it instead of the expected problem.
var fakeGoReleaser = []string{"sh", "-c", "echo fake goreleaser reached >&2; exit 3", "fake"}

func TestBadInputFailsBeforeBuild(t *testing.T) {
	base, err := os.ReadFile(filepath.Join(repoRoot(t), "svcship.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	good := string(base)
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("svcship.yaml no longer contains %q; update the test", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	tests := []struct {
		name     string
		yaml     string
		release  bool   // release instead of snapshot
		tag      string // tag HEAD with this
		dirty    bool   // leave an uncommitted file
		want     []string
	}{
		// The line numbers are those of the repository's svcship.yaml
		// (product: on line 4, service.arguments on 24, upgrade_code on 35);
		// editing that file above these keys means updating them here.
		{name: "wrong type", yaml: replace(`arguments: ["--listen", "127.0.0.1:8080"]`, `arguments: 8080`),
			want: []string{`svcship.yaml:24: service.arguments: got "8080", expected a list`}},
		{name: "unknown key", yaml: replace("product:\n", "product:\n  colour: blue\n"),
			want: []string{"svcship.yaml:5: product.colour: unknown key (expected one of "}},
		{name: "missing required key", yaml: replace("  company: svcship project\n", ""),
			want: []string{"svcship.yaml:5: product.company: is required (missing in product)"}},
		{name: "invalid upgrade code", yaml: replace("upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64", "upgrade_code: not-a-guid"),
			want: []string{`svcship.yaml:35: packaging.upgrade_code: "not-a-guid" is not a GUID`}},
		{name: "non-semver tag", yaml: good, release: true, tag: "release-2026",
			want: []string{`tag "release-2026" is not a semantic version`, "v1.2.3"}},
		{name: "incomplete version tag", yaml: good, release: true, tag: "v1.2",
			want: []string{`tag "v1.2" is not a semantic version`}},
		{name: "version too large for windows", yaml: good, release: true, tag: "v70000.1.0",
			want: []string{"70000", "65535"}},
		{name: "release without tag", yaml: good, release: true,
			want: []string{"has no tag"}},
		{name: "dirty tree on release", yaml: good, release: true, tag: "v1.0.0", dirty: true,
			want: []string{"uncommitted changes"}},
		// Control: valid input gets past validation to the (fake) build.
		{name: "valid release reaches the build", yaml: good, release: true, tag: "v1.2.3",
			want: []string{"fake: exit status 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := miniRepo(t, tt.yaml)
			if tt.tag != "" {
				gitCommit(t, dir, "tag", tt.tag)
			}
			if tt.dirty {
				os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("wip\n"), 0o644)
			}
			ctx, err := release.NewContext(context.Background(), release.Options{
				Root:       dir,
				Snapshot:   !tt.release,
				GoReleaser: fakeGoReleaser,
				Stderr:     io.Discard,
				Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			steps := release.SnapshotSteps()
			if tt.release {
				steps = release.ReleaseSteps()
			}
			err = release.Run(ctx, steps)
			if err == nil {
				t.Fatal("pipeline succeeded")
			}
			msg := err.Error()
			t.Logf("message: %s", msg)
			if strings.Contains(msg, "\n") {
				t.Errorf("message spans lines:\n%s", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q", w)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
				t.Error("dist/ exists: something was built")
			}
			out, _ := exec.Command("git", "-C", dir, "status", "--porcelain", "--ignored").Output()
			if strings.Contains(string(out), ".syso") {
				t.Errorf("resources left behind:\n%s", out)
			}
		})
	}
}

// TestBadConfigThroughMage checks the message reaches a user running the
// README's command, and that nothing was built.
func TestBadConfigThroughMage(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e: compiles the magefile")
	}
	dir := filepath.Join(t.TempDir(), "repo")
	copyRepo(t, dir)
	p := filepath.Join(dir, "svcship.yaml")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(data), "product:\n", "product:\n  colour: blue\n", 1)), 0o644)
	cmd := exec.Command("go", "tool", "mage", "snapshot")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("snapshot succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "svcship.yaml:") || !strings.Contains(string(out), "product.colour") {
		t.Fatalf("output does not name the problem:\n%s", out)
	}
	if strings.Contains(string(out), "goreleaser") && strings.Contains(string(out), "building binaries") {
		t.Fatalf("GoReleaser ran:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
		t.Error("dist/ exists: something was built")
	}
}
