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
	"strings"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/sign"
)

// cmdSign Authenticode-signs exes, MSIs and PowerShell scripts in place
// through package sign, configured by svcship.yaml's signing section. Keys
// and PINs come from environment variables (never flags, so they stay out
// of shell history and process lists).
func cmdSign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", config.FileName, "path to svcship.yaml (its signing section; without the file, the SVCSHIP_SIGN_* variables)")
	name := fs.String("name", "", "description shown by Windows (-n; default: product.display_name)")
	url := fs.String("url", "", "product URL (-i; default: product.homepage)")
	at := fs.Int64("time", 0, "signing time as Unix seconds (default: SOURCE_DATE_EPOCH, else the HEAD commit's time)")
	require := fs.Bool("require", false, "fail instead of skipping when no key is configured")
	sigDir := fs.String("signatures", "", "also write each file's detached signature to `DIR`/<file name>.p7s")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: svcship sign [--config svcship.yaml] [--name N] [--url U] [--time unix] [--require] [--signatures DIR] FILE...\n\n"+
			"Signs .exe, .dll, .msi, .ps1, .psm1 and .psd1 files in place, keeping their mtime.\n"+
			"The signing section of svcship.yaml chooses pfx, pkcs11 or command (docs/config.md);\n"+
			"without one: %s (PKCS#12 file), %s, %s (optional RFC 3161 server).\n\n",
			sign.EnvPFX, sign.EnvPassword, sign.EnvTimestampURL)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	for _, f := range fs.Args() {
		if sign.Kind(f) == "" {
			fmt.Fprintf(stderr, "svcship sign: %s: not a file svcship signs (expected .exe, .dll, .sys, .msi, .ps1, .psm1 or .psd1)\n", f)
			return 2
		}
	}
	var cfg *config.Config
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	if _, err := os.Stat(*cfgPath); err == nil || explicit {
		c, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		cfg = c
	}
	if *require && cfg != nil && cfg.Signing != nil {
		cfg.Signing.Required = true
	}
	s, err := sign.New(cfg, os.Getenv)
	if errors.Is(err, sign.ErrNotConfigured) && !*require {
		fmt.Fprintf(stderr, "svcship sign: not signing: %s\n", strings.TrimPrefix(err.Error(), "sign: "))
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *name != "" {
		s.Description = *name
	}
	if *url != "" {
		s.URL = *url
	}
	s.Signatures = *sigDir
	s.Log = slog.New(slog.NewTextHandler(stderr, nil))
	switch t, err := signingTime(ctx, *at); {
	case err != nil:
		fmt.Fprintf(stderr, "svcship sign: %v\n", err)
		return 2
	case t.IsZero():
		fmt.Fprintln(stderr, "svcship sign: no SOURCE_DATE_EPOCH and no git commit: the signing time is now, so signed files will differ between runs")
	default:
		s.Time = t
	}
	for _, f := range fs.Args() {
		if err := s.Sign(ctx, f); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "signed %s\n", f)
	}
	return 0
}

// signingTime is --time, else the reproducible build time
// (SOURCE_DATE_EPOCH, else the HEAD commit's committer time), so that
// signed outputs stay reproducible; zero when none is known.
func signingTime(ctx context.Context, flagTime int64) (time.Time, error) {
	if flagTime != 0 {
		return time.Unix(flagTime, 0).UTC(), nil
	}
	t, src, err := gitinfo.BuildTime(ctx, os.Getenv, ".")
	if err != nil && src == "" && os.Getenv("SOURCE_DATE_EPOCH") == "" {
		return time.Time{}, nil // no git and no SOURCE_DATE_EPOCH: signing time is now
	}
	return t, err
}
