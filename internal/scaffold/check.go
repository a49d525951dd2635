package scaffold

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// pinnedGoReleaser is the GoReleaser svcship is tested with (the version in
// tools/go.mod; a test keeps them equal). Init checks configs with it and
// the workflows it writes install it.
const (
	goreleaserModule        = "github.com/goreleaser/goreleaser/v2"
	pinnedGoReleaserVersion = "v2.15.1"
)

// goreleaserCommand finds GoReleaser the way svcship's pipeline does: a
// goreleaser on PATH of the pinned version, else the project's own pin in
// tools/go.mod, else `go run` of the pinned version.
func goreleaserCommand(ctx context.Context, dir string) []string {
	if p, err := exec.LookPath("goreleaser"); err == nil {
		out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput()
		// Release binaries say 2.15.1, module builds v2.15.1.
		v := regexp.QuoteMeta(strings.TrimPrefix(pinnedGoReleaserVersion, "v"))
		if err == nil && regexp.MustCompile(`(?m)^GitVersion:\s+v?`+v+`\s*$`).Match(out) {
			return []string{p}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tools", "go.mod")); err == nil {
		return []string{"go", "tool", "-modfile=tools/go.mod", "goreleaser"}
	}
	return []string{"go", "run", goreleaserModule + "@" + pinnedGoReleaserVersion}
}

// checkResult is what `goreleaser check` said about one config.
type checkResult struct {
	// Invalid is GoReleaser's reason when it rejects the config ("" when
	// it is valid, deprecations or not).
	Invalid string
	// Deprecated are the properties GoReleaser reports as deprecated.
	Deprecated []string
}

var (
	deprecatedRE = regexp.MustCompile(`DEPRECATED: \x60?([A-Za-z0-9_.]+)\x60?`)
	invalidRE    = regexp.MustCompile(`configuration is invalid: (.*)`)
	ansiRE       = regexp.MustCompile("\x1b\\[[0-9;]*m")
)

// goreleaserCheck runs `goreleaser check --config file` in dir.
func goreleaserCheck(ctx context.Context, gr []string, dir, file string) (*checkResult, error) {
	args := append(append([]string(nil), gr[1:]...), "check", "--config", file)
	cmd := exec.CommandContext(ctx, gr[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := ansiRE.ReplaceAllString(out.String(), "")
	res := &checkResult{}
	seen := map[string]bool{}
	for _, m := range deprecatedRE.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			res.Deprecated = append(res.Deprecated, m[1])
		}
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && len(res.Deprecated) > 0 && !strings.Contains(text, "configuration is invalid"):
		// Exit status 2: valid, with deprecated properties.
	case errors.As(err, &exit) && !strings.Contains(text, "configuration"):
		// GoReleaser never got to the config (go run could not build it,
		// say): nothing was checked.
		return nil, &notRunError{cmd: strings.Join(gr, " "), out: lastLine(text)}
	case errors.As(err, &exit):
		res.Invalid = strings.TrimSpace(text)
		if m := invalidRE.FindStringSubmatch(text); m != nil {
			res.Invalid = strings.TrimSpace(m[1])
		}
		// The reason names the file checked; say it of the config.
		res.Invalid = strings.ReplaceAll(res.Invalid, file, filepath.Base(file))
	default:
		return nil, &notRunError{cmd: strings.Join(gr, " "), out: err.Error()}
	}
	return res, nil
}

// notRunError: GoReleaser could not be run; init goes on and says so.
type notRunError struct{ cmd, out string }

func (e *notRunError) Error() string { return e.cmd + ": " + e.out }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// deprecationFixes are the replacements GoReleaser's deprecation notices
// (https://goreleaser.com/deprecations) name for the properties it warns
// about in v2.15.1.
var deprecationFixes = map[string]string{
	"archives.format":                  "use formats, a list: formats: [tar.gz]",
	"archives.format_overrides.format": "use formats, a list, in each format_overrides entry",
	"archives.builds":                  "rename builds to ids",
	"nfpms.builds":                     "rename builds to ids",
	"snaps.builds":                     "rename builds to ids",
	"snapshot.name_template":           "rename it to version_template",
	"builds.gobinary":                  "rename gobinary to tool",
	"kos.repository":                   "use repositories, a list",
	"kos.sbom":                         "remove it (ko's SBOMs are no longer generated)",
	"brews":                            "move the formula to homebrew_casks",
	"homebrew_casks.binary":            "use binaries, a list",
	"homebrew_casks.manpage":           "use manpages, a list",
	"homebrew_casks.conflicts.formula": "remove formula conflicts; casks conflict with casks",
	"nfpms.maintainer":                 "set maintainer in each nfpms entry",
}

// deprecationAdvice is one report line for a deprecated property.
func deprecationAdvice(prop string) string {
	url := "https://goreleaser.com/deprecations#" + strings.NewReplacer(".", "", ":", "", " ", "-").Replace(prop)
	if fix, ok := deprecationFixes[prop]; ok {
		return fmt.Sprintf("%s is deprecated: %s (%s)", prop, fix, url)
	}
	return fmt.Sprintf("%s is deprecated: see %s", prop, url)
}
