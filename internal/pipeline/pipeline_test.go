package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGoReleaserFlags(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"--skip=sbom,docker", []string{"--skip=sbom,docker"}, ""},
		{"--skip sbom --parallelism 2", []string{"--skip", "sbom", "--parallelism", "2"}, ""},
		{"--skip=sbom,before", nil, "--skip=before would skip svcship's hooks"},
		{"--skip post-hooks", nil, "--skip=post-hooks would skip svcship's hooks"},
		{"--skip=archive", nil, "--skip=archive would skip"},
		{"--snapshot", nil, "--snapshot is set by svcship"},
		{"--draft", nil, "--draft is set by svcship"},
		{"--config=x.yaml", nil, "--config is set by svcship"},
	} {
		got, err := goreleaserFlags(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("goreleaserFlags(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("goreleaserFlags(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestWindowsVersion(t *testing.T) {
	for _, tc := range []struct {
		ver, tag string
		want     string // Major.Minor.Patch the Windows numbers come from
		wantErr  bool
	}{
		{"1.2.3", "v1.2.3", "1.2.3", false},
		{"1.2.3-SNAPSHOT-abc1234", "v1.2.3", "1.2.3", false},
		{"1.2.4-next", "v1.2.3", "1.2.4", false},
		// A free-form snapshot template falls back to the tag.
		{"abc1234", "v2.0.1", "2.0.1", false},
		{"abc1234", "nightly", "", true},
		// MSI major version is at most 255.
		{"256.0.0", "v256.0.0", "", true},
	} {
		v, err := WindowsVersion(tc.ver, tc.tag)
		if tc.wantErr {
			if err == nil {
				t.Errorf("WindowsVersion(%q, %q) = %v, want an error", tc.ver, tc.tag, v)
			}
			continue
		}
		if err != nil {
			t.Errorf("WindowsVersion(%q, %q): %v", tc.ver, tc.tag, err)
			continue
		}
		if got := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch); got != tc.want {
			t.Errorf("WindowsVersion(%q, %q) = %s, want %s", tc.ver, tc.tag, got, tc.want)
		}
	}
}

func TestBuildTargets(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    GoReleaserBuild
		want []string
	}{
		{"defaults", GoReleaserBuild{}, []string{"amd64", "arm64", "386"}},
		{"goos without windows", GoReleaserBuild{Goos: []string{"linux", "darwin"}}, nil},
		{"goarch list", GoReleaserBuild{Goos: []string{"windows"}, Goarch: []string{"amd64", "arm", "arm64"}}, []string{"amd64", "arm64"}},
		{"ignore", GoReleaserBuild{Goarch: []string{"amd64", "arm"}, Ignore: []struct {
			Goos   string `yaml:"goos"`
			Goarch string `yaml:"goarch"`
		}{{Goos: "windows", Goarch: "arm"}}}, []string{"amd64"}},
		{"targets", GoReleaserBuild{Targets: []string{"linux_amd64", "windows_amd64_v1", "windows_arm64"}}, []string{"amd64", "arm64"}},
	} {
		if got := tc.b.WindowsArches(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: WindowsArches = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTargetLevelEnv(t *testing.T) {
	for target, want := range map[string][]string{
		"windows_amd64_v1":   {"GOAMD64=v1"},
		"windows_amd64_v3":   {"GOAMD64=v3"},
		"windows_386_sse2":   {"GO386=sse2"},
		"windows_arm64_v8.0": {"GOARM64=v8.0"},
		"windows_arm64":      nil,
	} {
		if got := targetLevelEnv(target); !slices.Equal(got, want) {
			t.Errorf("targetLevelEnv(%q) = %q, want %q", target, got, want)
		}
	}
}

func TestFindProjectConfigOrder(t *testing.T) {
	dir := t.TempDir()
	if got := FindProjectConfig(dir); got != "" {
		t.Fatalf("empty folder: %q", got)
	}
	for _, n := range []string{"goreleaser.yaml", ".goreleaser.yaml", ".goreleaser.yml", ".config/goreleaser.yml"} {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("version: 2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// GoReleaser's order: .config/ first, then .goreleaser.yml,
		// .goreleaser.yaml, goreleaser.yml, goreleaser.yaml.
		want := map[string]string{
			"goreleaser.yaml":        "goreleaser.yaml",
			".goreleaser.yaml":       ".goreleaser.yaml",
			".goreleaser.yml":        ".goreleaser.yml",
			".config/goreleaser.yml": ".config/goreleaser.yml",
		}[n]
		if got := FindProjectConfig(dir); got != filepath.Join(dir, filepath.FromSlash(want)) {
			t.Errorf("after adding %s: %q, want %s", n, got, want)
		}
	}
}

func TestCheckConfigNamesMissingEntries(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "svcship.yaml"), []byte(minimalSvcship), 0o644); err != nil {
		t.Fatal(err)
	}
	// A config whose archive glob is the wrong form, with no publishers.
	gr := `version: 2
before:
  hooks:
    - go tool svcship goreleaser before --version={{ .Version }}
builds:
  - hooks:
      post:
        - cmd: go tool svcship goreleaser build
archives:
  - files:
      - src: "dist/svcship/{{ .Os }}_{{ .Arch }}/**/*"
`
	if err := os.WriteFile(filepath.Join(dir, ".goreleaser.yaml"), []byte(gr), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := newDriver(DriveOptions{Root: dir, Snapshot: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	err = d.checkConfig(t.Context())
	if err == nil || !strings.Contains(err.Error(), "the archive files entry") || !strings.Contains(err.Error(), "svcship init") {
		t.Fatalf("snapshot check = %v, want the archive files entry named and svcship init suggested", err)
	}
	if strings.Contains(err.Error(), "svcship-release") {
		t.Errorf("a snapshot needs no publishers, but the error asks for them: %v", err)
	}
	d.opts.Snapshot = false
	err = d.checkConfig(t.Context())
	for _, want := range []string{"svcship-assets", "svcship-release", "use_existing_draft", "SVCSHIP_PUBLISH"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("release check = %v, want %q named", err, want)
		}
	}
}

const minimalSvcship = `product:
  name: demo
  company: Acme
  description: demo service
service:
  name: demo
packaging:
  upgrade_code: 6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64
`
