package release

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/svcship/svcship/resources"
)

// InstallerPackage is the import path of the service installer. Adopters
// build it from their own module graph (their go.mod requires svcship).
const InstallerPackage = "github.com/svcship/svcship/cmd/svcship-installer"

// installerStep builds svcship-installer.exe for every Windows target that
// GoReleaser built the app for but not the installer.
type installerStep struct {
	// pkg overrides InstallerPackage (tests).
	pkg string
}

func (installerStep) Name() string { return "installer" }

func (s installerStep) Skip(ctx *Context) string {
	if len(s.missing(ctx)) == 0 {
		return "every windows target already has " + InstallerBinary + ".exe"
	}
	return ""
}

// missing returns one app binary per Windows target that lacks an installer.
func (installerStep) missing(ctx *Context) Artifacts {
	have := map[string]bool{}
	for _, a := range ctx.Artifacts.ByType(TypeBinary) {
		if a.Goos == "windows" && a.ExtraString(ExtraBinary) == InstallerBinary {
			have[a.Target] = true
		}
	}
	var out Artifacts
	for _, a := range ctx.Artifacts.ByType(TypeBinary) {
		if a.Goos == "windows" && a.ExtraString(ExtraBinary) != InstallerBinary && !have[a.Target] {
			have[a.Target] = true
			out = append(out, a)
		}
	}
	return out
}

func (s installerStep) Run(ctx *Context) error {
	pkg := s.pkg
	if pkg == "" {
		pkg = InstallerPackage
	}
	info, err := ResourceInfo(ctx, InstallerBinary)
	if err != nil {
		return err
	}
	for _, app := range s.missing(ctx) {
		a, err := buildInstaller(ctx, pkg, app, info)
		if err != nil {
			return fmt.Errorf("%s for %s: %w", InstallerBinary, app.Target, err)
		}
		if err := ctx.AddArtifacts(a); err != nil {
			return err
		}
	}
	return nil
}

func buildInstaller(ctx *Context, pkg string, app Artifact, info resources.Info) (Artifact, error) {
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH="+app.Goarch)
	if app.Goamd64 != "" {
		env = append(env, "GOAMD64="+app.Goamd64)
	}
	if app.Go386 != "" {
		env = append(env, "GO386="+app.Go386)
	}
	if app.Goarm64 != "" {
		env = append(env, "GOARM64="+app.Goarm64)
	}
	pl, err := goList(ctx, env, pkg)
	if err != nil {
		return Artifact{}, err
	}
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", ctx.ldflags()}
	sysoDir := pl.Dir
	if !pl.Module.Main {
		// The installer lives in a dependency, normally in the read-only
		// module cache, and the linker reads .syso files only from the
		// package folder (build overlays do not cover them). Build from a
		// writable copy of that module instead, substituted with a replace
		// in a temporary go.mod; the project's own go.mod is untouched and
		// every other dependency keeps its version. The replacement path is
		// relative, so the build info stays the same across checkouts.
		modfile, copyDir, err := substituteModule(ctx, pl)
		if err != nil {
			return Artifact{}, err
		}
		rel, err := filepath.Rel(pl.Module.Dir, pl.Dir)
		if err != nil {
			return Artifact{}, err
		}
		sysoDir = filepath.Join(copyDir, rel)
		args = append(args, "-modfile", modfile)
	}
	syso := filepath.Join(sysoDir, resources.FileName(InstallerBinary, app.Goarch))
	if err := resources.WriteSyso(info, app.Goarch, syso); err != nil {
		return Artifact{}, err
	}
	defer os.Remove(syso)

	outDir := filepath.Join(ctx.Dist, InstallerBinary+"_"+app.Target)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return Artifact{}, err
	}
	out := filepath.Join(outDir, InstallerBinary+".exe")
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", out, pkg)...)
	cmd.Dir = ctx.Root
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		hint := ""
		if strings.Contains(string(b), "missing go.sum entry") {
			// The installer's Windows-only dependencies are in go.sum only
			// when the project lists the installer as a tool.
			hint = "\n(add it to go.mod: go get -tool " + pkg + "; svcship init does this)"
		}
		return Artifact{}, fmt.Errorf("go build %s: %w\n%s%s", pkg, err, b, hint)
	}
	// Same rule as GoReleaser's mod_timestamp: the commit time.
	if err := os.Chtimes(out, ctx.Git.CommitTime, ctx.Git.CommitTime); err != nil {
		return Artifact{}, err
	}
	a := NewArtifact(TypeBinary, InstallerBinary+".exe", ctx.RelPath(out))
	a.Goos, a.Goarch, a.Target = "windows", app.Goarch, app.Target
	a.Goamd64, a.Go386, a.Goarm64 = app.Goamd64, app.Go386, app.Goarm64
	a.Extra = map[string]any{ExtraBinary: InstallerBinary, ExtraExt: ".exe", ExtraID: InstallerBinary, ExtraBuilder: "go"}
	ctx.Log.Info("built installer", "target", app.Target, "path", a.Path)
	return a, nil
}

// listedPackage is the part of `go list -json` the step reads.
type listedPackage struct {
	Dir    string
	Module struct {
		Path string
		Dir  string
		Main bool
	}
}

func goList(ctx *Context, env []string, pkg string) (listedPackage, error) {
	var pl listedPackage
	cmd := exec.CommandContext(ctx, "go", "list", "-json=Dir,Module", pkg)
	cmd.Dir = ctx.Root
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = strings.TrimSpace(string(ee.Stderr))
		}
		return pl, fmt.Errorf("go list %s: %v %s (does go.mod require github.com/svcship/svcship?)", pkg, err, msg)
	}
	if err := json.Unmarshal(out, &pl); err != nil {
		return pl, fmt.Errorf("go list %s: %w", pkg, err)
	}
	if pl.Module.Path == "" || pl.Module.Dir == "" {
		return pl, fmt.Errorf("go list %s: not in a module", pkg)
	}
	return pl, nil
}

// substituteModule copies the module holding pl into dist/.svcship/src and
// writes a go.mod (with go.sum) beside it that replaces the module with the
// copy. It returns the go.mod path and the copy's folder.
func substituteModule(ctx *Context, pl listedPackage) (string, string, error) {
	base := filepath.Join(ctx.Dist, ".svcship")
	copyDir := filepath.Join(base, "src", filepath.Base(pl.Module.Dir))
	if _, err := os.Stat(copyDir); err != nil {
		if err := copyTree(pl.Module.Dir, copyDir); err != nil {
			return "", "", fmt.Errorf("copy %s: %w", pl.Module.Path, err)
		}
	}
	modfile := filepath.Join(base, "go.mod")
	data, err := os.ReadFile(filepath.Join(ctx.Root, "go.mod"))
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(modfile, data, 0o644); err != nil {
		return "", "", err
	}
	if sum, err := os.ReadFile(filepath.Join(ctx.Root, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(base, "go.sum"), sum, 0o644); err != nil {
			return "", "", err
		}
	}
	rel, err := filepath.Rel(ctx.Root, copyDir)
	if err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "edit", "-replace="+pl.Module.Path+"=./"+filepath.ToSlash(rel), modfile)
	cmd.Dir = ctx.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go mod edit: %v\n%s", err, out)
	}
	return modfile, copyDir, nil
}

// copyTree copies the regular files under src to dst, writable, skipping
// version-control folders.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "dist" && rel == "dist" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
