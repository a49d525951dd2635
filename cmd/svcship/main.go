// Command svcship builds Windows service packages: version resources,
// MSIs, zips, checksums and Authenticode signatures, and publishes GitHub
// releases. Each subcommand is one step of the pipeline that
// `go tool mage release` runs, so GoReleaser hooks and other pipelines can
// call the steps they need.
//
// Exit codes: 0 success, 1 the step failed, 2 bad usage or bad input.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/svcship/svcship/internal/version"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"build":      {"run GoReleaser's release pipeline with svcship's hooks: a snapshot, or with --release the release", cmdBuild},
		"goreleaser": {"svcship's steps at a GoReleaser extension point (called from the hooks init writes)", cmdGoReleaser},
		"checksums":  {"write checksums.txt (sha256) over files", cmdChecksums},
		"copy-exe":   {"copy the executable go run built (the -exec of the installer build)", cmdCopyExe},
		"clean":      {"remove dist/ and the Windows resource files a killed run left behind", cmdClean},
		"resources":  {"write VERSIONINFO, icon and manifest .syso files for each Windows arch", cmdResources},
		"sbom":       {"write the CycloneDX SBOM of a Go binary from its build information", cmdSBOM},
		"sign":       {"Authenticode-sign exes, MSIs and PowerShell scripts (pfx, PKCS#11 or a signer command)", cmdSign},
		"zip":        {"write a deterministic zip", cmdZip},
		"check":      {"validate svcship.yaml and print the resolved settings", cmdCheck},
		"init":       {"prepare this Go module to ship through svcship", cmdInit},
		"msi":        {"build a service MSI from svcship.yaml and the built binaries", cmdMSI},
		"publish":    {"upload dist artifacts to the GitHub release and publish it", cmdPublish},
		"version":    {"print svcship's version", cmdVersion},
		"verify":     {"check a downloaded signed file against an unsigned local build and its published signature", cmdVerify},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "svcship: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: svcship <command> [flags]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'svcship <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}

func cmdVersion(_ context.Context, _ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "svcship %s\n", version.Running())
	return 0
}
