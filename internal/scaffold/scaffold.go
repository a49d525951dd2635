// Package scaffold is `svcship init`: it plugs svcship into an existing Go
// module's GoReleaser release. It edits the project's GoReleaser config in
// place (whichever name GoReleaser reads it under), adding svcship's hooks,
// archive files, checksum and release entries and publishers, each marked
// with a "# svcship:" comment; it adds what svcship's hooks need to an
// existing release workflow (keeping every step), and writes svcship.yaml
// (named after the GoReleaser project and binary), a thin magefile.go, the
// tools in go.mod, .gitignore entries, and svcship's own workflows where
// the project has none.
//
// Init is idempotent: a second run finds every entry in place and changes
// nothing. Files of the project are only ever added to; a file svcship
// wrote itself and the user changed is replaced only with Force. Every
// change, and GoReleaser's own check of the result, is worked out before
// anything is written, so a refusal leaves the tree untouched.
package scaffold

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/gitinfo"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/atomicfile"
	"github.com/svcship/svcship/internal/msipkg"
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
	// package, built for Windows, speaks to the service manager itself
	// (servicePackages), else hosted).
	Mode string
	// Force replaces a file svcship writes itself (svcship.yaml,
	// magefile.go, its workflows) that differs from what Init would write.
	// The project's own files never need it: they are only added to.
	Force bool
	// DryRun reports what would change without writing.
	DryRun bool
	// Stdout receives the report (default io.Discard).
	Stdout io.Writer
	// GoReleaser is the command that runs GoReleaser for `goreleaser
	// check` (default: found as svcship's pipeline finds it).
	GoReleaser []string
	// SkipCheck skips `goreleaser check` (offline, or no GoReleaser).
	SkipCheck bool
}

