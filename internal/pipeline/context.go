// Package release is svcship's release pipeline: an ordered list of small
// steps (validate, Windows resources, GoReleaser build, installer build,
// signing, archives, MSIs, checksums, publishing) that share one *Context.
//
// The pipeline is shaped like GoReleaser's own: every step has a Name, a
// Skip that explains why it does not apply, and a Run. dist/artifacts.json,
// written first by GoReleaser's build, is the record of what has been
// produced; each step reads it and adds its own outputs (written atomically),
// so a later process (a matrix merge job, `svcship publish`) can pick up
// where an earlier one stopped.
package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/version"
)

// PinnedGoReleaser is the GoReleaser svcship is tested with; this
// repository pins the same version in tools/go.mod.
const PinnedGoReleaser = "github.com/goreleaser/goreleaser/v2@v2.15.1"

// Options configure a pipeline run. Zero values mean the defaults noted.
type Options struct {
	// Root is the project folder (default: the working directory).
	Root string
	// ConfigPath is svcship.yaml (default: Root/svcship.yaml).
	ConfigPath string
	// GoReleaserConfig is the GoReleaser config (default: the first of
	// .goreleaser.yaml, .goreleaser.yml, goreleaser.yaml in Root).
	GoReleaserConfig string
	// GoReleaser is the command that runs GoReleaser. Default:
	// `go tool -modfile=tools/go.mod goreleaser` when Root/tools/go.mod
	// exists (a project that pins its own), else `go run` of the version
	// svcship is tested with (PinnedGoReleaser), which keeps GoReleaser's
	// dependencies out of the project's go.mod.
	GoReleaser []string
	// Snapshot builds an unversioned snapshot (no tag needed, dirty tree
	// allowed, never published).
	Snapshot bool
	// Targets restricts the build to these "goos_goarch" pairs (matrix
	// builds); empty means every target of the GoReleaser config.
	Targets []string
	// Getenv reads the environment (default os.Getenv). Signing and
	// publishing read their secrets through it.
	Getenv func(string) string
	// Stdout and Stderr receive the output of tools (default: os.Stderr for
	// both, so stdout stays clean for callers).
	Stdout, Stderr io.Writer
	// Logger logs progress (default: slog to Stderr).
	Logger *slog.Logger
	// Publisher uploads the release (the publish step is skipped without).
	Publisher Publisher
}

// GitInfo is the state of the repository being released.
type GitInfo struct {
	// Tag is the tag at HEAD on a release; on a snapshot the latest tag
	// reachable from HEAD, or v0.0.0.
	Tag         string
	Commit      string
	ShortCommit string
	// CommitTime is the committer time of HEAD: the build date and every
	// mtime in the outputs, so builds are reproducible.
	CommitTime time.Time
	Dirty      bool
	// RemoteURL is the origin URL ("" when the repository has no remote).
	RemoteURL string
}

// Context is the state shared by the steps of one run.
type Context struct {
	context.Context

	Root             string
	ConfigPath       string
	GoReleaserConfig string
	GoReleaser       []string
	// Dist is the absolute output folder (GoReleaser's dist).
	Dist string
	// ProjectName is GoReleaser's project_name (default: product name).
	ProjectName string
	Snapshot    bool
	Targets     []string

	// Config is svcship.yaml, set by the validate step.
	Config *config.Config
	Git    GitInfo
	// Version is what binaries are stamped with: the tag without "v" on a
	// release, "<tag>-SNAPSHOT-<short commit>" on a snapshot (GoReleaser's
	// default snapshot template).
	Version string
	Semver  version.V

	// Artifacts mirrors dist/artifacts.json.
	Artifacts Artifacts

	Publisher Publisher

	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger

	cleanups []func() error
	// grc is the part of the GoReleaser config svcship reads.
	grc goreleaserConfig
}

