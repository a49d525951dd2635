package installer

import (
	"context"
	"fmt"
	"io"
)

// Command is the whole svcship-installer command line: every command,
// including host (hosted mode, the service manager calls it) and
// autostart, dispatched from args. versionLine is what `version` prints.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer, versionLine string) int {
	if len(args) > 0 {
		switch args[0] {
		case "host":
			return cmdHost(ctx, args[1:], stdout, stderr)
		case "autostart":
			return cmdAutostart(ctx, args[1:], stdout, stderr)
		case "help", "-h", "--help":
			Usage(stdout, extraHelp)
			return ExitOK
		case "version", "--version":
			fmt.Fprintln(stdout, versionLine)
			return ExitOK
		}
	}
	if len(args) == 0 {
		Usage(stderr, extraHelp)
		return ExitUsage
	}
	sys, err := NewSystem()
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer: %v\n", err)
		return ExitFailure
	}
	env, err := DefaultEnv(sys)
	if err != nil {
		fmt.Fprintf(stderr, "svcship-installer: %v\n", err)
		return ExitFailure
	}
	env.Stdout, env.Stderr = stdout, stderr
	// With service.mode autostart, install and uninstall register and
	// remove the autostart entry instead of a service.
	env.Autostart = func(ctx context.Context, args []string) int { return cmdAutostart(ctx, args, stdout, stderr) }
	return Main(ctx, env, args)
}

const extraHelp = `  host         run as the service in hosted mode (the service manager calls this)
  autostart    register or remove a start at logon/boot instead of a service
  version      print the version`
