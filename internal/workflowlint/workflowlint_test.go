package workflowlint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot walks up from the package directory to the go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// TestRepositoryWorkflows lints every workflow the project ships, plus any
// extra files listed in SVCSHIP_WORKFLOWLINT_FILES (path-list separated),
// e.g. workflows written by `svcship init` into a scratch directory.
func TestRepositoryWorkflows(t *testing.T) {
	files, err := Files(filepath.Join(repoRoot(t), ".github", "workflows"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[filepath.Base(f)] = true
	}
	for _, want := range []string{"ci.yml", "release.yml"} {
		if !have[want] {
			t.Errorf(".github/workflows/%s is missing", want)
		}
	}
	if extra := os.Getenv("SVCSHIP_WORKFLOWLINT_FILES"); extra != "" {
		files = append(files, filepath.SplitList(extra)...)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			findings, err := Lint(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range findings {
				t.Error(s)
			}
		})
	}
}

func TestGoodTestdata(t *testing.T) {
	files, err := Files(filepath.Join("testdata", "good"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no good workflows: %v", err)
	}
	for _, f := range files {
		findings, err := Lint(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(findings) != 0 {
			t.Errorf("%s: unexpected findings:\n%s", f, strings.Join(findings, "\n"))
		}
	}
}

// Each bad workflow must produce a finding of the expected rule, so the
// repository check cannot pass by linting nothing.
func TestBadTestdata(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings of some finding
	}{
		{"unpinned-major.yml", []string{`"actions/checkout@v4" is not pinned`, "[svcship-pinned]", "unpinned-major.yml:7:"}},
		{"unpinned-tag.yml", []string{`"actions/checkout@v4.2.2" is not pinned to a commit SHA`, "[svcship-pinned]"}},
		{"unpinned-branch.yml", []string{"build.yml@main", "[svcship-pinned]"}},
		{"unknown-key.yml", []string{`"step"`, "[syntax-check]"}},
		{"bad-expression.yml", []string{"[expression]"}},
		{"not-yaml.yml", []string{"[syntax-check]"}},
	}
	seen := 0
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tt.file)
			findings, err := Lint(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(findings, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("findings lack %q:\n%s", w, all)
				}
			}
		})
		seen++
	}
	files, _ := Files(filepath.Join("testdata", "bad"))
	if len(files) != seen {
		t.Errorf("testdata/bad has %d files, table covers %d", len(files), seen)
	}
}

// Lint on bytes is what `svcship init` uses for generated workflows that
// are not on disk yet.
func TestLintBytes(t *testing.T) {
	src := []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n")
	findings, err := Lint("generated/ci.yml", src)
	if err != nil || len(findings) != 0 {
		t.Fatalf("clean workflow: %v %v", findings, err)
	}
	bad := []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@main\n")
	findings, err = Lint("generated/ci.yml", bad)
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || !strings.HasPrefix(findings[0], "generated/ci.yml:6:") {
		t.Fatalf("findings = %q", findings)
	}
}

func TestLintMissingFile(t *testing.T) {
	if _, err := Lint(filepath.Join(t.TempDir(), "nope.yml"), nil); err == nil {
		t.Fatal("missing file: no error")
	}
}
