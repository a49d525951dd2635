package main

import (
	"context"
	"fmt"
	"io"

	"github.com/svcship/svcship/internal/atomicfile"
)

// cmdCopyExe is the program the installer build gives `go run -exec`: go
// run starts it as `svcship copy-exe DST EXE` with the executable it
// linked or took from its cache, and removes a fresh one when this
// returns, so it is copied to DST first.
func cmdCopyExe(_ context.Context, args []string, _, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: svcship copy-exe DST EXE  (go run -exec, for the installer build)")
		return 2
	}
	if err := atomicfile.Copy(args[1], args[0], 0o755); err != nil {
		fmt.Fprintf(stderr, "svcship copy-exe: %v\n", err)
		return 1
	}
	return 0
}
