package sbomtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/svcship/svcship/internal/testtool"
)

// The arguments GoReleaser's sboms pipe passes (docs/pipeline.md, "SBOMs"):
// no serial number and no timestamp, so the same binary always gives the
// same document. -short-purls because cyclonedx-gomod v1.10.0 writes the
// goos/goarch qualifiers of the machine it runs on (from `go env`), not the
// binary's: a windows exe's SBOM said goos=linux.
func cyclonedxArgs(version, document, artifact string) []string {
	return []string{"bin", "-json", "-std", "-short-purls", "-noserial", "-notimestamp", "-version", version, "-output", document, artifact}
}

// schema compiles the vendored CycloneDX 1.6 schema; the references it
// makes resolve to the vendored files, never the network.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		f, err := os.Open(filepath.Join("testdata", "cyclonedx", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// bom is the part of a CycloneDX document the test reads.
type bom struct {
	BOMFormat   string `json:"bomFormat"`
	SpecVersion string `json:"specVersion"`
	Metadata    struct {
		Component component `json:"component"`
	} `json:"metadata"`
	Components []component `json:"components"`
}

type component struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
}

func TestSBOMPerBinaryMatchesCycloneDXSchema(t *testing.T) {
	goTool := testtool.Path(t, "go")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	modfile := filepath.Join(root, "tools", "go.mod")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	dist := filepath.Join(dir, "dist")
	for _, d := range []string{src, dist} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A program with one dependency, so the SBOM has a component to list.
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/sbomdemo\n\ngo 1.22\n\nrequire gopkg.in/yaml.v3 v3.0.1\n"), 0o644)
	os.WriteFile(filepath.Join(src, "main.go"), []byte(`package main

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func main() {
	out, _ := yaml.Marshal(map[string]string{"hello": "sbom"})
	fmt.Print(string(out))
}
`), 0o644)
	run(t, src, []string{"GOFLAGS=-mod=mod"}, goTool, "mod", "tidy")

	s := schema(t)
	targets := []struct{ goos, goarch, file string }{
		{"windows", "amd64", "sbomdemo.exe"},
		{"linux", "arm64", "sbomdemo"},
	}
	for _, tg := range targets {
		t.Run(tg.goos+"_"+tg.goarch, func(t *testing.T) {
			bin := filepath.Join(dist, "sbomdemo_"+tg.goos+"_"+tg.goarch, tg.file)
			run(t, src, []string{"GOOS=" + tg.goos, "GOARCH=" + tg.goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=mod"},
				goTool, "build", "-trimpath", "-o", bin, ".")
			doc := filepath.Join(dist, "sbomdemo_1.2.3_"+tg.goos+"_"+tg.goarch+".cdx.json")
			// As GoReleaser runs it: from inside the project (here the
			// svcship module, whose tools/go.mod pins the tool).
			tool := append([]string{"tool", "-modfile=" + modfile, "cyclonedx-gomod"}, cyclonedxArgs("v1.2.3", doc, bin)...)
			run(t, root, nil, goTool, tool...)
			data, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, s, data); err != nil {
				t.Fatalf("%s does not match the CycloneDX 1.6 schema: %v", filepath.Base(doc), err)
			}
			var b bom
			if err := json.Unmarshal(data, &b); err != nil {
				t.Fatal(err)
			}
			main := b.Metadata.Component
			checks := []struct{ what, got, want string }{
				{"bomFormat", b.BOMFormat, "CycloneDX"},
				{"specVersion", b.SpecVersion, "1.6"},
				{"main component", main.Name, "example.com/sbomdemo"},
				{"main version", main.Version, "v1.2.3"},
				{"main purl", main.PURL, "pkg:golang/example.com/sbomdemo@v1.2.3"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			found := map[string]string{}
			for _, c := range b.Components {
				found[c.Name] = c.PURL
			}
			if got := found["gopkg.in/yaml.v3"]; got != "pkg:golang/gopkg.in/yaml.v3@v3.0.1" {
				t.Errorf("yaml.v3 purl = %q; components: %v", got, found)
			}
			if !strings.HasPrefix(found["std"], "pkg:golang/std@go1.") {
				t.Errorf("no std component (-std): %v", found)
			}
			if bytes.Contains(data, []byte("goos=")) {
				t.Error("the document names a target platform, which cyclonedx-gomod takes from the host")
			}
			if bytes.Contains(data, []byte("serialNumber")) || bytes.Contains(data, []byte(`"timestamp"`)) {
				t.Error("the document has a serial number or a timestamp: not reproducible")
			}

			// The same binary gives the same document.
			again := doc + ".again"
			tool = append([]string{"tool", "-modfile=" + modfile, "cyclonedx-gomod"}, cyclonedxArgs("v1.2.3", again, bin)...)
			run(t, root, nil, goTool, tool...)
			if second, err := os.ReadFile(again); err != nil || !bytes.Equal(second, data) {
				t.Errorf("a second run gave a different document (err %v)", err)
			}

			// The schema check bites: a document that breaks it is refused.
			broken := bytes.Replace(data, []byte(`"bomFormat": "CycloneDX"`), []byte(`"bomFormat": "SPDX"`), 1)
			if bytes.Equal(broken, data) {
				t.Fatal("could not break the document")
			}
			if err := validate(t, s, broken); err == nil || !strings.Contains(err.Error(), "bomFormat") {
				t.Errorf("a document with bomFormat SPDX passed the schema: %v", err)
			}
		})
	}
}
