package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/svcship/svcship/internal/gitinfo"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/svcship/svcship/internal/pipeline"
)

// cmdZip writes a deterministic zip or tar.gz: entries sorted, every mtime
// the same (SOURCE_DATE_EPOCH, else the HEAD commit time), fixed modes.
func cmdZip(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship zip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "archive to write; .zip, .tar.gz or .tgz (required)")
	mtime := fs.String("mtime", "", "entry time, RFC 3339 or Unix seconds (default: SOURCE_DATE_EPOCH, else the HEAD commit time)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship zip -o out.zip [--mtime T] FILE|NAME=FILE ...\n\nNAME=FILE stores FILE as NAME (e.g. scripts/install.ps1=ps/install.ps1); a bare FILE is stored under its base name. .exe files and files executable on disk get mode 0755, others 0644.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	t, err := archiveTime(ctx, *mtime)
	if err != nil {
		fmt.Fprintf(stderr, "svcship zip: %v\n", err)
		return 2
	}
	var files []pipeline.ArchiveFile
	for _, a := range fs.Args() {
		name, src, ok := strings.Cut(a, "=")
		if !ok {
			name, src = filepath.Base(a), a
		}
		st, err := os.Stat(src)
		if err != nil {
			fmt.Fprintf(stderr, "svcship zip: %v\n", err)
			return 2
		}
		exec := strings.HasSuffix(strings.ToLower(name), ".exe") || st.Mode().Perm()&0o111 != 0
		files = append(files, pipeline.ArchiveFile{Name: filepath.ToSlash(name), Source: src, Executable: exec})
	}
	switch {
	case strings.HasSuffix(*out, ".zip"):
		err = pipeline.WriteZip(*out, files, t)
	case strings.HasSuffix(*out, ".tar.gz"), strings.HasSuffix(*out, ".tgz"):
		err = pipeline.WriteTarGz(*out, files, t)
	default:
		fmt.Fprintf(stderr, "svcship zip: %s: want a .zip, .tar.gz or .tgz name\n", *out)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "svcship zip: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, *out)
	return 0
}

// archiveTime resolves the entry time: the flag, else the reproducible
// build time (SOURCE_DATE_EPOCH, else the HEAD commit time).
func archiveTime(ctx context.Context, flagValue string) (time.Time, error) {
	if flagValue != "" {
		if n, err := strconv.ParseInt(flagValue, 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
		t, err := time.Parse(time.RFC3339, flagValue)
		if err != nil {
			return time.Time{}, fmt.Errorf("--mtime %q: want RFC 3339 or Unix seconds", flagValue)
		}
		return t.UTC(), nil
	}
	t, _, err := gitinfo.BuildTime(ctx, os.Getenv, ".")
	if err != nil {
		return time.Time{}, fmt.Errorf("no --mtime: %w", err)
	}
	return t, nil
}
