package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/svcship/svcship/msipkg"
	"github.com/svcship/svcship/scripts"
	"github.com/svcship/svcship/sign"
)

type signKind int

const (
	signExe signKind = iota
	signMSI
)

// signStep Authenticode-signs Windows executables or MSIs in place.
type signStep struct{ kind signKind }

func (s signStep) Name() string {
	if s.kind == signMSI {
		return "sign msi"
	}
	return "sign exe"
}

func (s signStep) targets(ctx *Context) Artifacts {
	if s.kind == signMSI {
		return ctx.Artifacts.ByType(TypeMSI)
	}
	return ctx.Artifacts.ByType(TypeBinary).Filter(func(a Artifact) bool { return a.Goos == "windows" })
}

func (s signStep) Skip(ctx *Context) string {
	if _, err := sign.FromEnv(ctx.Getenv); errors.Is(err, sign.ErrNotConfigured) {
		if s.kind == signMSI {
			return "not signing (no key, see above)"
		}
		return "outputs are unsigned: no signing key configured (set " + sign.EnvPFX + " and " + sign.EnvPassword + ")"
	}
	if len(s.targets(ctx)) == 0 {
		return "nothing to sign"
	}
	return ""
}

func (s signStep) Run(ctx *Context) error {
	signer, err := sign.FromEnv(ctx.Getenv)
	if err != nil {
		return err
	}
	signer.Description = ctx.Config.Product.DisplayName
	signer.URL = ctx.Config.Product.Homepage
	// The commit time keeps unstamped signatures reproducible.
	signer.Time = ctx.Git.CommitTime
	if signer.TimestampURL != "" {
		ctx.Log.Info("timestamping signatures: signed outputs will differ between runs", "url", signer.TimestampURL)
	}
	for _, a := range s.targets(ctx) {
		if err := signer.Sign(ctx, ctx.AbsPath(a)); err != nil {
			return err
		}
		i := slices.IndexFunc(ctx.Artifacts, func(b Artifact) bool { return b.Path == a.Path })
		if ctx.Artifacts[i].Extra == nil {
			ctx.Artifacts[i].Extra = map[string]any{}
		}
		ctx.Artifacts[i].Extra[ExtraSigned] = true
		ctx.Log.Info("signed", "path", a.Path)
	}
	return ctx.SaveArtifacts()
}

// archiveStep writes one zip per Windows target and one tar.gz per other
// target.
type archiveStep struct{}

func (archiveStep) Name() string { return "archives" }

func (archiveStep) Skip(ctx *Context) string {
	if len(appBinaries(ctx)) == 0 {
		return "no binaries"
	}
	return ""
}

// appBinaries are the product's binaries (not the installer), one per
// target.
func appBinaries(ctx *Context) Artifacts {
	return ctx.Artifacts.ByType(TypeBinary).Filter(func(a Artifact) bool {
		return a.ExtraString(ExtraBinary) != InstallerBinary
	})
}

