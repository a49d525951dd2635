// Package targets is svcship's release pipeline as mage targets. A project
// adopts it with a two-line magefile:
//
//	//go:build mage
//
//	package main
//
//	import (
//		//mage:import
//		_ "github.com/svcship/svcship/targets"
//	)
//
// and runs `go tool mage -l` to list the targets. Every target reads the
// configuration from SVCSHIP_CONFIG (default svcship.yaml) and writes to
// GoReleaser's dist folder; see docs/pipeline.md.
package targets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/svcship/svcship/release"
)

// Environment variables the targets read.
const (
	// EnvConfig is the path of svcship.yaml.
	EnvConfig = "SVCSHIP_CONFIG"
	// EnvTarget selects the single goos_goarch of BuildTarget.
	EnvTarget = "SVCSHIP_TARGET"
	// EnvParts is the folder Merge reads (one subfolder per matrix job).
	EnvParts = "SVCSHIP_PARTS"
)

func newContext(ctx context.Context, snapshot bool, targets ...string) (*release.Context, error) {
	cfg := os.Getenv(EnvConfig)
	if cfg == "" {
		cfg = "svcship.yaml"
	}
	return release.NewContext(ctx, release.Options{
		ConfigPath: cfg,
		Snapshot:   snapshot,
		Targets:    targets,
		Logger:     slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Publisher:  publisher(),
	})
}

func run(ctx context.Context, snapshot bool, steps []release.Step, targets ...string) error {
	rc, err := newContext(ctx, snapshot, targets...)
	if err != nil {
		return err
	}
	return release.Run(rc, steps)
}

// headIsRelease reports whether HEAD carries a tag and the tree is clean,
// in which case Build stamps the tag instead of a snapshot version.
func headIsRelease(ctx context.Context) bool {
	tags, err := exec.CommandContext(ctx, "git", "tag", "--points-at", "HEAD").Output()
	if err != nil || strings.TrimSpace(string(tags)) == "" {
		return false
	}
	status, err := exec.CommandContext(ctx, "git", "status", "--porcelain").Output()
	return err == nil && len(strings.TrimSpace(string(status))) == 0
}

// Build compiles every target with GoReleaser into dist/: Windows resources, stamped version, commit and date, plus the service installer.
func Build(ctx context.Context) error {
	return run(ctx, !headIsRelease(ctx), release.BuildSteps())
}

// Snapshot builds and packages an unversioned snapshot: binaries, signatures (when a key is set), zips, tarballs, MSIs and checksums, no publishing.
func Snapshot(ctx context.Context) error {
	return run(ctx, true, release.SnapshotSteps())
}

// Release builds, packages and publishes the release of the tag at HEAD; it refuses a dirty tree or a non-semver tag.
func Release(ctx context.Context) error {
	return run(ctx, false, release.ReleaseSteps())
}

// BuildTarget builds the one goos_goarch named by SVCSHIP_TARGET (windows_amd64, linux_arm64, ...) for a matrix job; Merge combines the results.
func BuildTarget(ctx context.Context) error {
	t := os.Getenv(EnvTarget)
	if t == "" {
		return fmt.Errorf("set %s to the goos_goarch to build, e.g. %s=windows_amd64", EnvTarget, EnvTarget)
	}
	return run(ctx, !headIsRelease(ctx), release.BuildSteps(), t)
}

// Merge combines matrix build outputs (SVCSHIP_PARTS, default dist-parts, one dist copy per job) into dist/ and packages them.
func Merge(ctx context.Context) error {
	parts := os.Getenv(EnvParts)
	if parts == "" {
		parts = "dist-parts"
	}
	return run(ctx, !headIsRelease(ctx), release.MergeSteps(parts))
}

// Publish uploads the release already built in dist/ (after Merge or a failed Release).
func Publish(ctx context.Context) error {
	return run(ctx, false, append(release.ResumeSteps(), release.PublishSteps()...))
}

// Clean removes dist/ and any Windows resource files a killed run left behind.
func Clean(ctx context.Context) error {
	rc, err := newContext(ctx, true)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(rc.Dist); err != nil {
		return err
	}
	var errs []error
	_ = filepath.WalkDir(rc.Root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || p == rc.Dist) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".syso") && strings.Contains(d.Name(), "_windows_") && generated(p) {
			errs = append(errs, os.Remove(p))
		}
		return nil
	})
	return errors.Join(errs...)
}

// generated reports whether git ignores p, so Clean never removes a
// committed .syso.
func generated(p string) bool {
	return exec.Command("git", "check-ignore", "-q", p).Run() == nil
}
