package scaffold

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/workflowlint"
	"gopkg.in/yaml.v3"
)

// copyProject copies testdata/pingd (a server not written for svcship) into
// a temporary git repository with a GitHub origin.
func copyProject(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	testtool.CopyTree(t, "testdata/pingd", dst)
	// What `go get github.com/svcship/svcship` does, pointed at this checkout.
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod := exec.Command("go", "mod", "edit", "-require=github.com/svcship/svcship@v0.0.0", "-replace=github.com/svcship/svcship="+root)
	gomod.Dir = dst
	if out, err := gomod.CombinedOutput(); err != nil {
		t.Fatalf("go mod edit: %v: %s", err, out)
	}
	for _, args := range [][]string{{"init", "-q"}, {"remote", "add", "origin", "git@github.com:acme/pingd.git"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dst
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	return dst
}

func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[rel] = string(data)
		}
		return nil
	})
	return files
}

func TestInitThirdPartyProject(t *testing.T) {
	dir := copyProject(t)
	var out bytes.Buffer
	grc := testGoReleaser(t)
	changes, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, GoReleaser: grc})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		".github/workflows/svcship-ci.yml": "create",
		".github/workflows/svcship.yml":    "create",
		".gitignore":                       "create",
		".goreleaser.yaml":                 "merge",
		"go.mod":                           "update",
		"magefile.go":                      "create",
		"svcship.yaml":                     "create",
	}
	if len(changes) != len(want) {
		t.Fatalf("changes = %+v", changes)
	}
	for _, c := range changes {
		if want[c.Path] != c.Action {
			t.Errorf("%s: %s, want %s", c.Path, c.Action, want[c.Path])
		}
	}
	report := out.String()
	for _, s := range []string{"merge           .goreleaser.yaml", "tool github.com/svcship/svcship/cmd/svcship\n", "tool github.com/svcship/svcship/cmd/svcship-installer", "tool github.com/magefile/mage", "builds[pingd]: goos += windows", "env += CGO_ENABLED=0", "flags += -trimpath", `mod_timestamp: "{{ .CommitTimestamp }}"`, "goreleaser check: .goreleaser.yaml is valid"} {
		if !strings.Contains(report, s) {
			t.Errorf("report lacks %q:\n%s", s, report)
		}
	}

	// svcship.yaml is valid and filled in from go.mod, the main package and git.
	c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
	if err != nil {
		t.Fatalf("generated svcship.yaml: %v", err)
	}
	if c.Product.Name != "pingd" || c.Product.Main != "./cmd/pingd" || c.Service.Mode != config.ModeHosted ||
		c.Product.Company != "acme" || c.Product.Homepage != "https://github.com/acme/pingd" || c.Release.GitHub != "acme/pingd" {
		t.Errorf("config = %+v / %+v", c.Product, c.Service)
	}

	// The merged GoReleaser config keeps the user's settings and comment.
	gr, _ := os.ReadFile(filepath.Join(dir, ".goreleaser.yaml"))
	if !strings.Contains(string(gr), "# pingd's own release config") || !strings.Contains(string(gr), "-X main.version={{.Version}}") {
		t.Errorf("merge lost user content:\n%s", gr)
	}
	var parsed struct {
		Builds []struct {
			Goos, Goarch, Env, Flags []string
			ModTimestamp             string `yaml:"mod_timestamp"`
		}
	}
	if err := yaml.Unmarshal(gr, &parsed); err != nil {
		t.Fatal(err)
	}
	b := parsed.Builds[0]
	if !contains(b.Goos, "windows") || contains(b.Goarch, "386") || !contains(b.Env, "CGO_ENABLED=0") || !contains(b.Flags, "-trimpath") || b.ModTimestamp != "{{ .CommitTimestamp }}" {
		t.Errorf("merged build = %+v", b)
	}

	// A second run changes nothing.
	before := snapshotTree(t, dir)
	out.Reset()
	changes, err = Init(context.Background(), Options{Dir: dir, Stdout: &out, GoReleaser: grc})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Action != "unchanged" {
			t.Errorf("second run: %s %s", c.Action, c.Path)
		}
	}
	after := snapshotTree(t, dir)
	if len(before) != len(after) {
		t.Errorf("second run changed the file set")
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("second run changed %s", k)
		}
	}
}

