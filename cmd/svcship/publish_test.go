package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/fakegithub"
	"github.com/svcship/svcship/internal/testtool"
)

const publishTestToken = "ghp_SECRETTOKEN123"

// publishProject makes a tagged git checkout with a dist/artifacts.json,
// whose origin URL embeds the token to prove it is never echoed.
func publishProject(t *testing.T) (dir, dist string) {
	t.Helper()
	testtool.Path(t, "git")
	dir = t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("CHANGELOG.md", "# Changelog\n\n## [1.2.3] - 2025-05-01\n- MSI support\n\n## [1.2.2]\n- old\n")
	git("init", "-q", "-b", "main")
	git("add", "CHANGELOG.md")
	git("commit", "-q", "-m", "release")
	git("tag", "v1.2.3")
	git("remote", "add", "origin", "https://x-access-token:"+publishTestToken+"@github.com/acme/widget.git")

	// A dist as `go tool mage release` leaves it: GoReleaser's
	// artifacts.json and metadata.json, the MSI beside them (an extra
	// file, not an artifact) and svcship's record of the run.
	write("dist/widget_1.2.3_windows_amd64.zip", "zip bytes")
	write("dist/widget_1.2.3_windows_amd64.msi", "msi bytes")
	write("dist/checksums.txt", "sums")
	write("dist/widget_windows_amd64_v1/widget.exe", "binary, not published")
	arts := []map[string]any{
		{"name": "widget_1.2.3_windows_amd64.zip", "path": "dist/widget_1.2.3_windows_amd64.zip", "goos": "windows", "goarch": "amd64", "internal_type": 1, "type": "Archive"},
		{"name": "checksums.txt", "path": "dist/checksums.txt", "internal_type": 12, "type": "Checksum"},
		{"name": "widget.exe", "path": "dist/widget_windows_amd64_v1/widget.exe", "internal_type": 4, "type": "Binary"},
	}
	b, _ := json.Marshal(arts)
	write("dist/artifacts.json", string(b))
	write("dist/metadata.json", `{"project_name":"widget","tag":"v1.2.3","version":"1.2.3","commit":"0123456789abcdef0123456789abcdef01234567"}`)
	write("dist/svcship/run.json", `{"snapshot":false,"version":"1.2.3","tag":"v1.2.3"}`)
	return dir, filepath.Join(dir, "dist")
}

