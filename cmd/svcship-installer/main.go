// Command svcship-installer is the service installer bundled in every
// svcship zip and MSI. It installs, configures, controls and removes the
// product's Windows service as described by the svcship.yaml beside it,
// and in hosted mode it is the service itself ("host").
//
// See docs/installer.md for commands, flags and exit codes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/svcship/svcship/installer"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "host":
			return cmdHost(ctx, args[1:], stdout, stderr)
		case "autostart":
			return cmdAutostart(ctx, args[1:], stdout, stderr)
		case "help", "-h", "--help":
			installer.Usage(stdout, extraHelp)
			return installer.ExitOK
		case "version", "--version":
			fmt.Fprintf(stdout, "svcship-installer %s (commit %s, built %s)\n", version, commit, date)
			return installer.ExitOK
		}
	}
	if len(args) == 0 {
		installer.Usage(stderr, extraHelp)
		return installer.ExitUsage
	}
	sys, err := installer.NewSystem()
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer: %v\n", err)
		return installer.ExitFailure
	}
	env, err := installer.DefaultEnv(sys)
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer: %v\n", err)
		return installer.ExitFailure
	}
	env.Stdout, env.Stderr = stdout, stderr
	// With service.mode autostart, install and uninstall register and
	// remove the autostart entry instead of a service.
	env.Autostart = func(ctx context.Context, args []string) int { return cmdAutostart(ctx, args, stdout, stderr) }
	return installer.Main(ctx, env, args)
}

const extraHelp = `  host         run as the service in hosted mode (the service manager calls this)
  autostart    register or remove a start at logon/boot instead of a service
  version      print the version`

// Stamped by the build with -ldflags "-X main.version=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)
