package pipeline

import (
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/winarch"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigNames returns the file names GoReleaser looks for, in its order.
func ConfigNames() []string {
	return []string{
		".config/goreleaser.yml",
		".config/goreleaser.yaml",
		".goreleaser.yml",
		".goreleaser.yaml",
		"goreleaser.yml",
		"goreleaser.yaml",
	}
}

// FindProjectConfig returns the GoReleaser config GoReleaser itself would
// read in root, or "" when there is none.
func FindProjectConfig(root string) string {
	for _, n := range ConfigNames() {
		p := filepath.Join(root, filepath.FromSlash(n))
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// GoReleaserConfig is the part of a GoReleaser config svcship reads: the
// project's own file, or the effective config GoReleaser writes to
// <dist>/config.yaml.
type GoReleaserConfig struct {
	ProjectName string            `yaml:"project_name"`
	Dist        string            `yaml:"dist"`
	Builds      []GoReleaserBuild `yaml:"builds"`
	Release     struct {
		GitHub struct {
			Owner string `yaml:"owner"`
			Name  string `yaml:"name"`
		} `yaml:"github"`
		Draft                  bool   `yaml:"draft"`
		MakeLatest             string `yaml:"make_latest"`
		DiscussionCategoryName string `yaml:"discussion_category_name"`
		Disable                string `yaml:"disable"`
	} `yaml:"release"`
	GitHubURLs struct {
		API    string `yaml:"api"`
		Upload string `yaml:"upload"`
	} `yaml:"github_urls"`
}

// GoReleaserBuild is one entry of builds.
type GoReleaserBuild struct {
	ID      string   `yaml:"id"`
	Dir     string   `yaml:"dir"`
	Main    string   `yaml:"main"`
	Binary  string   `yaml:"binary"`
	Goos    []string `yaml:"goos"`
	Goarch  []string `yaml:"goarch"`
	Targets []string `yaml:"targets"`
	Ignore  []struct {
		Goos   string `yaml:"goos"`
		Goarch string `yaml:"goarch"`
	} `yaml:"ignore"`
	Skip any `yaml:"skip"`
}

// ReadProjectConfig reads the GoReleaser config of the project in root.
func ReadProjectConfig(root string) (GoReleaserConfig, string, error) {
	p := FindProjectConfig(root)
	if p == "" {
		return GoReleaserConfig{}, "", fmt.Errorf("no GoReleaser config in %s (looked for %s)", root, strings.Join(ConfigNames(), ", "))
	}
	gc, err := ReadGoReleaserConfig(p)
	return gc, p, err
}

// ReadGoReleaserConfig reads one GoReleaser config file.
func ReadGoReleaserConfig(path string) (GoReleaserConfig, error) {
	var gc GoReleaserConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return gc, fmt.Errorf("goreleaser config: %w", err)
	}
	if err := yaml.Unmarshal(data, &gc); err != nil {
		return gc, fmt.Errorf("goreleaser config %s: %w", path, err)
	}
	return gc, nil
}

// ReadEffectiveConfig reads <dist>/config.yaml, the configuration with
// defaults that GoReleaser writes before it builds.
func ReadEffectiveConfig(dist string) (GoReleaserConfig, error) {
	p := filepath.Join(dist, "config.yaml")
	gc, err := ReadGoReleaserConfig(p)
	if errors.Is(err, os.ErrNotExist) {
		return gc, fmt.Errorf("%s is missing: svcship's hooks run inside `goreleaser release`, which writes it", p)
	}
	return gc, err
}

// BinaryName is the build's binary name; GoReleaser's default is the
// project name (fallback when the config has none either).
func (b GoReleaserBuild) BinaryName(projectName, fallback string) string {
	name := b.Binary
	if name == "" || name == "{{ .ProjectName }}" || name == "{{.ProjectName}}" {
		name = projectName
	}
	if name == "" {
		name = fallback
	}
	return name
}

// WindowsArches lists the Windows GOARCH values this build produces,
// following GoReleaser's defaults (goos darwin, linux, windows; goarch 386,
// amd64, arm64) when the lists are omitted.
func (b GoReleaserBuild) WindowsArches() []string {
	var out []string
	for _, a := range winarch.GOARCHes() {
		if b.Has("windows", a) {
			out = append(out, a)
		}
	}
	return out
}

// Has reports whether the build produces goos/goarch.
func (b GoReleaserBuild) Has(goos, goarch string) bool {
	if len(b.Targets) > 0 {
		return slices.ContainsFunc(b.Targets, func(t string) bool {
			return t == goos+"_"+goarch || strings.HasPrefix(t, goos+"_"+goarch+"_")
		})
	}
	gs, as := b.Goos, b.Goarch
	if len(gs) == 0 {
		gs = []string{"darwin", "linux", "windows"}
	}
	if len(as) == 0 {
		as = []string{"386", "amd64", "arm64"}
	}
	if !slices.Contains(gs, goos) || !slices.Contains(as, goarch) {
		return false
	}
	for _, ig := range b.Ignore {
		if (ig.Goos == "" || ig.Goos == goos) && (ig.Goarch == "" || ig.Goarch == goarch) {
			return false
		}
	}
	return true
}

// MainDir is the folder of the build's main package, relative to the
// project root.
func (b GoReleaserBuild) MainDir() string {
	m := b.Main
	if m == "" {
		m = "."
	}
	if strings.HasSuffix(m, ".go") {
		m = filepath.Dir(m)
	}
	return filepath.Join(b.Dir, m)
}
