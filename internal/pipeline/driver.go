package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/gitinfo"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/publish"
)

// EnvGoReleaserFlags holds extra flags for `goreleaser release`, split on
// white space (e.g. "--skip=sbom,docker" on a machine without syft or a
// Docker daemon).
const EnvGoReleaserFlags = "SVCSHIP_GORELEASER_FLAGS"

// EnvCommand is the command line that starts svcship, set for GoReleaser
// by the driver. The before and build hooks init writes run
// HookCommand, which is this when set and `go tool svcship` otherwise (a
// bare `goreleaser release`): the driver's own binary, so no hook pays for
// a `go tool` start.
const EnvCommand = "SVCSHIP_COMMAND"

// HookCommand is how the hooks init writes start svcship.
const HookCommand = `{{ envOrDefault "` + EnvCommand + `" "go tool svcship" }}`

// hookPattern matches the start of svcship's hook or publisher named
// hook in a command: "svcship goreleaser <hook>" after go tool or a path,
// or after HookCommand.
func hookPattern(hook string) *regexp.Regexp {
	return regexp.MustCompile(`svcship(" \}\})? goreleaser ` + regexp.QuoteMeta(hook) + `\b`)
}

// IsHook reports whether cmd runs svcship's hook or publisher named hook
// (before, build, record, publish), in any form an init wrote.
func IsHook(cmd, hook string) bool { return hookPattern(hook).MatchString(cmd) }

