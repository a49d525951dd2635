package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
)

// uploadTypes are the internal_type values of the artifacts.json entries
// GoReleaser v2.15.1's release pipe uploads (its ReleaseUploadableTypes):
// archive 1, uploadable binary 2, file 3, Linux package 6, checksum 12,
// signature 13, certificate 14, source archive 15, SBOM 28, wheel 33,
// sdist 34, makeself 36, flatpak 38, source RPM 39.
var uploadTypes = []int{1, 2, 3, 6, 12, 13, 14, 15, 28, 33, 34, 36, 38, 39}

// installerEntries are what svcship adds to every Windows archive.
var installerEntries = []string{"scripts/install.ps1", "scripts/uninstall.ps1", "svcship-installer.exe", "svcship.yaml"}

// pluginSkips are the GoReleaser pipes both runs skip: no Docker daemon,
// no gpg or cosign key, no syft on this machine.
const pluginSkips = "--skip=docker,sign,sbom"

type distEntry struct {
	Name         string `json:"name"`
	Path         string `json:"path"`
	Goos         string `json:"goos"`
	InternalType int    `json:"internal_type"`
	Extra        struct {
		Format    string `json:"Format"`
		WrappedIn string `json:"WrappedIn"`
	} `json:"extra"`
}

// pluginDistCommit also returns the short commit GoReleaser stamped, which
// package names carry in their own spelling of the version (deb:
// 1.2.3~SNAPSHOT-abc1234, rpm: 1.2.3~SNAPSHOT_abc1234).
func pluginDistCommit(t *testing.T, dir string) (entries []distEntry, version, short string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	}
	data, err = os.ReadFile(filepath.Join(dir, "dist", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Commit) < 7 {
		t.Fatalf("metadata.json commit %q", meta.Commit)
	}
	return entries, meta.Version, meta.Commit[:7]
}

func uploads(entries []distEntry) []distEntry {
	var out []distEntry
	for _, e := range entries {
		if slices.Contains(uploadTypes, e.InternalType) {
			out = append(out, e)
		}
	}
	return out
}

// archiveEntries lists the files in a zip or tar.gz (readArchive), sorted,
// without folder entries.
func archiveEntries(t *testing.T, path string) []string {
	t.Helper()
	var names []string
	for _, e := range readArchive(t, path) {
		if !strings.HasSuffix(e.name, "/") {
			names = append(names, e.name)
		}
	}
	sort.Strings(names)
	return names
}

func runIn(ctx context.Context, t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(b), 80))
	}
	return string(b)
}

