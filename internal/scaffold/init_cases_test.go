package scaffold

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/testtool"
)

// Init edits the config under whichever name GoReleaser reads it, and only
// that one.
func TestInitEditsTheConfigGoReleaserReads(t *testing.T) {
	for _, tc := range []struct {
		present []string // config files in the project, the first holds pingd's config
		want    string   // the one init edits
	}{
		{[]string{".config/goreleaser.yml"}, ".config/goreleaser.yml"},
		{[]string{".config/goreleaser.yaml"}, ".config/goreleaser.yaml"},
		{[]string{".goreleaser.yml"}, ".goreleaser.yml"},
		{[]string{".goreleaser.yaml"}, ".goreleaser.yaml"},
		{[]string{"goreleaser.yml"}, "goreleaser.yml"},
		{[]string{"goreleaser.yaml"}, "goreleaser.yaml"},
		// GoReleaser's order: .goreleaser.yml before .goreleaser.yaml.
		{[]string{".goreleaser.yml", ".goreleaser.yaml"}, ".goreleaser.yml"},
		{[]string{".config/goreleaser.yaml", "goreleaser.yml"}, ".config/goreleaser.yaml"},
	} {
		t.Run(strings.Join(tc.present, "+"), func(t *testing.T) {
			dir := copyProject(t)
			orig, err := os.ReadFile(filepath.Join(dir, ".goreleaser.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(dir, ".goreleaser.yaml"))
			for _, n := range tc.present {
				p := filepath.Join(dir, filepath.FromSlash(n))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, orig, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			changes, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if strings.Contains(c.Path, "goreleaser") && c.Path != tc.want {
					t.Errorf("init touched %s (%s); GoReleaser reads %s", c.Path, c.Action, tc.want)
				}
			}
			got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tc.want)))
			if !strings.Contains(string(got), "# svcship: ") || !strings.Contains(string(got), "# pingd's own release config") {
				t.Errorf("%s was not edited in place:\n%s", tc.want, got)
			}
			for _, n := range tc.present {
				if n == tc.want {
					continue
				}
				if other, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n))); !bytes.Equal(other, orig) {
					t.Errorf("%s changed, though GoReleaser does not read it", n)
				}
			}
		})
	}
}

// A /v2 module without project_name: svcship names everything after the
// module without its major-version suffix, and writes project_name so
// GoReleaser does too.
func TestInitModuleMajorVersionSuffix(t *testing.T) {
	dir := adoptProject(t, "vprefix", "relay")
	// No project_name, no binary, and a remote that does not name the
	// project either: only the module path is left.
	run(t, dir, "git", "remote", "remove", "origin")
	p := filepath.Join(dir, ".goreleaser.yml")
	editFile(t, p, "project_name: relay\n", "")
	editFile(t, p, "    binary: relay\n", "")
	var out bytes.Buffer
	if _, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Product.Name != "relay" || c.Product.Binary != "relay" || c.Service.Name != "relay" || c.Packaging.InstallDir != "relay" {
		t.Errorf("product %+v service %q install_dir %q: want relay throughout", c.Product, c.Service.Name, c.Packaging.InstallDir)
	}
	got, _ := os.ReadFile(p)
	if !regexp.MustCompile(`(?m)^project_name: relay$`).Match(got) || !strings.Contains(out.String(), "project_name: relay (not the module's /vN suffix)") {
		t.Errorf("project_name not added:\n%s\n%s", out.String(), got)
	}
}

