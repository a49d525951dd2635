package winget

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/msipkg"
	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/version"
)

// sample is a two-arch release with made-up hashes and GUIDs.
func sample() Manifest {
	return Manifest{
		PackageIdentifier: "ExampleLtd.hellosvc",
		PackageVersion:    "1.2.3",
		Publisher:         "Example Ltd",
		PackageName:       "Hello Service",
		ShortDescription:  "A small HTTP service",
		License:           "MIT",
		Copyright:         "Copyright 2026 Example Ltd",
		PackageURL:        "https://example.com/hellosvc",
		Installers: []Installer{
			{
				Arch:           "arm64",
				URL:            "https://github.com/example/hellosvc/releases/download/v1.2.3/hellosvc_1.2.3_windows_arm64.msi",
				SHA256:         "ecee4c33be96102fae33bd83b824a15ef8d7c3cb9dba5ee4fb38756ea0c79d19",
				ProductCode:    "{5D0B4C7E-0E59-5F43-9A6B-2C1D8E7F6A01}",
				UpgradeCode:    "{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}",
				DisplayVersion: "1.2.3",
			},
			{
				Arch:           "amd64",
				URL:            "https://github.com/example/hellosvc/releases/download/v1.2.3/hellosvc_1.2.3_windows_amd64.msi",
				SHA256:         "616b6ecabc3ead33417e44abf7f7a7d59d45922b4476687ecf301b6ff9c9dbcd",
				ProductCode:    "{2A7F3E10-6C4B-5D92-8E1A-B0C9D8E7F602}",
				UpgradeCode:    "{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}",
				DisplayVersion: "1.2.3",
			},
		},
	}
}

const goldenVersion = `# Created with svcship.
# yaml-language-server: $schema=https://aka.ms/winget-manifest.version.1.28.0.schema.json

PackageIdentifier: ExampleLtd.hellosvc
PackageVersion: 1.2.3
DefaultLocale: en-US
ManifestType: version
ManifestVersion: 1.28.0
`

const goldenInstaller = `# Created with svcship.
# yaml-language-server: $schema=https://aka.ms/winget-manifest.installer.1.28.0.schema.json

PackageIdentifier: ExampleLtd.hellosvc
PackageVersion: 1.2.3
InstallerType: msi
Scope: machine
InstallerSwitches:
  Silent: /quiet /norestart
  SilentWithProgress: /passive /norestart
  InstallLocation: INSTALLDIR="<INSTALLPATH>"
UpgradeBehavior: install
ElevationRequirement: elevatesSelf
Installers:
  - Architecture: arm64
    InstallerUrl: https://github.com/example/hellosvc/releases/download/v1.2.3/hellosvc_1.2.3_windows_arm64.msi
    InstallerSha256: ECEE4C33BE96102FAE33BD83B824A15EF8D7C3CB9DBA5EE4FB38756EA0C79D19
    ProductCode: '{5D0B4C7E-0E59-5F43-9A6B-2C1D8E7F6A01}'
    AppsAndFeaturesEntries:
      - DisplayName: Hello Service
        Publisher: Example Ltd
        ProductCode: '{5D0B4C7E-0E59-5F43-9A6B-2C1D8E7F6A01}'
        UpgradeCode: '{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}'
  - Architecture: x64
    InstallerUrl: https://github.com/example/hellosvc/releases/download/v1.2.3/hellosvc_1.2.3_windows_amd64.msi
    InstallerSha256: 616B6ECABC3EAD33417E44ABF7F7A7D59D45922B4476687ECF301B6FF9C9DBCD
    ProductCode: '{2A7F3E10-6C4B-5D92-8E1A-B0C9D8E7F602}'
    AppsAndFeaturesEntries:
      - DisplayName: Hello Service
        Publisher: Example Ltd
        ProductCode: '{2A7F3E10-6C4B-5D92-8E1A-B0C9D8E7F602}'
        UpgradeCode: '{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}'
ManifestType: installer
ManifestVersion: 1.28.0
`

