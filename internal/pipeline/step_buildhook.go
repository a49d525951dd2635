package pipeline

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/internal/childenv"
	"github.com/svcship/svcship/internal/msipkg"
	"github.com/svcship/svcship/internal/resources"
	"github.com/svcship/svcship/internal/scripts"
	"github.com/svcship/svcship/internal/sign"
)

// isProduct reports whether this build hook runs for the product's own
// binary (the one the MSI and the service are built around), not another
// Windows build of the project.
func (c *Context) isProduct() bool {
	return strings.TrimSuffix(filepath.Base(c.Path), ".exe") == c.Config.Product.Binary
}

func (c *Context) installerPath() string {
	return filepath.Join(c.StageDir(c.Arch), InstallerBinary+".exe")
}

func (c *Context) msiPath() string { return filepath.Join(c.Dist, c.MSIName(c.Arch)) }

// SignaturesDir holds the detached Authenticode signatures the release
// carries (<name>.p7s), so a signed file can be checked against an unsigned
// rebuild (svcship verify).
func (c *Context) SignaturesDir() string { return filepath.Join(c.Dist, "svcship", "signatures") }

type signWhat int

const (
	signBuilt signWhat = iota // the exe GoReleaser built
	signMSI                   // the MSI this hook built
)

// signStep Authenticode-signs a file in place with the one signer of
// package sign.
type signStep struct{ what signWhat }

func (s signStep) Name() string {
	if s.what == signMSI {
		return "sign msi"
	}
	return "sign exe"
}

func (s signStep) Skip(ctx *Context) string {
	if s.what == signMSI && (!ctx.isProduct() || !wantMSI(ctx)) {
		return "no msi for this build"
	}
	if _, err := ctx.signer(); errors.Is(err, sign.ErrNotConfigured) {
		return "no signing key configured: outputs are unsigned"
	}
	return ""
}

func (s signStep) Run(ctx *Context) error {
	p := ctx.Path
	if s.what == signMSI {
		p = ctx.msiPath()
	}
	return ctx.sign(p, signatureName(ctx, p))
}

// signer is the configured Signer: the commit time as signing time keeps
// signed outputs reproducible without a timestamp server.
// It is built once per hook run; the steps of a run are sequential.
func (c *Context) signer() (*sign.Signer, error) {
	if !c.signerMade {
		c.signerMade = true
		c.signerVal, c.signerErr = sign.New(c.Config, c.Getenv)
		if c.signerErr == nil {
			c.signerVal.Time = c.CommitTime
			c.signerVal.Log = c.Log
		}
	}
	return c.signerVal, c.signerErr
}

// signIfConfigured signs p, or does nothing when no key is configured.
func (c *Context) signIfConfigured(p string) error {
	if _, err := c.signer(); errors.Is(err, sign.ErrNotConfigured) {
		return nil
	} else if err != nil {
		return err
	}
	return c.sign(p, signatureName(c, p))
}

// sign signs p in place, writing its detached signature as
// SignaturesDir()/sigName.
func (c *Context) sign(p, sigName string) error {
	s, err := c.signer()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(c.Dist, ".svcship-sig-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	s.Signatures = tmp
	if err := s.Sign(c, p); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(tmp, filepath.Base(p)+".p7s"))
	if err != nil {
		return fmt.Errorf("detached signature of %s: %w", relPath(c.Root, p), err)
	}
	if err := atomicfile.WriteFile(filepath.Join(c.SignaturesDir(), sigName), data, 0o644); err != nil {
		return err
	}
	c.Log.Info("signed", "file", relPath(c.Root, p))
	return nil
}

// signatureName names a detached signature uniquely within the release:
// the exes of every arch share a name, so the arch goes in.
func signatureName(c *Context, p string) string {
	base := filepath.Base(p)
	switch sign.Kind(base) {
	case "pe":
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		return fmt.Sprintf("%s_%s_windows_%s%s.p7s", stem, c.Version, c.Arch, filepath.Ext(base))
	case "script":
		return base + ".p7s"
	}
	return base + ".p7s"
}

