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

func TestPublishParseRemote(t *testing.T) {
	tests := []struct {
		remote, owner, repo string
		ok                  bool
	}{
		{"https://github.com/acme/widget.git", "acme", "widget", true},
		{"https://github.com/acme/widget", "acme", "widget", true},
		{"https://x-access-token:ghp_abc@github.com/acme/widget.git", "acme", "widget", true},
		{"git@github.com:acme/widget.git", "acme", "widget", true},
		{"ssh://git@github.example.com:2222/acme/widget.git", "acme", "widget", true},
		{"https://ghe.example.com/acme/widget/", "acme", "widget", true},
		{"widget", "", "", false},
		{"https://github.com/acme", "", "", false},
	}
	for _, tc := range tests {
		o, r, ok := publishParseRemote(tc.remote)
		if o != tc.owner || r != tc.repo || ok != tc.ok {
			t.Errorf("%s: got %q %q %v", tc.remote, o, r, ok)
		}
	}
}

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

	write("dist/widget_1.2.3_windows_amd64.zip", "zip bytes")
	write("dist/widget_1.2.3_x64.msi", "msi bytes")
	write("dist/checksums.txt", "sums")
	write("dist/widget.exe", "binary, not published")
	arts := []map[string]any{
		{"name": "widget_1.2.3_windows_amd64.zip", "path": "dist/widget_1.2.3_windows_amd64.zip", "goos": "windows", "goarch": "amd64", "internal_type": 1, "type": "Archive"},
		{"name": "widget_1.2.3_x64.msi", "path": "dist/widget_1.2.3_x64.msi", "type": "MSI", "extra": map[string]any{}},
		{"name": "checksums.txt", "path": "dist/checksums.txt", "type": "Checksum"},
		{"name": "widget.exe", "path": "dist/widget.exe", "type": "Binary"},
	}
	b, _ := json.Marshal(arts)
	write("dist/artifacts.json", string(b))
	return dir, filepath.Join(dir, "dist")
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
		{name: "bad tag", args: []string{"--dist", dist, "--tag", "1.2"}, env: goodEnv, code: 2, stderr: "not a semantic version"},
		{name: "missing token", args: []string{"--dist", dist}, env: map[string]string{"GITHUB_API_URL": srv.BaseURL()}, code: 2, stderr: "GITHUB_TOKEN is not set"},
		{name: "offline dry run", args: []string{"--dist", dist, "--dry-run"}, env: map[string]string{}, code: 0, stdout: "upload         widget_1.2.3_x64.msi"},
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
				return
			}
			if len(rels) != 1 || rels[0].Draft || rels[0].Body != "- MSI support" || len(rels[0].Assets) != 3 {
				t.Fatalf("release state: %+v", rels)
			}
		})
	}
}
