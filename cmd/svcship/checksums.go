package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/svcship/svcship/internal/pipeline"
)

// cmdChecksums writes sha256 checksums in GoReleaser's format
// ("<hex>  <name>", sorted), verifiable with `sha256sum -c`.
func cmdChecksums(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship checksums", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "file to write (default: standard output)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship checksums [-o checksums.txt] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *out != "" {
		if err := pipeline.WriteChecksums(*out, fs.Args()); err != nil {
			fmt.Fprintf(stderr, "svcship checksums: %v\n", err)
			return 1
		}
		return 0
	}
	s, err := pipeline.Checksums(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "svcship checksums: %v\n", err)
		return 1
	}
	io.WriteString(stdout, s)
	return 0
}