// ToolPath is where the build hooks leave a copy of the svcship that runs
// them, relative to GoReleaser's dist folder. The sboms entry and the
// publishers init writes run it by this path: GoReleaser starts sboms
// commands inside dist/ and takes their cmd literally (no template), and
// `go tool svcship` would load the module graph again for every binary
// and, in the assets publisher, for every artifact.
const ToolPath = "svcship/bin/svcship"

// toolStep puts that copy in place; the first Windows hook to run writes
// it, the others find it there.
type toolStep struct{}

func (toolStep) Name() string { return "svcship for the sboms and publishers" }

func (toolStep) Skip(*Context) string { return "" }

func (toolStep) Run(ctx *Context) error {
	dst := filepath.Join(ctx.Dist, filepath.FromSlash(ToolPath))
	if runtime.GOOS == "windows" {
		dst += ".exe"
	}
	if fi, err := os.Lstat(dst); err == nil && fi.Mode().IsRegular() {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate the running svcship: %w", err)
	}
	if err := atomicfile.Copy(self, dst, 0o755); err != nil {
		if fi, statErr := os.Lstat(dst); statErr == nil && fi.Mode().IsRegular() {
			return nil // another target's hook put it there first
		}
		return fmt.Errorf("copy svcship into %s: %w", relPath(ctx.Root, dst), err)
	}
	return nil
}

// installerStep puts svcship-installer.exe for this arch, with its own
// VERSIONINFO, into the stage folder and signs it.
//
// The installer is linked without resources or product stamps by
// `go run -exec`: since Go 1.24 go run keeps what it links in the build
// cache, keyed by every input of the link, so one link serves every
// product and release built with the same svcship, dependencies, Go and
// target, and a warm build takes it from the cache instead of linking
// again. -exec hands the executable to `svcship copy-exe`, which copies it
// out (go run removes a fresh link when its program returns). The
// product's resources are then added as the linker would have linked
// them (resources.AddToExecutable).
type installerStep struct{}

func (installerStep) Name() string { return "service installer" }

func (installerStep) Skip(ctx *Context) string {
	if !ctx.isProduct() {
		return "not the product's binary"
	}
	return ""
}

func (installerStep) Run(ctx *Context) error {
	info, err := ResourceInfo(ctx.Config, ctx.Semver, ctx.Version, InstallerBinary)
	if err != nil {
		return err
	}
	obj, err := resources.Syso(info, ctx.Arch)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate the running svcship: %w", err)
	}
	out := ctx.installerPath()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	linked := out + ".linked"
	defer os.Remove(linked)
	execSelf, err := execQuote(self)
	if err != nil {
		return err
	}
	execLinked, err := execQuote(linked)
	if err != nil {
		return err
	}
	env := append(childenv.Scrub(os.Environ()), "CGO_ENABLED=0", "GOOS=windows", "GOARCH="+ctx.Arch)
	env = append(env, targetLevelEnv(ctx.Target)...)
	cmd := exec.CommandContext(ctx, "go", "run", "-trimpath", "-buildvcs=false", "-ldflags=-s -w",
		"-exec", execSelf+" copy-exe "+execLinked, InstallerPackage)
	cmd.Dir = ctx.Root
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		hint := ""
		if strings.Contains(string(b), "missing go.sum entry") {
			// The installer's Windows-only dependencies are in go.sum only
			// when the project lists the installer as a tool.
			hint = "\n(add it to go.mod: go get -tool " + InstallerPackage + "; svcship init does this)"
		}
		return fmt.Errorf("go run %s: %w\n%s%s", InstallerPackage, err, b, hint)
	}
	exe, err := os.ReadFile(linked)
	if err != nil {
		return fmt.Errorf("the linked installer: %w", err)
	}
	if exe, err = resources.AddToExecutable(exe, obj); err != nil {
		return fmt.Errorf("%s: %w", relPath(ctx.Root, out), err)
	}
	if err := atomicfile.WriteFile(out, exe, 0o755); err != nil {
		return err
	}
	// Same rule as GoReleaser's mod_timestamp: the commit time.
	if err := os.Chtimes(out, ctx.CommitTime, ctx.CommitTime); err != nil {
		return err
	}
	ctx.Log.Info("built installer", "target", ctx.Target, "file", relPath(ctx.Root, out))
	return ctx.signIfConfigured(out)
}

