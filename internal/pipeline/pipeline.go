package release

import (
	"errors"
	"fmt"
	"time"
)

// Step is one stage of the pipeline.
type Step interface {
	// Name is a short lowercase label used in logs and errors.
	Name() string
	// Skip returns why the step does not apply to this run, or "" to run it.
	Skip(ctx *Context) string
	// Run does the work. It must leave dist/artifacts.json consistent.
	Run(ctx *Context) error
}

// BuildSteps produce the binaries.
func BuildSteps() []Step {
	return []Step{
		// Parse and validate svcship.yaml, read git (refuse a dirty tree or
		// a non-semver tag on a release) and settle the version, before
		// anything is built.
		validateStep{},
		// Write VERSIONINFO, icon and manifest as one .syso per Windows
		// arch next to each Windows main package; removed when the run ends.
		resourcesStep{},
		// GoReleaser builds every target (stamped, -trimpath, commit-time
		// mtimes) and writes dist/artifacts.json, which later steps extend.
		goreleaserStep{},
		// Build svcship-installer.exe for each Windows arch that GoReleaser
		// did not already build it for (adopters build it from their module
		// graph).
		installerStep{},
	}
}

// PackageSteps turn binaries into what is published.
func PackageSteps() []Step {
	return []Step{
		// Authenticode-sign every Windows exe before it is zipped or put
		// into an MSI (skipped with one notice when no key is configured).
		signStep{kind: signExe},
		// One zip per Windows arch (app, installer, svcship.yaml, scripts,
		// README, LICENSE) and a tar.gz for the other systems.
		archiveStep{},
		// One MSI per Windows arch.
		msiStep{},
		// Sign the MSIs.
		signStep{kind: signMSI},
		// checksums.txt (sha256) over everything that is published.
		checksumsStep{},
	}
}

// PublishSteps upload the release.
func PublishSteps() []Step {
	return []Step{
		// Create or reuse the GitHub release, upload, then undraft.
		publishStep{},
	}
}

// SnapshotSteps is everything up to, not including, publishing.
func SnapshotSteps() []Step { return append(BuildSteps(), PackageSteps()...) }

// ReleaseSteps is the whole release.
func ReleaseSteps() []Step {
	return append(SnapshotSteps(), PublishSteps()...)
}

// ResumeSteps reload a dist folder written by an earlier run (a matrix
// build, or a release whose publishing failed) so later steps can continue.
func ResumeSteps() []Step {
	return []Step{validateStep{resume: true}, loadDistStep{}}
}

// Run runs steps in order, stopping at the first error. Cleanups registered
// by steps run at the end whatever happens.
func Run(ctx *Context, steps []Step) (err error) {
	defer func() {
		if cerr := ctx.runCleanups(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cleanup: %w", cerr))
		}
	}()
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if why := s.Skip(ctx); why != "" {
			ctx.Log.Info("skip", "step", s.Name(), "reason", why)
			continue
		}
		start := time.Now() // duration for the log only; never in outputs
		ctx.Log.Info("start", "step", s.Name())
		if err := s.Run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.Name(), err)
		}
		ctx.Log.Info("done", "step", s.Name(), "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
