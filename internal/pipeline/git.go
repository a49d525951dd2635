package release

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

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

// goreleaserConfig is the part of .goreleaser.yaml svcship reads.
type goreleaserConfig struct {
	ProjectName string            `yaml:"project_name"`
	Dist        string            `yaml:"dist"`
	Builds      []goreleaserBuild `yaml:"builds"`
}

type goreleaserBuild struct {
	ID      string   `yaml:"id"`
	Dir     string   `yaml:"dir"`
	Main    string   `yaml:"main"`
	Binary  string   `yaml:"binary"`
	Goos    []string `yaml:"goos"`
	Goarch  []string `yaml:"goarch"`
	Targets []string `yaml:"targets"`
	Ignore  []struct {
		Goos   string `yaml:"goos"`
		Goarch string `yaml:"goarch"`
	} `yaml:"ignore"`
	Skip any `yaml:"skip"`
}

// windowsArches lists the Windows GOARCH values this build produces,
// following GoReleaser's defaults (goos darwin, linux, windows; goarch 386,
// amd64, arm64) when the lists are omitted.
func (b goreleaserBuild) windowsArches() []string {
	var out []string
	add := func(a string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(b.Targets) > 0 {
		for _, t := range b.Targets {
			parts := strings.Split(t, "_")
			if len(parts) >= 2 && parts[0] == "windows" {
				add(parts[1])
			}
		}
		return out
	}
	goos, goarch := b.Goos, b.Goarch
	if len(goos) == 0 {
		goos = []string{"darwin", "linux", "windows"}
	}
	if len(goarch) == 0 {
		goarch = []string{"386", "amd64", "arm64"}
	}
	if !slices.Contains(goos, "windows") {
		return nil
	}
	for _, a := range goarch {
		ignored := false
		for _, ig := range b.Ignore {
			if (ig.Goos == "" || ig.Goos == "windows") && (ig.Goarch == "" || ig.Goarch == a) {
				ignored = true
			}
		}
		if !ignored {
			add(a)
		}
	}
	return out
}

// mainDir is the folder of the build's main package, relative to the
// project root.
func (b goreleaserBuild) mainDir() string {
	m := b.Main
	if m == "" {
		m = "."
	}
	if strings.HasSuffix(m, ".go") {
		m = filepath.Dir(m)
	}
	return filepath.Join(b.Dir, m)
}

func readGoReleaserConfig(path string) (goreleaserConfig, error) {
	var gc goreleaserConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return gc, fmt.Errorf("goreleaser config: %w", err)
	}
	if err := yaml.Unmarshal(data, &gc); err != nil {
		return gc, fmt.Errorf("goreleaser config %s: %w", path, err)
	}
	return gc, nil
}
