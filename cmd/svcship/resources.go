package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/pipeline"
	"github.com/svcship/svcship/internal/resources"
	"github.com/svcship/svcship/internal/version"
)

// cmdResources writes <binary>_windows_<arch>.syso files (VERSIONINFO,
// icon, manifest) from svcship.yaml for a version, for builds outside the
// mage pipeline (a GoReleaser before-hook, a Makefile).
func cmdResources(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship resources", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", config.FileName, "svcship.yaml to read")
	ver := fs.String("version", "", "semantic version to stamp, e.g. v1.2.3 (required)")
	binary := fs.String("binary", "", "executable name without .exe (default: product.binary)")
	dir := fs.String("dir", "", "folder of the main package (default: product.main)")
	arches := fs.String("arch", strings.Join(resources.Arches(), ","), "comma-separated Windows architectures")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: svcship resources --version v1.2.3 [--config svcship.yaml] [--binary name] [--dir folder] [--arch 386,amd64,arm64]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *ver == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	v, err := version.Parse(*ver)
	if err != nil {
		fmt.Fprintf(stderr, "svcship resources: %v\n", err)
		return 2
	}
	p := cfg.Product
	name := *binary
	if name == "" {
		name = p.Binary
	}
	out := *dir
	if out == "" {
		out = cfg.Resolve(p.Main)
	}
	// The same mapping the build hooks use (one home: pipeline.ResourceInfo).
	info, err := pipeline.ResourceInfo(cfg, v, strings.TrimPrefix(*ver, "v"), name)
	if err != nil {
		fmt.Fprintf(stderr, "svcship resources: %v\n", err)
		return 2
	}
	if p.Icon != "" {
		// Checked before any .syso is written, and told with the key the
		// file came from.
		if err := resources.CheckIcon(info.IconPath); err != nil {
			fmt.Fprintf(stderr, "svcship resources: %s: product.icon: %s\n", *cfgPath, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "resources: icon: "), "resources: icon "))
			return 2
		}
	}
	paths, err := resources.WriteAll(info, out, name, strings.Split(*arches, ","))
	if err != nil {
		fmt.Fprintf(stderr, "svcship resources: %v\n", err)
		return 1
	}
	for _, path := range paths {
		fmt.Fprintln(stdout, filepath.ToSlash(path))
	}
	return 0
}