// Change is what Init did (or would do) to one file.
type Change struct {
	Path string // relative to Dir, slash-separated
	// Action is "create", "unchanged", "merge" (a file of the project,
	// edited in place), "replace" (--force) or "update" (go.mod).
	Action string
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
	// Account is the service account written to svcship.yaml.
	Account string
	// GoReleaserFile is the GoReleaser config init edits (slash path
	// relative to the module root; "" when there is none yet).
	GoReleaserFile string
	// ServiceImport is the service-manager package that made Detect choose
	// native mode ("" otherwise).
	ServiceImport string
	// GoReleaserVersion is the GoReleaser the workflows install.
	GoReleaserVersion string
	// SignPFXVar and SignSecrets are the signing variables the release
	// workflow provides (signingEnv).
	SignPFXVar  string
	SignSecrets []string

	buildID           string // GoReleaser id of the product build
	projectFromModule bool   // project_name must be added (module ends in /vN)
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
	sc, err := readSigning(dir)
	if err != nil {
		return nil, err
	}
	wf, err := planWorkflows(dir, sc)
	if err != nil {
		return nil, err
	}
	p.SignPFXVar, p.SignSecrets = signingEnv(sc)
	files, err := p.render(wf)
	if err != nil {
		return nil, err
	}

	// The GoReleaser config: the adopter's, edited in place, or a new one.
	grName, grBase := p.GoReleaserFile, []byte(nil)
	if grName == "" {
		grName, grBase = freshGoReleaserName, []byte(p.freshGoReleaser())
	} else if grBase, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(grName))); err != nil {
		return nil, fmt.Errorf("svcship init: %w", err)
	}
	grOut, grNotes, hints, err := mergeGoReleaser(grBase, p)
	if err != nil {
		return nil, fmt.Errorf("svcship init: %s: %w", grName, err)
	}
	var changes []Change
	data := map[string][]byte{}
	add := func(c Change, b []byte) {
		changes = append(changes, c)
		data[c.Path] = b
	}
	switch {
	case p.GoReleaserFile == "":
		add(Change{Path: grName, Action: "create"}, grOut)
	case len(grNotes) > 0:
		add(Change{Path: grName, Action: "merge", Notes: grNotes}, grOut)
	default:
		add(Change{Path: grName, Action: "unchanged"}, nil)
	}
	for _, e := range wf.edits {
		add(Change{Path: e.path, Action: "merge", Notes: e.notes}, e.data)
	}
	gi, giNotes, err := gitignoreEdit(dir, distDir(grOut))
	if err != nil {
		return nil, err
	}
	if len(giNotes) > 0 {
		action := "merge"
		if _, err := os.Stat(filepath.Join(dir, ".gitignore")); errors.Is(err, os.ErrNotExist) {
			action = "create"
		}
		add(Change{Path: ".gitignore", Action: action, Notes: giNotes}, gi)
	} else {
		add(Change{Path: ".gitignore", Action: "unchanged"}, nil)
	}

	// Files svcship writes itself: a difference means the user changed
	// one, which only --force replaces.
	var conflicts []string
	for _, n := range sortedNames(files) {
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			add(Change{Path: n, Action: "create"}, files[n])
		case err != nil:
			return nil, fmt.Errorf("svcship init: %w", err)
		case bytes.Equal(old, files[n]):
			add(Change{Path: n, Action: "unchanged"}, nil)
		case !opts.Force && userOwned(n, old):
			// Written by an earlier init and made the user's own since.
			add(Change{Path: n, Action: "unchanged", Notes: []string{"yours, kept as it is (--force writes svcship's again)"}}, nil)
		case opts.Force:
			add(Change{Path: n, Action: "replace"}, files[n])
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

	// GoReleaser must accept the result for every reason it accepted the
	// original: checked before anything is written.
	var report []string
	if !opts.SkipCheck {
		report, err = checkConfigs(ctx, opts, dir, grName, grBase, grOut, p.GoReleaserFile != "")
		var notRun *notRunError
		switch {
		case errors.As(err, &notRun):
			report = []string{fmt.Sprintf("goreleaser check: not run (%v); run `goreleaser check` yourself", notRun)}
		case err != nil:
			return nil, err
		}
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
	}
	for _, h := range hints {
		fmt.Fprintf(opts.Stdout, "hint: %s: %s\n", grName, h)
	}
	if p.ServiceImport != "" {
		fmt.Fprintf(opts.Stdout, "mode: native (the program imports %s: installed as the service itself)\n", p.ServiceImport)
	}
	for _, r := range report {
		fmt.Fprintln(opts.Stdout, r)
	}
	if opts.DryRun {
		return changes, nil
	}
	for _, c := range changes {
		if c.Action == "unchanged" {
			continue
		}
		if c.Path == "go.mod" {
			if err := applyGoModEdits(ctx, dir, modFlags); err != nil {
				return nil, err
			}
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(c.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
		if err := atomicfile.WriteFile(target, data[c.Path], 0o644); err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
	}
	return changes, nil
}

// checkConfigs runs `goreleaser check` on the config as it was and as init
// would leave it, refuses a result GoReleaser rejects for a reason the
// original did not have, and returns the report lines (deprecations with
// their fixes).
func checkConfigs(ctx context.Context, opts Options, dir, name string, before, after []byte, existed bool) ([]string, error) {
	gr := opts.GoReleaser
	if len(gr) == 0 {
		gr = goreleaserCommand(ctx, dir)
	}
	tmp, err := os.MkdirTemp("", "svcship-init-check-")
	if err != nil {
		return nil, fmt.Errorf("svcship init: %w", err)
	}
	defer os.RemoveAll(tmp)
	run := func(label string, data []byte) (*checkResult, error) {
		f := filepath.Join(tmp, label, filepath.Base(name))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
		if err := os.WriteFile(f, data, 0o644); err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
		return goreleaserCheck(ctx, gr, dir, f)
	}
	var old *checkResult
	if existed {
		if old, err = run("before", before); err != nil {
			return nil, err
		}
	} else {
		old = &checkResult{}
	}
	res := old
	if !bytes.Equal(before, after) || !existed {
		if res, err = run("after", after); err != nil {
			return nil, err
		}
	}
	if res.Invalid != "" && res.Invalid != old.Invalid {
		return nil, fmt.Errorf("svcship init: goreleaser check rejects %s with svcship's entries: %s; nothing was written", name, res.Invalid)
	}
	var report []string
	if res.Invalid != "" {
		report = append(report, fmt.Sprintf("goreleaser check: %s is invalid already, before svcship's changes: %s", name, res.Invalid))
	}
	for _, d := range res.Deprecated {
		if !slices.Contains(old.Deprecated, d) {
			return nil, fmt.Errorf("svcship init: goreleaser check: svcship's entries would use the deprecated %s; nothing was written", d)
		}
		report = append(report, "goreleaser check: "+name+": "+deprecationAdvice(d))
	}
	if res.Invalid == "" && len(res.Deprecated) == 0 {
		report = append(report, "goreleaser check: "+name+" is valid")
	}
	return report, nil
}

// userOwned reports whether a file svcship wrote once is now the user's:
// svcship.yaml is their configuration once it is valid, and a magefile
// that imports svcship's targets may hold targets of their own.
func userOwned(name string, data []byte) bool {
	switch name {
	case config.FileName:
		_, err := config.Parse(name, data)
		return err == nil
	case "magefile.go":
		return bytes.Contains(data, []byte(`"github.com/svcship/svcship/targets"`))
	}
	return false
}

func sortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// distDir is the config's dist: value (default dist).
func distDir(gr []byte) string {
	var c struct {
		Dist string `yaml:"dist"`
	}
	if yaml.Unmarshal(gr, &c) == nil && c.Dist != "" {
		return strings.TrimSuffix(strings.TrimPrefix(c.Dist, "./"), "/")
	}
	return "dist"
}

// gitignoreEdit adds GoReleaser's output folder and the .syso resources
// svcship stamps before the build to .gitignore, where missing.
func gitignoreEdit(dir, dist string) ([]byte, []string, error) {
	old, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("svcship init: %w", err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(old), "\n") {
		l = strings.TrimSpace(l)
		lines[strings.TrimSuffix(strings.TrimPrefix(l, "/"), "/")] = true
	}
	var add, notes []string
	if !lines[dist] {
		add = append(add, dist+"/")
		notes = append(notes, dist+"/ (GoReleaser's output)")
	}
	if !lines["*.syso"] {
		add = append(add, "*.syso")
		notes = append(notes, "*.syso (the Windows resources svcship stamps before each build)")
	}
	if len(add) == 0 {
		return nil, nil, nil
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	b.WriteString(marker + "GoReleaser's output and generated Windows resources\n")
	for _, a := range add {
		b.WriteString(a + "\n")
	}
	return b.Bytes(), notes, nil
}

func (p *Project) render(wf *workflowPlan) (map[string][]byte, error) {
	out := map[string][]byte{}
	tmpls := map[string]string{
		"svcship.yaml": "svcship.yaml.tmpl",
		"magefile.go":  "magefile.go.tmpl",
	}
	if wf.writeRelease {
		tmpls[releaseWorkflow] = "release.yml.tmpl"
	}
	if wf.writeCI {
		tmpls[ciWorkflow] = "ci.yml.tmpl"
	}
	for name, tmpl := range tmpls {
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

// Detect reads go.mod, the GoReleaser config, the main packages and git to
// fill in a Project.
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

	p.GoReleaserFile, err = findGoReleaserConfig(dir)
	if err != nil {
		return nil, err
	}
	var gc *grConfig
	if p.GoReleaserFile != "" {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p.GoReleaserFile)))
		if err != nil {
			return nil, fmt.Errorf("svcship init: %w", err)
		}
		if _, gc, err = parseGoReleaser(data); err != nil {
			return nil, fmt.Errorf("svcship init: %s: %w", p.GoReleaserFile, err)
		}
	}

	mains, err := mainPackages(ctx, dir)
	if err != nil {
		return nil, err
	}
	var remoteRepo string
	if remote, err := gitinfo.Run(ctx, dir, "remote", "get-url", "origin"); err == nil && strings.Contains(remote, "github.com") {
		if r := gitinfo.RepoFromRemote(remote); r != "" {
			owner, repo, _ := strings.Cut(r, "/")
			p.GitHub = r
			p.Homepage = "https://github.com/" + p.GitHub
			p.Company = owner
			remoteRepo = repo
		}
	}

	// The names come from the GoReleaser config when there is one: its
	// project_name, and the binary of the build that makes the program.
	project := ""
	if gc != nil {
		project = gc.ProjectName
		if project == "" && remoteRepo != "" {
			// What GoReleaser itself falls back to first.
			project = remoteRepo
		}
	}
	var build *grBuild
	if gc != nil {
		want := ""
		if main != "" {
			want = normalizeMain(main)
		}
		guess := project
		if guess == "" {
			guess = path.Base(stripMajor(p.Module))
		}
		if i := gc.productBuild(want, guess); i >= 0 {
			build = &gc.Builds[i]
		}
	}
	if main == "" && build != nil && build.Main != "" && !strings.Contains(build.Main, "...") {
		main = build.Main
		if strings.HasSuffix(main, ".go") {
			// GoReleaser also takes the main file itself.
			main = path.Dir(filepath.ToSlash(main))
		}
		if _, ok := mains[normalizeMain(main)]; !ok {
			return nil, fmt.Errorf("svcship init: %s: the build %q has main %s, which is not a main package of this module (found: %s)", p.GoReleaserFile, build.ID, main, strings.Join(sortedKeys(mains), ", "))
		}
	}
	if main == "" && build != nil {
		if _, ok := mains["."]; ok {
			main = "." // GoReleaser's default main
		}
	}
	if main == "" {
		main, err = pickMain(stripMajor(p.Module), mains)
		if err != nil {
			return nil, err
		}
	} else if _, ok := mains[normalizeMain(main)]; !ok {
		return nil, fmt.Errorf("svcship init: --main %s is not a main package of this module (found: %s)", main, strings.Join(sortedKeys(mains), ", "))
	}
	p.Main = normalizeMain(main)

	switch {
	case project != "":
		p.Name = sanitizeName(project)
	case gc != nil || p.Main == ".":
		// GoReleaser would name the project after the module; never after
		// a /vN suffix.
		p.Name = sanitizeName(path.Base(stripMajor(p.Module)))
		p.projectFromModule = gc != nil && stripMajor(p.Module) != p.Module
	default:
		p.Name = sanitizeName(path.Base(p.Main))
	}
	p.Binary = p.Name
	if build != nil {
		p.buildID = build.ID
		if build.Binary != "" && !strings.Contains(build.Binary, "{{") {
			p.Binary = sanitizeName(path.Base(build.Binary))
		}
	}
	if p.buildID == "" {
		p.buildID = p.Name
	}
	p.DisplayName = p.Name
	p.Description = fmt.Sprintf("%s, installed as a Windows service", p.Name)

	switch mode {
	case "":
		p.Mode = "hosted"
		pkg, err := serviceImport(ctx, dir, p.Main)
		if err != nil {
			return nil, err
		}
		if pkg != "" {
			p.Mode = "native"
			p.ServiceImport = pkg
		}
	case "native", "hosted", "autostart":
		p.Mode = mode
	default:
		return nil, fmt.Errorf("svcship init: --mode %q: expected native, hosted or autostart", mode)
	}

	if p.Company == "" {
		if name, err := gitinfo.Run(ctx, dir, "config", "user.name"); err == nil && name != "" {
			p.Company = name
		} else {
			p.Company = p.Name + " authors"
		}
	}
	p.Company = yamlScalar(p.Company)
	p.UpgradeCode = upgradeCode(p.Module, p.Name)
	p.Account = defaultAccount
	p.GoReleaserVersion = pinnedGoReleaserVersion
	return p, nil
}

// defaultAccount is the service account init writes: the virtual account
// NT SERVICE\<name>, the least privilege that still has an identity of
// its own for ACLs. Written out, so svcship.yaml says what it gets.
const defaultAccount = config.AccountVirtual

// servicePackages speak to the Windows service manager: a program that
// imports one is the service itself (native mode).
var servicePackages = []string{
	"github.com/svcship/svcship/service",
	"golang.org/x/sys/windows/svc",
	"github.com/kardianos/service",
}

// serviceImport returns the service package that the main package (or a
// package of this module it uses) imports when built for Windows, or "".
func serviceImport(ctx context.Context, dir, main string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{join .Imports " "}}{{end}}{{end}}`, main)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("svcship init: GOOS=windows go list -deps %s: %v: %s", main, err, strings.TrimSpace(stderr.String()))
	}
	imports := strings.Fields(string(out))
	for _, pkg := range servicePackages {
		if slices.Contains(imports, pkg) {
			return pkg, nil
		}
	}
	return "", nil
}

// mainPackages lists "./rel/dir" of every main package (the values are
// unused).
func mainPackages(ctx context.Context, dir string) (map[string]bool, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-f", `{{if eq .Name "main"}}{{.Dir}}|{{end}}`, "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("svcship init: go list ./...: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	mains := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkgDir, _, ok := strings.Cut(line, "|")
		if !ok {
			continue
		}
		rel, err := filepath.Rel(dir, pkgDir)
		if err != nil {
			continue
		}
		mains[normalizeMain(filepath.ToSlash(rel))] = true
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
