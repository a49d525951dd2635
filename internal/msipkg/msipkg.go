// Package msipkg builds the Windows Installer package (.msi) of a service
// described by svcship.yaml, from binaries built for Windows, on any OS.
//
// The package is per-machine, installs into Program Files, registers the
// Windows service with ServiceInstall/ServiceControl, runs the bundled
// svcship-installer's "configure" step as a deferred custom action for what
// the ServiceInstall table cannot express (delayed start, recovery, the
// non-crash-failure flag), registers the event log source, keeps an edited
// svcship.yaml across upgrades, performs major upgrades and refuses
// downgrades. docs/msi.md explains each choice.
//
// Output is deterministic: ProductCode, PackageCode and component GUIDs
// are UUIDv5 values derived from the upgrade code, the version and the
// content (a component's GUID from what it holds), and every timestamp
// comes from Spec.Timestamp. Every package passes the msi package's ICE
// validation before it is written; its warnings go to Spec.Logger and
// Spec.OnWarning.
package msipkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/svcship/svcship/internal/atomicfile"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/msi"
)

// InstallerName is the file name of the bundled service installer.
const InstallerName = "svcship-installer.exe"

// Spec is everything one MSI is built from.
type Spec struct {
	// Config is the loaded svcship.yaml (config.Load applies defaults).
	Config *config.Config
	// Arch is the Windows architecture: amd64, 386 or arm64.
	Arch string
	// Version is the product version; Version.MSI() must succeed.
	Version version.V
	// AppBinary is the path of the program's Windows executable.
	AppBinary string
	// Installer is the path of svcship-installer.exe for the same arch. It
	// is bundled in every MSI: it runs the configure step and, in hosted
	// mode, is the service process.
	Installer string
	// ConfigFile is the svcship.yaml installed beside the executables
	// (default: svcship.yaml in Config.Dir()).
	ConfigFile string
	// ExtraFiles are more files for the install folder, installed under
	// their base names (default: packaging.extra_files of Config).
	ExtraFiles []string
	// Icon is a .ico shown in Add/Remove Programs (default: product.icon).
	Icon string
	// Timestamp dates the package and its files: SOURCE_DATE_EPOCH or the
	// commit time. Required; the builder never reads the clock.
	Timestamp time.Time
	// Logger receives progress messages and validation warnings
	// (default: discard).
	Logger *slog.Logger
	// SuppressICE names validation warnings not to report, e.g. "ICE61"
	// (default: packaging.suppress_ice of Config). Errors always fail.
	SuppressICE []string
	// OnWarning, if set, receives every validation warning of the package
	// (after suppression), in addition to the Logger.
	OnWarning func(msi.Finding)
}

// Build writes the MSI described by spec to w. Every input is checked
// before the first byte is written.
func Build(w io.Writer, spec Spec) error {
	p, err := plan(spec)
	if err != nil {
		return err
	}
	if err := p.write(w); err != nil {
		return err
	}
	p.report()
	return nil
}

// report hands the validation warnings to the Logger and OnWarning.
func (p *pkg) report() {
	log := p.spec.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, f := range p.warnings {
		log.Warn("msi validation: "+f.Message, "rule", f.Rule, "table", f.Table, "row", f.Row, "column", f.Column,
			"suppress", "packaging.suppress_ice: ["+f.Rule+"]")
		if p.spec.OnWarning != nil {
			p.spec.OnWarning(f)
		}
	}
}

// BuildFile builds the MSI into path atomically: it writes a temporary
// file in the same folder and renames it over path only on success, so a
// failed build leaves no file behind (and an older MSI at path untouched).
func BuildFile(ctx context.Context, spec Spec, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	log := spec.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p, err := plan(spec)
	if err != nil {
		return err
	}
	// Written beside path and renamed: a failed build leaves no file and
	// an older MSI at path untouched.
	err = atomicfile.Write(path, 0o644, func(w io.Writer) error {
		if err := p.write(w); err != nil {
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	p.report()
	log.Info("msi built", "path", path, "product_code", p.productCode.String(), "version", p.msiVersion, "arch", spec.Arch)
	return nil
}

// ErrInput marks problems with the Spec (as opposed to I/O failures).
var ErrInput = errors.New("msipkg: invalid input")

func inputErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInput}, args...)...)
}
