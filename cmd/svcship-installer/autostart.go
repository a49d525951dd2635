package main

import (
	"context"
	"fmt"
	"io"
)

// cmdAutostart is written by another engineer; this placeholder keeps the
// command compiling until then.
func cmdAutostart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "svcship-installer: autostart: not available in this build")
	return 2
}
