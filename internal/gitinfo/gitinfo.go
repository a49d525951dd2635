// Package gitinfo is svcship's one reader of git: the commands it runs,
// the facts of HEAD (tag, commit, commit time, dirty, remote), the build
// time rule (SOURCE_DATE_EPOCH, else the commit time, never the clock) and
// which GitHub repository a checkout releases to.
package gitinfo

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Run runs git in dir and returns its trimmed stdout. The user's pager,
// locale and credential prompts stay out of it.
func Run(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_PAGER=cat", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		// The *exec.ExitError stays wrapped: callers tell "git said no"
		// (a missing tag) from "git did not run".
		if msg := strings.TrimSpace(errb.String()); msg != "" {
			return "", fmt.Errorf("git %s: %s (%w)", strings.Join(args, " "), msg, err)
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(out.String()), nil
}

// Info is the state of the repository being released.
type Info struct {
	// Tag is the tag at HEAD on a release; on a snapshot the latest tag
	// reachable from HEAD, or v0.0.0 (GoReleaser's rule).
	Tag         string
	Commit      string
	ShortCommit string
	// CommitTime is the committer time of HEAD.
	CommitTime time.Time
	Dirty      bool
	// RemoteURL is the origin URL ("" when the repository has no remote).
	RemoteURL string
}

// Read collects the facts of HEAD in dir. Without snapshot, HEAD must
// carry a tag.
func Read(ctx context.Context, dir string, snapshot bool) (Info, error) {
	var g Info
	if _, err := Run(ctx, dir, "rev-parse", "--is-inside-work-tree"); err != nil {
		return g, fmt.Errorf("%s is not a git repository (svcship stamps versions from git): %w", dir, err)
	}
	var err error
	if g.Commit, err = Run(ctx, dir, "show", "--format=%H", "HEAD", "--quiet"); err != nil {
		return g, fmt.Errorf("the repository has no commit yet: %w", err)
	}
	if g.ShortCommit, err = Run(ctx, dir, "show", "--format=%h", "HEAD", "--quiet"); err != nil {
		return g, err
	}
	if g.CommitTime, err = CommitTime(ctx, dir); err != nil {
		return g, err
	}
	status, err := Run(ctx, dir, "status", "--porcelain")
	if err != nil {
		return g, err
	}
	g.Dirty = status != ""
	g.RemoteURL, _ = Run(ctx, dir, "ls-remote", "--get-url")
	if g.RemoteURL == "origin" { // git echoes the name when no remote exists
		g.RemoteURL = ""
	}
	if snapshot {
		g.Tag, err = Run(ctx, dir, "describe", "--tags", "--abbrev=0")
		if err != nil || g.Tag == "" {
			g.Tag = "v0.0.0"
		}
		return g, nil
	}
	tags, err := Run(ctx, dir, "tag", "--points-at", "HEAD", "--sort=-version:refname")
	if err != nil {
		return g, err
	}
	if tags == "" {
		return g, fmt.Errorf("HEAD (%s) has no tag: tag the commit (git tag v1.2.3) or run a snapshot", g.ShortCommit)
	}
	g.Tag = strings.Fields(tags)[0]
	return g, nil
}

// CommitTime is the committer time of HEAD in dir.
func CommitTime(ctx context.Context, dir string) (time.Time, error) {
	ct, err := Run(ctx, dir, "show", "--format=%ct", "HEAD", "--quiet")
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(ct, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("commit time %q: %w", ct, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// BuildTime is the reproducible time of a build in dir: SOURCE_DATE_EPOCH
// when set (reproducible-builds.org), else the commit time of HEAD. It
// never reads the clock. The second result names the source for messages.
func BuildTime(ctx context.Context, getenv func(string) string, dir string) (time.Time, string, error) {
	if s := strings.TrimSpace(getenv("SOURCE_DATE_EPOCH")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 315532800 { // 1980-01-01, the MS-DOS epoch of zips and cabinets
			return time.Time{}, "", fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a Unix time after 1980", s)
		}
		return time.Unix(n, 0).UTC(), "SOURCE_DATE_EPOCH", nil
	}
	t, err := CommitTime(ctx, dir)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("no build time: SOURCE_DATE_EPOCH is not set and %s has no git commit (%v); set SOURCE_DATE_EPOCH", dir, err)
	}
	return t, "git commit time", nil
}

// GitHubRepo is "which GitHub repository": configured (release.github in
// svcship.yaml), else $GITHUB_REPOSITORY (set in GitHub Actions), else the
// origin remote.
func GitHubRepo(configured, remote string, getenv func(string) string) (owner, repo string, err error) {
	s := configured
	if s == "" && getenv != nil {
		s = getenv("GITHUB_REPOSITORY")
	}
	if s == "" {
		s = RepoFromRemote(remote)
	}
	owner, repo, ok := strings.Cut(s, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		// The remote URL itself is not repeated: it may embed credentials.
		return "", "", fmt.Errorf("which GitHub repository? set release.github (owner/repo) in svcship.yaml; the origin remote is not a GitHub URL")
	}
	return owner, repo, nil
}

// RepoFromRemote turns the remote URL forms git accepts
// (https://host/owner/repo(.git), ssh://git@host[:port]/owner/repo.git,
// scp-like git@host:owner/repo) into owner/repo ("" when it is none).
func RepoFromRemote(remote string) string {
	remote = strings.TrimSpace(remote)
	var p string
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Host != "" {
		p = u.Path
	} else if at, rest, ok := strings.Cut(remote, ":"); ok && !strings.Contains(at, "/") && at != "" {
		p = rest
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	if strings.Count(p, "/") != 1 {
		return ""
	}
	return p
}
