package scaffold

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/workflowlint"
)

// update rewrites the golden files in testdata/adopted from what init
// writes (go test -run Adopts -update), to be reviewed in the diff.
var update = flag.Bool("update", false, "rewrite testdata/adopted")

// golden compares the file init left at dir/rel with
// testdata/adopted/<project>/<rel>.
func golden(t *testing.T, project, dir, rel string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("testdata", "adopted", project, filepath.FromSlash(rel))
	if *update {
		if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(want, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("%v (go test -run Adopts -update writes it)", err)
	}
	if !bytes.Equal(got, w) {
		t.Errorf("%s differs from %s:\n%s", rel, want, got)
	}
}

// adoptProject copies one of the GoReleaser projects in
// internal/e2e/testdata into a git repository whose origin is
// github.com/acme/<repo>, and requires svcship (this checkout) as
// `go get github.com/svcship/svcship` would.
func adoptProject(t *testing.T, name, repo string) string {
	t.Helper()
	testtool.Require(t, "go", "git")
	src := filepath.Join("..", "e2e", "testdata", name)
	dst := t.TempDir()
	testtool.CopyTree(t, src, dst)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	run(t, dst, "go", "mod", "edit", "-require=github.com/svcship/svcship@v0.0.0", "-replace=github.com/svcship/svcship="+root)
	run(t, dst, "git", "init", "-q")
	run(t, dst, "git", "remote", "add", "origin", "https://github.com/acme/"+repo+".git")
	return dst
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// testGoReleaser is the pinned GoReleaser of this repository's
// tools/go.mod (compiled once, then cached by go).
func testGoReleaser(t *testing.T) []string {
	t.Helper()
	testtool.Require(t, "go")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"go", "tool", "-modfile=" + filepath.Join(root, "tools", "go.mod"), "goreleaser"}
}

// stepIDs lists each step of each job of a workflow as "job: name|uses".
func stepIDs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct{ Name, Uses, Run string }
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var ids []string
	for job, j := range wf.Jobs {
		for _, s := range j.Steps {
			ids = append(ids, job+": "+s.Name+"|"+s.Uses)
		}
	}
	slices.Sort(ids)
	return ids
}

// grBuilt is the part of a GoReleaser config the adoption tests read back.
type grBuilt struct {
	ProjectName string `yaml:"project_name"`
	Before      struct{ Hooks []string }
	Builds      []struct {
		ID, Binary   string
		Env, Flags   []string
		ModTimestamp string `yaml:"mod_timestamp"`
		Hooks        struct {
			Post []struct {
				Cmd    string
				Output bool
			}
		}
	}
	Archives []grArchive
	Checksum struct {
		NameTemplate string                  `yaml:"name_template"`
		ExtraFiles   []struct{ Glob string } `yaml:"extra_files"`
	}
	Release struct {
		Draft            bool
		UseExistingDraft bool                    `yaml:"use_existing_draft"`
		SkipUpload       string                  `yaml:"skip_upload"`
		NameTemplate     string                  `yaml:"name_template"`
		ExtraFiles       []struct{ Glob string } `yaml:"extra_files"`
	}
	Publishers []struct{ Name, Cmd, Disable string }
	Nfpms      []struct{ Formats []string }
}

type grArchive struct {
	ID           string
	IDs          []string `yaml:"ids"`
	Formats      []string
	NameTemplate string `yaml:"name_template"`
	Wrap         bool   `yaml:"wrap_in_directory"`
	Files        []struct {
		Src, Dst string
		Info     struct{ Mtime string }
	}
	BuildsInfo struct{ Mtime string } `yaml:"builds_info"`
}

