package pipeline

import (
	"fmt"
	"net/url"
	"os"
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

// GitHubRepo is the one home of "which GitHub repository": release.github
// from svcship.yaml, else $GITHUB_REPOSITORY (set in GitHub Actions), else
// the origin remote.
func GitHubRepo(configured, remote string, getenv func(string) string) (owner, repo string, err error) {
	s := configured
	if s == "" && getenv != nil {
		s = getenv("GITHUB_REPOSITORY")
	}
	if s == "" {
		s = RepoFromRemote(remote)
	}
	owner, repo, ok := strings.Cut(s, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return "", "", fmt.Errorf("which GitHub repository? set release.github (owner/repo) in svcship.yaml; the origin remote %q is not a GitHub URL", remote)
	}
	return owner, repo, nil
}

// RepoFromRemote turns https://host/owner/repo(.git) or git@host:owner/repo
// into owner/repo ("" when it is neither).
func RepoFromRemote(remote string) string {
	var p string
	if u, err := url.Parse(remote); err == nil && u.Host != "" {
		p = u.Path
	} else if _, after, ok := strings.Cut(remote, ":"); ok && strings.Contains(remote, "@") {
		p = after
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	if strings.Count(p, "/") != 1 {
		return ""
	}
	return p
}

// exists reports whether p is a regular file.
func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