// commandLine is path as one word of a GoReleaser hook, which GoReleaser
// splits like a shell: a Windows path in forward slashes (a backslash
// would be taken as an escape), quoted when it holds a space, a quote or
// a backslash.
func commandLine(path string, windows bool) string {
	p := path
	if windows {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	if !strings.ContainsAny(p, " \t'\"$`\\") {
		return p
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(p) + `"`
}

// DriveOptions configure a snapshot or release run of GoReleaser.
type DriveOptions struct {
	// Root is the project folder (default: the working directory).
	Root string
	// ConfigPath is svcship.yaml (default Root/svcship.yaml).
	ConfigPath string
	// Snapshot builds everything but publishes nothing.
	Snapshot bool
	// GoReleaser is the command that runs GoReleaser (default: FindGoReleaser).
	GoReleaser []string
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Env is the environment GoReleaser runs with (default os.Environ()).
	Env []string
	// Stderr receives GoReleaser's and svcship's progress (default os.Stderr).
	Stderr io.Writer
}

// Drive runs GoReleaser's whole release pipeline on the project's own
// config, with svcship's hooks in it: `goreleaser release --clean
// --snapshot` for a snapshot; for a release `goreleaser release --clean
// --draft` with SVCSHIP_PUBLISH=1, so GoReleaser creates the draft and
// svcship's publishers upload, check and publish it.
func Drive(ctx context.Context, opts DriveOptions) error {
	d, err := newDriver(opts)
	if err != nil {
		return err
	}
	for _, step := range []struct {
		name string
		run  func(context.Context) error
	}{
		// svcship.yaml and the GoReleaser config, before anything runs: the
		// config must carry svcship's hooks (svcship init writes them).
		{"check config", d.checkConfig},
		// A release needs a clean tree and a tag at HEAD.
		{"check git", d.checkGit},
		// A release already published is never changed: GoReleaser then
		// only rebuilds, and svcship checks the public assets against it.
		{"check github", d.checkGitHub},
		// The GoReleaser binary: one from PATH when it is the pinned
		// version (as goreleaser-action installs it), else compiled.
		{"find goreleaser", d.findGoReleaser},
		// GoReleaser runs everything, svcship's hooks included.
		{"goreleaser release", d.runGoReleaser},
		// After a rebuild of a published release: every asset must match.
		{"check published", d.checkPublished},
	} {
		start := time.Now()
		if err := step.run(ctx); err != nil {
			// Each Windows build hook removes its own .syso; a run that
			// failed half-way leaves the others behind.
			return errors.Join(fmt.Errorf("%s: %w", step.name, err), RemoveGeneratedResources(d.root))
		}
		d.log.Debug(step.name+" done", "took", time.Since(start))
	}
	return nil
}

type driver struct {
	opts     DriveOptions
	root     string
	cfg      *config.Config
	grConfig string
	// gc is the project's GoReleaser config, read once by checkConfig.
	gc    GoReleaserConfig
	flags []string
	log   *slog.Logger
	git   gitinfo.Info
	// published: the tag's release is already public.
	published bool
	repo      repoRef
}

// repoRef is where the release goes, as GoReleaser will see it.
type repoRef struct{ owner, name, api, upload string }

func newDriver(opts DriveOptions) (*driver, error) {
	if opts.Root == "" {
		opts.Root = "."
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.ConfigPath == "" {
		opts.ConfigPath = filepath.Join(root, config.FileName)
	} else if !filepath.IsAbs(opts.ConfigPath) {
		opts.ConfigPath = filepath.Join(root, opts.ConfigPath)
	}
	return &driver{
		opts: opts,
		root: root,
		log:  slog.New(NewLogHandler(opts.Stderr, slog.LevelInfo).Indented(1)),
	}, nil
}

// marker is one thing the GoReleaser config must contain for svcship to
// run inside it, and what to tell the user when it is missing.
type marker struct {
	re      *regexp.Regexp
	release bool // needed only to publish
	what    string
}

func svcshipMarkers() []marker {
	return []marker{
		{hookPattern("before"), false, "the before hook `svcship goreleaser before ...`"},
		{hookPattern("build"), false, "the build post hook `svcship goreleaser build ...`"},
		// Exactly "/**": "/**/*" would miss the top-level files.
		{regexp.MustCompile(`(?m)svcship/\{\{ *\.Os *\}\}_\{\{ *\.Arch *\}\}/\*\*["']?\s*$`), false, "the archive files entry `src: \"<dist>/svcship/{{ .Os }}_{{ .Arch }}/**\"`"},
		{hookPattern("record"), true, "the custom publisher svcship-assets (`svcship goreleaser record ...`)"},
		{hookPattern("publish"), true, "the custom publisher svcship-release (`svcship goreleaser publish ...`)"},
		{regexp.MustCompile(`(?m)^\s*use_existing_draft:\s*true`), true, "release.use_existing_draft: true"},
		{regexp.MustCompile(`SVCSHIP_PUBLISH`), true, "release.skip_upload keyed on SVCSHIP_PUBLISH"},
	}
}

func (d *driver) checkConfig(context.Context) error {
	cfg, err := config.Load(displayPath(d.opts.ConfigPath))
	if err != nil {
		return err
	}
	d.cfg = cfg
	if cfg.Product.License == "" && !d.opts.Snapshot {
		d.log.Warn("product.license is not set in svcship.yaml: this release will carry no winget manifests (winget requires a license)")
	}
	d.grConfig = FindProjectConfig(d.root)
	if d.grConfig == "" {
		return fmt.Errorf("no GoReleaser config in %s (looked for %s): run `svcship init`", d.root, strings.Join(ConfigNames(), ", "))
	}
	data, err := os.ReadFile(d.grConfig)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, &d.gc); err != nil {
		return fmt.Errorf("%s: %w", relPath(d.root, d.grConfig), err)
	}
	var missing []string
	for _, m := range svcshipMarkers() {
		if (m.release && d.opts.Snapshot) || m.re.Match(data) {
			continue
		}
		missing = append(missing, m.what)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks svcship's entries: %s; run `go run github.com/svcship/svcship/cmd/svcship init` (it edits the file in place) or see docs/pipeline.md", relPath(d.root, d.grConfig), strings.Join(missing, "; "))
	}
	flags, err := goreleaserFlags(d.opts.Getenv(EnvGoReleaserFlags))
	if err != nil {
		return err
	}
	d.flags = flags
	return nil
}

// goreleaserFlags checks the user's extra flags: svcship sets --clean,
// --snapshot and --draft itself, and skipping the hooks would ship
// Windows binaries without resources, installer or signatures.
func goreleaserFlags(s string) ([]string, error) {
	flags := strings.Fields(s)
	for i, f := range flags {
		name, val, hasVal := strings.Cut(f, "=")
		switch name {
		case "--snapshot", "--draft", "--clean", "--config", "-f", "--single-target", "--split", "--prepare":
			return nil, fmt.Errorf("%s: %s is set by svcship or not supported here", EnvGoReleaserFlags, name)
		case "--skip":
			if !hasVal && i+1 < len(flags) {
				val = flags[i+1]
			}
			for _, k := range strings.Split(val, ",") {
				switch strings.TrimSpace(k) {
				case "before", "post-hooks", "pre-hooks", "archive":
					return nil, fmt.Errorf("%s: --skip=%s would skip svcship's hooks (Windows resources, installer, signatures, MSIs)", EnvGoReleaserFlags, k)
				}
			}
		}
	}
	return flags, nil
}

func (d *driver) checkGit(ctx context.Context) error {
	g, err := gitinfo.Read(ctx, d.root, d.opts.Snapshot)
	if err != nil {
		return err
	}
	d.git = g
	if d.opts.Snapshot {
		return nil
	}
	if g.Dirty {
		return errors.New("the working tree has uncommitted changes (see git status): a release is built from a clean checkout of its tag; commit them, or run go tool mage snapshot")
	}
	if _, err := WindowsVersion(strings.TrimPrefix(g.Tag, "v"), g.Tag); err != nil {
		return fmt.Errorf("tag %s: %w", g.Tag, err)
	}
	return nil
}

func (d *driver) findGoReleaser(ctx context.Context) error {
	if len(d.opts.GoReleaser) > 0 {
		return nil
	}
	cmd, why := FindGoReleaser(ctx, d.root, d.opts.Env)
	d.opts.GoReleaser = cmd
	d.log.Info("using "+strings.Join(cmd, " "), "why", why)
	return nil
}

// FindGoReleaser returns the command that runs the pinned GoReleaser and
// why it was chosen: `goreleaser` from PATH when it reports the pinned
// version (no compiling), else `go tool -modfile=tools/go.mod goreleaser`
// when the project pins its own, else `go run` of the pinned version,
// which keeps GoReleaser's dependencies out of the project's go.mod.
func FindGoReleaser(ctx context.Context, root string, env []string) ([]string, string) {
	want := strings.TrimPrefix(PinnedGoReleaser[strings.LastIndex(PinnedGoReleaser, "@")+1:], "v")
	if p, err := exec.LookPath("goreleaser"); err == nil {
		cmd := exec.CommandContext(ctx, p, "--version")
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		m := regexp.MustCompile(`GitVersion:\s*v?(\S+)`).FindSubmatch(out)
		switch {
		case m != nil && string(m[1]) == want:
			return []string{p}, "goreleaser " + want + " found on PATH"
		case m != nil:
			return pinned(root, fmt.Sprintf("goreleaser on PATH is %s, svcship is tested with %s", m[1], want))
		}
	}
	return pinned(root, "no goreleaser "+want+" on PATH")
}

func pinned(root, why string) ([]string, string) {
	if _, err := os.Stat(filepath.Join(root, "tools", "go.mod")); err == nil {
		return []string{"go", "tool", "-modfile=tools/go.mod", "goreleaser"}, why + "; the version tools/go.mod pins"
	}
	return []string{"go", "run", PinnedGoReleaser}, why + "; compiled from the module proxy"
}

func (d *driver) runGoReleaser(ctx context.Context) error {
	args := []string{"release", "--clean", "--config", d.grConfig}
	env := slices.Clone(d.opts.Env)
	if d.opts.Snapshot {
		args = append(args, "--snapshot")
	} else if d.published {
		args = append(args, "--skip=publish")
	} else {
		// GoReleaser creates the draft (with its name, notes and settings)
		// and svcship's publishers upload, check and publish it.
		args = append(args, "--draft")
		env = append(env, EnvPublish+"=1")
	}
	args = append(args, d.flags...)
	env = append(env, "SVCSHIP_CONFIG="+d.opts.ConfigPath)
	if self, err := os.Executable(); err == nil {
		env = append(env, EnvCommand+"="+commandLine(self, runtime.GOOS == "windows"))
	}
	if d.git.RemoteURL == "" {
		// Without a remote GoReleaser discards the commit and its date on a
		// snapshot, which would break the stamps and the mtimes. Give git a
		// stand-in origin through the environment instead of editing the
		// repository's config.
		env = append(env, standInRemote(env, d.cfg, d.root)...)
	}
	cmd := exec.CommandContext(ctx, d.opts.GoReleaser[0], append(slices.Clone(d.opts.GoReleaser[1:]), args...)...)
	cmd.Dir = d.root
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = d.opts.Stderr, d.opts.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w (its output is above)", strings.Join(d.opts.GoReleaser, " "), strings.Join(args, " "), err)
	}
	return nil
}

func standInRemote(env []string, cfg *config.Config, root string) []string {
	n := 0
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GIT_CONFIG_COUNT="); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	url := "file://" + filepath.ToSlash(root)
	if cfg != nil && cfg.Release.GitHub != "" {
		url = "https://github.com/" + cfg.Release.GitHub + ".git"
	}
	return []string{
		"GIT_CONFIG_COUNT=" + strconv.Itoa(n+1),
		fmt.Sprintf("GIT_CONFIG_KEY_%d=remote.origin.url", n),
		fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n, url),
	}
}