func readGR(t *testing.T, path string) (grBuilt, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g grBuilt
	if err := yaml.Unmarshal(data, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return g, string(data)
}

const (
	wantBefore    = `{{ envOrDefault "SVCSHIP_COMMAND" "go tool svcship" }} goreleaser before --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }} --project={{ .ProjectName }}`
	wantBuildHook = `{{ if eq .Os "windows" }}{{ envOrDefault "SVCSHIP_COMMAND" "go tool svcship" }} goreleaser build --dist=dist --path={{ replace .Path "\\" "/" }} --arch={{ .Arch }} --target={{ .Target }} --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }} --commit={{ .FullCommit }} --project={{ .ProjectName }} --snapshot={{ .IsSnapshot }}{{ end }}`
	wantFilesSrc  = "dist/svcship/{{ .Os }}_{{ .Arch }}/**"
	wantSkip      = `{{ if index .Env "SVCSHIP_PUBLISH" }}true{{ else }}false{{ end }}`
)

// TestInitAdoptsGoReleaserProjects runs init on each realistic project as
// it is: no --force, the project's own config file edited in place, names
// from the GoReleaser config, an existing workflow kept step for step, the
// result accepted by GoReleaser's own check, and a second run a no-op.
func TestInitAdoptsGoReleaserProjects(t *testing.T) {
	gr := testGoReleaser(t)
	for _, tc := range []struct {
		project, repo string
		config        string // the file GoReleaser reads
		name, binary  string
		main          string
		mode          config.Mode
		workflow      string // the adopter's release workflow ("" = none)
		serviceZip    bool
		wantNotes     []string
	}{
		{
			project: "initdefault", repo: "greetd", config: ".goreleaser.yaml",
			name: "greetd", binary: "greetd", main: ".", mode: config.ModeHosted,
			wantNotes: []string{
				"builds[greetd]: flags += -trimpath (reproducible paths)",
				`builds[greetd]: mod_timestamp: "{{ .CommitTimestamp }}" (reproducible mtimes)`,
				"archives[0 default]: files: GoReleaser's defaults (license*, readme*, changelog*) written out",
				"before.hooks += svcship goreleaser before",
			},
		},
		{
			project: "vprefix", repo: "relay", config: ".goreleaser.yml",
			name: "relay", binary: "relay", main: ".", mode: config.ModeNative,
			workflow: ".github/workflows/release.yml",
			wantNotes: []string{
				`archives[0 relay]: files[README.md]: info.mtime: "{{ .CommitDate }}" (reproducible)`,
				"jobs.goreleaser: checkout: fetch-depth: 0",
				`jobs.goreleaser: step "Run GoReleaser": env SVCSHIP_SIGN_PASSWORD from secrets`,
				"mode: native (the program imports golang.org/x/sys/windows/svc: installed as the service itself)",
				"hint: .goreleaser.yml: builds[relay]: ldflags stamp {{ .Date }}, the build time",
			},
		},
		{
			project: "pkgs", repo: "statusd", config: ".goreleaser.yaml",
			name: "statusd", binary: "statusd", main: "./cmd/statusd", mode: config.ModeHosted,
			serviceZip: true,
			wantNotes: []string{
				"archives += svcship-windows (a zip with the installer beside the binary Windows download)",
				"checksum.extra_files += dist/*.msi",
			},
		},
	} {
		t.Run(tc.project, func(t *testing.T) {
			dir := adoptProject(t, tc.project, tc.repo)
			var stepsBefore []string
			if tc.workflow != "" {
				stepsBefore = stepIDs(t, filepath.Join(dir, tc.workflow))
			}
			var out bytes.Buffer
			changes, err := Init(context.Background(), Options{Dir: dir, Stdout: &out, GoReleaser: gr})
			if err != nil {
				t.Fatalf("init: %v\n%s", err, out.String())
			}
			report := out.String()
			t.Logf("init:\n%s", report)
			actions := map[string]string{}
			for _, c := range changes {
				actions[c.Path] = c.Action
			}
			if actions[tc.config] != "merge" {
				t.Errorf("%s: %q, want merge (edited in place)", tc.config, actions[tc.config])
			}
			if _, ok := actions[".goreleaser.yaml"]; ok && tc.config != ".goreleaser.yaml" {
				t.Errorf("init wrote .goreleaser.yaml beside %s", tc.config)
			}
			for _, n := range tc.wantNotes {
				if !strings.Contains(report, n) {
					t.Errorf("report lacks %q", n)
				}
			}
			if !strings.Contains(report, "goreleaser check: "+tc.config+" is valid") {
				t.Errorf("report does not say GoReleaser accepts the result")
			}

			// svcship.yaml is named after the GoReleaser project and build.
			c, err := config.Load(filepath.Join(dir, "svcship.yaml"))
			if err != nil {
				t.Fatalf("svcship.yaml: %v", err)
			}
			if c.Product.Name != tc.name || c.Product.Binary != tc.binary || c.Service.Name != tc.name || c.Product.Main != tc.main {
				t.Errorf("product %+v, service name %q; want name %s, binary %s, main %s", c.Product, c.Service.Name, tc.name, tc.binary, tc.main)
			}
			if c.Service.Mode != tc.mode || c.Service.Account != "virtual" {
				t.Errorf("service mode %q account %q, want %s and virtual", c.Service.Mode, c.Service.Account, tc.mode)
			}

			golden(t, tc.project, dir, tc.config)
			if tc.workflow != "" {
				golden(t, tc.project, dir, tc.workflow)
			}
			g, text := readGR(t, filepath.Join(dir, tc.config))
			if !slices.Contains(g.Before.Hooks, wantBefore) {
				t.Errorf("before.hooks = %q", g.Before.Hooks)
			}
			for _, b := range g.Builds {
				hooked := slices.ContainsFunc(b.Hooks.Post, func(h struct {
					Cmd    string
					Output bool
				}) bool {
					return h.Cmd == wantBuildHook && h.Output
				})
				if !hooked || !slices.Contains(b.Env, "CGO_ENABLED=0") ||
					!slices.Contains(b.Flags, "-trimpath") || b.ModTimestamp == "" {
					t.Errorf("build %s: %+v", b.ID, b)
				}
			}
			if strings.Count(text, "# svcship: ") < 8 {
				t.Errorf("svcship's entries are not marked:\n%s", text)
			}
			zips := 0
			for _, a := range g.Archives {
				if slices.Contains(a.Formats, "binary") {
					continue
				}
				zips++
				has := false
				for _, f := range a.Files {
					if f.Src == wantFilesSrc && f.Dst == "." && f.Info.Mtime == "{{ .CommitDate }}" {
						has = true
					} else if f.Info.Mtime != "{{ .CommitDate }}" {
						t.Errorf("archive %s: file %s has no commit mtime", a.ID, f.Src)
					}
				}
				if !has || a.BuildsInfo.Mtime != "{{ .CommitDate }}" {
					t.Errorf("archive %s: %+v", a.ID, a)
				}
			}
			sz := slices.IndexFunc(g.Archives, func(a grArchive) bool {
				return a.ID == "svcship-windows"
			})
			if (sz >= 0) != tc.serviceZip {
				t.Errorf("svcship-windows archive present = %v, want %v", sz >= 0, tc.serviceZip)
			}
			if len(g.Checksum.ExtraFiles) != 1 || g.Checksum.ExtraFiles[0].Glob != "dist/*.msi" ||
				!g.Release.UseExistingDraft || g.Release.SkipUpload != wantSkip ||
				len(g.Release.ExtraFiles) != 2 || g.Release.ExtraFiles[0].Glob != "dist/*.msi" || g.Release.ExtraFiles[1].Glob != "dist/svcship/signatures/*.p7s" {
				t.Errorf("checksum %+v, release %+v", g.Checksum, g.Release)
			}
			if len(g.Publishers) != 2 || g.Publishers[0].Name != "svcship-assets" || g.Publishers[1].Name != "svcship-release" {
				t.Errorf("publishers = %+v", g.Publishers)
			}

			// The adopter's workflow keeps every step; svcship adds its own
			// workflow only when the project has none that releases.
			if tc.workflow != "" {
				after := stepIDs(t, filepath.Join(dir, tc.workflow))
				for _, s := range stepsBefore {
					if !slices.Contains(after, s) {
						t.Errorf("%s lost step %s", tc.workflow, s)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, releaseWorkflow)); err == nil {
					t.Errorf("init added %s beside the project's own release workflow", releaseWorkflow)
				}
			} else if actions[releaseWorkflow] != "create" {
				t.Errorf("%s: %q, want create", releaseWorkflow, actions[releaseWorkflow])
			}
			for _, wf := range []string{tc.workflow, releaseWorkflow, ciWorkflow} {
				p := filepath.Join(dir, filepath.FromSlash(wf))
				if _, err := os.Stat(p); wf == "" || err != nil {
					continue
				}
				findings, err := workflowlint.Lint(p, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range findings {
					t.Errorf("%s", f)
				}
			}
			gi, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
			if !strings.Contains(string(gi), "\n*.syso\n") || !strings.HasPrefix(string(gi), "dist/\n") {
				t.Errorf(".gitignore:\n%s", gi)
			}

			// A second run finds everything in place.
			before := snapshotTree(t, dir)
			out.Reset()
			changes, err = Init(context.Background(), Options{Dir: dir, Stdout: &out, GoReleaser: gr})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if c.Action != "unchanged" {
					t.Errorf("second run: %s %s %v", c.Action, c.Path, c.Notes)
				}
			}
			for k, v := range snapshotTree(t, dir) {
				if before[k] != v {
					t.Errorf("second run changed %s", k)
				}
			}
			if strings.Contains(out.String(), "merge ") || strings.Contains(out.String(), "create ") {
				t.Errorf("second run reports changes:\n%s", out.String())
			}
		})
	}
}