const goldenLocale = `# Created with svcship.
# yaml-language-server: $schema=https://aka.ms/winget-manifest.defaultlocale.1.28.0.schema.json

PackageIdentifier: ExampleLtd.hellosvc
PackageVersion: 1.2.3
PackageLocale: en-US
Publisher: Example Ltd
PackageName: Hello Service
PackageUrl: https://example.com/hellosvc
License: MIT
Copyright: Copyright 2026 Example Ltd
ShortDescription: A small HTTP service
ManifestType: defaultLocale
ManifestVersion: 1.28.0
`

func TestFilesGolden(t *testing.T) {
	files, err := sample().Files()
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{"ExampleLtd.hellosvc.yaml", []byte(goldenVersion)},
		{"ExampleLtd.hellosvc.installer.yaml", []byte(goldenInstaller)},
		{"ExampleLtd.hellosvc.locale.en-US.yaml", []byte(goldenLocale)},
	}
	if len(files) != len(want) {
		t.Fatalf("got %d files, want %d", len(files), len(want))
	}
	for i, w := range want {
		if files[i].Name != w.Name {
			t.Errorf("file %d is %q, want %q", i, files[i].Name, w.Name)
		}
		if !bytes.Equal(files[i].Data, w.Data) {
			t.Errorf("%s:\n%s\nwant:\n%s", w.Name, files[i].Data, w.Data)
		}
	}
	// The installers' input order must not matter.
	m := sample()
	m.Installers[0], m.Installers[1] = m.Installers[1], m.Installers[0]
	again, err := m.Files()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again[1].Data, []byte(goldenInstaller)) {
		t.Errorf("installer manifest depends on the order of the MSIs:\n%s", again[1].Data)
	}
}

