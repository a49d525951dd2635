package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/svcship/svcship/internal/pipeline"
)

// cmdClean removes the GoReleaser dist folder and the Windows resource
// files (.syso) a killed run left in the package folders.
func cmdClean(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship clean", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship clean")
		fmt.Fprintln(stderr, "Removes the GoReleaser config's dist folder (default dist) and the .syso files svcship stamped that git ignores.")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	dist := "dist"
	if p := pipeline.FindProjectConfig("."); p != "" {
		gc, err := pipeline.ReadGoReleaserConfig(p)
		if err != nil {
			fmt.Fprintf(stderr, "svcship clean: %v\n", err)
			return 2
		}
		if gc.Dist != "" {
			dist = gc.Dist
		}
	}
	if err := os.RemoveAll(dist); err != nil {
		fmt.Fprintf(stderr, "svcship clean: %v\n", err)
		return 1
	}
	if err := pipeline.RemoveGeneratedResources("."); err != nil {
		fmt.Fprintf(stderr, "svcship clean: %v\n", err)
		return 1
	}
	return 0
}