func (archiveStep) Run(ctx *Context) error {
	docs := docFiles(ctx)
	scripts, err := scriptFiles(ctx)
	if err != nil {
		return err
	}
	zipWanted := ctx.Config.Packaging.Zip == nil || *ctx.Config.Packaging.Zip
	type job struct {
		app    Artifact
		dst    string
		format string
		files  []ArchiveFile
	}
	var jobs []job
	for _, app := range appBinaries(ctx) {
		files := []ArchiveFile{{Name: filepath.Base(app.Path), Source: ctx.AbsPath(app), Executable: true}}
		files = append(files, docs...)
		base := filepath.Join(ctx.Dist, ctx.ArchiveBase(app.Goos, app.Goarch))
		if app.Goos != "windows" {
			jobs = append(jobs, job{app, base + ".tar.gz", "tar.gz", files})
			continue
		}
		if !zipWanted {
			continue
		}
		inst := ctx.Artifacts.ByType(TypeBinary).Filter(func(a Artifact) bool {
			return a.Target == app.Target && a.ExtraString(ExtraBinary) == InstallerBinary
		})
		if len(inst) == 0 {
			return fmt.Errorf("no %s.exe for %s", InstallerBinary, app.Target)
		}
		files = append(files, ArchiveFile{Name: InstallerBinary + ".exe", Source: ctx.AbsPath(inst[0]), Executable: true})
		files = append(files, ArchiveFile{Name: "svcship.yaml", Source: ctx.ConfigPath})
		files = append(files, scripts...)
		for _, extra := range ctx.Config.Packaging.ExtraFiles {
			files = append(files, ArchiveFile{Name: filepath.ToSlash(filepath.Clean(extra)), Source: ctx.Config.Resolve(extra)})
		}
		jobs = append(jobs, job{app, base + ".zip", "zip", files})
	}

	// Compress in parallel; record in job order so artifacts.json does not
	// depend on which finishes first.
	err = parallel(len(jobs), func(i int) error {
		j := jobs[i]
		write := WriteTarGz
		if j.format == "zip" {
			write = WriteZip
		}
		if err := write(j.dst, j.files, ctx.Git.CommitTime); err != nil {
			return err
		}
		return os.Chtimes(j.dst, ctx.Git.CommitTime, ctx.Git.CommitTime)
	})
	if err != nil {
		return err
	}
	var as []Artifact
	for _, j := range jobs {
		a := NewArtifact(TypeArchive, filepath.Base(j.dst), ctx.RelPath(j.dst))
		a.Goos, a.Goarch, a.Target = j.app.Goos, j.app.Goarch, j.app.Target
		a.Goamd64, a.Go386, a.Goarm64 = j.app.Goamd64, j.app.Go386, j.app.Goarm64
		names := make([]string, len(j.files))
		for i, f := range j.files {
			names[i] = f.Name
		}
		slices.Sort(names)
		a.Extra = map[string]any{ExtraFormat: j.format, ExtraID: "default", ExtraFiles: names}
		as = append(as, a)
		ctx.Log.Info("archive", "path", a.Path, "files", len(j.files))
	}
	return ctx.AddArtifacts(as...)
}

// docFiles are README and LICENSE from the project root, when present.
func docFiles(ctx *Context) []ArchiveFile {
	var out []ArchiveFile
	for _, group := range [][]string{
		{"README.md", "README", "README.txt"},
		{"LICENSE", "LICENSE.md", "LICENSE.txt"},
	} {
		found := false
		for _, n := range group {
			p := filepath.Join(ctx.Root, n)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				out = append(out, ArchiveFile{Name: n, Source: p})
				found = true
				break
			}
		}
		if !found {
			ctx.Log.Warn("not in the archives: file missing", "file", group[0])
		}
	}
	return out
}

// scriptFiles are the project's scripts/*.ps1 wrappers, or svcship's.
func scriptFiles(ctx *Context) ([]ArchiveFile, error) {
	var out []ArchiveFile
	for _, n := range []string{"install.ps1", "uninstall.ps1"} {
		p := filepath.Join(ctx.Root, "scripts", n)
		if _, err := os.Stat(p); err != nil {
			data, err := scripts.FS.ReadFile(n)
			if err != nil {
				return nil, err
			}
			p = filepath.Join(ctx.Dist, ".svcship", n)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return nil, err
			}
		}
		out = append(out, ArchiveFile{Name: "scripts/" + n, Source: p})
	}
	return out, nil
}

// msiStep builds one MSI per Windows target with package msipkg, from
// the (signed) app and installer executables.
type msiStep struct{}

func (msiStep) Name() string { return "msi" }

func (msiStep) Skip(ctx *Context) string {
	if ctx.Config.Packaging.MSI != nil && !*ctx.Config.Packaging.MSI {
		return "packaging.msi is false"
	}
	if len(appBinaries(ctx).Filter(func(a Artifact) bool { return a.Goos == "windows" })) == 0 {
		return "no windows binaries"
	}
	return ""
}

