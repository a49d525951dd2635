// Package pipeline is svcship's part of a release: the steps GoReleaser
// runs through its own extension points (a global before hook, each
// Windows build's post hook, two custom publishers), and the driver that
// `go tool mage snapshot` and `go tool mage release` use to run GoReleaser
// around them.
//
// Like GoReleaser's own pipes, every step is a small type with a Name, a
// Skip that says why it does not apply, and a Run. The lists below are the
// whole of svcship's work, in the order it happens inside
// `goreleaser release`; docs/pipeline.md shows the configuration that
// wires each list to its extension point.
package pipeline

import (
	"errors"
	"fmt"
	"time"
)

// Step is one stage of svcship's work.
type Step interface {
	// Name is a short lowercase label used in logs and errors.
	Name() string
	// Skip returns why the step does not apply to this run, or "" to run it.
	Skip(ctx *Context) string
	// Run does the work.
	Run(ctx *Context) error
}

// Before runs as GoReleaser's global before hook, after GoReleaser has
// settled the version and before it builds anything.
func Before() []Step {
	return []Step{
		// Load svcship.yaml (every error names file, line and key) and
		// check the version fits Windows' numeric versions.
		loadStep{},
		// Write VERSIONINFO, icon and manifest as one .syso per Windows
		// arch beside each Windows build's main package; the build hook
		// of that target removes it again.
		resourcesStep{},
	}
}

// BuildPost runs as the post hook of each Windows target of a build, in
// parallel with the other targets, before GoReleaser archives anything.
func BuildPost() []Step {
	return []Step{
		// Load svcship.yaml and the facts GoReleaser passed.
		loadStep{},
		// The .syso of this target has been linked: remove it.
		unstampStep{},
		// Leave a copy of this svcship at <dist>/svcship/bin/ for the
		// sboms entry (once per binary) and the publishers.
		toolStep{},
		// Authenticode-sign the exe GoReleaser just built, keeping its
		// mod_timestamp mtime (skipped with one notice without a key).
		signStep{what: signBuilt},
		// For the product's binary: build svcship-installer.exe for this
		// arch from the module graph, with its own VERSIONINFO, and sign it.
		installerStep{},
		// Stage what the Windows archives add (installer, svcship.yaml,
		// signed scripts) under <dist>/svcship/windows_<arch>/, where the
		// archive's files entry picks it up.
		stageStep{},
		// Build the MSI for this arch into <dist>/ (checksum.extra_files and
		// release.extra_files list it), then sign it.
		msiStep{},
		signStep{what: signMSI},
	}
}

// Record runs as the first svcship custom publisher, once per artifact
// GoReleaser would upload: it notes the file so Publish uploads exactly
// GoReleaser's set.
func Record() []Step {
	return []Step{recordStep{}}
}

// Publish runs as the second svcship custom publisher, once, after
// GoReleaser's release pipe created the draft and its other publishers
// (Homebrew, Scoop, winget, ...) ran, and before it announces.
func Publish() []Step {
	return []Step{
		// GoReleaser may start this publisher more than once: one goes on.
		claimStep{},
		// metadata.json and the effective config, read once; a snapshot
		// stops here, before anything is written or sent.
		releaseFactsStep{},
		// winget manifests (installer type msi, ProductCode, per-arch URLs
		// and sha256) for the MSIs, uploaded with the release.
		wingetStep{},
		// Upload every recorded file to the draft (retrying, skipping what
		// is already there with the same digest), check each digest, then
		// publish the draft unless the project asked for draft: true.
		publishStep{},
		// In GitHub Actions, list every published file with its size and
		// sha256 in the job summary.
		summaryStep{},
	}
}

// Run runs steps in order, stopping at the first error. Cleanups
// registered by steps run at the end whatever happens.
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
			ctx.Log.Debug(s.Name(), "skipped", why)
			continue
		}
		start := time.Now() // for the log only; never in outputs
		if err := s.Run(ctx); errors.Is(err, errSkipRest) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", s.Name(), err)
		}
		if d := time.Since(start); d >= 100*time.Millisecond {
			ctx.Log.Info(s.Name()+" done", "took", d.Round(time.Millisecond))
		}
	}
	return nil
}
