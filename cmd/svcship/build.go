package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/svcship/svcship/internal/pipeline"
)

// cmdBuild runs what `go tool mage snapshot` (or, with --release,
// `go tool mage release`) runs, for projects without mage.
func cmdBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", "svcship.yaml", "svcship.yaml to read")
	rel := fs.Bool("release", false, "release the tag at HEAD (publishes); default is a snapshot")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship build [--release] [--config svcship.yaml]")
		fmt.Fprintln(stderr, "Extra GoReleaser flags come from "+pipeline.EnvGoReleaserFlags+".")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	if err := pipeline.Drive(ctx, pipeline.DriveOptions{ConfigPath: *cfg, Snapshot: !*rel, Stderr: stderr}); err != nil {
		fmt.Fprintf(stderr, "svcship build: %v\n", err)
		return 1
	}
	return 0
}
