package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/internal/pipeline"
	"github.com/svcship/svcship/internal/sbom"
	"github.com/svcship/svcship/internal/version"
)

// cmdSBOM writes the CycloneDX SBOM of a Go binary. GoReleaser's sboms
// pipe runs it once per binary (the entry svcship init writes).
func cmdSBOM(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship sbom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "document to write (default: standard output)")
	ver := fs.String("version", "", "the main module's version in the document, e.g. v1.2.3 (default: the binary's build information)")
	date := fs.String("date", "", "metadata.timestamp, e.g. GoReleaser's {{ .CommitDate }} (default: none)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship sbom [-o doc.cdx.json] [--version v1.2.3] [--date 2026-01-02T03:04:05Z] BINARY")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	opts := sbom.Options{Version: *ver, ToolVersion: version.Running()}
	if *date != "" {
		t, err := pipeline.ParseCommitDate(*date)
		if err != nil {
			fmt.Fprintf(stderr, "svcship sbom: --date: %v\n", err)
			return 2
		}
		opts.Time = t
	}
	doc, err := sbom.FromFile(fs.Arg(0), opts)
	if err != nil {
		fmt.Fprintf(stderr, "svcship sbom: %v\n", err)
		return 1
	}
	if *out == "" {
		if err := doc.Encode(stdout); err != nil {
			fmt.Fprintf(stderr, "svcship sbom: %v\n", err)
			return 1
		}
		return 0
	}
	if err := atomicfile.Write(*out, 0o644, doc.Encode); err != nil {
		fmt.Fprintf(stderr, "svcship sbom: %v\n", err)
		return 1
	}
	return 0
}