// execQuote quotes s as one word of a go run -exec command line, which the
// go command splits at spaces and groups with either kind of quote (no
// escapes). A path holding both kinds can't be one word there, so it is
// refused rather than split.
func execQuote(s string) (string, error) {
	switch {
	case !strings.ContainsAny(s, " \t'\""):
		return s, nil
	case !strings.Contains(s, `"`):
		return `"` + s + `"`, nil
	case !strings.Contains(s, "'"):
		return "'" + s + "'", nil
	}
	return "", fmt.Errorf("%q holds both kinds of quote, which go run -exec can't pass as one word: move the project or the build cache to a path without them", s)
}

// targetLevelEnv turns GoReleaser's target suffix (windows_amd64_v1,
// windows_386_sse2, windows_arm64_v8.0) into the GOAMD64/GO386/GOARM64
// setting the app was built with, so the installer matches it.
func targetLevelEnv(target string) []string {
	parts := strings.SplitN(target, "_", 3)
	if len(parts) < 3 || parts[2] == "" {
		return nil
	}
	switch parts[1] {
	case "amd64":
		return []string{"GOAMD64=" + parts[2]}
	case "386":
		return []string{"GO386=" + parts[2]}
	case "arm64":
		return []string{"GOARM64=" + parts[2]}
	}
	return nil
}

// stageStep puts what the Windows archive adds beside the exe into the
// folder the archive's files entry globs: the installer (already there),
// svcship.yaml, the install and uninstall scripts (signed) and
// packaging.extra_files.
type stageStep struct{}

func (stageStep) Name() string { return "stage archive files" }

func (stageStep) Skip(ctx *Context) string {
	if !ctx.isProduct() {
		return "not the product's binary"
	}
	return ""
}

func (stageStep) Run(ctx *Context) error {
	if err := ctx.writeRunRecord(); err != nil {
		return err
	}
	dir := ctx.StageDir(ctx.Arch)
	data, err := os.ReadFile(ctx.ConfigPath)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "svcship.yaml"), data, 0o644); err != nil {
		return err
	}
	for _, n := range []string{"install.ps1", "uninstall.ps1"} {
		// A project's own scripts take the place of svcship's.
		data, err := os.ReadFile(filepath.Join(ctx.Root, "scripts", n))
		if errors.Is(err, os.ErrNotExist) {
			data, err = scripts.FS.ReadFile(n)
		}
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, "scripts", n)
		if err := atomicfile.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		if err := ctx.signIfConfigured(dst); err != nil {
			return err
		}
	}
	for _, extra := range ctx.Config.Packaging.ExtraFiles {
		data, err := os.ReadFile(ctx.Config.Resolve(extra))
		if err != nil {
			return fmt.Errorf("packaging.extra_files: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, filepath.FromSlash(filepath.ToSlash(filepath.Clean(extra)))), data, 0o644); err != nil {
			return err
		}
	}
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, ctx.CommitTime, ctx.CommitTime)
	})
}

func wantMSI(ctx *Context) bool {
	return ctx.Config.Packaging.MSI == nil || *ctx.Config.Packaging.MSI
}

// msiStep builds this arch's MSI from the signed exe and installer.
type msiStep struct{}

func (msiStep) Name() string { return "msi" }

func (msiStep) Skip(ctx *Context) string {
	switch {
	case !ctx.isProduct():
		return "not the product's binary"
	case !wantMSI(ctx):
		return "packaging.msi is false"
	}
	return ""
}

func (msiStep) Run(ctx *Context) error {
	dst := ctx.msiPath()
	spec := msipkg.Spec{
		Config:     ctx.Config,
		Arch:       ctx.Arch,
		Version:    ctx.Semver,
		AppBinary:  ctx.Path,
		Installer:  ctx.installerPath(),
		ConfigFile: ctx.ConfigPath,
		Timestamp:  ctx.CommitTime,
		Logger:     ctx.Log,
	}
	if err := msipkg.BuildFile(ctx, spec, dst); err != nil {
		return err
	}
	if err := os.Chtimes(dst, ctx.CommitTime, ctx.CommitTime); err != nil {
		return err
	}
	ctx.Log.Info("built msi", "file", relPath(ctx.Root, dst))
	return nil
}
