package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestBuildHookSeesGoReleasersCgoSettings runs GoReleaser on a build whose
// env sets CGO_ENABLED=0 and a cross compiler, with a post hook that prints
// what `go` would compile with, carrying the env entries init writes. The
// hook must see what GoReleaser was started with, not the build's values:
// otherwise `go tool svcship` compiles svcship a second time (or with the
// wrong compiler).
func TestBuildHookSeesGoReleasersCgoSettings(t *testing.T) {
	gr := testGoReleaser(t)
	dir := t.TempDir()
	env, err := yaml.Marshal(envEntries(hookToolEnv...))
	if err != nil {
		t.Fatal(err)
	}
	cfg := `version: 2
project_name: hookenv
builds:
  - env: [CGO_ENABLED=0, CC=bogus-cross-cc, CXX=bogus-cross-c++]
    goos: [linux]
    goarch: [amd64]
    hooks:
      post:
        - cmd: go env CGO_ENABLED CC CXX
          dir: .
          output: true
          env:
` + indent(string(env), "            ")
	// output: true puts the hook's stdout into GoReleaser's log.
	files := map[string]string{
		"go.mod":           "module example.com/hookenv\n\ngo 1.24\n",
		"main.go":          "package main\n\nfunc main() {}\n",
		".goreleaser.yaml": cfg,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"}} {
		run(t, dir, "git", c...)
	}
	cmd := exec.Command(gr[0], append(gr[1:], "build", "--snapshot", "--clean")...)
	cmd.Dir = dir
	// GoReleaser itself runs with cgo explicitly on and no CC.
	cmd.Env = append(filteredEnv("CGO_ENABLED", "CC", "CXX"), "CGO_ENABLED=1", "NO_COLOR=1")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("goreleaser build: %v\n%s", err, b)
	}
	log := string(b)
	if strings.Contains(log, "bogus-cross") {
		t.Fatalf("the hook saw the build's CC or CXX:\n%s", log)
	}
	lines := hookLines(log)
	if len(lines) < 1 || lines[0] != "1" {
		t.Fatalf("the hook's CGO_ENABLED = %q, want 1 (GoReleaser's own), from:\n%s", lines, log)
	}
}

// hookLines returns the lines a hook printed (GoReleaser prefixes them
// with a box-drawing bar and a bullet).
func hookLines(log string) []string {
	var out []string
	// GoReleaser may colour its log (it does under CI=true).
	log = regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(log, "")
	for _, l := range strings.Split(log, "\n") {
		if i := strings.Index(l, "│"); i >= 0 {
			v := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l[i+len("│"):]), "•"))
			if v != "" {
				out = append(out, strings.Fields(v)[0])
			}
		}
	}
	return out
}

func filteredEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	return env
}

func indent(s, pre string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(pre + l + "\n")
	}
	return b.String()
}
