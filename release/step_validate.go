package release

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/version"
)

// validateStep loads svcship.yaml and git state and settles the version,
// so every mistake in the input is reported before anything is built.
type validateStep struct {
	// resume: the run continues an earlier one (merge, publish), so a
	// snapshot/release decision is read from dist instead of enforced anew.
	resume bool
}

func (validateStep) Name() string         { return "validate" }
func (validateStep) Skip(*Context) string { return "" }

func (s validateStep) Run(ctx *Context) error {
	cfg, err := config.Load(displayPath(ctx.ConfigPath))
	if err != nil {
		return err // config errors already name file, line and key
	}
	ctx.Config = cfg
	if ctx.ProjectName == "" {
		ctx.ProjectName = cfg.Product.Name
	}
	if ctx.GoReleaserConfig == "" {
		return fmt.Errorf("no .goreleaser.yaml in %s (svcship builds through GoReleaser; see docs/pipeline.md)", ctx.Root)
	}

	g, err := readGit(ctx, ctx.Root, ctx.Snapshot)
	if err != nil {
		return err
	}
	ctx.Git = g
	if !ctx.Snapshot && g.Dirty && !s.resume {
		return fmt.Errorf("the working tree has uncommitted changes (see git status): a release must be built from a clean checkout of its tag; commit the changes or run a snapshot")
	}
	v, err := version.Parse(g.Tag)
	if err != nil {
		// version.Parse's own text repeats the tag; one sentence is enough.
		return fmt.Errorf("tag %q is not a semantic version: release tags look like v1.2.3 or v1.2.3-rc.1", g.Tag)
	}
	ver := strings.TrimPrefix(g.Tag, "v")
	if ctx.Snapshot {
		// GoReleaser's default snapshot version template, stated in our
		// .goreleaser.yaml too; the goreleaser step checks both agree.
		ver = fmt.Sprintf("%s-SNAPSHOT-%s", ver, g.ShortCommit)
		if v, err = version.Parse(ver); err != nil {
			return fmt.Errorf("snapshot version %q: %w", ver, err)
		}
	}
	if _, err := v.Windows(); err != nil {
		return err
	}
	if _, err := v.MSI(); err != nil {
		return err
	}
	ctx.Version, ctx.Semver = ver, v
	ctx.Log.Info("version", "version", ver, "tag", g.Tag, "commit", g.ShortCommit,
		"commit_time", g.CommitTime.Format("2006-01-02T15:04:05Z07:00"), "snapshot", ctx.Snapshot)
	return nil
}

// displayPath shortens p relative to the working directory when it lies
// below it, so messages read "svcship.yaml:12: ..." in the usual case.
func displayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return p
	}
	return rel
}
