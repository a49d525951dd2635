package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/svcship/svcship/internal/scaffold"
)

// cmdInit plugs svcship into the current Go module's GoReleaser release.
func cmdInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts scaffold.Options
	fs.StringVar(&opts.Dir, "dir", ".", "root of the Go module")
	fs.StringVar(&opts.Main, "main", "", "main package to ship, e.g. ./cmd/server (default: detected)")
	fs.StringVar(&opts.Mode, "mode", "", "native, hosted or autostart (default: native when the program speaks to the service manager itself: github.com/svcship/svcship/service, golang.org/x/sys/windows/svc or github.com/kardianos/service; else hosted)")
	fs.BoolVar(&opts.Force, "force", false, "replace files svcship wrote earlier (svcship.yaml, magefile.go, its workflows) that were changed since")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "print what would change and write nothing")
	fs.BoolVar(&opts.SkipCheck, "skip-check", false, "do not run `goreleaser check` on the config before and after")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "svcship init: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts.Stdout = stdout
	changes, err := scaffold.Init(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var conflict *scaffold.ConflictError
		if errors.As(err, &conflict) || errors.Is(err, scaffold.ErrNoModule) || errors.As(err, new(scaffold.ErrNoSvcshipRequire)) {
			return 2
		}
		return 1
	}
	written := 0
	for _, c := range changes {
		if c.Action != "unchanged" {
			written++
		}
	}
	switch {
	case written == 0:
		fmt.Fprintln(stdout, "svcship init: everything is already in place")
	case !opts.DryRun:
		fmt.Fprintln(stdout, "svcship init: done. Next: go mod tidy, review the \"# svcship:\" entries, then go tool mage snapshot")
	}
	return 0
}
