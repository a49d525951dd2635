package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/svcship/svcship/resources"
)

// InstallerBinary is the name of the service installer executable.
const InstallerBinary = "svcship-installer"

// resourcesStep writes <binary>_windows_<arch>.syso next to the main
// package of every GoReleaser build that targets Windows.
type resourcesStep struct{}

func (resourcesStep) Name() string { return "resources" }

func (resourcesStep) Skip(ctx *Context) string {
	for _, b := range ctx.grc.Builds {
		if len(b.windowsArches()) > 0 {
			return ""
		}
	}
	return "no build targets windows"
}

func (resourcesStep) Run(ctx *Context) error {
	for _, b := range ctx.grc.Builds {
		arches := slices.DeleteFunc(b.windowsArches(), func(a string) bool {
			return !ctx.WantsTarget("windows", a) || !slices.Contains(resources.Arches(), a)
		})
		if len(arches) == 0 {
			continue
		}
		binary := b.Binary
		if binary == "" {
			binary = ctx.ProjectName
		}
		info, err := ResourceInfo(ctx, binary)
		if err != nil {
			return err
		}
		dir := filepath.Join(ctx.Root, b.mainDir())
		paths, err := resources.WriteAll(info, dir, binary, arches)
		for _, p := range paths {
			ctx.OnCleanup(func() error {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
				return nil
			})
		}
		if err != nil {
			return fmt.Errorf("build %s: %w", b.ID, err)
		}
		ctx.Log.Info("windows resources", "build", b.ID, "dir", relPath(ctx.Root, dir), "arches", arches)
	}
	return nil
}

// ResourceInfo maps svcship.yaml and the version onto the VERSIONINFO of
// the executable named binary (without .exe).
func ResourceInfo(ctx *Context, binary string) (resources.Info, error) {
	p := ctx.Config.Product
	nums, err := ctx.Semver.Windows()
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
		Version:          ctx.Version,
		CompanyName:      p.Company,
		FileDescription:  desc,
		LegalCopyright:   p.Copyright,
		InternalName:     binary,
		OriginalFilename: binary + ".exe",
		ProductName:      p.DisplayName,
		Comments:         p.Homepage,
	}
	if p.Icon != "" {
		info.IconPath = ctx.Config.Resolve(p.Icon)
	}
	return info, nil
}
