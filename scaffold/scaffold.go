// Package scaffold is `svcship init`: it prepares an existing Go module to
// ship through svcship. It writes svcship.yaml (filled in from go.mod, the
// main package and git), a thin magefile.go that imports svcship's mage
// targets, the GitHub Actions workflows, and a .goreleaser.yaml (or merges
// what svcship needs into an existing one, saying what it changed).
//
// Init is idempotent: a second run finds every file as it would write it
// and changes nothing. It never replaces a file whose content differs from
// what it would write unless Force is set, and it checks every file before
// writing any, so a refusal leaves the tree untouched.
package scaffold

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/svcship/svcship/internal/atomicfile"

	"github.com/svcship/svcship/msipkg"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Options configure Init.
type Options struct {
	// Dir is the module's root folder (default: the working directory).
	Dir string
	// Main is the main package to ship, e.g. ./cmd/server (default: found
	// with go list; the one named like the module wins).
	Main string
	// Mode is native, hosted or autostart (default: native when the main
	// package imports svcship's service runtime, else hosted).
	Mode string
	// Force replaces files that differ from what Init would write.
	Force bool
	// DryRun reports what would change without writing.
	DryRun bool
	// Stdout receives the report (default io.Discard).
	Stdout io.Writer
}

// Change is what Init did (or would do) to one file.
type Change struct {
	Path   string // relative to Dir, slash-separated
	Action string // "create", "unchanged", "merge", "replace", "update" (go.mod)
	// Notes say what a merge changed.
	Notes []string
}

// ConflictError lists files that differ from what Init would write.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("svcship init: %s already exist(s) with other content; nothing was written (rerun with --force to replace them)", strings.Join(e.Paths, ", "))
}

// ErrNoModule is returned outside a Go module.
var ErrNoModule = errors.New("svcship init: no go.mod here: run it in the root of a Go module (go mod init creates one)")

// Project is what Init found out about the module.
type Project struct {
	Module      string // module path
	Name        string // product and service name
	DisplayName string
	Binary      string
	Main        string // ./cmd/x or .
	Mode        string
	Company     string
	Description string
	Homepage    string
	GitHub      string // owner/repo
	UpgradeCode string
	Arguments   string // YAML flow-list items, e.g. "--listen", ":8080"
}

// Init scaffolds the module at opts.Dir.
func Init(ctx context.Context, opts Options) ([]Change, error) {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("svcship init: %w", err)
	}
	p, err := Detect(ctx, dir, opts.Main, opts.Mode)
	if err != nil {
		return nil, err
	}
	files, err := p.render()
	if err != nil {
		return nil, err
	}
	gr, notes, err := p.goreleaser(dir)
	if err != nil {
		return nil, err
	}
	files[".goreleaser.yaml"] = gr

	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var changes []Change
	var conflicts []string
	for _, n := range names {
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			changes = append(changes, Change{Path: n, Action: "create"})
		case err != nil:
			return nil, fmt.Errorf("svcship init: %w", err)
		case bytes.Equal(old, files[n]):
			changes = append(changes, Change{Path: n, Action: "unchanged"})
		case n == ".goreleaser.yaml" && len(notes) > 0:
			// A merge keeps the user's file and adds what svcship needs.
			changes = append(changes, Change{Path: n, Action: "merge", Notes: notes})
		case opts.Force:
			changes = append(changes, Change{Path: n, Action: "replace"})
		default:
			conflicts = append(conflicts, n)
		}
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Paths: conflicts}
	}
	modFlags, modNotes, err := goModEdits(ctx, dir)
	if err != nil {
		return nil, err
	}
	if len(modFlags) > 0 {
		changes = append(changes, Change{Path: "go.mod", Action: "update", Notes: modNotes})
	} else {
		changes = append(changes, Change{Path: "go.mod", Action: "unchanged"})
	}
	for _, c := range changes {
		verb := c.Action
		if opts.DryRun && c.Action != "unchanged" {
			verb = "would " + verb
		}
		fmt.Fprintf(opts.Stdout, "%-15s %s\n", verb, c.Path)
		for _, n := range c.Notes {
			fmt.Fprintf(opts.Stdout, "                  - %s\n", n)
		}
		if opts.DryRun || c.Action == "unchanged" {
			continue
		}
		if c.Path == "go.mod" {
			if err := applyGoModEdits(ctx, dir, modFlags); err != nil {
				return nil, err
			}
			continue
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, filepath.FromSlash(c.Path)), files[c.Path], 0o644); err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
	}
	return changes, nil
}

