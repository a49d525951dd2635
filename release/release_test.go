package release

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/pe"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/version"
)

var commitTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testContext(t *testing.T, root string) *Context {
	t.Helper()
	ctx, err := NewContext(context.Background(), Options{
		Root:   root,
		Stderr: io.Discard,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx.ProjectName = "hellosvc"
	ctx.Git = GitInfo{Tag: "v1.2.3", Commit: strings.Repeat("ab", 20), ShortCommit: "ababab", CommitTime: commitTime}
	ctx.Version = "1.2.3"
	ctx.Semver, _ = version.Parse("1.2.3")
	os.MkdirAll(ctx.Dist, 0o755)
	return ctx
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestArtifactsRoundTripAndUpsert(t *testing.T) {
	ctx := testContext(t, t.TempDir())
	a := NewArtifact(TypeArchive, "x.zip", "dist/x.zip")
	b := NewArtifact(TypeChecksum, ChecksumsFile, "dist/"+ChecksumsFile)
	if err := ctx.AddArtifacts(a, b); err != nil {
		t.Fatal(err)
	}
	a.Extra = map[string]any{ExtraFormat: "zip"}
	if err := ctx.AddArtifacts(a); err != nil { // same path: replaced, not duplicated
		t.Fatal(err)
	}
	got, err := ReadArtifacts(ctx.ArtifactsPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ExtraString(ExtraFormat) != "zip" || got[0].InternalType != 1 || got[1].InternalType != 12 {
		t.Fatalf("artifacts = %+v", got)
	}
	if n := len(got.Uploadable()); n != 2 {
		t.Fatalf("%d uploadable, want 2", n)
	}
	entries, _ := os.ReadDir(ctx.Dist)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestArchivesDeterministic(t *testing.T) {
	dir := t.TempDir()
	files := []ArchiveFile{
		{Name: "svcship.yaml", Source: writeFile(t, filepath.Join(dir, "svcship.yaml"), "product: {}\n")},
		{Name: "app.exe", Source: writeFile(t, filepath.Join(dir, "app.exe"), strings.Repeat("MZ", 5000)), Executable: true},
		{Name: "scripts/install.ps1", Source: writeFile(t, filepath.Join(dir, "install.ps1"), "Write-Host hi\n")},
	}
	for _, format := range []string{"zip", "tar.gz"} {
		t.Run(format, func(t *testing.T) {
			write := WriteZip
			if format == "tar.gz" {
				write = WriteTarGz
			}
			a, b := filepath.Join(dir, "a."+format), filepath.Join(dir, "b."+format)
			if err := write(a, files, commitTime); err != nil {
				t.Fatal(err)
			}
			// Different input order and file mtimes: same bytes.
			rev := slices.Clone(files)
			slices.Reverse(rev)
			for _, f := range files {
				os.Chtimes(f.Source, time.Now(), time.Now())
			}
			if err := write(b, rev, commitTime); err != nil {
				t.Fatal(err)
			}
			da, _ := os.ReadFile(a)
			db, _ := os.ReadFile(b)
			if !bytes.Equal(da, db) {
				t.Fatal("same entries gave different archives")
			}
			if err := write(b, append(slices.Clone(files), files[0]), commitTime); err == nil || !strings.Contains(err.Error(), "twice") {
				t.Errorf("duplicate entry: err = %v", err)
			}
			if err := write(b, []ArchiveFile{{Name: "../evil", Source: files[0].Source}}, commitTime); err == nil {
				t.Error("entry escaping the archive accepted")
			}
		})
	}
	zr, err := zip.OpenReader(filepath.Join(dir, "a.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		want := os.FileMode(0o644)
		if f.Name == "app.exe" {
			want = 0o755
		}
		if f.Mode().Perm() != want || !f.Modified.Equal(commitTime) {
			t.Errorf("%s: mode %v mtime %v", f.Name, f.Mode(), f.Modified)
		}
	}
	if !slices.Equal(names, []string{"app.exe", "scripts/install.ps1", "svcship.yaml"}) {
		t.Errorf("entries %v", names)
	}
}

func TestChecksumsFormat(t *testing.T) {
	dir := t.TempDir()
	b := writeFile(t, filepath.Join(dir, "b.zip"), "bbb")
	a := writeFile(t, filepath.Join(dir, "a.tar.gz"), "aaa")
	dst := filepath.Join(dir, ChecksumsFile)
	if err := WriteChecksums(dst, []string{b, a}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	want := "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0  a.tar.gz\n" +
		"3e744b9dc39389baf0c5a0660589b8402f3dbb49b89b3e75f2c9355852a3c677  b.zip\n"
	if string(got) != want {
		t.Fatalf("checksums:\n%s\nwant:\n%s", got, want)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", ChecksumsFile)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}
	if err := WriteChecksums(dst, []string{a, filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing file accepted")
	}
}

func TestGoReleaserBuildTargets(t *testing.T) {
	tests := []struct {
		name    string
		b       goreleaserBuild
		windows []string
		has     map[string]bool
	}{
		{"targets list", goreleaserBuild{Targets: []string{"linux_amd64", "windows_arm64", "windows_386"}},
			[]string{"arm64", "386"}, map[string]bool{"linux_amd64": true, "windows_amd64": false, "windows_386": true}},
		{"defaults", goreleaserBuild{}, []string{"386", "amd64", "arm64"},
			map[string]bool{"darwin_arm64": true, "windows_386": true}},
		{"no windows", goreleaserBuild{Goos: []string{"linux"}}, nil, map[string]bool{"windows_amd64": false, "linux_386": true}},
		{"ignore", goreleaserBuild{Goos: []string{"windows", "linux"}, Goarch: []string{"amd64", "386"},
			Ignore: []struct {
				Goos   string `yaml:"goos"`
				Goarch string `yaml:"goarch"`
			}{{Goos: "windows", Goarch: "386"}}},
			[]string{"amd64"}, map[string]bool{"windows_386": false, "linux_386": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.windowsArches(); !slices.Equal(got, tt.windows) {
				t.Errorf("windowsArches = %v, want %v", got, tt.windows)
			}
			for target, want := range tt.has {
				goos, goarch, _ := strings.Cut(target, "_")
				if got := tt.b.has(goos, goarch); got != want {
					t.Errorf("has(%s) = %v, want %v", target, got, want)
				}
			}
		})
	}
}

type stepFunc struct {
	name string
	skip string
	run  func(*Context) error
}

func (s stepFunc) Name() string           { return s.name }
func (s stepFunc) Skip(*Context) string   { return s.skip }
func (s stepFunc) Run(ctx *Context) error { return s.run(ctx) }

func TestRunOrderSkipErrorAndCleanup(t *testing.T) {
	ctx := testContext(t, t.TempDir())
	var order []string
	cleaned := false
	boom := errors.New("boom")
	steps := []Step{
		stepFunc{"one", "", func(c *Context) error {
			order = append(order, "one")
			c.OnCleanup(func() error { cleaned = true; return nil })
			return nil
		}},
		stepFunc{"skipped", "not today", func(*Context) error { order = append(order, "skipped"); return nil }},
		stepFunc{"two", "", func(*Context) error { order = append(order, "two"); return boom }},
		stepFunc{"three", "", func(*Context) error { order = append(order, "three"); return nil }},
	}
	err := Run(ctx, steps)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "two: ") {
		t.Fatalf("err = %v, want two: boom", err)
	}
	if !slices.Equal(order, []string{"one", "two"}) {
		t.Errorf("ran %v", order)
	}
	if !cleaned {
		t.Error("cleanup did not run after a failure")
	}
}

// TestInstallerStep builds an installer package that is part of the
// project, and one that lives in a read-only dependency module (as it does
// in an adopter's module cache), and checks both get resources.
func TestInstallerStep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	tests := []struct {
		name string
		dep  bool
	}{{"main module", false}, {"dependency module", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "app")
			main := "package main\n\nvar version string\n\nfunc main() { println(version) }\n"
			pkg := "example.com/app/inst"
			pkgDir := filepath.Join(root, "inst")
			if tt.dep {
				writeFile(t, filepath.Join(root, "go.mod"), "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
				writeFile(t, filepath.Join(base, "lib", "go.mod"), "module example.com/lib\n\ngo 1.22\n")
				pkg, pkgDir = "example.com/lib/inst", filepath.Join(base, "lib", "inst")
			} else {
				writeFile(t, filepath.Join(root, "go.mod"), "module example.com/app\n\ngo 1.22\n")
			}
			writeFile(t, filepath.Join(pkgDir, "main.go"), main)
			if tt.dep {
				// Read-only, like the module cache.
				os.Chmod(pkgDir, 0o555)
				t.Cleanup(func() { os.Chmod(pkgDir, 0o755) })
			}
			icon, _ := filepath.Abs("../assets/hellosvc.ico")
			cfgYAML := "product:\n  name: hellosvc\n  company: svcship project\n  description: test\n  icon: " + icon +
				"\nservice:\n  name: hellosvc\npackaging:\n  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64\n"
			cfgPath := writeFile(t, filepath.Join(root, "svcship.yaml"), cfgYAML)
			ctx := testContext(t, root)
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			ctx.Config = cfg
			app := NewArtifact(TypeBinary, "hellosvc.exe", "dist/hellosvc_windows_amd64_v1/hellosvc.exe")
			app.Goos, app.Goarch, app.Goamd64, app.Target = "windows", "amd64", "v1", "windows_amd64_v1"
			app.Extra = map[string]any{ExtraBinary: "hellosvc"}
			ctx.Artifacts = Artifacts{app}

			step := installerStep{pkg: pkg}
			if why := step.Skip(ctx); why != "" {
				t.Fatalf("skipped: %s", why)
			}
			if err := step.Run(ctx); err != nil {
				t.Fatal(err)
			}
			inst := ctx.Artifacts.Filter(func(a Artifact) bool { return a.ExtraString(ExtraBinary) == InstallerBinary })
			if len(inst) != 1 || inst[0].Target != app.Target || inst[0].Path != "dist/svcship-installer_windows_amd64_v1/svcship-installer.exe" {
				t.Fatalf("installer artifacts %+v", inst)
			}
			f, err := pe.Open(ctx.AbsPath(inst[0]))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Section(".rsrc") == nil {
				t.Error("installer has no resources")
			}
			st, _ := os.Stat(ctx.AbsPath(inst[0]))
			if !st.ModTime().Equal(commitTime) {
				t.Errorf("mtime %v, want the commit time", st.ModTime())
			}
			if why := step.Skip(ctx); why == "" {
				t.Error("step would build the installer twice")
			}
			recorded, _ := ReadArtifacts(ctx.ArtifactsPath())
			if len(recorded) != 2 {
				t.Errorf("artifacts.json holds %d entries, want 2", len(recorded))
			}
			if sysos, _ := filepath.Glob(filepath.Join(pkgDir, "*.syso")); len(sysos) > 0 {
				t.Errorf("left behind %v", sysos)
			}
			gomod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
			if strings.Contains(string(gomod), ".svcship") {
				t.Error("the project's go.mod was edited")
			}
		})
	}
}

func TestMergeParts(t *testing.T) {
	root := t.TempDir()
	ctx := testContext(t, root)
	parts := filepath.Join(root, "dist-parts")
	meta := `{"project_name":"hellosvc","tag":"v1.2.3","version":"1.2.3"}`
	for _, target := range []string{"linux_amd64_v1", "windows_amd64_v1"} {
		part := filepath.Join(parts, target)
		writeFile(t, filepath.Join(part, "hellosvc_"+target, "hellosvc"), "bin "+target)
		writeFile(t, filepath.Join(part, "metadata.json"), meta)
		a := NewArtifact(TypeBinary, "hellosvc", "dist/hellosvc_"+target+"/hellosvc")
		a.Target = target
		if err := WriteArtifacts(filepath.Join(part, "artifacts.json"), Artifacts{NewArtifact(TypeMetadata, "metadata.json", "dist/metadata.json"), a}); err != nil {
			t.Fatal(err)
		}
	}
	if err := (mergeStep{parts: "dist-parts"}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(ctx.Artifacts) != 2 {
		t.Fatalf("merged %d artifacts, want 2", len(ctx.Artifacts))
	}
	for _, a := range ctx.Artifacts {
		data, err := os.ReadFile(ctx.AbsPath(a))
		if err != nil || string(data) != "bin "+a.Target {
			t.Errorf("%s: %q %v", a.Path, data, err)
		}
	}
	// A part from another version is refused.
	ctx.Version = "1.2.4"
	if err := (mergeStep{parts: "dist-parts"}).Run(ctx); err == nil || !strings.Contains(err.Error(), "1.2.3") {
		t.Errorf("version mismatch: err = %v", err)
	}
}
