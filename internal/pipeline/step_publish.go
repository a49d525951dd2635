package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/internal/publish"
	"github.com/svcship/svcship/internal/winget"
)

// record is one file GoReleaser would upload, as the record publisher
// saw it.
type record struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// recordStep notes one artifact of GoReleaser's upload set. GoReleaser
// runs it once per artifact, in parallel; each writes its own file.
type recordStep struct{}

func (recordStep) Name() string { return "record asset" }

func (recordStep) Skip(ctx *Context) string {
	if st, err := os.Stat(ctx.ArtifactPath); err != nil || !st.Mode().IsRegular() {
		// Docker images and manifests are published by GoReleaser itself.
		return "not a file"
	}
	return ""
}

func (recordStep) Run(ctx *Context) error {
	if ctx.ArtifactName == "" || strings.ContainsAny(ctx.ArtifactName, `/\`) {
		return fmt.Errorf("--name %q: expected GoReleaser's {{ .ArtifactName }}, a file name", ctx.ArtifactName)
	}
	data, err := json.Marshal(record{Name: ctx.ArtifactName, Path: ctx.ArtifactPath})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(ctx.RecordDir(), ctx.ArtifactName+".json"), data, 0o644)
}

// Recorded returns the files the record publisher saw, sorted by name.
// Two artifacts with one name but different content are an error, as
// GitHub would keep only one.
func Recorded(dir string) ([]publish.Asset, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("recorded assets: %w", err)
	}
	var out []publish.Asset
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("recorded asset %s: %w", e.Name(), err)
		}
		out = append(out, publish.Asset{Name: r.Name, Path: r.Path})
	}
	slices.SortFunc(out, func(a, b publish.Asset) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// publishStep uploads GoReleaser's upload set to the draft GoReleaser
// created, checks every digest and publishes the draft. GoReleaser may
// run the publisher more than once (it runs custom publishers per
// artifact); the first to claim the run does the work.
type publishStep struct{}

func (publishStep) Name() string         { return "publish" }
func (publishStep) Skip(*Context) string { return "" }

// claimStep lets exactly one invocation of the svcship-release publisher
// go on: GoReleaser runs a custom publisher once per matching artifact.
type claimStep struct{}

func (claimStep) Name() string         { return "claim publish" }
func (claimStep) Skip(*Context) string { return "" }

func (claimStep) Run(ctx *Context) error {
	claim := filepath.Join(ctx.Dist, "svcship", "publish.claim")
	if err := os.MkdirAll(filepath.Dir(claim), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(claim, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		ctx.Log.Debug("publish already running in another publisher invocation")
		return errSkipRest
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// releaseFactsStep reads what the publish steps need from the dist
// GoReleaser wrote (metadata.json, the effective config), once, and
// refuses a snapshot before anything is written or sent.
type releaseFactsStep struct{}

func (releaseFactsStep) Name() string         { return "release facts" }
func (releaseFactsStep) Skip(*Context) string { return "" }

func (releaseFactsStep) Run(ctx *Context) error {
	meta, err := ReadMetadata(ctx.Dist)
	if err != nil {
		return err
	}
	if err := RefuseSnapshot(ctx.Dist, meta); err != nil {
		return err
	}
	gc, err := ReadEffectiveConfig(ctx.Dist)
	if err != nil {
		return err
	}
	if gc.Release.GitHub.Owner == "" || gc.Release.GitHub.Name == "" {
		return errors.New("GoReleaser's config names no release.github owner/name")
	}
	ctx.meta, ctx.effective = meta, gc
	return nil
}

// wingetStep writes the winget manifests (version, installer, locale) for
// the release's MSIs and adds them to the upload set. Only on a release:
// their URLs point at the published MSIs.
type wingetStep struct{}

func (wingetStep) Name() string { return "winget manifests" }

func (wingetStep) Skip(ctx *Context) string {
	if m, _ := filepath.Glob(filepath.Join(ctx.Dist, "*.msi")); len(m) == 0 {
		return "no MSIs"
	}
	return ""
}

func (wingetStep) Run(ctx *Context) error {
	cfg, err := config.Load(displayPath(ctx.ConfigPath))
	if err != nil {
		return err
	}
	if cfg.Product.License == "" {
		// The before hook said so already; a release is no place to fail.
		ctx.Log.Warn("no winget manifests: winget requires a license (set product.license in svcship.yaml)")
		return nil
	}
	meta, gc := ctx.meta, ctx.effective
	v, err := WindowsVersion(meta.Version, meta.Tag)
	if err != nil {
		return err
	}
	msis, err := filepath.Glob(filepath.Join(ctx.Dist, "*.msi"))
	if err != nil {
		return err
	}
	rel := winget.Release{Config: cfg, Version: v}
	for _, m := range msis {
		rel.MSIs = append(rel.MSIs, winget.MSI{Path: m, URL: winget.GitHubDownloadURL(gc.Release.GitHub.Owner+"/"+gc.Release.GitHub.Name, meta.Tag, filepath.Base(m))})
	}
	paths, err := winget.WriteDist(ctx.Dist, rel)
	if err != nil {
		return err
	}
	for _, p := range paths {
		ctx.extraAssets = append(ctx.extraAssets, publish.Asset{Name: filepath.Base(p), Path: p})
	}
	ctx.Log.Info("winget manifests", "dir", relPath(ctx.Root, filepath.Dir(paths[0])))
	return nil
}

func (publishStep) Run(ctx *Context) error {
	meta, gc := ctx.meta, ctx.effective
	assets, err := Recorded(ctx.RecordDir())
	if err != nil {
		return err
	}
	assets = append(assets, ctx.extraAssets...)
	if len(assets) == 0 {
		return errors.New("no assets were recorded: the svcship-assets publisher must run before svcship-release (see docs/pipeline.md)")
	}
	keepDraft, err := projectWantsDraft(ctx.Root, gc)
	if err != nil {
		return err
	}
	res, err := publish.Publish(ctx, publish.Options{
		Owner:              gc.Release.GitHub.Owner,
		Repo:               gc.Release.GitHub.Name,
		Tag:                meta.Tag,
		Assets:             assets,
		BaseURL:            gc.GitHubURLs.API,
		UploadURL:          gc.GitHubURLs.Upload,
		FromGoReleaser:     true,
		KeepDraft:          keepDraft,
		MakeLatest:         literalMakeLatest(gc.Release.MakeLatest, ctx.Log),
		DiscussionCategory: gc.Release.DiscussionCategoryName,
		Out:                ctx.Stdout,
		Getenv:             ctx.Getenv,
		Logger:             ctx.Log,
	})
	if err != nil {
		return err
	}
	ctx.published, ctx.Tag = assets, meta.Tag
	ctx.Log.Info("release", "url", res.URL, "uploaded", len(res.Uploaded), "already there", len(res.Skipped), "published", res.Published)
	return nil
}

// projectWantsDraft reports whether the project asked for release.draft.
// The effective config cannot tell: the driver runs `goreleaser release
// --draft` so that GoReleaser's release pipe leaves the release to svcship,
// and --draft also sets release.draft in <dist>/config.yaml. The project's
// own config file (which the driver handed to GoReleaser) holds its wish;
// without one the effective value stands, which keeps the draft.
func projectWantsDraft(root string, effective GoReleaserConfig) (bool, error) {
	src := FindProjectConfig(root)
	if src == "" {
		return effective.Release.Draft, nil
	}
	gc, err := ReadGoReleaserConfig(src)
	if err != nil {
		return false, err
	}
	return gc.Release.Draft, nil
}

// literalMakeLatest is release.make_latest as svcship can send it.
// GoReleaser templates the field when it publishes, but svcship publishes
// instead and cannot evaluate GoReleaser's templates; a template sent as
// is would make GitHub refuse the publish (422) on every run, after every
// upload. So a templated value is left to GitHub's default (latest by
// date and version), with a warning.
func literalMakeLatest(v string, log *slog.Logger) string {
	if !strings.Contains(v, "{{") {
		return v
	}
	if log != nil {
		log.Warn("release.make_latest is a template, which svcship cannot evaluate: GitHub's default applies", "make_latest", v)
	}
	return ""
}

// errSkipRest ends a step list early without failing it.
var errSkipRest = errors.New("pipeline: nothing more to do")

// summaryStep writes the GitHub Actions job summary: every published file
// with its size and sha256.
type summaryStep struct{}

func (summaryStep) Name() string { return "job summary" }

func (summaryStep) Skip(ctx *Context) string {
	if ctx.Getenv("GITHUB_STEP_SUMMARY") == "" {
		return "not in GitHub Actions"
	}
	return ""
}

func (summaryStep) Run(ctx *Context) error {
	return WriteSummary(ctx.Getenv("GITHUB_STEP_SUMMARY"), ctx.Tag, ctx.published)
}

// WriteSummary appends a Markdown table of assets (name, size, sha256) to
// the job summary file.
func WriteSummary(path, tag string, assets []publish.Asset) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Release %s\n\n| file | size | sha256 |\n|---|---:|---|\n", tag)
	for _, a := range assets {
		st, err := os.Stat(a.Path)
		if err != nil {
			return err
		}
		sum, err := sha256File(a.Path)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "| %s | %d | `%s` |\n", a.Name, st.Size(), sum)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("job summary: %w", err)
	}
	if _, err := f.WriteString(b.String() + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("job summary: %w", err)
	}
	return f.Close()
}

func sha256File(p string) (string, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}
