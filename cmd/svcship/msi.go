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

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/msipkg"
	"github.com/svcship/svcship/internal/version"
)

// cmdMSI builds the service MSI for one architecture:
//
//	svcship msi --config svcship.yaml --arch amd64|386|arm64 --version X.Y.Z
//	            --binary PATH [--installer PATH] --output PATH.msi
//
// The build time comes from SOURCE_DATE_EPOCH, else the commit time of
// HEAD; two runs with the same inputs write identical files.
func cmdMSI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship msi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", config.FileName, "path to svcship.yaml (it is also the file installed beside the program)")
	arch := fs.String("arch", "amd64", "Windows architecture: amd64, 386 or arm64")
	ver := fs.String("version", "", "product version (semver, e.g. 1.2.3 or v1.2.3-rc.1)")
	binary := fs.String("binary", "", "the program's Windows executable")
	inst := fs.String("installer", "", "svcship-installer.exe for the same arch (default: "+msipkg.InstallerName+" beside --binary)")
	output := fs.String("output", "", "the .msi to write")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "svcship msi: "+format+"\n", a...)
		return code
	}
	switch {
	case fs.NArg() > 0:
		return fail(2, "unexpected argument %q", fs.Arg(0))
	case *ver == "":
		return fail(2, "--version is required")
	case *binary == "":
		return fail(2, "--binary is required")
	case *output == "":
		return fail(2, "--output is required")
	}
	v, err := version.Parse(*ver)
	if err != nil {
		return fail(2, "%v", err)
	}
	c, err := config.Load(*cfgPath)
	if err != nil {
		return fail(2, "%v", err)
	}
	installer := *inst
	if installer == "" {
		installer = filepath.Join(filepath.Dir(*binary), msipkg.InstallerName)
	}
	ts, source, err := gitinfo.BuildTime(ctx, os.Getenv, c.Dir())
	if err != nil {
		return fail(2, "%v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	spec := msipkg.Spec{
		Config: c, Arch: *arch, Version: v, AppBinary: *binary, Installer: installer,
		ConfigFile: *cfgPath, Timestamp: ts, Logger: log,
	}
	if err := msipkg.BuildFile(ctx, spec, *output); err != nil {
		if errors.Is(err, msipkg.ErrInput) {
			return fail(2, "%v", err)
		}
		return fail(1, "%v", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%s, version %s, build time %s from %s)\n", *output, *arch, v, ts.Format("2006-01-02T15:04:05Z"), source)
	return 0
}
