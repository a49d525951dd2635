package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/svcship/svcship/internal/gitinfo"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/svcship/svcship/internal/pipeline"
	"github.com/svcship/svcship/internal/publish"
)

// cmdPublish uploads dist's release artifacts to the GitHub release for a
// tag and publishes it. The token is read from GITHUB_TOKEN only.
func cmdPublish(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runPublish(ctx, args, stdout, stderr, os.Getenv, ".")
}

// runPublish is cmdPublish with the environment and working directory
// injectable for tests.
func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, dir string) int {
	fs := flag.NewFlagSet("svcship publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dist := fs.String("dist", "dist", "GoReleaser dist `directory` holding artifacts.json")
	owner := fs.String("owner", "", "repository owner (default: from git remote origin)")
	repo := fs.String("repo", "", "repository name (default: from git remote origin)")
	tag := fs.String("tag", "", "release tag vX.Y.Z (default: the tag exactly at HEAD)")
	dryRun := fs.Bool("dry-run", false, "print the plan; send no mutating request (works without GITHUB_TOKEN)")
	concurrency := fs.Int("concurrency", 4, "parallel uploads")
	notesFile := fs.String("notes-file", "", "release notes `file` (default: CHANGELOG.md section, else commit subjects since the previous tag)")
	uploadURL := fs.String("upload-url", "", "GitHub Enterprise uploads root (default: derived from GITHUB_API_URL)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: svcship publish [flags]\n\n"+
			"Uploads the Archive, Checksum, MSI and Signature artifacts listed in\n"+
			"<dist>/artifacts.json to the GitHub release for the tag (created as a\n"+
			"draft), and publishes it once every asset is verified. Re-running is safe.\n\n"+
			"Environment: GITHUB_TOKEN (required unless --dry-run), GITHUB_API_URL.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "svcship publish: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *concurrency < 1 {
		fmt.Fprintln(stderr, "svcship publish: --concurrency must be at least 1")
		return 2
	}
	if getenv("GITHUB_TOKEN") == "" && !*dryRun {
		fmt.Fprintln(stderr, "svcship publish: GITHUB_TOKEN is not set. Export a token with contents:write\n"+
			"permission (in GitHub Actions: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}),\n"+
			"or use --dry-run to preview. The token is never accepted as a flag.")
		return 2
	}

	if *owner == "" || *repo == "" {
		remote, _ := gitinfo.Run(ctx, dir, "remote", "get-url", "origin")
		o, r, err := gitinfo.GitHubRepo("", remote, getenv)
		if err != nil {
			fmt.Fprintf(stderr, "svcship publish: %v; pass --owner and --repo\n", err)
			return 2
		}
		if *owner == "" {
			*owner = o
		}
		if *repo == "" {
			*repo = r
		}
	}
	distDir := *dist
	if !filepath.IsAbs(distDir) {
		distDir = filepath.Join(dir, distDir)
	}
	meta, err := pipeline.ReadMetadata(distDir)
	if err != nil {
		fmt.Fprintf(stderr, "svcship publish: %v (is %s a dist folder written by go tool mage release?)\n", err, *dist)
		return 2
	}
	// A snapshot is never published, and a dist is published only as the
	// tag GoReleaser built it for.
	if err := pipeline.RefuseSnapshot(distDir, meta); err != nil {
		fmt.Fprintf(stderr, "svcship publish: %v\n", err)
		return 2
	}
	if *tag == "" {
		*tag = meta.Tag
	}
	if *tag != meta.Tag {
		fmt.Fprintf(stderr, "svcship publish: --tag %s, but %s was built for %s (version %s)\n", *tag, *dist, meta.Tag, meta.Version)
		return 2
	}
	if _, err := publish.ParseTag(*tag); err != nil {
		fmt.Fprintf(stderr, "svcship %v\n", err)
		return 2
	}

	assets, err := pipeline.UploadSet(distDir)
	if err != nil {
		fmt.Fprintf(stderr, "svcship publish: %v\n", err)
		return 2
	}
	if len(assets) == 0 {
		fmt.Fprintf(stderr, "svcship publish: %s/artifacts.json lists nothing to publish\n", *dist)
		return 2
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := publish.Options{
		Owner: *owner, Repo: *repo, Tag: *tag,
		Assets:      assets,
		Concurrency: *concurrency,
		DryRun:      *dryRun,
		Out:         stdout,
		UploadURL:   *uploadURL,
		Getenv:      getenv,
		Logger:      logger,
	}
	// A dist go tool mage release wrote: GoReleaser's release pipe made
	// the draft with its name, notes and prerelease flag; keep them.
	fromGoReleaser, err := pipeline.GoReleaserRelease(dir, distDir, &opts)
	if err != nil {
		fmt.Fprintf(stderr, "svcship publish: %v\n", err)
		return 2
	}
	var notes string
	if *notesFile != "" {
		b, err := os.ReadFile(*notesFile)
		if err != nil {
			fmt.Fprintf(stderr, "svcship publish: notes: %v\n", err)
			return 2
		}
		notes = strings.TrimSpace(string(b))
	} else if fromGoReleaser {
		notes = ""
	} else if notes, err = publish.ReleaseNotes(ctx, dir, *tag); err != nil {
		// Notes are nice to have; a release without them is still a release.
		logger.Warn("no release notes", "err", err)
		notes = ""
	}

	opts.Notes = notes
	res, err := publish.Publish(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "svcship %v\n", err)
		if res.ReleaseID != 0 && res.Draft {
			fmt.Fprintln(stderr, "svcship publish: the release is still a draft; re-run to finish")
		}
		return 1
	}
	return 0
}
