package release

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// goreleaserStep runs `goreleaser build` (with --snapshot on snapshots) and
// loads the artifacts.json it writes.
type goreleaserStep struct{}

func (goreleaserStep) Name() string         { return "goreleaser build" }
func (goreleaserStep) Skip(*Context) string { return "" }

func (goreleaserStep) Run(ctx *Context) error {
	args := []string{"build", "--clean", "--config", ctx.GoReleaserConfig}
	if ctx.Snapshot {
		args = append(args, "--snapshot")
	}
	env := goreleaserEnv(ctx)
	switch len(ctx.Targets) {
	case 0:
	case 1:
		goos, goarch, ok := strings.Cut(ctx.Targets[0], "_")
		if !ok {
			return fmt.Errorf("target %q: expected goos_goarch, e.g. windows_amd64", ctx.Targets[0])
		}
		args = append(args, "--single-target")
		// TARGET, not GOOS/GOARCH: those would also retarget the `go tool`
		// command that runs GoReleaser itself.
		env = append(env, "TARGET="+ctx.Targets[0])
		// --single-target builds every build id for the target, so name
		// the ones whose config includes it.
		n := 0
		for _, b := range ctx.grc.Builds {
			if b.has(goos, goarch) {
				args = append(args, "--id", b.ID)
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("target %s is not built by %s", ctx.Targets[0], relPath(ctx.Root, ctx.GoReleaserConfig))
		}
	default:
		return fmt.Errorf("targets %v: a matrix job builds one target at a time", ctx.Targets)
	}
	cmd := exec.CommandContext(ctx, ctx.GoReleaser[0], append(slices.Clone(ctx.GoReleaser[1:]), args...)...)
	cmd.Dir = ctx.Root
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = ctx.Stderr, ctx.Stderr
	ctx.Log.Info("running", "cmd", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w (its output is above)", strings.Join(ctx.GoReleaser, " "), err)
	}
	as, err := ReadArtifacts(ctx.ArtifactsPath())
	if err != nil {
		return err
	}
	// GoReleaser lists binaries in the order its parallel builds finish;
	// sort them so artifacts.json itself is reproducible.
	slices.SortStableFunc(as, func(a, b Artifact) int {
		if a.Type != b.Type {
			return strings.Compare(string(a.Type), string(b.Type))
		}
		return strings.Compare(a.Path, b.Path)
	})
	ctx.Artifacts = as
	if err := ctx.SaveArtifacts(); err != nil {
		return err
	}
	meta, err := ctx.ReadMetadata()
	if err != nil {
		return err
	}
	if meta.Version != ctx.Version {
		return fmt.Errorf("GoReleaser built version %q but svcship stamped resources for %q: keep snapshot.version_template at its default \"{{ .Version }}-SNAPSHOT-{{ .ShortCommit }}\"", meta.Version, ctx.Version)
	}
	if n := len(as.ByType(TypeBinary)); n == 0 {
		return fmt.Errorf("GoReleaser produced no binaries")
	}
	return nil
}

// goreleaserEnv is the environment GoReleaser runs with.
func goreleaserEnv(ctx *Context) []string {
	env := os.Environ()
	// Make GoReleaser use the tag svcship chose (and validated).
	env = append(env, "GORELEASER_CURRENT_TAG="+ctx.Git.Tag)
	if ctx.Git.RemoteURL == "" {
		// Without a remote GoReleaser discards all git information on a
		// snapshot (commit "none", no commit date), which would make the
		// stamps and mtimes wrong. Give git a stand-in origin through the
		// environment instead of editing the repository's config.
		n := 0
		if v := os.Getenv("GIT_CONFIG_COUNT"); v != "" {
			n, _ = strconv.Atoi(v)
		}
		env = append(env,
			"GIT_CONFIG_COUNT="+strconv.Itoa(n+1),
			fmt.Sprintf("GIT_CONFIG_KEY_%d=remote.origin.url", n),
			fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n, standInRemote(ctx)),
		)
	}
	return env
}

func standInRemote(ctx *Context) string {
	if ctx.Config != nil && ctx.Config.Release.GitHub != "" {
		return "https://github.com/" + ctx.Config.Release.GitHub + ".git"
	}
	return "file://" + filepath.ToSlash(ctx.Root)
}

// has reports whether the build produces goos/goarch.
func (b goreleaserBuild) has(goos, goarch string) bool {
	if len(b.Targets) > 0 {
		for _, t := range b.Targets {
			if t == goos+"_"+goarch || strings.HasPrefix(t, goos+"_"+goarch+"_") {
				return true
			}
		}
		return false
	}
	if goos == "windows" {
		return slices.Contains(b.windowsArches(), goarch)
	}
	gs, as := b.Goos, b.Goarch
	if len(gs) == 0 {
		gs = []string{"darwin", "linux", "windows"}
	}
	if len(as) == 0 {
		as = []string{"386", "amd64", "arm64"}
	}
	if !slices.Contains(gs, goos) || !slices.Contains(as, goarch) {
		return false
	}
	for _, ig := range b.Ignore {
		if (ig.Goos == "" || ig.Goos == goos) && (ig.Goarch == "" || ig.Goarch == goarch) {
			return false
		}
	}
	return true
}

// commitDate is GoReleaser's {{ .CommitDate }}.
func (ctx *Context) commitDate() string { return ctx.Git.CommitTime.UTC().Format(time.RFC3339) }

// ldflags is the stamping svcship's own builds use, matching the
// GoReleaser config: strip symbols and DWARF, stamp version, commit, date.
func (ctx *Context) ldflags() string {
	return fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", ctx.Version, ctx.Git.Commit, ctx.commitDate())
}
