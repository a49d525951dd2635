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
//
// The targets run the svcship command the project's go.mod requires (as
// `go tool svcship` would) instead of linking the pipeline into the
// magefile: mage
// rebuilds its binary on every run (it cannot see a dependency change
// otherwise), and a magefile that links GoReleaser's driver, go-github and
// the MSI writer takes half a second longer to link than one that only
// starts a command.
package targets

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// EnvConfig is the path of svcship.yaml.
const EnvConfig = "SVCSHIP_CONFIG"

// svcship runs the svcship the project's go.mod requires with args and the
// caller's output. It resolves the binary with `go tool -n svcship` (which
// builds it when needed) and starts it itself rather than through
// `go tool svcship`: the go command ignores interrupts while its tool runs,
// so cancelling it would leave svcship and GoReleaser running.
func svcship(ctx context.Context, args ...string) error {
	var path strings.Builder
	resolve := exec.CommandContext(ctx, "go", "tool", "-n", "svcship")
	resolve.Stdout, resolve.Stderr = &path, os.Stderr
	if err := resolve.Run(); err != nil {
		return fmt.Errorf("go tool -n svcship: %w (does go.mod list the tool github.com/svcship/svcship/cmd/svcship?)", err)
	}
	exe := strings.TrimSpace(path.String())
	if exe == "" {
		return fmt.Errorf("go tool -n svcship printed no path")
	}
	cmd := command(ctx, exe, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("svcship %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// stopGrace is how long a cancelled svcship may take to stop GoReleaser and
// remove the resource files it stamped before it is killed.
const stopGrace = 30 * time.Second

// command is exe with args, asked to stop (interrupt) when ctx ends, as
// Ctrl-C would; killed when it cannot be interrupted (Windows) or has not
// ended stopGrace later.
func command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = stopGrace
	return cmd
}

func drive(ctx context.Context, snapshot bool) error {
	args := []string{"build"}
	if !snapshot {
		args = append(args, "--release")
	}
	if c := os.Getenv(EnvConfig); c != "" {
		args = append(args, "--config="+c)
	}
	return svcship(ctx, args...)
}

// Snapshot runs goreleaser release --snapshot with svcship's hooks: every binary, archive, package, SBOM and checksum GoReleaser makes, plus Windows resources, the service installer, signatures and MSIs; nothing is published.
func Snapshot(ctx context.Context) error { return drive(ctx, true) }

// Release releases the tag at HEAD: GoReleaser's whole release pipeline, with svcship uploading every asset to the draft, checking digests and publishing it last; it refuses a dirty tree or a tag that is not semver.
func Release(ctx context.Context) error { return drive(ctx, false) }

// Publish uploads a dist/ that go tool mage release built, if its publishing was interrupted (svcship publish; never a snapshot).
func Publish(ctx context.Context) error { return svcship(ctx, "publish") }

// Clean removes dist/ and any Windows resource files a killed run left behind.
func Clean(ctx context.Context) error { return svcship(ctx, "clean") }
