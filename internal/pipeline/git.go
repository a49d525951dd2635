package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GitInfo is the state of the repository being released.
type GitInfo struct {
	// Tag is the tag at HEAD on a release; on a snapshot the latest tag
	// reachable from HEAD, or v0.0.0.
	Tag         string
	Commit      string
	ShortCommit string
	// CommitTime is the committer time of HEAD.
	CommitTime time.Time
	Dirty      bool
	// RemoteURL is the origin URL ("" when the repository has no remote).
	RemoteURL string
}

// git runs git in dir and returns trimmed stdout.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return strings.TrimSpace(out.String()), nil
}

// readGit collects what the pipeline needs to know about HEAD, using the
// same git queries GoReleaser uses so both agree on commit and date.
func readGit(ctx context.Context, dir string, snapshot bool) (GitInfo, error) {
	var g GitInfo
	if _, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree"); err != nil {
		return g, fmt.Errorf("%s is not a git repository (svcship stamps versions from git): %w", dir, err)
	}
	var err error
	if g.Commit, err = git(ctx, dir, "show", "--format=%H", "HEAD", "--quiet"); err != nil {
		return g, fmt.Errorf("the repository has no commit yet: %w", err)
	}
	if g.ShortCommit, err = git(ctx, dir, "show", "--format=%h", "HEAD", "--quiet"); err != nil {
		return g, err
	}
	ct, err := git(ctx, dir, "show", "--format=%ct", "HEAD", "--quiet")
	if err != nil {
		return g, err
	}
	sec, err := strconv.ParseInt(ct, 10, 64)
	if err != nil {
		return g, fmt.Errorf("commit time %q: %w", ct, err)
	}
	g.CommitTime = time.Unix(sec, 0).UTC()
	status, err := git(ctx, dir, "status", "--porcelain")
	if err != nil {
		return g, err
	}
	g.Dirty = status != ""
	g.RemoteURL, _ = git(ctx, dir, "ls-remote", "--get-url")
	if g.RemoteURL == "origin" { // git echoes the name when no remote exists
		g.RemoteURL = ""
	}
	if snapshot {
		// GoReleaser's snapshot base: the latest tag reachable from HEAD.
		g.Tag, err = git(ctx, dir, "describe", "--tags", "--abbrev=0")
		if err != nil || g.Tag == "" {
			g.Tag = "v0.0.0"
		}
		return g, nil
	}
	tags, err := git(ctx, dir, "tag", "--points-at", "HEAD", "--sort=-version:refname")
	if err != nil {
		return g, err
	}
	if tags == "" {
		return g, fmt.Errorf("HEAD (%s) has no tag: tag the commit (git tag v1.2.3) or run a snapshot", g.ShortCommit)
	}
	g.Tag = strings.Fields(tags)[0]
	return g, nil
}
