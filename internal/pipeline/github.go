package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/svcship/svcship/internal/publish"
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
//
// GoReleaser writes artifacts.json only after its publishers succeed, so
// a dist whose svcship-release publisher failed has none; the notes of
// the svcship-assets publisher (<dist>/svcship/assets) say then exactly
// what GoReleaser would have uploaded. The winget manifests the failed
// publisher wrote (<dist>/winget/<id>/<version>/*.yaml) go with them.
func UploadSet(dist string) ([]publish.Asset, error) {
	seen := map[string]bool{}
	var out []publish.Asset
	add := func(name, path string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, publish.Asset{Name: name, Path: path})
		}
	}
	as, err := ReadArtifacts(filepath.Join(dist, "artifacts.json"))
	if errors.Is(err, fs.ErrNotExist) {
		recorded, rerr := Recorded(filepath.Join(dist, "svcship", "assets"))
		if rerr != nil {
			return nil, fmt.Errorf("%w, and the svcship-assets publisher noted nothing either (%v)", err, rerr)
		}
		for _, a := range recorded {
			add(a.Name, a.Path)
		}
		as = nil
	} else if err != nil {
		return nil, err
	}
	root := filepath.Dir(dist)
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
	for _, glob := range []string{filepath.Join(dist, "*.msi"), filepath.Join(dist, "svcship", "signatures", "*.p7s"), filepath.Join(dist, "winget", "*", "*", "*.yaml")} {
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

// GoReleaserRelease fills in opts what publishing a dist that `go tool
// mage release` wrote must keep from GoReleaser: its release pipe made the
// draft (name_template, changelog, prerelease), so svcship only uploads and
// undrafts, with the project's make_latest and discussion category, and
// leaves a draft when the project's config asks for release.draft. It
// reports false for a dist without GoReleaser's effective config.
func GoReleaserRelease(root, dist string, opts *publish.Options) (bool, error) {
	if _, err := os.Stat(filepath.Join(dist, "config.yaml")); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	gc, err := ReadEffectiveConfig(dist)
	if err != nil {
		return false, err
	}
	keep, err := projectWantsDraft(root, gc)
	if err != nil {
		return false, err
	}
	opts.FromGoReleaser = true
	opts.KeepDraft = keep
	opts.MakeLatest = literalMakeLatest(gc.Release.MakeLatest, opts.Logger)
	opts.DiscussionCategory = gc.Release.DiscussionCategoryName
	return true, nil
}
