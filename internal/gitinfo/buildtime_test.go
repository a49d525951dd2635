package gitinfo

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
)

func TestBuildTime(t *testing.T) {
	repo := t.TempDir()
	// makeRepo commits once into repo; the one case that reads the commit
	// time needs git, found through testtool (CI=true fails without it).
	makeRepo := func(t *testing.T) {
		git := testtool.Path(t, "git")
		for _, args := range [][]string{
			{"init", "-q"},
			{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x"},
		} {
			cmd := exec.Command(git, args...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-11-20T08:00:00Z", "GIT_AUTHOR_DATE=2026-11-20T08:00:00Z")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name, epoch, dir string
		want             time.Time
		source, err      string
		needGit          bool
	}{
		{name: "epoch wins", epoch: "1764000000", dir: repo, want: time.Unix(1764000000, 0).UTC(), source: "SOURCE_DATE_EPOCH"},
		{name: "bad epoch", epoch: "yesterday", dir: repo, err: "not a Unix time"},
		{name: "epoch before 1980", epoch: "1000", dir: repo, err: "after 1980"},
		{name: "commit time", dir: repo, want: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), source: "git commit time", needGit: true},
		{name: "no git", dir: t.TempDir(), err: "set SOURCE_DATE_EPOCH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needGit {
				makeRepo(t)
			}
			got, src, err := BuildTime(context.Background(), env(tc.epoch), tc.dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) || src != tc.source {
				t.Fatalf("got %v %q %v, want %v %q", got, src, err, tc.want, tc.source)
			}
		})
	}
}