func (p *Project) render() (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, tmpl := range map[string]string{
		"svcship.yaml":                  "svcship.yaml.tmpl",
		"magefile.go":                   "magefile.go.tmpl",
		".github/workflows/release.yml": "release.yml.tmpl",
		".github/workflows/ci.yml":      "ci.yml.tmpl",
	} {
		t, err := template.ParseFS(templates, "templates/"+tmpl)
		if err != nil {
			return nil, fmt.Errorf("svcship init: template %s: %w", tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, p); err != nil {
			return nil, fmt.Errorf("svcship init: template %s: %w", tmpl, err)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

// Detect reads go.mod, the main packages and git to fill in a Project.
func Detect(ctx context.Context, dir, main, mode string) (*Project, error) {
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoModule
	} else if err != nil {
		return nil, fmt.Errorf("svcship init: %w", err)
	}
	m := regexp.MustCompile(`(?m)^module\s+"?([^\s"]+)"?`).FindSubmatch(mod)
	if m == nil {
		return nil, fmt.Errorf("svcship init: go.mod has no module line")
	}
	p := &Project{Module: string(m[1])}

	mains, err := mainPackages(ctx, dir)
	if err != nil {
		return nil, err
	}
	if main == "" {
		main, err = pickMain(p.Module, mains)
		if err != nil {
			return nil, err
		}
	} else if _, ok := mains[normalizeMain(main)]; !ok {
		return nil, fmt.Errorf("svcship init: --main %s is not a main package of this module (found: %s)", main, strings.Join(sortedKeys(mains), ", "))
	}
	p.Main = normalizeMain(main)

	base := path.Base(p.Module)
	if p.Main != "." {
		base = path.Base(p.Main)
	}
	p.Name = sanitizeName(base)
	p.Binary = p.Name
	p.DisplayName = p.Name
	p.Description = fmt.Sprintf("%s, installed as a Windows service", p.Name)

	switch mode {
	case "":
		p.Mode = "hosted"
		if mains[p.Main] {
			p.Mode = "native"
		}
	case "native", "hosted", "autostart":
		p.Mode = mode
	default:
		return nil, fmt.Errorf("svcship init: --mode %q: expected native, hosted or autostart", mode)
	}

	if remote, err := gitOutput(ctx, dir, "remote", "get-url", "origin"); err == nil {
		if owner, repo, ok := parseGitHub(remote); ok {
			p.GitHub = owner + "/" + repo
			p.Homepage = "https://github.com/" + p.GitHub
			p.Company = owner
		}
	}
	if p.Company == "" {
		if name, err := gitOutput(ctx, dir, "config", "user.name"); err == nil && name != "" {
			p.Company = name
		} else {
			p.Company = p.Name + " authors"
		}
	}
	p.Company = yamlScalar(p.Company)
	p.UpgradeCode = upgradeCode(p.Module, p.Name)
	return p, nil
}

// mainPackages maps "./rel/dir" of every main package to whether it
// imports svcship's service runtime.
func mainPackages(ctx context.Context, dir string) (map[string]bool, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-f", `{{if eq .Name "main"}}{{.Dir}}|{{join .Deps ","}}{{end}}`, "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("svcship init: go list ./...: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	mains := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkgDir, deps, ok := strings.Cut(line, "|")
		if !ok {
			continue
		}
		rel, err := filepath.Rel(dir, pkgDir)
		if err != nil {
			continue
		}
		mains[normalizeMain(filepath.ToSlash(rel))] = strings.Contains(","+deps+",", ",github.com/svcship/svcship/service,")
	}
	if len(mains) == 0 {
		return nil, fmt.Errorf("svcship init: this module has no main package to ship")
	}
	return mains, nil
}

func pickMain(module string, mains map[string]bool) (string, error) {
	keys := sortedKeys(mains)
	if len(keys) == 1 {
		return keys[0], nil
	}
	want := path.Base(module)
	for _, k := range keys {
		if k == "." || path.Base(k) == want {
			return k, nil
		}
	}
	return "", fmt.Errorf("svcship init: this module has several main packages (%s); choose one with --main", strings.Join(keys, ", "))
}

func normalizeMain(m string) string {
	m = strings.TrimSuffix(filepath.ToSlash(m), "/")
	if m == "" || m == "." || m == "./" {
		return "."
	}
	return "./" + strings.TrimPrefix(m, "./")
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var nameDisallowed = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func sanitizeName(s string) string {
	s = strings.Trim(nameDisallowed.ReplaceAllString(s, "-"), "-.")
	if s == "" {
		return "app"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

var githubRemote = regexp.MustCompile(`github\.com[:/]([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?/?$`)

func parseGitHub(remote string) (owner, repo string, ok bool) {
	m := githubRemote.FindStringSubmatch(strings.TrimSpace(remote))
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// yamlScalar quotes s when YAML would read it as something else.
func yamlScalar(s string) string {
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || strings.TrimSpace(s) != s {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// upgradeCode derives a stable GUID from the module path and product name,
// so rerunning init gives the same svcship.yaml.
func upgradeCode(module, name string) string {
	return msipkg.DeriveGUID("upgrade-code", module, name)
}
