package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/svcship/svcship/release"
)

// cmdBuild runs the release pipeline without mage: the build steps, or
// with --package everything up to publishing.
func cmdBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", "svcship.yaml", "svcship.yaml to read")
	snapshot := fs.Bool("snapshot", false, "build an unversioned snapshot (no tag needed)")
	pkg := fs.Bool("package", false, "also sign, archive, build MSIs and write checksums")
	target := fs.String("target", "", "build only this goos_goarch (matrix jobs)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship build [--snapshot] [--package] [--target goos_goarch] [--config svcship.yaml]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	var targets []string
	if *target != "" {
		targets = []string{*target}
	}
	rc, err := release.NewContext(ctx, release.Options{
		ConfigPath: *cfg,
		Snapshot:   *snapshot,
		Targets:    targets,
		Stdout:     stdout,
		Stderr:     stderr,
		Logger:     slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if err != nil {
		fmt.Fprintf(stderr, "svcship build: %v\n", err)
		return 2
	}
	steps := release.BuildSteps()
	if *pkg {
		steps = release.SnapshotSteps()
	}
	if err := release.Run(rc, steps); err != nil {
		fmt.Fprintf(stderr, "svcship build: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", rc.ArtifactsPath())
	return 0
}