func TestWriterHandsOutEachFile(t *testing.T) {
	var names []string
	var total int
	w := NewWriter(func(name string) (io.Writer, error) {
		names = append(names, name)
		return writerFunc(func(p []byte) (int, error) { total += len(p); return len(p), nil }), nil
	})
	if err := w.Write(sample()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "ExampleLtd.hellosvc.yaml ExampleLtd.hellosvc.installer.yaml ExampleLtd.hellosvc.locale.en-US.yaml" {
		t.Errorf("names = %s", got)
	}
	if want := len(goldenVersion) + len(goldenInstaller) + len(goldenLocale); total != want {
		t.Errorf("wrote %d bytes, want %d", total, want)
	}

	// A bad manifest reaches create not even once.
	bad := sample()
	bad.License = ""
	called := false
	w = NewWriter(func(string) (io.Writer, error) { called = true; return io.Discard, nil })
	if err := w.Write(bad); err == nil || called {
		t.Fatalf("Write(bad) = %v, create called: %v", err, called)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// schemas compiles the vendored official schemas, keyed by manifest type.
func schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for typ, file := range map[string]string{
		"version":       "manifest.version.1.28.0.json",
		"installer":     "manifest.installer.1.28.0.json",
		"defaultLocale": "manifest.defaultLocale.1.28.0.json",
	} {
		f, err := os.Open(filepath.Join("testdata", "schema", file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		loc := "file:///schema/" + file
		if err := c.AddResource(loc, doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		s, err := c.Compile(loc)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[typ] = s
	}
	return out
}

// validate checks one manifest file against the schema its ManifestType
// names, and that its header names the same schema.
func validate(t *testing.T, sch map[string]*jsonschema.Schema, f File) error {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(f.Data, &doc); err != nil {
		return fmt.Errorf("%s: not YAML: %v", f.Name, err)
	}
	typ, _ := doc["ManifestType"].(string)
	s, ok := sch[typ]
	if !ok {
		return fmt.Errorf("%s: ManifestType %q has no schema", f.Name, typ)
	}
	header := "# yaml-language-server: $schema=https://aka.ms/winget-manifest." + strings.ToLower(typ) + ".1.28.0.schema.json\n"
	if !bytes.Contains(f.Data, []byte(header)) {
		return fmt.Errorf("%s: header line %q missing", f.Name, header)
	}
	return s.Validate(toJSON(doc))
}

// toJSON turns yaml.v3's decoded values into the JSON types the validator
// expects (every map key a string).
func toJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = toJSON(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = toJSON(e)
		}
		return v
	case int:
		return float64(v)
	}
	return v
}

func TestManifestsValidateAgainstOfficialSchema(t *testing.T) {
	sch := schemas(t)
	prerelease := sample()
	prerelease.PackageVersion = "1.2.3-rc.1"
	for i := range prerelease.Installers {
		prerelease.Installers[i].DisplayVersion = "1.2.3"
	}
	minimal := sample()
	minimal.Copyright, minimal.PackageURL = "", ""
	minimal.Installers = minimal.Installers[1:]
	three := sample()
	three.Installers = append(three.Installers, Installer{
		Arch: "386", URL: "http://downloads.example.com/hellosvc_386.msi",
		SHA256:      "0000000000000000000000000000000000000000000000000000000000000000",
		ProductCode: "{00000000-0000-0000-0000-000000000003}", UpgradeCode: "{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}",
		DisplayVersion: "1.2.3",
	})
	for name, m := range map[string]Manifest{"release": sample(), "prerelease": prerelease, "one arch, no optional fields": minimal, "three arches": three} {
		t.Run(name, func(t *testing.T) {
			files, err := m.Files()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if err := validate(t, sch, f); err != nil {
					t.Errorf("%s does not validate:\n%v\n%s", f.Name, err, f.Data)
				}
			}
		})
	}
	// The prerelease maps back from the MSI's numeric version.
	files, err := prerelease.Files()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(files[1].Data, []byte("        DisplayVersion: 1.2.3\n")) {
		t.Errorf("prerelease installer manifest has no DisplayVersion 1.2.3:\n%s", files[1].Data)
	}
}

// TestSchemaCatchesBrokenManifests shows the validator is not vacuous: each
// edit breaks one rule of the official schema.
func TestSchemaCatchesBrokenManifests(t *testing.T) {
	sch := schemas(t)
	for _, tt := range []struct {
		name, file, old, new string
	}{
		{"unknown architecture", "ExampleLtd.hellosvc.installer.yaml", "Architecture: x64", "Architecture: amd64"},
		{"short hash", "ExampleLtd.hellosvc.installer.yaml", "InstallerSha256: 616B6ECABC3EAD33", "InstallerSha256: 616B"},
		{"unknown installer type", "ExampleLtd.hellosvc.installer.yaml", "InstallerType: msi", "InstallerType: setup"},
		{"bad elevation", "ExampleLtd.hellosvc.installer.yaml", "ElevationRequirement: elevatesSelf", "ElevationRequirement: admin"},
		{"no license", "ExampleLtd.hellosvc.locale.en-US.yaml", "License: MIT\n", ""},
		{"wrong manifest type", "ExampleLtd.hellosvc.yaml", "ManifestType: version", "ManifestType: installer"},
		{"identifier with a space", "ExampleLtd.hellosvc.yaml", "PackageIdentifier: ExampleLtd.hellosvc", "PackageIdentifier: Example Ltd.hellosvc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files, err := sample().Files()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Name != tt.file {
					continue
				}
				if !bytes.Contains(f.Data, []byte(tt.old)) {
					t.Fatalf("%s has no %q", f.Name, tt.old)
				}
				f.Data = bytes.Replace(f.Data, []byte(tt.old), []byte(tt.new), 1)
				if tt.name == "wrong manifest type" {
					// Validate against the version schema the file claims to be.
					var doc map[string]any
					if err := yaml.Unmarshal(f.Data, &doc); err != nil {
						t.Fatal(err)
					}
					if err := sch["version"].Validate(toJSON(doc)); err == nil {
						t.Fatal("version schema accepted ManifestType installer")
					}
					return
				}
				if err := validate(t, sch, f); err == nil {
					t.Fatalf("schema accepted:\n%s", f.Data)
				}
				return
			}
			t.Fatalf("no file %s", tt.file)
		})
	}
}

func TestCheckRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Manifest)
		want string
	}{
		{"identifier with one part", func(m *Manifest) { m.PackageIdentifier = "hellosvc" }, `package identifier "hellosvc" is not Publisher.Package`},
		{"identifier with a space", func(m *Manifest) { m.PackageIdentifier = "Example Ltd.hellosvc" }, "is not Publisher.Package"},
		{"version with a slash", func(m *Manifest) { m.PackageVersion = "1.2/3" }, `package version "1.2/3"`},
		{"no license", func(m *Manifest) { m.License = "" }, "license (product.license) \"\" has 0 characters (winget expects 3 to 512)"},
		{"short description", func(m *Manifest) { m.ShortDescription = "ab" }, "short description (product.description)"},
		{"short copyright", func(m *Manifest) { m.Copyright = "c" }, "copyright (product.copyright)"},
		{"homepage not http", func(m *Manifest) { m.PackageURL = "ftp://example.com" }, "package URL (product.homepage)"},
		{"no installers", func(m *Manifest) { m.Installers = nil }, "has no MSI"},
		{"arm arch", func(m *Manifest) { m.Installers[0].Arch = "arm" }, `installer arch: "arm" is not a Windows architecture`},
		{"same arch twice", func(m *Manifest) { m.Installers[0].Arch = "amd64" }, "two MSIs for amd64"},
		{"relative URL", func(m *Manifest) { m.Installers[1].URL = "dist/x.msi" }, `amd64 installer URL: "dist/x.msi" is not an http(s) URL`},
		{"short hash", func(m *Manifest) { m.Installers[1].SHA256 = "abc" }, `amd64 installer SHA-256 "abc" is not 64 hex digits`},
		{"product code without braces", func(m *Manifest) { m.Installers[1].ProductCode = "2A7F3E10-6C4B-5D92-8E1A-B0C9D8E7F602" }, "amd64 ProductCode"},
		{"no upgrade code", func(m *Manifest) { m.Installers[1].UpgradeCode = "" }, "amd64 UpgradeCode"},
		{"no display version", func(m *Manifest) { m.Installers[1].DisplayVersion = "" }, "amd64 DisplayVersion"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := sample()
			tt.edit(&m)
			_, err := m.Files()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

const svcshipYAML = `product:
  name: hellosvc
  display_name: Hello Service
  company: Example Ltd.
  description: A small HTTP service
  license: MIT
  homepage: https://example.com/hellosvc
service:
  name: hellosvc
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
`

func TestPackageIdentifier(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want, err string
	}{
		{"company and name", svcshipYAML, "ExampleLtd.hellosvc", ""},
		{"override", svcshipYAML + "release:\n  winget_id: Example.Hello\n", "Example.Hello", ""},
		{"company of punctuation only", strings.Replace(svcshipYAML, "company: Example Ltd.", "company: '...'", 1), "", `cannot make a package identifier from product.company "..." and product.name "hellosvc" (got ".hellosvc"; set release.winget_id`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse("svcship.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got, err := PackageIdentifier(c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("PackageIdentifier = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestConfigRejectsBadWingetID(t *testing.T) {
	_, err := config.Parse("svcship.yaml", []byte(svcshipYAML+"release:\n  winget_id: hellosvc\n"))
	want := `svcship.yaml:13: release.winget_id: "hellosvc" is not a winget package identifier`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want prefix %q", err, want)
	}
}

// fakePE is a PE header for machine followed by payload: enough for msipkg,
// which reads the machine type, to package it.
func fakePE(machine uint16, payload string) []byte {
	var b bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	if err := binary.Write(&b, binary.LittleEndian, pe.FileHeader{Machine: machine, Characteristics: 0x0102}); err != nil {
		panic(err)
	}
	b.WriteString(payload)
	return b.Bytes()
}

// buildMSIs writes svcship.yaml and stand-in executables to a temp folder
// and builds a real MSI for each arch with msipkg, as the pipeline does.
func buildMSIs(t *testing.T, tag string, arches ...string) (*config.Config, version.V, string, []MSI) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "svcship.yaml")
	if err := os.WriteFile(cfgPath, []byte(svcshipYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	v, err := version.Parse(tag)
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(dir, "dist")
	var msis []MSI
	for _, arch := range arches {
		machine := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "386": pe.IMAGE_FILE_MACHINE_I386, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[arch]
		bin := filepath.Join(dir, "bin", arch)
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		app := filepath.Join(bin, "hellosvc.exe")
		inst := filepath.Join(bin, "svcship-installer.exe")
		if err := os.WriteFile(app, fakePE(machine, "hello service "+arch), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(inst, fakePE(machine, "installer "+arch), 0o644); err != nil {
			t.Fatal(err)
		}
		name := "hellosvc_" + v.String() + "_windows_" + arch + ".msi"
		p := filepath.Join(dist, name)
		spec := msipkg.Spec{Config: c, Arch: arch, Version: v, AppBinary: app, Installer: inst, Timestamp: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)}
		if err := msipkg.BuildFile(context.Background(), spec, p); err != nil {
			t.Fatalf("msipkg %s: %v", arch, err)
		}
		msis = append(msis, MSI{Path: p, URL: GitHubDownloadURL("example/hellosvc", tag, name)})
	}
	return c, v, dist, msis
}

// msiProperty reads one property with msitools, independently of svcship's
// MSI reader.
func msiProperty(t *testing.T, msiinfo, path, name string) string {
	t.Helper()
	out, err := exec.Command(msiinfo, "export", path, "Property").Output()
	if err != nil {
		t.Fatalf("msiinfo export %s Property: %v", path, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t"); ok && k == name {
			return v
		}
	}
	t.Fatalf("%s: no property %s in:\n%s", path, name, out)
	return ""
}

// TestWriteDistDescribesTheMSIs builds real MSIs with msipkg and checks that
// the manifests land under dist/winget/<id>/<version>/, validate, and carry
// each MSI's SHA-256 (sha256sum's) and ProductCode (msitools').
func TestWriteDistDescribesTheMSIs(t *testing.T) {
	tools := testtool.Require(t, "sha256sum", "msiinfo")
	c, v, dist, msis := buildMSIs(t, "v1.2.3-rc.1", "amd64", "386", "arm64")
	paths, err := WriteDist(dist, Release{Config: c, Version: v, MSIs: msis})
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dist, "winget", "ExampleLtd.hellosvc", "1.2.3-rc.1")
	wantPaths := []string{
		filepath.Join(base, "ExampleLtd.hellosvc.yaml"),
		filepath.Join(base, "ExampleLtd.hellosvc.installer.yaml"),
		filepath.Join(base, "ExampleLtd.hellosvc.locale.en-US.yaml"),
	}
	if strings.Join(paths, "\n") != strings.Join(wantPaths, "\n") {
		t.Fatalf("paths:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(wantPaths, "\n"))
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%s holds %d entries, want the 3 manifests (no temporary files)", base, len(entries))
	}
	data, err := os.ReadFile(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	var inst struct {
		Installers []struct {
			Architecture           string `yaml:"Architecture"`
			InstallerURL           string `yaml:"InstallerUrl"`
			InstallerSha256        string `yaml:"InstallerSha256"`
			ProductCode            string `yaml:"ProductCode"`
			AppsAndFeaturesEntries []struct {
				DisplayVersion string `yaml:"DisplayVersion"`
				ProductCode    string `yaml:"ProductCode"`
				UpgradeCode    string `yaml:"UpgradeCode"`
			} `yaml:"AppsAndFeaturesEntries"`
		} `yaml:"Installers"`
	}
	if err := yaml.Unmarshal(data, &inst); err != nil {
		t.Fatal(err)
	}
	// Sorted by winget architecture: arm64, x64, x86.
	want := []struct{ arch, goarch string }{{"arm64", "arm64"}, {"x64", "amd64"}, {"x86", "386"}}
	if len(inst.Installers) != len(want) {
		t.Fatalf("%d installers, want %d:\n%s", len(inst.Installers), len(want), data)
	}
	for i, w := range want {
		got := inst.Installers[i]
		path := filepath.Join(dist, "hellosvc_1.2.3-rc.1_windows_"+w.goarch+".msi")
		out, err := exec.Command(tools[0], path).Output()
		if err != nil {
			t.Fatalf("sha256sum: %v", err)
		}
		sum, _, _ := strings.Cut(string(out), " ")
		code := msiProperty(t, tools[1], path, "ProductCode")
		if got.Architecture != w.arch {
			t.Errorf("installer %d: Architecture %s, want %s", i, got.Architecture, w.arch)
		}
		if wantURL := "https://github.com/example/hellosvc/releases/download/v1.2.3-rc.1/hellosvc_1.2.3-rc.1_windows_" + w.goarch + ".msi"; got.InstallerURL != wantURL {
			t.Errorf("%s: InstallerUrl %s, want %s", w.arch, got.InstallerURL, wantURL)
		}
		if got.InstallerSha256 != strings.ToUpper(sum) {
			t.Errorf("%s: InstallerSha256 %s, sha256sum says %s", w.arch, got.InstallerSha256, sum)
		}
		if got.ProductCode != code || len(got.AppsAndFeaturesEntries) != 1 || got.AppsAndFeaturesEntries[0].ProductCode != code {
			t.Errorf("%s: ProductCode %s / %+v, msiinfo says %s", w.arch, got.ProductCode, got.AppsAndFeaturesEntries, code)
		}
		if e := got.AppsAndFeaturesEntries; len(e) == 1 && (e[0].UpgradeCode != "{8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}" || e[0].DisplayVersion != "1.2.3") {
			t.Errorf("%s: ARP entry %+v, want UpgradeCode {8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10} and DisplayVersion 1.2.3", w.arch, e[0])
		}
	}
	if !bytes.Contains(data, []byte("PackageVersion: 1.2.3-rc.1\n")) {
		t.Errorf("installer manifest lacks PackageVersion 1.2.3-rc.1:\n%s", data)
	}
	sch := schemas(t)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, sch, File{Name: filepath.Base(p), Data: data}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}

	// Same MSIs, same bytes.
	again, err := WriteDist(filepath.Join(t.TempDir(), "dist2"), Release{Config: c, Version: v, MSIs: msis})
	if err != nil {
		t.Fatal(err)
	}
	for i := range paths {
		a, errA := os.ReadFile(paths[i])
		b, errB := os.ReadFile(again[i])
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s and %s differ (%v, %v)", paths[i], again[i], errA, errB)
		}
	}
}

func TestWriteDistWritesNothingOnBadInput(t *testing.T) {
	c, v, dist, msis := buildMSIs(t, "v1.2.3", "amd64")
	other, err := version.Parse("v1.2.4")
	if err != nil {
		t.Fatal(err)
	}
	noLicense := *c
	noLicense.Product.License = ""
	otherProduct := *c
	otherProduct.Packaging.UpgradeCode = "{00000000-1111-2222-3333-444444444444}"
	notMSI := filepath.Join(dist, "notes.msi")
	if err := os.WriteFile(notMSI, []byte("not an MSI"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		r    Release
		want string
	}{
		{"no license", Release{Config: &noLicense, Version: v, MSIs: msis}, "winget: product.license is empty"},
		{"missing file", Release{Config: c, Version: v, MSIs: []MSI{{Path: filepath.Join(dist, "missing.msi"), URL: msis[0].URL}}}, "winget: read MSI: open " + filepath.Join(dist, "missing.msi")},
		{"not an MSI", Release{Config: c, Version: v, MSIs: []MSI{{Path: notMSI, URL: msis[0].URL}}}, "winget: " + notMSI + ": msi: "},
		{"MSI of another version", Release{Config: c, Version: other, MSIs: msis}, "has ProductVersion 1.2.3, but version 1.2.4 maps to 1.2.4"},
		{"MSI of another product", Release{Config: &otherProduct, Version: v, MSIs: msis}, "has UpgradeCode {8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10}, but packaging.upgrade_code is {00000000-1111-2222-3333-444444444444}"},
		{"relative URL", Release{Config: c, Version: v, MSIs: []MSI{{Path: msis[0].Path, URL: "hellosvc.msi"}}}, `winget: amd64 installer URL: "hellosvc.msi" is not an http(s) URL`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteDist(dist, tt.r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dist, "winget")); !os.IsNotExist(err) {
				t.Fatalf("dist/winget exists after a failed write (stat: %v)", err)
			}
		})
	}
}

func TestGitHubDownloadURL(t *testing.T) {
	got := GitHubDownloadURL("example/hellosvc", "v1.2.3+build.7", "hello svc.msi")
	want := "https://github.com/example/hellosvc/releases/download/v1.2.3+build.7/hello%20svc.msi"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