func (msiStep) Run(ctx *Context) error {
	type job struct {
		app  Artifact
		dst  string
		spec msipkg.Spec
	}
	var jobs []job
	for _, app := range appBinaries(ctx).Filter(func(a Artifact) bool { return a.Goos == "windows" }) {
		inst := ctx.Artifacts.ByType(TypeBinary).Filter(func(a Artifact) bool {
			return a.Target == app.Target && a.ExtraString(ExtraBinary) == InstallerBinary
		})
		if len(inst) == 0 {
			return fmt.Errorf("no %s.exe for %s", InstallerBinary, app.Target)
		}
		jobs = append(jobs, job{app, filepath.Join(ctx.Dist, ctx.ArchiveBase(app.Goos, app.Goarch)+".msi"), msipkg.Spec{
			Config:     ctx.Config,
			Arch:       app.Goarch,
			Version:    ctx.Semver,
			AppBinary:  ctx.AbsPath(app),
			Installer:  ctx.AbsPath(inst[0]),
			ConfigFile: ctx.ConfigPath,
			Timestamp:  ctx.Git.CommitTime,
			Logger:     ctx.Log,
		}})
	}
	err := parallel(len(jobs), func(i int) error {
		j := jobs[i]
		if err := msipkg.BuildFile(ctx, j.spec, j.dst); err != nil {
			return fmt.Errorf("%s: %w", j.app.Target, err)
		}
		return os.Chtimes(j.dst, ctx.Git.CommitTime, ctx.Git.CommitTime)
	})
	if err != nil {
		return err
	}
	var as []Artifact
	for _, j := range jobs {
		a := NewArtifact(TypeMSI, filepath.Base(j.dst), ctx.RelPath(j.dst))
		a.Goos, a.Goarch, a.Target = j.app.Goos, j.app.Goarch, j.app.Target
		a.Goamd64, a.Go386, a.Goarm64 = j.app.Goamd64, j.app.Go386, j.app.Goarm64
		a.Extra = map[string]any{ExtraFormat: "msi", ExtraID: "default"}
		as = append(as, a)
	}
	return ctx.AddArtifacts(as...)
}

// parallel runs f(0..n-1) on up to one goroutine per CPU and joins the
// errors; callers record results afterwards in index order, so outputs do
// not depend on scheduling.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// checksumsStep writes dist/checksums.txt over every published file.
type checksumsStep struct{}

func (checksumsStep) Name() string { return "checksums" }

func (checksumsStep) Skip(ctx *Context) string {
	if len(ctx.Artifacts.ByType(TypeArchive, TypeMSI)) == 0 {
		return "nothing to publish"
	}
	return ""
}

func (checksumsStep) Run(ctx *Context) error {
	var files []string
	for _, a := range ctx.Artifacts.ByType(TypeArchive, TypeMSI) {
		files = append(files, ctx.AbsPath(a))
	}
	dst := filepath.Join(ctx.Dist, ChecksumsFile)
	if err := WriteChecksums(dst, files); err != nil {
		return err
	}
	if err := os.Chtimes(dst, ctx.Git.CommitTime, ctx.Git.CommitTime); err != nil {
		return err
	}
	a := NewArtifact(TypeChecksum, ChecksumsFile, ctx.RelPath(dst))
	return ctx.AddArtifacts(a)
}

// Publisher uploads a finished dist folder. Package publish implements it;
// the release package only calls it, so it does not depend on go-github.
type Publisher interface {
	Publish(ctx *Context) error
}

// publishStep hands the release to the Publisher.
type publishStep struct{}

func (publishStep) Name() string { return "publish" }

func (publishStep) Skip(ctx *Context) string {
	switch {
	case ctx.Snapshot:
		return "snapshots are never published"
	case ctx.Publisher == nil:
		return "no publisher configured"
	}
	return ""
}

func (publishStep) Run(ctx *Context) error { return ctx.Publisher.Publish(ctx) }

// loadDistStep reloads dist/artifacts.json from an earlier run and checks
// it was built from the same version.
type loadDistStep struct{}

func (loadDistStep) Name() string         { return "load dist" }
func (loadDistStep) Skip(*Context) string { return "" }

func (loadDistStep) Run(ctx *Context) error {
	as, err := ReadArtifacts(ctx.ArtifactsPath())
	if err != nil {
		return fmt.Errorf("%w (run a build first)", err)
	}
	meta, err := ctx.ReadMetadata()
	if err != nil {
		return err
	}
	if meta.Version != ctx.Version {
		return fmt.Errorf("%s holds version %s but this checkout is %s: rebuild", relPath(ctx.Root, ctx.Dist), meta.Version, ctx.Version)
	}
	ctx.Artifacts = as
	return nil
}