// TestGoReleaserProjectsKeepEverything takes three projects modelled on
// common public GoReleaser configs (internal/e2e/testdata): the `goreleaser
// init` default, one with a v prefix, armv7 and wrap_in_directory, one
// with nfpms, a custom checksum name, draft: true and a second (binary)
// archive set. For each, bare `goreleaser release --snapshot --clean` on
// the original config, then `svcship init` and `go tool mage snapshot`,
// with the same skips: every file GoReleaser would upload also exists
// after svcship's run, every archive holds the same entries (the Windows
// ones also the installer, svcship.yaml and scripts), and the checksums
// file covers the MSIs and passes sha256sum -c.
func TestGoReleaserProjectsKeepEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("runs GoReleaser on three projects; skipped with -short")
	}
	testtool.Require(t, "git", "sha256sum")
	bin := goreleaserDir(t)
	root := repoRoot(t)
	for _, tc := range []struct {
		name string
		// wrapped: archives wrap their files in a folder of the archive's name.
		wrapped bool
		// extraZip: the project's Windows archive is binary-format, so
		// svcship adds a zip of its own beside it (name without version).
		extraZip  string
		checksums string
	}{
		{name: "initdefault", checksums: "initdefault_{{V}}_checksums.txt"},
		{name: "vprefix", wrapped: true, checksums: "checksums.txt"},
		{name: "pkgs", checksums: "statusd_{{V}}_SHA256SUMS", extraZip: "statusd_{{V}}_windows_amd64_service.zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			dir := filepath.Join(sharedDir(t), "plugin-"+tc.name)
			testtool.CopyTree(t, filepath.Join(root, "internal", "e2e", "testdata", tc.name), dir)
			env := append(os.Environ(), pathWith(bin), "SVCSHIP_GORELEASER_FLAGS="+pluginSkips)
			gitCommit(t, dir, "init", "-q")
			gitCommit(t, dir, "remote", "add", "origin", "https://github.com/acme/"+tc.name+".git")
			gitCommit(t, dir, "add", "-A")
			gitCommit(t, dir, "commit", "-q", "-m", "project as it is")
			gitCommit(t, dir, "tag", "v1.2.3")

			// Bare GoReleaser on the project's own config.
			runIn(ctx, t, dir, env, filepath.Join(bin, "goreleaser"), "release", "--snapshot", "--clean", pluginSkips)
			bareEntries, bareVersion, bareShort := pluginDistCommit(t, dir)
			bareUploads := uploads(bareEntries)
			if len(bareUploads) == 0 {
				t.Fatal("bare GoReleaser uploaded nothing?")
			}
			bareArchives := map[string][]string{}
			for _, e := range bareUploads {
				if e.InternalType == 1 {
					bareArchives[e.Name] = archiveEntries(t, filepath.Join(dir, filepath.FromSlash(e.Path)))
				}
			}
			if err := os.RemoveAll(filepath.Join(dir, "dist")); err != nil {
				t.Fatal(err)
			}

			// Adopt svcship the README's way, then snapshot.
			runIn(ctx, t, dir, env, "go", "mod", "edit", "-require=github.com/svcship/svcship@v0.0.0", "-replace=github.com/svcship/svcship="+root)
			runIn(ctx, t, dir, env, "go", "get", "github.com/svcship/svcship@v0.0.0")
			initOut := runIn(ctx, t, dir, env, "go", "run", "-mod=mod", "github.com/svcship/svcship/cmd/svcship", "init")
			t.Logf("svcship init:\n%s", initOut)
			runIn(ctx, t, dir, env, "go", "mod", "tidy")
			gitCommit(t, dir, "add", "-A")
			gitCommit(t, dir, "commit", "-q", "-m", "ship with svcship")
			gitCommit(t, dir, "tag", "-f", "v1.2.3")
			out := runIn(ctx, t, dir, env, "go", "tool", "mage", "snapshot")
			if !strings.Contains(out, "goreleaser 2.15.1 found on PATH") {
				t.Errorf("the driver did not say it used the prebuilt GoReleaser:\n%s", tail(out, 20))
			}
			entries, version, short := pluginDistCommit(t, dir)
			have := map[string]distEntry{}
			for _, e := range uploads(entries) {
				have[e.Name] = e
			}

			// Every file bare GoReleaser would upload, under this run's
			// version, and each archive with the same entries.
			for _, e := range bareUploads {
				name := strings.ReplaceAll(strings.ReplaceAll(e.Name, bareVersion, version), bareShort, short)
				got, ok := have[name]
				if !ok {
					t.Errorf("GoReleaser alone makes %s; after svcship there is no %s", e.Name, name)
					continue
				}
				if e.InternalType != 1 {
					continue
				}
				want := bareArchives[e.Name]
				if e.Goos == "windows" {
					prefix := ""
					if tc.wrapped {
						prefix = strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz") + "/"
					}
					for _, n := range installerEntries {
						want = append(want, prefix+n)
					}
					sort.Strings(want)
				}
				if gotEntries := archiveEntries(t, filepath.Join(dir, filepath.FromSlash(got.Path))); !slices.Equal(gotEntries, wantWrapped(want, bareVersion, version)) {
					t.Errorf("%s holds\n  %q\nwant\n  %q", name, gotEntries, wantWrapped(want, bareVersion, version))
				}
			}

			// The MSIs, listed in GoReleaser's checksums file.
			sums := strings.ReplaceAll(tc.checksums, "{{V}}", version)
			data, err := os.ReadFile(filepath.Join(dir, "dist", sums))
			if err != nil {
				t.Fatalf("checksums file: %v", err)
			}
			msis, _ := filepath.Glob(filepath.Join(dir, "dist", "*.msi"))
			if len(msis) == 0 {
				t.Fatal("no MSI in dist/")
			}
			for _, m := range msis {
				if !strings.Contains(string(data), "  "+filepath.Base(m)+"\n") {
					t.Errorf("%s does not list %s:\n%s", sums, filepath.Base(m), data)
				}
			}
			// What a user downloads: every uploaded file under its asset
			// name in one folder (binary-format archives live in their
			// build folders in dist/), checked with the checksums file.
			dl := t.TempDir()
			for name, e := range have {
				if err := os.Symlink(filepath.Join(dir, filepath.FromSlash(e.Path)), filepath.Join(dl, name)); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range msis {
				if err := os.Symlink(m, filepath.Join(dl, filepath.Base(m))); err != nil {
					t.Fatal(err)
				}
			}
			runIn(ctx, t, dl, env, "sha256sum", "-c", sums)

			if tc.extraZip != "" {
				z := filepath.Join(dir, "dist", strings.ReplaceAll(tc.extraZip, "{{V}}", version))
				got := archiveEntries(t, z)
				for _, n := range append([]string{"statusd.exe"}, installerEntries...) {
					if !slices.Contains(got, n) {
						t.Errorf("%s lacks %s: %q", filepath.Base(z), n, got)
					}
				}
			}
		})
	}
}

// wantWrapped rewrites the version inside wrapped folder names.
func wantWrapped(names []string, from, to string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ReplaceAll(n, from, to)
	}
	sort.Strings(out)
	return out
}