// RemoveGeneratedResources removes the Windows resource files
// (<binary>_windows_<arch>.syso) under root that git ignores, so a
// committed .syso is never touched.
func RemoveGeneratedResources(root string) error {
	var candidates []string
	_ = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if e.IsDir() && (e.Name() == ".git" || e.Name() == "node_modules" || e.Name() == "dist") {
			return filepath.SkipDir
		}
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".syso") && strings.Contains(e.Name(), "_windows_") {
			candidates = append(candidates, p)
		}
		return nil
	})
	var errs []error
	for _, p := range candidates {
		cmd := exec.Command("git", "check-ignore", "-q", p)
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if cmd.Run() == nil {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (d *driver) checkGitHub(ctx context.Context) error {
	if d.opts.Snapshot {
		return nil
	}
	gc := d.gc
	r := repoRef{owner: gc.Release.GitHub.Owner, name: gc.Release.GitHub.Name, api: gc.GitHubURLs.API, upload: gc.GitHubURLs.Upload}
	if r.owner == "" || r.name == "" {
		o, n, err := gitinfo.GitHubRepo(d.cfg.Release.GitHub, d.git.RemoteURL, d.opts.Getenv)
		if err != nil {
			return err
		}
		r.owner, r.name = o, n
	}
	d.repo = r
	opts := publish.Options{Owner: r.owner, Repo: r.name, Tag: d.git.Tag, BaseURL: r.api, UploadURL: r.upload, Getenv: d.opts.Getenv}
	st, err := publish.Lookup(ctx, opts)
	if err != nil {
		return err
	}
	switch {
	case st.Exists && !st.Draft:
		d.published = true
		d.log.Info("release "+d.git.Tag+" is already published: rebuilding to check its assets, changing nothing", "url", st.URL)
	case st.Exists:
		// A draft from an interrupted run: GoReleaser must continue it
		// (use_existing_draft), not create a second one beside it.
		opts.Logger = d.log
		if _, err := publish.AdoptDraft(ctx, opts); err != nil {
			return err
		}
		d.log.Info("continuing the draft release of "+d.git.Tag+" an earlier run left", "url", st.URL)
	}
	return nil
}

func (d *driver) checkPublished(ctx context.Context) error {
	if !d.published {
		return nil
	}
	dist := d.gc.Dist
	if dist == "" {
		dist = "dist"
	}
	assets, err := UploadSet(filepath.Join(d.root, dist))
	if err != nil {
		return err
	}
	var plan bytes.Buffer
	res, err := publish.Publish(ctx, publish.Options{
		Owner: d.repo.owner, Repo: d.repo.name, Tag: d.git.Tag, Assets: assets,
		BaseURL: d.repo.api, UploadURL: d.repo.upload,
		FromGoReleaser: true, DryRun: true, Out: &plan, Getenv: d.opts.Getenv,
	})
	if err != nil {
		return err
	}
	var differ []string
	for _, s := range res.Plan {
		if s.Action != "skip" && s.Action != "none" {
			differ = append(differ, s.String())
		}
	}
	if len(differ) > 0 {
		return fmt.Errorf("release %s is published and differs from this build (svcship never changes a published release):\n  %s", d.git.Tag, strings.Join(differ, "\n  "))
	}
	d.log.Info("release "+d.git.Tag+" is published with every asset, digests equal: nothing to do", "assets", len(assets))
	return nil
}
