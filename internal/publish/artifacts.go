package publish

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/svcship/svcship/internal/version"
)

// Asset is one file to attach to the release.
type Asset struct {
	Name string // asset name on GitHub
	Path string // local file
}

// artifact is the subset of a GoReleaser dist/artifacts.json entry we read.
type artifact struct {
	Name   string         `json:"name"`
	Path   string         `json:"path"`
	Goos   string         `json:"goos"`
	Goarch string         `json:"goarch"`
	Type   string         `json:"type"`
	Extra  map[string]any `json:"extra"`
}

// publishedTypes are the artifacts.json types that belong on a release.
var publishedTypes = map[string]bool{"Archive": true, "Checksum": true, "MSI": true, "Signature": true}

// AssetsFromArtifacts reads distDir/artifacts.json (GoReleaser's format)
// and returns the artifacts to upload: types Archive, Checksum, MSI and
// Signature, plus any entry whose extra has "upload": true. Relative paths
// are resolved the way GoReleaser writes them, relative to the project
// root: distDir's parent or an ancestor, else distDir itself.
// The result is sorted by name so plans and logs are stable.
func AssetsFromArtifacts(distDir string) ([]Asset, error) {
	file := filepath.Join(distDir, "artifacts.json")
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("publish: artifacts: %w", err)
	}
	var arts []artifact
	if err := json.Unmarshal(b, &arts); err != nil {
		return nil, fmt.Errorf("publish: artifacts: parse %s: %w", file, err)
	}
	absDist, err := filepath.Abs(distDir)
	if err != nil {
		return nil, fmt.Errorf("publish: artifacts: %w", err)
	}
	byName := map[string]Asset{}
	for _, a := range arts {
		if !publishedTypes[a.Type] && !truthy(a.Extra["upload"]) {
			continue
		}
		if a.Name == "" || a.Path == "" {
			return nil, fmt.Errorf("publish: artifacts: entry of type %q without name or path", a.Type)
		}
		p, err := resolveArtifactPath(absDist, a.Path)
		if err != nil {
			return nil, fmt.Errorf("publish: artifacts: %s: %w", a.Name, err)
		}
		if prev, dup := byName[a.Name]; dup {
			if prev.Path == p {
				continue // GoReleaser may list a file twice (e.g. once per format)
			}
			return nil, fmt.Errorf("publish: artifacts: two files named %q: %s and %s", a.Name, prev.Path, p)
		}
		byName[a.Name] = Asset{Name: a.Name, Path: p}
	}
	out := make([]Asset, 0, len(byName))
	for _, a := range byName {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

func resolveArtifactPath(absDist, p string) (string, error) {
	if filepath.IsAbs(p) {
		return p, statFile(p)
	}
	// GoReleaser writes paths relative to the project root, which is
	// usually dist's parent but may be further up ("build/dist").
	var candidates []string
	for dir := filepath.Dir(absDist); ; dir = filepath.Dir(dir) {
		candidates = append(candidates, filepath.Join(dir, p))
		if filepath.Dir(dir) == dir {
			break
		}
	}
	candidates = append(candidates, filepath.Join(absDist, filepath.Base(p)))
	for _, c := range candidates {
		if err := statFile(c); err == nil {
			return c, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s not found next to %s", p, absDist)
}

func statFile(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	return nil
}

// GitHub rewrites asset names outside this set (spaces become dots and
// so on), which would make the uploaded name differ from the planned one.
var assetNameRE = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$`)

// ParseTag checks that tag is a semantic version, with or without the
// leading "v" as GoReleaser accepts it (one grammar: package version), and
// reports whether it is a prerelease.
func ParseTag(tag string) (prerelease bool, err error) {
	v, err := version.Parse(tag)
	if err != nil {
		return false, fmt.Errorf("publish: tag %q is not a semantic version like v1.2.3: %w", tag, err)
	}
	return v.IsPrerelease(), nil
}
