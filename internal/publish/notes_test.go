package publish

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

const changelog = `# Changelog

All notable changes are documented here.

## [Unreleased]
- not yet

## [1.3.0-rc.1] - 2025-06-02
- candidate

## [1.2.3] - 2025-05-01
### Added
- MSI upgrade support

` + "```" + `
## [9.9.9] inside a code block is not a heading
` + "```" + `
### Fixed
- service restart loop

## v1.2.2
- older change

## 1.0.0
- first

[1.2.3]: https://github.com/acme/widget/compare/v1.2.2...v1.2.3
[1.2.2]: https://github.com/acme/widget/compare/v1.0.0...v1.2.2
`

func TestNotesFromChangelog(t *testing.T) {
	tests := []struct {
		tag    string
		want   string // "" means not found
		wantIn []string
	}{
		{tag: "v1.2.3", wantIn: []string{"### Added\n- MSI upgrade support", "## [9.9.9] inside a code block", "### Fixed\n- service restart loop"}},
		{tag: "1.2.3", wantIn: []string{"MSI upgrade support"}},
		{tag: "v1.2.2", want: "- older change"},
		{tag: "v1.0.0", want: "- first"}, // link definitions end the last section
		{tag: "v1.3.0-rc.1", want: "- candidate"},
		{tag: "v1.2", want: ""}, // no prefix matching
		{tag: "v2.0.0", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.tag, func(t *testing.T) {
			got, ok := NotesFromChangelog([]byte(changelog), tc.tag)
			if tc.want == "" && len(tc.wantIn) == 0 {
				if ok {
					t.Fatalf("found notes %q, want none", got)
				}
				return
			}
			if !ok {
				t.Fatalf("no notes found")
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(got, s) {
					t.Errorf("notes lack %q:\n%s", s, got)
				}
			}
			if (tc.tag != "v1.2.2" && strings.Contains(got, "older change")) || strings.Contains(got, "compare/") {
				t.Errorf("notes run past the section:\n%s", got)
			}
		})
	}
}

func TestNotesFromChangelogCRLFAndEmpty(t *testing.T) {
	crlf := strings.ReplaceAll("## v2.0.0\r\n- windows line endings\r\n## v1.0.0\r\n", "\n", "\n")
	if got, ok := NotesFromChangelog([]byte(crlf), "v2.0.0"); !ok || got != "- windows line endings" {
		t.Errorf("CRLF: got %q %v", got, ok)
	}
	if _, ok := NotesFromChangelog([]byte("## v2.0.0\n\n## v1.0.0\n- x\n"), "v2.0.0"); ok {
		t.Errorf("empty section should count as missing")
	}
}

// gitRepo makes a repository with tagged commits; each entry is a commit
// subject, and "tag:vX" entries tag the commit before them.
func gitRepo(t *testing.T, steps ...string) string {
	t.Helper()
	testtool.Path(t, "git")
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
			"GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	for i, s := range steps {
		if tag, ok := strings.CutPrefix(s, "tag:"); ok {
			run("tag", "-a", tag, "-m", tag)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte(strings.Repeat("x", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		run("add", "f.txt")
		run("commit", "-q", "-m", s)
	}
	return dir
}

func TestNotesFromGit(t *testing.T) {
	dir := gitRepo(t, "initial", "tag:v1.0.0", "fix: crash on stop", "feat: MSI upgrades", "tag:v1.1.0", "docs: typo", "tag:v1.1.1")
	tests := []struct {
		tag, prev, want string
	}{
		{"v1.0.0", "", "- initial"},
		{"v1.1.0", "v1.0.0", "- fix: crash on stop\n- feat: MSI upgrades"},
		{"v1.1.1", "v1.1.0", "- docs: typo"},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.tag, func(t *testing.T) {
			prev, err := PreviousTag(ctx, dir, tc.tag)
			if err != nil || prev != tc.prev {
				t.Errorf("PreviousTag = %q, %v; want %q", prev, err, tc.prev)
			}
			got, err := NotesFromGit(ctx, dir, tc.tag)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := NotesFromGit(ctx, dir, "v7.7.7"); err == nil {
		t.Errorf("unknown tag should fail")
	}
}

func TestReleaseNotesPrefersChangelog(t *testing.T) {
	dir := gitRepo(t, "initial", "tag:v1.0.0", "fix: thing", "tag:v1.0.1")
	ctx := context.Background()
	if got, err := ReleaseNotes(ctx, dir, "v1.0.1"); err != nil || got != "- fix: thing" {
		t.Errorf("without changelog: %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte("## [1.0.1]\n- from changelog\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReleaseNotes(ctx, dir, "v1.0.1"); err != nil || got != "- from changelog" {
		t.Errorf("with changelog: %q, %v", got, err)
	}
	// A changelog without the version falls back to git.
	if got, err := ReleaseNotes(ctx, dir, "v1.0.0"); err != nil || got != "- initial" {
		t.Errorf("fallback: %q, %v", got, err)
	}
}
