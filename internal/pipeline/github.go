package pipeline

import (
	"github.com/svcship/svcship/internal/gitinfo"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/publish"
)

// releaseUploadable are the internal_type values of GoReleaser's
// artifacts.json whose files its release pipe uploads (artifact.
// ReleaseUploadableTypes in GoReleaser v2.15.1): archives, uploadable
// binaries and files, source archives, Linux packages, SBOMs, wheels and
// sdists, makeself, flatpak and source RPM packages, checksums,
// signatures and certificates.
var releaseUploadable = []int{1, 2, 3, 6, 12, 13, 14, 15, 28, 33, 34, 36, 38, 39}

// UploadSet is what a release of dist carries: every file GoReleaser's
// release pipe uploads (from artifacts.json, which GoReleaser writes at
// the end of a run) plus svcship's MSIs and detached signatures, which
// release.extra_files adds. It is for runs where the record publisher did
// not run (a rebuild of a published release, `svcship publish`).
func UploadSet(dist string, _ GoReleaserConfig) ([]publish.Asset, error) {
	as, err := ReadArtifacts(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		return nil, err
	}
	root := filepath.Dir(dist)
	seen := map[string]bool{}
	var out []publish.Asset
	add := func(name, path string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, publish.Asset{Name: name, Path: path})
		}
	}
	for _, a := range as {
		if !slices.Contains(releaseUploadable, a.InternalType) {
			continue
		}
		p := filepath.FromSlash(a.Path)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		add(a.Name, p)
	}
	for _, glob := range []string{filepath.Join(dist, "*.msi"), filepath.Join(dist, "svcship", "signatures", "*.p7s")} {
		matches, err := filepath.Glob(glob)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			add(filepath.Base(m), m)
		}
	}
	slices.SortFunc(out, func(a, b publish.Asset) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// GitHubRepo is gitinfo.GitHubRepo.
func GitHubRepo(configured, remote string, getenv func(string) string) (string, string, error) {
	return gitinfo.GitHubRepo(configured, remote, getenv)
}
