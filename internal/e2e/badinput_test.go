package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/fakegithub"
	"github.com/svcship/svcship/internal/pipeline"
	"github.com/svcship/svcship/internal/testtool"
)

// miniRepo is a git repository holding the project's svcship.yaml (edited),
// .goreleaser.yaml (pointed at the fake GitHub at api, when given) and
// icon, enough for the driver to validate.
func miniRepo(t *testing.T, yaml, api string) string {
	t.Helper()
	testtool.Path(t, "git")
	root := repoRoot(t)
	dir := t.TempDir()
	for _, rel := range []string{".goreleaser.yaml", "assets/hellosvc.ico", "go.mod", ".gitignore"} {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if rel == ".goreleaser.yaml" && api != "" {
			data = append(data, []byte("\ngithub_urls:\n  api: "+api+"/api/v3/\n  upload: "+api+"/api/uploads/\n  download: "+api+"/\n")...)
		}
		writeFile(t, filepath.Join(dir, rel), string(data))
	}
	for _, d := range []string{"cmd/hellosvc", "cmd/svcship-installer"} {
		writeFile(t, filepath.Join(dir, d, "main.go"), "package main\n\nfunc main() {}\n")
	}
	writeFile(t, filepath.Join(dir, "svcship.yaml"), yaml)
	gitCommit(t, dir, "init", "-q")
	gitCommit(t, dir, "add", "-A")
	gitCommit(t, dir, "commit", "-q", "-m", "mini")
	return dir
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// badInputBase is a valid svcship.yaml (the repository's, frozen here so
// the line numbers below stay put): product: on line 1, company on 4,
// service.arguments on 18, packaging.upgrade_code on 27.
const badInputBase = `product:
  name: hellosvc
  display_name: Hello Service
  company: svcship project
  description: svcship reference service (HTTP /healthz and /version)
  copyright: Copyright (c) 2026 svcship project
  homepage: https://github.com/svcship/svcship
  icon: assets/hellosvc.ico
  license: MIT
  binary: hellosvc
  main: ./cmd/hellosvc
service:
  name: hellosvc
  display_name: Hello Service
  description: svcship reference service; answers /healthz and /version
  mode: native
  start: delayed-auto
  arguments: ["--listen", "127.0.0.1:8080"]
  stop_timeout: 20s
  recovery:
    actions:
      - {action: restart, delay: 5s}
      - {action: restart, delay: 30s}
      - {action: none}
    reset_after: 24h
packaging:
  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64
  install_dir: Hello Service
  suppress_ice: [ICE61]
release:
  github: svcship/svcship
`

// fakeGoReleaser stands in for GoReleaser: if validation wrongly lets a
// run through, the error names it instead of the expected problem.
var fakeGoReleaser = []string{"sh", "-c", "echo fake goreleaser reached >&2; exit 3", "fake"}

// TestBadInputFailsBeforeBuild drives the pipeline (what go tool mage
// snapshot|release run) on bad input: each run stops in the driver's
// checks with one message naming file, line and key (or the tag), before
// GoReleaser is started.
func TestBadInputFailsBeforeBuild(t *testing.T) {
	good := badInputBase
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("svcship.yaml no longer contains %q; update the test", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	srv := fakegithub.New(fakegithub.Config{Token: releaseToken, Repos: []string{"svcship/svcship"}})
	defer srv.Close()
	tests := []struct {
		name    string
		yaml    string
		release bool   // release instead of snapshot
		tag     string // tag HEAD with this
		dirty   bool   // leave an uncommitted file
		want    string // the message, after "check config: <dir>" for svcship.yaml errors
	}{
		// The line numbers are those of badInputBase.
		{name: "wrong type", yaml: replace(`arguments: ["--listen", "127.0.0.1:8080"]`, `arguments: 8080`),
			want: `/svcship.yaml:18: service.arguments: got "8080", expected a list`},
		{name: "unknown key", yaml: replace("product:\n", "product:\n  colour: blue\n"),
			want: "/svcship.yaml:2: product.colour: unknown key (expected one of binary, company, copyright, description, display_name, homepage, icon, license, main, name)"},
		{name: "missing required key", yaml: replace("  company: svcship project\n", ""),
			want: "/svcship.yaml:2: product.company: is required (missing in product)"},
		{name: "invalid upgrade code", yaml: replace("upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64", "upgrade_code: not-a-guid"),
			want: `/svcship.yaml:27: packaging.upgrade_code: "not-a-guid" is not a GUID (expected e.g. {8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}; generate one once and keep it)`},
		{name: "non-semver tag", yaml: good, release: true, tag: "release-2026",
			want: `check git: tag release-2026: version "release-2026" (tag "release-2026") is not a semantic version: Windows needs numeric versions; tag releases like v1.2.3 or v1.2.3-rc.1`},
		{name: "incomplete version tag", yaml: good, release: true, tag: "v1.2",
			want: `check git: tag v1.2: version "1.2" (tag "v1.2") is not a semantic version`},
		{name: "version too large for windows", yaml: good, release: true, tag: "v70000.1.0",
			want: "check git: tag v70000.1.0: version 70000.1.0: major 70000 does not fit a Windows file version (at most 65535)"},
		{name: "release without tag", yaml: good, release: true,
			want: ") has no tag: tag the commit (git tag v1.2.3) or run a snapshot"},
		{name: "dirty tree on release", yaml: good, release: true, tag: "v1.0.0", dirty: true,
			want: "check git: the working tree has uncommitted changes (see git status): a release is built from a clean checkout of its tag; commit them, or run go tool mage snapshot"},
		// Controls: valid input gets past validation to the (fake) GoReleaser,
		// with and without the v.
		{name: "valid release reaches goreleaser", yaml: good, release: true, tag: "v1.2.3",
			want: "goreleaser release: sh -c echo fake goreleaser reached >&2; exit 3 fake release --clean --config "},
		{name: "valid release without v reaches goreleaser", yaml: good, release: true, tag: "1.2.3",
			want: "goreleaser release: sh -c echo fake goreleaser reached >&2; exit 3 fake release --clean --config "},
		{name: "valid snapshot reaches goreleaser", yaml: good,
			want: "goreleaser release: sh -c echo fake goreleaser reached >&2; exit 3 fake release --clean --config "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := miniRepo(t, tt.yaml, srv.URL)
			if tt.tag != "" {
				gitCommit(t, dir, "tag", tt.tag)
			}
			if tt.dirty {
				writeFile(t, filepath.Join(dir, "notes.txt"), "wip\n")
			}
			var stderr bytes.Buffer
			env := map[string]string{"GITHUB_TOKEN": releaseToken}
			err := pipeline.Drive(context.Background(), pipeline.DriveOptions{
				Root:       dir,
				Snapshot:   !tt.release,
				GoReleaser: fakeGoReleaser,
				Getenv:     func(k string) string { return env[k] },
				Env:        []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")},
				Stderr:     &stderr,
			})
			if err == nil {
				t.Fatal("the pipeline succeeded")
			}
			msg := err.Error()
			t.Logf("message: %s", msg)
			if strings.HasPrefix(tt.want, "/svcship.yaml:") {
				if want := "check config: " + dir + tt.want; msg != want {
					t.Errorf("message\n  %s\nwant\n  %s", msg, want)
				}
			} else if !strings.Contains(msg, tt.want) {
				t.Errorf("message lacks %q", tt.want)
			}
			reached := strings.Contains(stderr.String(), "fake goreleaser reached")
			if control := strings.HasPrefix(tt.name, "valid "); reached != control {
				t.Errorf("GoReleaser started: %v, want %v\n%s", reached, control, stderr.String())
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message spans lines:\n%s", msg)
			}
			if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
				t.Error("dist/ exists: something was built")
			}
			out, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--ignored").Output()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(out), ".syso") {
				t.Errorf("resources left behind:\n%s", out)
			}
		})
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestBadInputThroughMage checks the message reaches a user running the
// README's command and that nothing was built: a bad svcship.yaml stops
// the driver before GoReleaser starts; a tag whose version Windows cannot
// hold passes the driver on a snapshot and stops GoReleaser in svcship's
// before hook, before any build.
func TestBadInputThroughMage(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e: compiles the magefile and runs GoReleaser")
	}
	bin := goreleaserDir(t)
	tests := []struct {
		name   string
		edit   func(t *testing.T, dir string)
		want   []string
		before bool // GoReleaser ran its before hooks
	}{
		{name: "unknown key in svcship.yaml", edit: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "svcship.yaml")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, p, strings.Replace(string(data), "product:\n", "product:\n  colour: blue\n", 1))
			gitCommit(t, dir, "commit", "-q", "-am", "colour")
		}, want: []string{"check config: svcship.yaml:5: product.colour: unknown key (expected one of "}},
		{name: "tag too large for windows", edit: func(t *testing.T, dir string) {
			gitCommit(t, dir, "tag", "v70000.1.0")
		}, before: true, want: []string{
			"running before hooks",
			"hook failed: command failed cmd=",
			" output=svcship: svcship config: version 70000.1.0-SNAPSHOT-",
			": major 70000 does not fit a Windows file version (at most 65535)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			copyRepo(t, dir)
			tt.edit(t, dir)
			cmd := exec.Command("go", "tool", "mage", "snapshot")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), pathWith(bin))
			b, err := cmd.CombinedOutput()
			// GoReleaser colours its log even into a pipe.
			out := ansi.ReplaceAllString(string(b), "")
			if err == nil {
				t.Fatalf("snapshot succeeded:\n%s", tail(out, 40))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, tail(out, 40))
				}
			}
			// Under mage the hooks run the driver's svcship
			// (SVCSHIP_COMMAND), not go tool.
			if strings.Contains(out, "cmd=go ") {
				t.Errorf("a hook ran through go tool:\n%s", tail(out, 40))
			}
			if started := strings.Contains(out, "starting release"); started != tt.before {
				t.Errorf("GoReleaser started: %v, want %v\n%s", started, tt.before, tail(out, 40))
			}
			if strings.Contains(out, "building binaries") {
				t.Errorf("GoReleaser built binaries:\n%s", tail(out, 40))
			}
			matches, err := filepath.Glob(filepath.Join(dir, "dist", "*", "hellosvc*"))
			if err != nil {
				t.Fatal(err)
			}
			if len(matches) > 0 {
				t.Errorf("binaries were built: %v", matches)
			}
			st, err := exec.Command("git", "-C", dir, "status", "--porcelain").Output()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(st), ".syso") {
				t.Errorf("resources left behind:\n%s", st)
			}
		})
	}
}
