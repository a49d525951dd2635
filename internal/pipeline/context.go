package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/internal/publish"
	"github.com/svcship/svcship/internal/sign"
	"github.com/svcship/svcship/internal/version"
)

// PinnedGoReleaser is the GoReleaser svcship is tested with; this
// repository pins the same version in tools/go.mod.
const PinnedGoReleaser = "github.com/goreleaser/goreleaser/v2@v2.15.1"

// InstallerBinary is the name of the service installer executable.
const InstallerBinary = "svcship-installer"

// InstallerPackage is the import path of the service installer. Adopters
// build it from their own module graph (their go.mod lists it as a tool).
const InstallerPackage = "github.com/svcship/svcship/cmd/svcship-installer"

// EnvPublish, set by `go tool mage release`, makes svcship upload the
// assets and publish the release (GoReleaser only creates the draft).
const EnvPublish = "SVCSHIP_PUBLISH"

// Facts is what GoReleaser tells a hook about the run, through the
// templated flags of the hook's command line.
type Facts struct {
	// Dist is GoReleaser's dist folder.
	Dist string
	// Version is GoReleaser's {{ .Version }}: the tag without "v" on a
	// release, the snapshot version_template's result on a snapshot.
	Version string
	// Tag is {{ .Tag }}; on a snapshot the latest tag (or v0.0.0).
	Tag string
	// CommitTime is {{ .CommitDate }}: every mtime and signing time.
	CommitTime time.Time
	// ProjectName is {{ .ProjectName }}.
	ProjectName string
	// Commit is {{ .FullCommit }}.
	Commit string
	// Snapshot is {{ .IsSnapshot }}.
	Snapshot bool

	// Build hook only: {{ .Path }}, {{ .Arch }}, {{ .Target }}.
	Path, Arch, Target string

	// Record hook only: {{ .ArtifactName }}, {{ .ArtifactPath }}.
	ArtifactName, ArtifactPath string
}

// Context is the state shared by the steps of one hook run.
type Context struct {
	context.Context
	Facts

	// Root is the project folder: GoReleaser runs hooks there.
	Root string
	// ConfigPath is svcship.yaml.
	ConfigPath string
	// Config is svcship.yaml, set by the load step.
	Config *config.Config
	// Semver is the version the Windows numbers come from, set by the load
	// step: Version when it is semantic, else Tag.
	Semver version.V

	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger

	// meta and effective are GoReleaser's metadata.json and effective
	// config, read once by the publish hook's release facts step.
	meta      Metadata
	effective GoReleaserConfig

	// The signer of this run (signer()), built on first use.
	signerMade bool
	signerVal  *sign.Signer
	signerErr  error

	// published is what the publish step uploaded, for the job summary.
	published []publish.Asset
	// extraAssets are files svcship adds to the upload set at publish time
	// (the winget manifests).
	extraAssets []publish.Asset

	cleanups []func() error
}

// Metadata is the part of GoReleaser's <dist>/metadata.json svcship reads.
type Metadata struct {
	ProjectName string `json:"project_name"`
	Tag         string `json:"tag"`
	Version     string `json:"version"`
	Commit      string `json:"commit"`
}

// ReadMetadata reads <dist>/metadata.json.
func ReadMetadata(dist string) (Metadata, error) {
	var m Metadata
	data, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		return m, fmt.Errorf("pipeline: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("pipeline: metadata.json: %w", err)
	}
	return m, nil
}

// RunRecord is what svcship writes to <dist>/svcship/run.json: GoReleaser's
// metadata.json does not say whether a dist is a snapshot, and a snapshot
// must never be published.
type RunRecord struct {
	Snapshot bool   `json:"snapshot"`
	Version  string `json:"version"`
	Tag      string `json:"tag"`
}

// RunRecordPath is <dist>/svcship/run.json.
func RunRecordPath(dist string) string { return filepath.Join(dist, "svcship", "run.json") }

// writeRunRecord notes the run's kind once per dist.
func (c *Context) writeRunRecord() error {
	data, err := json.Marshal(RunRecord{Snapshot: c.Snapshot, Version: c.Version, Tag: c.Tag})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(RunRecordPath(c.Dist), data, 0o644)
}

// RefuseSnapshot fails when dist was written by a snapshot run, or when
// svcship's record of the run disagrees with GoReleaser's metadata.
func RefuseSnapshot(dist string, meta Metadata) error {
	data, err := os.ReadFile(RunRecordPath(dist))
	if err != nil {
		return fmt.Errorf("%s: svcship's build hook did not run for this dist, so svcship cannot tell a release from a snapshot: rebuild with go tool mage release", RunRecordPath(dist))
	}
	var r RunRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("%s: %w", RunRecordPath(dist), err)
	}
	if r.Snapshot {
		return fmt.Errorf("%s holds a snapshot (version %s): snapshots are never published; run go tool mage release on a tag", dist, meta.Version)
	}
	if r.Version != meta.Version || r.Tag != meta.Tag {
		return fmt.Errorf("%s: built as %s (tag %s) but metadata.json says %s (tag %s): rebuild", dist, r.Version, r.Tag, meta.Version, meta.Tag)
	}
	return nil
}

// NewContext makes a Context for a hook run in root. Relative paths in
// facts are taken from root.
func NewContext(ctx context.Context, root, configPath string, facts Facts, getenv func(string) string, stdout, stderr io.Writer, log *slog.Logger) (*Context, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	c := &Context{Context: ctx, Facts: facts, Root: root, Getenv: getenv, Stdout: stdout, Stderr: stderr, Log: log}
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
		c.Log = slog.New(NewLogHandler(c.Stderr, slog.LevelInfo))
	}
	if configPath == "" {
		configPath = config.FileName
	}
	c.ConfigPath = c.abs(configPath)
	if c.Dist == "" {
		c.Dist = "dist"
	}
	c.Dist = c.abs(c.Dist)
	if c.Path != "" {
		c.Path = c.abs(c.Path)
	}
	if c.ArtifactPath != "" {
		c.ArtifactPath = c.abs(c.ArtifactPath)
	}
	return c, nil
}

// ParseCommitDate reads GoReleaser's {{ .CommitDate }} (RFC 3339).
func ParseCommitDate(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--date %q: expected GoReleaser's {{ .CommitDate }}, an RFC 3339 time such as 2026-11-25T10:00:00Z", s)
	}
	return t.UTC(), nil
}

func (c *Context) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(c.Root, p)
}

// StageDir is where the build hook stages the files svcship adds to the
// Windows archive of goarch; the archive's files entry globs
// <dist>/svcship/{{ .Os }}_{{ .Arch }}/**.
func (c *Context) StageDir(goarch string) string {
	return filepath.Join(c.Dist, "svcship", "windows_"+goarch)
}

// RecordDir holds one record per file GoReleaser would upload.
func (c *Context) RecordDir() string { return filepath.Join(c.Dist, "svcship", "assets") }

// MSIName is the file name of the MSI for goarch.
func (c *Context) MSIName(goarch string) string {
	return fmt.Sprintf("%s_%s_windows_%s.msi", c.ProjectName, c.Version, goarch)
}

// OnCleanup registers f to run when the step list ends, whatever the
// outcome.
func (c *Context) OnCleanup(f func() error) { c.cleanups = append(c.cleanups, f) }

func (c *Context) runCleanups() error {
	var errs []error
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, c.cleanups[i]())
	}
	c.cleanups = nil
	return errors.Join(errs...)
}