// writeModule writes files (slash paths) under dir.
func writeModule(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Native mode for programs that speak to the service manager themselves,
// found in their Windows build only; a program that merely manages
// services (svc/mgr) is hosted.
func TestInitDetectsServiceManagerPrograms(t *testing.T) {
	testtool.Require(t, "go", "git")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join("..", "e2e", "testdata", "vprefix", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in for github.com/kardianos/service (the module path is what
	// init looks for), reached through a replace directive.
	kardianos := t.TempDir()
	writeModule(t, kardianos, map[string]string{
		"go.mod":     "module github.com/kardianos/service\n\ngo 1.24\n",
		"service.go": "package service\n\n// Run runs the program as a service.\nfunc Run() error { return nil }\n",
	})
	for _, tc := range []struct {
		name     string
		files    map[string]string
		wantMode config.Mode
		wantPkg  string
	}{
		{
			name: "x-sys-svc",
			files: map[string]string{
				"main.go":        "package main\n\nfunc main() { run() }\n",
				"run_windows.go": "package main\n\nimport \"golang.org/x/sys/windows/svc\"\n\nfunc run() { svc.Run(\"tick\", nil) }\n",
				"run_other.go":   "//go:build !windows\n\npackage main\n\nfunc run() {}\n",
			},
			wantMode: config.ModeNative, wantPkg: "golang.org/x/sys/windows/svc",
		},
		{
			name: "kardianos",
			files: map[string]string{
				"main.go":              "package main\n\nimport \"example.com/tick/internal/svcrun\"\n\nfunc main() { svcrun.Start() }\n",
				"internal/svcrun/r.go": "package svcrun\n\nimport \"github.com/kardianos/service\"\n\nfunc Start() { service.Run() }\n",
			},
			wantMode: config.ModeNative, wantPkg: "github.com/kardianos/service",
		},
		{
			name: "svc-mgr-only",
			files: map[string]string{
				"main.go":        "package main\n\nfunc main() { list() }\n",
				"mgr_windows.go": "package main\n\nimport \"golang.org/x/sys/windows/svc/mgr\"\n\nfunc list() { m, _ := mgr.Connect(); _ = m }\n",
				"mgr_other.go":   "//go:build !windows\n\npackage main\n\nfunc list() {}\n",
			},
			wantMode: config.ModeHosted,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.files["go.mod"] = "module example.com/tick\n\ngo 1.26.0\n\nrequire (\n\tgolang.org/x/sys v0.50.0\n\tgithub.com/kardianos/service v0.0.0\n\tgithub.com/svcship/svcship v0.0.0\n)\n\nreplace github.com/kardianos/service => " + kardianos + "\n\nreplace github.com/svcship/svcship => " + root + "\n"
			tc.files["go.sum"] = string(sum)
			writeModule(t, dir, tc.files)
			run(t, dir, "git", "init", "-q")
			var out bytes.Buffer
			if _, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, SkipCheck: true}); err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if c.Service.Mode != tc.wantMode {
				t.Errorf("mode %q, want %q", c.Service.Mode, tc.wantMode)
			}
			if tc.wantPkg != "" && !strings.Contains(out.String(), "mode: native (the program imports "+tc.wantPkg+": installed as the service itself)") {
				t.Errorf("report does not say why native:\n%s", out.String())
			}
		})
	}
}

// fakeGoReleaser is a `goreleaser` that rejects any config holding
// svcship's hooks, as GoReleaser would a config svcship broke.
func fakeGoReleaser(t *testing.T) []string {
	t.Helper()
	sh := testtool.Path(t, "sh")
	script := filepath.Join(t.TempDir(), "goreleaser")
	body := `#!/bin/sh
# check --config FILE
if grep -q 'svcship goreleaser' "$3"; then
  echo "  ⨯ $3  error=configuration is invalid: template: failed to apply \"{{ .Broken }}\""
  exit 1
fi
echo "  • 1 configuration file(s) validated"
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{sh, script}
}

func TestInitRefusesAConfigGoReleaserRejects(t *testing.T) {
	dir := copyProject(t)
	before := snapshotTree(t, dir)
	_, err := Init(context.Background(), Options{Dir: dir, GoReleaser: fakeGoReleaser(t)})
	if err == nil || !strings.Contains(err.Error(), `goreleaser check rejects .goreleaser.yaml with svcship's entries: template: failed to apply "{{ .Broken }}"; nothing was written`) {
		t.Fatalf("err = %v", err)
	}
	after := snapshotTree(t, dir)
	if len(after) != len(before) {
		t.Errorf("a refused run added files")
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("a refused run changed %s", k)
		}
	}
}

// Deprecations that were there before are reported with the fix, and do
// not stop init.
func TestInitReportsDeprecations(t *testing.T) {
	gr := testGoReleaser(t)
	dir := copyProject(t)
	p := filepath.Join(dir, ".goreleaser.yaml")
	editFile(t, p, "  - formats: [tar.gz]\n", "  - format: tar.gz\n")
	var out bytes.Buffer
	if _, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, GoReleaser: gr}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := "goreleaser check: .goreleaser.yaml: archives.format is deprecated: use formats, a list: formats: [tar.gz] (https://goreleaser.com/deprecations#archivesformat)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
	// The deprecated spelling still names the archive format: the set got
	// svcship's files.
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `src: "dist/svcship/{{ .Os }}_{{ .Arch }}/**"`) {
		t.Errorf("archive with format: tar.gz got no svcship files:\n%s", got)
	}
}

