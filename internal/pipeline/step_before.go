package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/resources"
	"github.com/svcship/svcship/internal/version"
)

// loadStep loads svcship.yaml and settles the numeric version, so a
// mistake in either stops GoReleaser before it builds anything.
type loadStep struct{}

func (loadStep) Name() string         { return "svcship config" }
func (loadStep) Skip(*Context) string { return "" }

func (loadStep) Run(ctx *Context) error {
	cfg, err := config.Load(displayPath(ctx.ConfigPath))
	if err != nil {
		return err // config errors already name file, line and key
	}
	ctx.Config = cfg
	if ctx.ProjectName == "" {
		ctx.ProjectName = cfg.Product.Name
	}
	v, err := WindowsVersion(ctx.Version, ctx.Tag)
	if err != nil {
		return err
	}
	ctx.Semver = v
	return nil
}

// WindowsVersion is the semantic version whose numbers go into
// VERSIONINFO and the MSI: GoReleaser's version when it is semantic (a
// release, or the default snapshot template), else the tag it was made
// from (a custom snapshot template such as "{{ .ShortCommit }}").
func WindowsVersion(ver, tag string) (version.V, error) {
	v, err := version.Parse(ver)
	if err != nil {
		if v, err = version.Parse(tag); err != nil {
			return version.V{}, fmt.Errorf("version %q (tag %q) is not a semantic version: Windows needs numeric versions; tag releases like v1.2.3 or v1.2.3-rc.1", ver, tag)
		}
	}
	if _, err := v.Windows(); err != nil {
		return version.V{}, err
	}
	if _, err := v.MSI(); err != nil {
		return version.V{}, err
	}
	return v, nil
}

// resourcesStep writes <binary>_windows_<arch>.syso next to the main
// package of every GoReleaser build that targets Windows.
type resourcesStep struct{}

func (resourcesStep) Name() string         { return "windows resources" }
func (resourcesStep) Skip(*Context) string { return "" }

func (resourcesStep) Run(ctx *Context) error {
	gc, path, err := ReadProjectConfig(ctx.Root)
	if err != nil {
		return err
	}
	if gc.ProjectName != "" && ctx.ProjectName == "" {
		ctx.ProjectName = gc.ProjectName
	}
	n := 0
	for _, b := range gc.Builds {
		arches := slices.DeleteFunc(b.WindowsArches(), func(a string) bool { return !slices.Contains(resources.Arches(), a) })
		if len(arches) == 0 {
			continue
		}
		binary := b.BinaryName(gc.ProjectName, ctx.Config.Product.Name)
		info, err := ResourceInfo(ctx.Config, ctx.Semver, ctx.Version, binary)
		if err != nil {
			return err
		}
		dir := filepath.Join(ctx.Root, b.MainDir())
		if _, err := resources.WriteAll(info, dir, binary, arches); err != nil {
			return fmt.Errorf("%s build %s: %w", relPath(ctx.Root, path), b.ID, err)
		}
		n++
		ctx.Log.Info("stamped windows resources", "build", b.ID, "dir", relPath(ctx.Root, dir), "arches", strings.Join(arches, ","))
	}
	if n == 0 {
		ctx.Log.Warn("no build in " + relPath(ctx.Root, path) + " targets windows: nothing to stamp")
	}
	if ctx.Config.Product.License == "" {
		ctx.Log.Warn("product.license is not set in svcship.yaml: releases will carry no winget manifests (winget requires a license)")
	}
	return nil
}

// unstampStep removes the .syso that the before hook wrote for this
// target once GoReleaser has linked it, so no generated file outlives the
// build.
type unstampStep struct{}

func (unstampStep) Name() string         { return "remove windows resources" }
func (unstampStep) Skip(*Context) string { return "" }

func (unstampStep) Run(ctx *Context) error {
	gc, _, err := ReadProjectConfig(ctx.Root)
	if err != nil {
		return err
	}
	binary := strings.TrimSuffix(filepath.Base(ctx.Path), ".exe")
	found := false
	for _, b := range gc.Builds {
		if b.BinaryName(gc.ProjectName, ctx.Config.Product.Name) != binary || !slices.Contains(b.WindowsArches(), ctx.Arch) {
			continue
		}
		p := filepath.Join(ctx.Root, b.MainDir(), resources.FileName(binary, ctx.Arch))
		switch err := os.Remove(p); {
		case err == nil:
			found = true
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	if !found && slices.Contains(resources.Arches(), ctx.Arch) {
		// Without the .syso the exe has no VERSIONINFO: the before hook did
		// not run (goreleaser --skip=before) or is missing from the config.
		return fmt.Errorf("%s was built without Windows resources: the svcship before hook did not run (is it in before.hooks, and was --skip=before used?)", relPath(ctx.Root, ctx.Path))
	}
	return nil
}

// ResourceInfo maps svcship.yaml and the version onto the VERSIONINFO of
// the executable named binary (without .exe). It is the one home of that
// mapping: the build hooks and `svcship resources` both use it.
func ResourceInfo(cfg *config.Config, v version.V, ver, binary string) (resources.Info, error) {
	p := cfg.Product
	nums, err := v.Windows()
	if err != nil {
		return resources.Info{}, err
	}
	desc := p.Description
	if binary == InstallerBinary {
		desc = p.DisplayName + " service installer"
	}
	info := resources.Info{
		FileVersion:      nums,
		ProductVersion:   nums,
		Version:          ver,
		CompanyName:      p.Company,
		FileDescription:  desc,
		LegalCopyright:   p.Copyright,
		InternalName:     binary,
		OriginalFilename: binary + ".exe",
		ProductName:      p.DisplayName,
		Comments:         p.Homepage,
	}
	if p.Icon != "" {
		info.IconPath = cfg.Resolve(p.Icon)
	}
	return info, nil
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
