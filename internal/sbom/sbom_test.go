package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/sbomtest"
	"github.com/svcship/svcship/internal/testtool"
)

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func prop(c Component, name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func find(d *Document, name string) *Component {
	for i := range d.Components {
		if d.Components[i].Name == name {
			return &d.Components[i]
		}
	}
	return nil
}

// Real binaries, built by the go command for two platforms, with a module
// from the module cache and one replaced by a local folder: every document
// matches the CycloneDX 1.6 schema and says what the binary is.
func TestDocumentOfBuiltBinaries(t *testing.T) {
	goTool := testtool.Path(t, "go")
	dir := t.TempDir()
	src, lib, dist := filepath.Join(dir, "src"), filepath.Join(dir, "lib"), filepath.Join(dir, "dist")
	for _, d := range []string{src, lib, dist} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(lib, "go.mod"):   "module example.com/greetlib\n\ngo 1.22\n",
		filepath.Join(lib, "greet.go"): "package greetlib\n\nfunc Hello() string { return \"hello\" }\n",
		filepath.Join(src, "go.mod"):   "module example.com/sbomdemo\n\ngo 1.22\n\nrequire (\n\tgopkg.in/yaml.v3 v3.0.1\n\texample.com/greetlib v0.3.0\n)\n\nreplace example.com/greetlib => ../lib\n",
		filepath.Join(src, "main.go"): `package main

import (
	"fmt"

	"example.com/greetlib"
	"gopkg.in/yaml.v3"
)

func main() {
	out, _ := yaml.Marshal(map[string]string{"hello": greetlib.Hello()})
	fmt.Print(string(out))
}
`,
	}
	for p, data := range files {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, src, []string{"GOFLAGS=-mod=mod"}, goTool, "mod", "tidy")

	commit := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	targets := []struct{ goos, goarch, file, level, levelProp string }{
		{"windows", "amd64", "sbomdemo.exe", "GOAMD64=v2", "cdx:gomod:build:env:GOAMD64"},
		{"linux", "arm64", "sbomdemo", "GOARM64=v8.0", "cdx:gomod:build:env:GOARM64"},
	}
	for _, tg := range targets {
		t.Run(tg.goos+"_"+tg.goarch, func(t *testing.T) {
			bin := filepath.Join(dist, tg.goos+"_"+tg.goarch, tg.file)
			run(t, src, []string{"GOOS=" + tg.goos, "GOARCH=" + tg.goarch, "CGO_ENABLED=0", tg.level, "GOFLAGS=-mod=mod"},
				goTool, "build", "-trimpath", "-o", bin, ".")
			raw, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(raw)

			d, err := FromFile(bin, Options{Version: "v1.2.3", Time: commit, ToolVersion: "v0.9.0"})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := d.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			if err := sbomtest.Validate(data); err != nil {
				t.Fatalf("the document does not match the CycloneDX 1.6 schema: %v\n%s", err, data)
			}

			app := d.Metadata.Component
			yaml := find(d, "gopkg.in/yaml.v3")
			std := find(d, "std")
			greet := find(d, "example.com/greetlib")
			if yaml == nil || std == nil || greet == nil {
				t.Fatalf("components lack yaml.v3, std or greetlib:\n%s", data)
			}
			checks := []struct{ what, got, want string }{
				{"bomFormat", d.BOMFormat, "CycloneDX"},
				{"specVersion", d.SpecVersion, "1.6"},
				{"timestamp", d.Metadata.Timestamp, "2026-11-30T12:00:00Z"},
				{"tool", d.Metadata.Tools.Components[0].Name + " " + d.Metadata.Tools.Components[0].Version, "svcship v0.9.0"},
				{"main component", app.Name, "example.com/sbomdemo"},
				{"main type", app.Type, "application"},
				{"main version", app.Version, "v1.2.3"},
				{"main purl", app.PURL, "pkg:golang/example.com/sbomdemo@v1.2.3"},
				{"binary hash", app.Hashes[0].Alg + " " + app.Hashes[0].Content, "SHA-256 " + hex.EncodeToString(sum[:])},
				{"binary name", prop(app, "cdx:gomod:binary:name"), tg.file},
				{"GOOS", prop(app, "cdx:gomod:build:env:GOOS"), tg.goos},
				{"GOARCH", prop(app, "cdx:gomod:build:env:GOARCH"), tg.goarch},
				{"CGO_ENABLED", prop(app, "cdx:gomod:build:env:CGO_ENABLED"), "0"},
				{"level", prop(app, tg.levelProp), tg.level[strings.IndexByte(tg.level, '=')+1:]},
				{"trimpath", prop(app, "cdx:gomod:build:trimpath"), "true"},
				{"yaml purl", yaml.PURL, "pkg:golang/gopkg.in/yaml.v3@v3.0.1"},
				// go.sum's h1:fxVm/GzAz... of gopkg.in/yaml.v3 v3.0.1, in hex.
				{"yaml hash", yaml.Hashes[0].Content, "7f1566fc6cc0cc45aa2c7baf72d23dd4a4bd8613669963a85aed174d8252ec20"},
				{"greetlib purl", greet.PURL, "pkg:golang/example.com/greetlib@v0.3.0"},
				{"greetlib local", prop(*greet, "cdx:gomod:replaced:local"), "true"},
				{"std version", std.Version, strings.TrimSpace(goVersion(t, goTool))},
				{"dependency root", d.Dependencies[0].Ref, app.BOMRef},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if len(greet.Hashes) != 0 {
				t.Errorf("a module from a local folder has a hash: %v", greet.Hashes)
			}
			if n := len(d.Dependencies[0].DependsOn); n != len(d.Components) {
				t.Errorf("the binary depends on %d components, the document lists %d", n, len(d.Components))
			}
			if bytes.Contains(data, []byte("serialNumber")) || bytes.Contains(data, []byte(dir)) {
				t.Error("the document has a serial number or names the build folder: not reproducible")
			}

			// The same binary gives the same bytes.
			again, err := FromFile(bin, Options{Version: "v1.2.3", Time: commit, ToolVersion: "v0.9.0"})
			if err != nil {
				t.Fatal(err)
			}
			var buf2 bytes.Buffer
			if err := again.Encode(&buf2); err != nil || !bytes.Equal(buf2.Bytes(), data) {
				t.Errorf("a second document differs (err %v)", err)
			}

			// The schema check bites: a document that breaks it is refused.
			broken := bytes.Replace(data, []byte(`"bomFormat": "CycloneDX"`), []byte(`"bomFormat": "SPDX"`), 1)
			if bytes.Equal(broken, data) {
				t.Fatal("could not break the document")
			}
			if err := sbomtest.Validate(broken); err == nil || !strings.Contains(err.Error(), "bomFormat") {
				t.Errorf("a document with bomFormat SPDX passed the schema: %v", err)
			}
		})
	}
}

func goVersion(t *testing.T, goTool string) string {
	t.Helper()
	out, err := exec.Command(goTool, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// The cases a build's information can hold, written out.
func TestNew(t *testing.T) {
	base := func() *debug.BuildInfo {
		return &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "example.com/pingd/v2", Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "-ldflags", Value: "-s -w -X main.token=not-for-the-sbom"},
				{Key: "GOOS", Value: "windows"},
				{Key: "GOARCH", Value: "386"},
				{Key: "GO386", Value: "sse2"},
			},
		}
	}
	tests := []struct {
		name    string
		deps    []*debug.Module
		version string
		want    []Component // besides std
		wantErr string
	}{
		{
			name:    "no deps, build version kept",
			want:    nil,
			version: "",
		},
		{
			name: "+incompatible and uppercase survive in the purl, percent-encoded where needed",
			deps: []*debug.Module{{Path: "github.com/BurntSushi/toml", Version: "v0.3.1", Sum: "h1:WXkYYl6Yr3qBf1K79EBnL4mak0OimBfB0XUf9Vl28OQ="},
				{Path: "github.com/docker/cli", Version: "v29.3.0+incompatible"}},
			want: []Component{
				{BOMRef: "pkg:golang/github.com/BurntSushi/toml@v0.3.1", Type: "library", Name: "github.com/BurntSushi/toml", Version: "v0.3.1", Scope: "required",
					Hashes: []Hash{{"SHA-256", "597918625e98af7a817f52bbf440672f899a9343a29817c1d1751ff55976f0e4"}}, PURL: "pkg:golang/github.com/BurntSushi/toml@v0.3.1"},
				{BOMRef: "pkg:golang/github.com/docker/cli@v29.3.0%2Bincompatible", Type: "library", Name: "github.com/docker/cli", Version: "v29.3.0+incompatible", Scope: "required",
					PURL: "pkg:golang/github.com/docker/cli@v29.3.0%2Bincompatible"},
			},
		},
		{
			name: "a module replaced by another version is listed as what was linked",
			deps: []*debug.Module{{Path: "golang.org/x/sys", Version: "v0.1.0",
				Replace: &debug.Module{Path: "example.com/sysfork", Version: "v0.1.1"}}},
			want: []Component{
				{BOMRef: "pkg:golang/example.com/sysfork@v0.1.1", Type: "library", Name: "example.com/sysfork", Version: "v0.1.1", Scope: "required",
					PURL: "pkg:golang/example.com/sysfork@v0.1.1", Properties: []Property{{"cdx:gomod:replaces", "golang.org/x/sys@v0.1.0"}}},
			},
		},
		{
			name:    "a hash that is not h1 is refused",
			deps:    []*debug.Module{{Path: "example.com/x", Version: "v1.0.0", Sum: "h2:abc"}},
			wantErr: `sbom: module example.com/x@v1.0.0: hash "h2:abc" is not an h1: hash`,
		},
		{
			name:    "an h1 hash of the wrong length is refused",
			deps:    []*debug.Module{{Path: "example.com/x", Version: "v1.0.0", Sum: "h1:AAAA"}},
			wantErr: `sbom: module example.com/x@v1.0.0: hash "h1:AAAA" is not a base64 SHA-256`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bi := base()
			bi.Deps = tt.deps
			d, err := New(bi, "pingd.exe", strings.Repeat("ab", 32), Options{Version: tt.version})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []Component
			for _, c := range d.Components {
				if c.Name != "std" {
					got = append(got, c)
				}
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if !bytes.Equal(gj, wj) {
				t.Errorf("components\n%s\nwant\n%s", gj, wj)
			}
			app := d.Metadata.Component
			if app.Version != "(devel)" || app.PURL != "pkg:golang/example.com/pingd/v2@%28devel%29" {
				t.Errorf("main component %q %q, want the build's (devel)", app.Version, app.PURL)
			}
			wantProps := `[{"name":"cdx:gomod:binary:name","value":"pingd.exe"},{"name":"cdx:gomod:build:env:GO386","value":"sse2"},{"name":"cdx:gomod:build:env:GOARCH","value":"386"},{"name":"cdx:gomod:build:env:GOOS","value":"windows"},{"name":"cdx:gomod:build:goversion","value":"go1.26.8"}]`
			if pj, _ := json.Marshal(app.Properties); string(pj) != wantProps {
				t.Errorf("properties\n%s\nwant\n%s", pj, wantProps)
			}
			if d.Metadata.Timestamp != "" {
				t.Errorf("timestamp %q without Options.Time", d.Metadata.Timestamp)
			}
			var buf bytes.Buffer
			if err := d.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			if err := sbomtest.Validate(buf.Bytes()); err != nil {
				t.Errorf("schema: %v", err)
			}
		})
	}
}

func TestFromFileRefusesWhatIsNotAGoBinary(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(p, []byte("not a binary"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := FromFile(p, Options{})
	if err == nil || !strings.Contains(err.Error(), "sbom: "+p+": no Go build information") {
		t.Fatalf("error %v, want one naming the file and saying it has no Go build information", err)
	}
}
