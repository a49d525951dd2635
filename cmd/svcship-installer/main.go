// Command svcship-installer is the service installer bundled in every
// svcship zip and MSI. It installs, configures, controls and removes the
// product's Windows service as described by the svcship.yaml beside it,
// and in hosted mode it is the service itself ("host"). Every command
// lives in package installer; this is only the entry point.
//
// See docs/installer.md for commands, flags and exit codes.
package main

import (
	"context"
	"io"
	"os"

	"github.com/svcship/svcship/internal/installer"
	"github.com/svcship/svcship/internal/version"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run prints svcship's version for `version`: the installer is linked
// once for every product (its VERSIONINFO says which one it ships with)
// and carries no product stamps.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return installer.Command(ctx, args, stdout, stderr, "svcship-installer "+version.Running())
}
