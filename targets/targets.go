// Package targets is svcship's release pipeline as mage targets. A project
// adopts it with a two-line magefile:
//
//	//go:build mage
//
//	package main
//
//	import (
//		//mage:import
//		_ "github.com/svcship/svcship/targets"
//	)
//
// and runs `go tool mage -l` to list the targets. Snapshot and Release run
// GoReleaser's own release pipeline on the project's GoReleaser config,
// into which `svcship init` wrote svcship's hooks; svcship.yaml is read
// from SVCSHIP_CONFIG (default svcship.yaml) and extra GoReleaser flags
// from SVCSHIP_GORELEASER_FLAGS. See docs/pipeline.md.
package targets

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/svcship/svcship/internal/pipeline"
)

// EnvConfig is the path of svcship.yaml.
const EnvConfig = "SVCSHIP_CONFIG"

func drive(ctx context.Context, snapshot bool) error {
	return pipeline.Drive(ctx, pipeline.DriveOptions{ConfigPath: os.Getenv(EnvConfig), Snapshot: snapshot})
}

// Snapshot runs goreleaser release --snapshot with svcship's hooks: every binary, archive, package, SBOM and checksum GoReleaser makes, plus Windows resources, the service installer, signatures and MSIs; nothing is published.
func Snapshot(ctx context.Context) error { return drive(ctx, true) }

// Release releases the tag at HEAD: GoReleaser's whole release pipeline, with svcship uploading every asset to the draft, checking digests and publishing it last; it refuses a dirty tree or a tag that is not semver.
func Release(ctx context.Context) error { return drive(ctx, false) }

// Publish uploads a dist/ that go tool mage release built, if its publishing was interrupted (svcship publish; never a snapshot).
func Publish(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "tool", "svcship", "publish")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("svcship publish: %w", err)
	}
	return nil
}

// Clean removes dist/ and any Windows resource files a killed run left behind.
func Clean(context.Context) error {
	dist := "dist"
	if p := pipeline.FindProjectConfig("."); p != "" {
		if gc, err := pipeline.ReadGoReleaserConfig(p); err == nil && gc.Dist != "" {
			dist = gc.Dist
		}
	}
	if err := os.RemoveAll(dist); err != nil {
		return err
	}
	return pipeline.RemoveGeneratedResources(".")
}