// snapshotDist is a dist written by `go tool mage snapshot` of the same
// commit: GoReleaser calls it 1.2.3-SNAPSHOT-abc1234 of tag v1.2.3.
func snapshotDist(t *testing.T, dir string) string {
	t.Helper()
	dist := filepath.Join(dir, "dist-snapshot")
	for name, content := range map[string]string{
		"widget_1.2.3-SNAPSHOT-abc1234_windows_amd64.zip": "zip bytes",
		"artifacts.json":   `[{"name":"widget_1.2.3-SNAPSHOT-abc1234_windows_amd64.zip","path":"dist-snapshot/widget_1.2.3-SNAPSHOT-abc1234_windows_amd64.zip","internal_type":1,"type":"Archive"}]`,
		"metadata.json":    `{"project_name":"widget","tag":"v1.2.3","version":"1.2.3-SNAPSHOT-abc1234"}`,
		"svcship/run.json": `{"snapshot":true,"version":"1.2.3-SNAPSHOT-abc1234","tag":"v1.2.3"}`,
	} {
		p := filepath.Join(dist, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dist
}

func TestCmdPublish(t *testing.T) {
	dir, dist := publishProject(t)
	srv := fakegithub.New(fakegithub.Config{Token: publishTestToken, Repos: []string{"acme/widget"}})
	defer srv.Close()
	goodEnv := map[string]string{"GITHUB_TOKEN": publishTestToken, "GITHUB_API_URL": srv.BaseURL()}

	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		stdout   string // substring
		stderr   string // substring
		released bool
	}{
		{name: "bad flag", args: []string{"--nope"}, env: goodEnv, code: 2, stderr: "flag provided but not defined"},
		{name: "positional", args: []string{"dist"}, env: goodEnv, code: 2, stderr: "unexpected argument"},
		{name: "bad concurrency", args: []string{"--concurrency", "0"}, env: goodEnv, code: 2, stderr: "--concurrency"},
		{name: "bad tag", args: []string{"--dist", dist, "--tag", "1.2"}, env: goodEnv, code: 2, stderr: "--tag 1.2, but " + dist + " was built for v1.2.3"},
		// A snapshot is never published, even of a tagged commit (it was
		// published as the release before, a wrong answer).
		{name: "snapshot", args: []string{"--dist", snapshotDist(t, dir)}, env: goodEnv, code: 2, stderr: "holds a snapshot (version 1.2.3-SNAPSHOT-abc1234): snapshots are never published"},
		{name: "missing token", args: []string{"--dist", dist}, env: map[string]string{"GITHUB_API_URL": srv.BaseURL()}, code: 2, stderr: "GITHUB_TOKEN is not set"},
		{name: "offline dry run", args: []string{"--dist", dist, "--dry-run"}, env: map[string]string{}, code: 0, stdout: "upload         widget_1.2.3_windows_amd64.msi"},
		{name: "bad credentials", args: []string{"--dist", dist}, env: map[string]string{"GITHUB_TOKEN": "ghp_SECRETTOKEN123x", "GITHUB_API_URL": srv.BaseURL()}, code: 1, stderr: "401 Bad credentials"},
		{name: "publish", args: []string{"--dist", dist}, env: goodEnv, code: 0, stdout: "3 uploaded", released: true},
		{name: "re-run", args: []string{"--dist", dist}, env: goodEnv, code: 0, stdout: "already published and complete", released: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runPublish(context.Background(), tc.args, &stdout, &stderr, func(k string) string { return tc.env[k] }, dir)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stdout:\n%s\nstderr:\n%s\nwant %q / %q", &stdout, &stderr, tc.stdout, tc.stderr)
			}
			all := stdout.String() + stderr.String()
			if strings.Contains(all, "SECRETTOKEN") {
				t.Errorf("token leaked:\n%s", all)
			}
			rels := srv.Releases("acme", "widget")
			if !tc.released {
				if tc.name == "snapshot" && len(rels) != 0 {
					t.Errorf("a snapshot dist created a release: %+v", rels)
				}
				return
			}
			if len(rels) != 1 || rels[0].Draft || rels[0].Body != "- MSI support" || len(rels[0].Assets) != 3 {
				t.Fatalf("release state: %+v", rels)
			}
		})
	}
}

// TestCmdPublishRefusesChangedPublishedRelease: once public, a release is
// not changed, and the message says the release is published (it said
// "left as a draft; re-run to finish" before, which was false).
func TestCmdPublishRefusesChangedPublishedRelease(t *testing.T) {
	dir, dist := publishProject(t)
	srv := fakegithub.New(fakegithub.Config{Token: publishTestToken, Repos: []string{"acme/widget"}})
	defer srv.Close()
	env := map[string]string{"GITHUB_TOKEN": publishTestToken, "GITHUB_API_URL": srv.BaseURL()}
	getenv := func(k string) string { return env[k] }
	var stdout, stderr bytes.Buffer
	if code := runPublish(context.Background(), []string{"--dist", dist}, &stdout, &stderr, getenv, dir); code != 0 {
		t.Fatalf("first publish: exit %d\n%s%s", code, &stdout, &stderr)
	}
	if err := os.WriteFile(filepath.Join(dist, "widget_1.2.3_windows_amd64.msi"), []byte("other msi bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code := runPublish(context.Background(), []string{"--dist", dist}, &stdout, &stderr, getenv, dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, &stdout, &stderr)
	}
	if want := "is already published and its asset widget_1.2.3_windows_amd64.msi differs"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, &stderr)
	}
	if strings.Contains(stderr.String(), "still a draft") || strings.Contains(stderr.String(), "left as a draft") {
		t.Errorf("the message speaks of a draft, but the release is published:\n%s", &stderr)
	}
	rels := srv.Releases("acme", "widget")
	if len(rels) != 1 || rels[0].Draft {
		t.Fatalf("release state changed: %+v", rels)
	}
	for _, a := range rels[0].Assets {
		if a.Name == "widget_1.2.3_windows_amd64.msi" && string(a.Data) != "msi bytes" {
			t.Errorf("the published MSI was replaced: %q", a.Data)
		}
	}
}