func TestInitRefusesHandEditedFile(t *testing.T) {
	dir := copyProject(t)
	if _, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	mage := filepath.Join(dir, "magefile.go")
	edited := "//go:build mage\n\npackage main\n\n// hand-edited\n"
	os.WriteFile(mage, []byte(edited), 0o644)
	os.Remove(filepath.Join(dir, ".github", "workflows", "svcship-ci.yml"))

	_, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(conflict.Paths) != 1 || conflict.Paths[0] != "magefile.go" {
		t.Fatalf("err = %v, want a conflict on magefile.go", err)
	}
	if !strings.Contains(err.Error(), "--force") {
		t.Errorf("message does not mention --force: %v", err)
	}
	// Nothing was written: the deleted workflow is still missing.
	if _, err := os.Stat(filepath.Join(dir, ".github", "workflows", "svcship-ci.yml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run wrote svcship-ci.yml")
	}
	if data, _ := os.ReadFile(mage); string(data) != edited {
		t.Errorf("a refused run changed magefile.go")
	}

	if _, err := Init(context.Background(), Options{Dir: dir, Force: true, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(mage); !strings.Contains(string(data), "mage:import") {
		t.Errorf("--force did not replace magefile.go")
	}
}

func TestInitOutsideModule(t *testing.T) {
	_, err := Init(context.Background(), Options{Dir: t.TempDir(), SkipCheck: true})
	if !errors.Is(err, ErrNoModule) {
		t.Fatalf("err = %v", err)
	}
}

func TestInitNeedsSvcshipRequired(t *testing.T) {
	dir := copyProject(t)
	cmd := exec.Command("go", "mod", "edit", "-droprequire=github.com/svcship/svcship", "-dropreplace=github.com/svcship/svcship")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	_, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true})
	if !errors.As(err, new(ErrNoSvcshipRequire)) || !strings.Contains(err.Error(), "go get github.com/svcship/svcship@latest") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "svcship.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused run wrote svcship.yaml")
	}
}

func TestInitFreshGoReleaserAndDryRun(t *testing.T) {
	dir := copyProject(t)
	os.Remove(filepath.Join(dir, ".goreleaser.yaml"))
	var out bytes.Buffer
	if _, err := Init(context.Background(), Options{Dir: dir, DryRun: true, Stdout: &out, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "would create    .goreleaser.yaml") {
		t.Errorf("dry run report:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "svcship.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("dry run wrote svcship.yaml")
	}
	if _, err := Init(context.Background(), Options{Dir: dir, Mode: "native", GoReleaser: testGoReleaser(t)}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
	if err != nil || c.Service.Mode != config.ModeNative {
		t.Fatalf("config %v, %+v", err, c)
	}
	gr, _ := os.ReadFile(filepath.Join(dir, ".goreleaser.yaml"))
	if !strings.Contains(string(gr), "main: ./cmd/pingd") {
		t.Errorf("fresh .goreleaser.yaml:\n%s", gr)
	}
}

func TestUpgradeCodeStable(t *testing.T) {
	a, b := upgradeCode("example.com/x", "x"), upgradeCode("example.com/x", "x")
	if a != b || a == upgradeCode("example.com/y", "y") {
		t.Fatalf("upgrade codes %s %s", a, b)
	}
	if len(a) != 38 || a[15] != '5' {
		t.Errorf("%s is not a braced UUIDv5", a)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The workflows init writes pass actionlint (and svcship's pinning rule).
func TestGeneratedWorkflowsLint(t *testing.T) {
	dir := copyProject(t)
	if _, err := Init(context.Background(), Options{Dir: dir, SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"svcship-ci.yml", "svcship.yml"} {
		p := filepath.Join(dir, ".github", "workflows", name)
		findings, err := workflowlint.Lint(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			t.Errorf("%s", f)
		}
	}
}

func TestInitAutostartMode(t *testing.T) {
	dir := copyProject(t)
	if _, err := Init(context.Background(), Options{Dir: dir, Mode: "autostart", SkipCheck: true}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Service.Mode != config.ModeAutostart || c.Autostart == nil || c.Autostart.Kind != "run-key" || c.Autostart.Scope != "machine" {
		t.Errorf("service %+v, autostart %+v", c.Service, c.Autostart)
	}
	if _, err := Init(context.Background(), Options{Dir: copyProject(t), Mode: "daemon", SkipCheck: true}); err == nil || !strings.Contains(err.Error(), "expected native, hosted or autostart") {
		t.Errorf("bad mode: %v", err)
	}
}
