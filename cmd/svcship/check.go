package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/svcship/svcship/config"
	"gopkg.in/yaml.v3"
)

// cmdCheck validates svcship.yaml and prints it with every default filled
// in, so a user sees exactly what the installer and the MSI will do.
func cmdCheck(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", config.FileName, "path to svcship.yaml")
	quiet := fs.Bool("q", false, "print nothing when the file is valid")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "svcship check: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	c, err := config.Load(*path)
	if err != nil {
		fmt.Fprintf(stderr, "svcship check: %v\n", err)
		return 2
	}
	if *quiet {
		return 0
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		fmt.Fprintf(stderr, "svcship check: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "# %s is valid; with defaults applied:\n%s", *path, out)
	return 0
}