// The GoReleaser init checks with is the one this repository pins.
func TestPinnedGoReleaserMatchesToolsModule(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "tools", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/goreleaser/goreleaser/v2 (v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("tools/go.mod does not require github.com/goreleaser/goreleaser/v2")
	}
	if string(m[1]) != pinnedGoReleaserVersion || pinnedGoReleaserVersion != "v2.15.1" {
		t.Errorf("pinnedGoReleaserVersion %s, tools/go.mod %s", pinnedGoReleaserVersion, m[1])
	}
}

// This repository releases through the same entries init writes: merging
// its own .goreleaser.yaml finds nothing missing.
func TestMergeFindsThisRepositoryComplete(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Name: "hellosvc", Binary: "hellosvc", Main: "./cmd/hellosvc", buildID: "hellosvc"}
	out, notes, _, err := mergeGoReleaser(data, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) > 0 || !bytes.Equal(out, data) {
		t.Errorf("init would change this repository's .goreleaser.yaml:\n%s", strings.Join(notes, "\n"))
	}
}

// Entries an earlier init wrote in an older form are brought up to date,
// not duplicated.
func TestMergeUpdatesOlderSvcshipEntries(t *testing.T) {
	const old = `version: 2
project_name: pingd
before:
  hooks:
    # svcship: check svcship.yaml and stamp Windows resources (VERSIONINFO, icon, manifest)
    - go tool svcship goreleaser before --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }}
builds:
  - id: pingd
    env: [CGO_ENABLED=0]
    flags: [-trimpath]
    ldflags: [-s -w]
    mod_timestamp: "{{ .CommitTimestamp }}"
    hooks:
      post:
        - '{{ if eq .Os "windows" }}go tool svcship goreleaser build --dist=dist --path={{ .Path }}{{ end }}'
archives:
  - formats: [zip]
    files:
      - src: "dist/svcship/{{ .Os }}_{{ .Arch }}/**/*"
        dst: .
        info:
          mtime: "{{ .CommitDate }}"
    builds_info:
      mtime: "{{ .CommitDate }}"
publishers:
  - name: svcship-release
    cmd: go tool svcship goreleaser publish --dist=dist
`
	p := &Project{Name: "pingd", Binary: "pingd", Main: ".", buildID: "pingd"}
	out, notes, _, err := mergeGoReleaser([]byte(old), p)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{
		"before.hooks: svcship goreleaser before updated",
		"builds[pingd]: hooks.post: svcship goreleaser build updated",
		"archives[0 default]: files: svcship's entry is now dist/svcship/{{ .Os }}_{{ .Arch }}/**",
		"publishers[svcship-release] updated",
		"publishers += svcship-assets",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	for _, s := range []string{`"go tool svcship" }} goreleaser before`, `"go tool svcship" }} goreleaser build`, "dist/svcship/{{ .Os }}", "name: svcship-release"} {
		if n := strings.Count(string(out), s); n != 1 {
			t.Errorf("%q appears %d times:\n%s", s, n, out)
		}
	}
	if !strings.Contains(string(out), "--snapshot={{ .IsSnapshot }}{{ end }}'\n          output: true\n") {
		t.Errorf("build hook not in its current form:\n%s", out)
	}
	again, notes2, _, err := mergeGoReleaser(out, p)
	if err != nil || len(notes2) != 0 || !bytes.Equal(again, out) {
		t.Errorf("second merge: %v %q", err, notes2)
	}
}

// A build hook in the form the previous init wrote (no env) gets the
// env that puts GoReleaser's cgo settings back, and the sboms entry an
// older init wrote for cyclonedx-gomod runs svcship sbom; an env entry the
// project added stays, one that sets a variable svcship sets is svcship's
// now, and the Go environment the old sboms command needed goes.
func TestMergeAddsHookToolEnv(t *testing.T) {
	hook := wantBuildHook // the form the previous init wrote, without env
	old := `version: 2
project_name: pingd
builds:
  - id: pingd
    env: [CGO_ENABLED=0]
    flags: [-trimpath]
    ldflags: [-s -w]
    mod_timestamp: "{{ .CommitTimestamp }}"
    hooks:
      post:
        - cmd: '` + hook + `'
          output: true
          env:
            - SVCSHIP_SIGN_PROVIDER=pkcs11
            - CGO_ENABLED=0
sboms:
  - id: svcship-binaries
    artifacts: binary
    documents:
      - "{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}.cdx.json"
    cmd: go
    args: [tool, cyclonedx-gomod, bin, -json, -std, -short-purls, -noserial, -notimestamp, -version, "v{{ .Version }}", -output, $document, $artifact]
    env:
      - 'GOFLAGS={{ index .Env "GOFLAGS" }}'
      - 'GOCACHE={{ index .Env "GOCACHE" }}'
      - SBOM_EXTRA=1
`
	p := &Project{Name: "pingd", Binary: "pingd", Main: ".", buildID: "pingd"}
	out, notes, hints, err := mergeGoReleaser([]byte(old), p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(notes, "sboms[svcship-binaries]: svcship sbom instead of cyclonedx-gomod") {
		t.Errorf("notes lack the sboms update:\n%s", strings.Join(notes, "\n"))
	}
	if !slices.Contains(hints, "cyclonedx-gomod is no longer used by svcship: `go get -tool github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@none` removes it from go.mod") {
		t.Errorf("hints lack how to drop cyclonedx-gomod: %q", hints)
	}
	if !slices.Contains(notes, "builds[pingd]: hooks.post: svcship goreleaser build updated") {
		t.Errorf("notes lack the hook update:\n%s", strings.Join(notes, "\n"))
	}
	want := `          env:
            - 'CGO_ENABLED={{ index .Env "CGO_ENABLED" }}'
            - 'CC={{ index .Env "CC" }}'
            - 'CXX={{ index .Env "CXX" }}'
            - SVCSHIP_SIGN_PROVIDER=pkcs11
`
	if !strings.Contains(string(out), want) {
		t.Errorf("hook env is not\n%s\nin:\n%s", want, out)
	}
	// The sboms entry an older init wrote runs svcship sbom; the
	// project's own variable stays, the Go environment goes.
	wantSBOM := `    documents:
      - "{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}.cdx.json"
    # svcship: the svcship the Windows build hooks leave in dist/ (GoReleaser runs sboms commands there)
    cmd: svcship/bin/svcship
    args: [sbom, "--version=v{{ .Version }}", "--date={{ .CommitDate }}", -o, $document, $artifact]
    env:
      - SBOM_EXTRA=1
`
	if !strings.Contains(string(out), wantSBOM) || strings.Contains(string(out), "cyclonedx") {
		t.Errorf("sboms entry is not\n%s\nin:\n%s", wantSBOM, out)
	}
	if strings.Contains(string(out), "- CGO_ENABLED=0\n          output") || strings.Count(string(out), "CGO_ENABLED=0") != 1 {
		t.Errorf("the hook still sets CGO_ENABLED=0 (only the build's env should):\n%s", out)
	}
	again, notes2, _, err := mergeGoReleaser(out, p)
	if err != nil || len(notes2) != 0 || !bytes.Equal(again, out) {
		t.Errorf("second merge: %v %q", err, notes2)
	}
}

// A config without builds relies on GoReleaser's default build; init
// writes it out and adds to it.
func TestMergeWritesOutTheDefaultBuild(t *testing.T) {
	p := &Project{Name: "pingd", Binary: "pingd", Main: "./cmd/pingd", buildID: "pingd"}
	out, notes, _, err := mergeGoReleaser([]byte("version: 2\nproject_name: pingd\narchives:\n  - formats: [zip]\n"), p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "builds: GoReleaser's default build of ./cmd/pingd written out (there was none)") {
		t.Errorf("notes: %q", notes)
	}
	if !strings.Contains(string(out), "# svcship: GoReleaser's default build, written out\nbuilds:\n  - id: pingd\n    main: ./cmd/pingd\n    binary: pingd\n    # svcship: static binaries\n    env:\n      - CGO_ENABLED=0\n") {
		t.Errorf("merged:\n%s", out)
	}
}

// Without a GoReleaser to run (offline, say), init still adopts the
// project and says the check did not run.
func TestInitWithoutGoReleaser(t *testing.T) {
	dir := copyProject(t)
	var out bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-goreleaser")
	if _, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, GoReleaser: []string{missing}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "goreleaser check: not run ("+missing+": ") {
		t.Errorf("report:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "svcship.yaml")); err != nil {
		t.Error(err)
	}
}

// GoReleaser's main may name the main file; svcship.yaml names its package.
func TestInitBuildMainIsAFile(t *testing.T) {
	dir := copyProject(t)
	editFile(t, filepath.Join(dir, ".goreleaser.yaml"), "main: ./cmd/pingd\n", "main: ./cmd/pingd/main.go\n")
	if _, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Product.Main != "./cmd/pingd" {
		t.Errorf("product.main = %q, want ./cmd/pingd", c.Product.Main)
	}
}

// svcship.yaml and a magefile with the user's own targets are theirs once
// written: a later init (say, after upgrading svcship) keeps them and
// still brings the GoReleaser config up to date.
func TestInitKeepsTheUsersSvcshipYAMLAndMagefile(t *testing.T) {
	dir := copyProject(t)
	if _, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	yml := filepath.Join(dir, "svcship.yaml")
	mine := editFile(t, yml, "  account: virtual\n", "  account: virtual\n  arguments: [\"-addr\", \"127.0.0.1:9000\"]\n")
	mage := filepath.Join(dir, "magefile.go")
	myMage := editFile(t, mage, "\n)\n", "\n)\n\n// Lint runs the linters.\nfunc Lint() error { return nil }\n")
	// An svcship entry gone from the GoReleaser config comes back.
	gr := filepath.Join(dir, ".goreleaser.yaml")
	editFile(t, gr, "  use_existing_draft: true\n", "")

	var out bytes.Buffer
	changes, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		want := "unchanged"
		if c.Path == ".goreleaser.yaml" {
			want = "merge"
		}
		if c.Action != want {
			t.Errorf("%s: %s, want %s", c.Path, c.Action, want)
		}
	}
	if !strings.Contains(out.String(), "unchanged       svcship.yaml\n                  - yours, kept as it is (--force writes svcship's again)") {
		t.Errorf("report:\n%s", out.String())
	}
	if got, _ := os.ReadFile(yml); string(got) != mine {
		t.Error("svcship.yaml changed")
	}
	if got, _ := os.ReadFile(mage); string(got) != myMage {
		t.Error("magefile.go changed")
	}
	if got, _ := os.ReadFile(gr); !strings.Contains(string(got), "use_existing_draft: true") {
		t.Error("use_existing_draft not restored")
	}
}

// editFile replaces the first old in the file at path with new and returns
// the new content; the test fails when old is not in the file.
func editFile(t *testing.T, path, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q:\n%s", path, old, data)
	}
	edited := strings.Replace(string(data), old, new, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	return edited
}

// The sboms entry an older init wrote, with only the Go environment its
// `go tool cyclonedx-gomod` needed: the switched entry has no env at all.
func TestMergeDropsTheOldSBOMEnvironment(t *testing.T) {
	old := `version: 2
project_name: pingd
sboms:
  - id: svcship-binaries
    artifacts: binary
    cmd: go
    args: [tool, cyclonedx-gomod, bin, -json, -output, $document, $artifact]
    env:
      - 'GOFLAGS={{ index .Env "GOFLAGS" }}'
      - 'GOCACHE={{ index .Env "GOCACHE" }}'
      - 'GOMODCACHE={{ index .Env "GOMODCACHE" }}'
      - 'GOPATH={{ index .Env "GOPATH" }}'
      - 'GOPROXY={{ index .Env "GOPROXY" }}'
      - 'GOTOOLCHAIN={{ index .Env "GOTOOLCHAIN" }}'
`
	p := &Project{Name: "pingd", Binary: "pingd", Main: ".", buildID: "pingd"}
	out, _, _, err := mergeGoReleaser([]byte(old), p)
	if err != nil {
		t.Fatal(err)
	}
	want := `  - id: svcship-binaries
    artifacts: binary
    # svcship: the svcship the Windows build hooks leave in dist/ (GoReleaser runs sboms commands there)
    cmd: svcship/bin/svcship
    args: [sbom, "--version=v{{ .Version }}", "--date={{ .CommitDate }}", -o, $document, $artifact]
`
	if !strings.Contains(string(out), want) || strings.Contains(string(out), want+"    env") || strings.Contains(string(out), "GOCACHE") {
		t.Errorf("sboms entry is not\n%s\nwith no env, in:\n%s", want, out)
	}
}