// NewContext resolves opts into a Context. It does not touch the file
// system beyond finding the GoReleaser config.
func NewContext(ctx context.Context, opts Options) (*Context, error) {
	root := opts.Root
	if root == "" {
		root = "."
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	c := &Context{
		Context:    ctx,
		Root:       root,
		ConfigPath: opts.ConfigPath,
		Snapshot:   opts.Snapshot,
		Targets:    opts.Targets,
		Getenv:     opts.Getenv,
		Stdout:     opts.Stdout,
		Stderr:     opts.Stderr,
		Log:        opts.Logger,
		GoReleaser: opts.GoReleaser,
		Publisher:  opts.Publisher,
	}
	if c.ConfigPath == "" {
		c.ConfigPath = config.FileName
	}
	c.ConfigPath = c.abs(c.ConfigPath)
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Stdout == nil {
		c.Stdout = c.Stderr
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(c.Stderr, nil))
	}
	c.GoReleaserConfig = opts.GoReleaserConfig
	if c.GoReleaserConfig == "" {
		for _, n := range []string{".goreleaser.yaml", ".goreleaser.yml", "goreleaser.yaml", "goreleaser.yml"} {
			if _, err := os.Stat(filepath.Join(root, n)); err == nil {
				c.GoReleaserConfig = n
				break
			}
		}
	}
	if c.GoReleaserConfig != "" {
		c.GoReleaserConfig = c.abs(c.GoReleaserConfig)
	}
	if len(c.GoReleaser) == 0 {
		c.GoReleaser = []string{"go", "run", PinnedGoReleaser}
		if _, err := os.Stat(filepath.Join(root, "tools", "go.mod")); err == nil {
			c.GoReleaser = []string{"go", "tool", "-modfile=tools/go.mod", "goreleaser"}
		}
	}
	c.Dist = filepath.Join(root, "dist")
	if c.GoReleaserConfig != "" {
		gc, err := readGoReleaserConfig(c.GoReleaserConfig)
		if err != nil {
			return nil, err
		}
		if gc.Dist != "" {
			c.Dist = c.abs(gc.Dist)
		}
		c.ProjectName = gc.ProjectName
		c.grc = gc
	}
	return c, nil
}

func (c *Context) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Root, p)
}

// ArtifactsPath is dist/artifacts.json.
func (c *Context) ArtifactsPath() string { return filepath.Join(c.Dist, "artifacts.json") }

// AddArtifacts adds to the list (replacing entries with the same path, so
// a re-run step does not duplicate its outputs) and rewrites
// dist/artifacts.json.
func (c *Context) AddArtifacts(as ...Artifact) error {
	for _, a := range as {
		i := slices.IndexFunc(c.Artifacts, func(b Artifact) bool { return b.Path == a.Path })
		if i >= 0 {
			c.Artifacts[i] = a
		} else {
			c.Artifacts = append(c.Artifacts, a)
		}
	}
	return c.SaveArtifacts()
}

// SaveArtifacts rewrites dist/artifacts.json from c.Artifacts.
func (c *Context) SaveArtifacts() error {
	return WriteArtifacts(c.ArtifactsPath(), c.Artifacts)
}

// AbsPath resolves an artifact path (relative to Root, as GoReleaser
// records them).
func (c *Context) AbsPath(a Artifact) string { return c.abs(filepath.FromSlash(a.Path)) }

// RelPath is how an artifact path is recorded.
func (c *Context) RelPath(p string) string { return relPath(c.Root, p) }

// OnCleanup registers f to run when the pipeline ends, whatever the outcome
// (generated .syso files, temporary keys).
func (c *Context) OnCleanup(f func() error) { c.cleanups = append(c.cleanups, f) }

func (c *Context) runCleanups() error {
	var errs []error
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, c.cleanups[i]())
	}
	c.cleanups = nil
	return errors.Join(errs...)
}

// ArchiveBase is GoReleaser's default archive name stem:
// <project>_<version>_<goos>_<goarch>.
func (c *Context) ArchiveBase(goos, goarch string) string {
	return fmt.Sprintf("%s_%s_%s_%s", c.ProjectName, c.Version, goos, goarch)
}

// WantsTarget reports whether goos_goarch is selected (Options.Targets).
func (c *Context) WantsTarget(goos, goarch string) bool {
	if len(c.Targets) == 0 {
		return true
	}
	for _, t := range c.Targets {
		if t == goos+"_"+goarch || strings.HasPrefix(goos+"_"+goarch+"_", t+"_") {
			return true
		}
	}
	return false
}

// Metadata is the subset of GoReleaser's dist/metadata.json svcship reads.
type Metadata struct {
	ProjectName string `json:"project_name"`
	Tag         string `json:"tag"`
	Version     string `json:"version"`
	Commit      string `json:"commit"`
}

// ReadMetadata reads dist/metadata.json.
func (c *Context) ReadMetadata() (Metadata, error) {
	var m Metadata
	data, err := os.ReadFile(filepath.Join(c.Dist, "metadata.json"))
	if err != nil {
		return m, fmt.Errorf("release: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("release: metadata.json: %w", err)
	}
	return m, nil
}
