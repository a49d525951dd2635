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
	"runtime/debug"

	"github.com/svcship/svcship/internal/installer"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return installer.Command(ctx, args, stdout, stderr, "svcship-installer "+version())
}

// version is svcship's module version from the build information. The
// installer is linked once for every product (its VERSIONINFO says which
// one it ships with), so it carries no product stamps.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if bi.Main.Path == svcshipModule {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == svcshipModule {
			return d.Version
		}
	}
	return "(unknown)"
}

const svcshipModule = "github.com/svcship/svcship"
