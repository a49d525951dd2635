package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/pipeline"
)

// cmdGoReleaser runs svcship's steps at one of GoReleaser's extension
// points. GoReleaser calls it from the hooks and publishers that
// `svcship init` writes into the project's GoReleaser config; the flags
// carry GoReleaser's template values ({{ .Version }}, {{ .Path }}, ...).
func cmdGoReleaser(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	hooks := map[string]struct {
		steps func() []pipeline.Step
		what  string
	}{
		"before":  {pipeline.Before, "global before hook: check svcship.yaml, stamp Windows resources"},
		"build":   {pipeline.BuildPost, "post hook of each Windows build target: sign, installer, archive files, MSI"},
		"record":  {pipeline.Record, "custom publisher, once per artifact: note a file GoReleaser would upload"},
		"publish": {pipeline.Publish, "custom publisher: upload the noted files to the draft, check digests, publish"},
	}
	usage := func() {
		fmt.Fprintln(stderr, "usage: svcship goreleaser <hook> [flags]  (called by GoReleaser; see docs/pipeline.md)")
		for _, n := range []string{"before", "build", "record", "publish"} {
			fmt.Fprintf(stderr, "  %-8s %s\n", n, hooks[n].what)
		}
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	h, ok := hooks[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "svcship goreleaser: unknown hook %q\n", args[0])
		usage()
		return 2
	}
	fs := flag.NewFlagSet("svcship goreleaser "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f pipeline.Facts
	var date string
	cfg := fs.String("config", envOr("SVCSHIP_CONFIG", config.FileName), "svcship.yaml to read")
	fs.StringVar(&f.Dist, "dist", "dist", "GoReleaser's dist folder")
	fs.StringVar(&f.Version, "version", "", "{{ .Version }}")
	fs.StringVar(&f.Tag, "tag", "", "{{ .Tag }}")
	fs.StringVar(&date, "date", "", "{{ .CommitDate }}")
	fs.StringVar(&f.Commit, "commit", "", "{{ .FullCommit }}")
	fs.StringVar(&f.ProjectName, "project", "", "{{ .ProjectName }}")
	fs.BoolVar(&f.Snapshot, "snapshot", false, "{{ .IsSnapshot }}")
	fs.StringVar(&f.Path, "path", "", "build hook: {{ .Path }}; record: {{ .ArtifactPath }}")
	fs.StringVar(&f.Arch, "arch", "", "build hook: {{ .Arch }}")
	fs.StringVar(&f.Target, "target", "", "build hook: {{ .Target }}")
	fs.StringVar(&f.ArtifactName, "name", "", "record: {{ .ArtifactName }}")
	verbose := fs.Bool("debug", false, "log skipped steps too")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "svcship goreleaser %s: unexpected argument %q\n", args[0], fs.Arg(0))
		return 2
	}
	switch args[0] {
	case "record":
		// The record hook's --path is the artifact's, not a build's.
		f.ArtifactPath, f.Path = f.Path, ""
	case "before", "build":
		if date == "" || f.Version == "" {
			fmt.Fprintf(stderr, "svcship goreleaser %s: --version and --date are required (GoReleaser's {{ .Version }} and {{ .CommitDate }})\n", args[0])
			return 2
		}
	}
	if args[0] == "build" && (f.Path == "" || f.Arch == "" || f.Target == "") {
		fmt.Fprintln(stderr, "svcship goreleaser build: --path, --arch and --target are required ({{ .Path }}, {{ .Arch }}, {{ .Target }})")
		return 2
	}
	if date != "" {
		t, err := pipeline.ParseCommitDate(date)
		if err != nil {
			fmt.Fprintf(stderr, "svcship goreleaser %s: %v\n", args[0], err)
			return 2
		}
		f.CommitTime = t
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(pipeline.NewLogHandler(stderr, level))
	rc, err := pipeline.NewContext(ctx, ".", *cfg, f, os.Getenv, stdout, stderr, log)
	if err != nil {
		fmt.Fprintf(stderr, "svcship goreleaser %s: %v\n", args[0], err)
		return 2
	}
	if err := pipeline.Run(rc, h.steps()); err != nil {
		// GoReleaser prints a failed hook's output: keep the cause on one line.
		fmt.Fprintf(stderr, "svcship: %s\n", strings.TrimSpace(err.Error()))
		return 1
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
