package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/fakegithub"
	"github.com/svcship/svcship/internal/testtool"
)

// releaseToken is the GitHub token of the release test; distinctive, so a
// leak into any output is found by a substring search.
const releaseToken = "ghp_E2eRelTok9Qx4Vb7Nm2Kc8Hj5Wd3Ls"

// clone makes a fresh clone of the shared snapshot's repository, without
// the shared snapshot's tag.
func clone(t *testing.T, s *snapshot) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command("git", "clone", "-q", s.dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	gitCommit(t, dir, "tag", "-d", sharedTag)
	return dir
}

// releaseEnv is the environment of a release run: the caller's, minus
// anything that would point GoReleaser or svcship elsewhere, plus the
// goreleaser binary on PATH, the signing key and the fake's token.
func releaseEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "GITHUB_API_URL", "GITHUB_REPOSITORY",
			"GITHUB_STEP_SUMMARY", "SVCSHIP_GORELEASER_FLAGS", "SVCSHIP_CONFIG", "PATH":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, pathWith(goreleaserDir(t)), "GITHUB_TOKEN="+releaseToken)
	return append(env, signEnv(t)...)
}

// TestReleaseOfTag runs `go tool mage release` on a tagged clean clone,
// with the real publishers against the in-process GitHub fake: GoReleaser
// creates the draft, svcship uploads every asset and publishes it. The
// fake must end with one published release holding exactly GoReleaser's
// upload set, each asset byte-equal to the local file, and the release's
// files carry the tag's version. A tag without the v (1.2.3) is accepted
// as GoReleaser accepts it: same version and file names, and the release
// keeps the tag as written.
func TestReleaseOfTag(t *testing.T) {
	s := first(t)
	for _, st := range []stamp{stampRelease, stampReleaseNoV} {
		t.Run(st.tag, func(t *testing.T) {
			srv := fakegithub.New(fakegithub.Config{Token: releaseToken, Repos: []string{"svcship/svcship"}})
			defer srv.Close()
			dir := clone(t, s)
			// The remote GoReleaser reads owner/name from; nothing fetches it.
			gitCommit(t, dir, "remote", "set-url", "origin", "https://github.com/svcship/svcship.git")
			cfg := filepath.Join(dir, ".goreleaser.yaml")
			data, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, []byte("\ngithub_urls:\n  api: "+srv.URL+"/api/v3/\n  upload: "+srv.URL+"/api/uploads/\n  download: "+srv.URL+"/\n  skip_tls_verify: false\n")...)
			if err := os.WriteFile(cfg, data, 0o644); err != nil {
				t.Fatal(err)
			}
			gitCommit(t, dir, "commit", "-q", "-am", "release against the fake GitHub")
			gitCommit(t, dir, "tag", "-a", st.tag, "-m", st.tag)

			cmd := exec.Command("go", "tool", "mage", "release")
			cmd.Dir = dir
			cmd.Env = releaseEnv(t)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err = cmd.Run()
			t.Logf("go tool mage release took %s", time.Since(start).Round(time.Millisecond))
			if err := os.WriteFile(filepath.Join(sharedDir(t), "release-"+st.tag+".log"), out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err != nil {
				t.Fatalf("go tool mage release: %v\n%s", err, tail(out.String(), 80))
			}
			for _, secret := range []string{releaseToken, signPassword} {
				if strings.Contains(out.String(), secret) {
					t.Errorf("a secret (%.8s...) is in the release output", secret)
				}
			}

			r := &snapshot{dir: dir, log: out.String()}
			if err := readDist(r); err != nil {
				t.Fatal(err)
			}
			r.commit = gitCommit(t, dir, "rev-parse", "HEAD")
			if r.version != st.version || r.tag != st.tag {
				t.Fatalf("metadata.json: version %q tag %q, want %q and %q", r.version, r.tag, st.version, st.tag)
			}

			rels := srv.Releases("svcship", "svcship")
			if len(rels) != 1 {
				t.Fatalf("%d releases on the fake, want 1: %+v", len(rels), rels)
			}
			rel := rels[0]
			if rel.TagName != st.tag || rel.Draft || rel.Prerelease {
				t.Errorf("release tag %q draft %v prerelease %v, want tag %q, published, not a prerelease", rel.TagName, rel.Draft, rel.Prerelease, st.tag)
			}
			// GoReleaser's upload set: archives, SBOMs, checksums, and the
			// extra files svcship adds (MSIs, detached signatures), and the
			// winget manifests svcship writes for the MSIs.
			want := append(wantChecksummed(st.version), "checksums.txt")
			want = append(want, wingetManifests...)
			want = append(want, wantSignatures(st.version)...)
			slices.Sort(want)
			var got []string
			for _, a := range rel.Assets {
				got = append(got, a.Name)
				if a.State != "uploaded" {
					t.Errorf("asset %s in state %q", a.Name, a.State)
				}
				local := r.dist(a.Name)
				switch {
				case strings.HasSuffix(a.Name, ".p7s"):
					local = r.dist("svcship", "signatures", a.Name)
				case slices.Contains(wingetManifests, a.Name):
					local = r.dist("winget", "svcshipproject.hellosvc", st.version, a.Name)
				}
				data, err := os.ReadFile(local)
				if err != nil {
					t.Errorf("asset %s has no local file: %v", a.Name, err)
					continue
				}
				if digest(a.Data) != digest(data) {
					t.Errorf("asset %s: sha256 %s on the fake, %s locally", a.Name, digest(a.Data), digest(data))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("release assets:\n  %v\nwant:\n  %v", got, want)
			}
			// The winget installer manifest names each MSI's digest.
			manifest, err := os.ReadFile(r.dist("winget", "svcshipproject.hellosvc", st.version, "svcshipproject.hellosvc.installer.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range wantMSIs(st.version) {
				data, err := os.ReadFile(r.dist(m))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(strings.ToLower(string(manifest)), digest(data)) {
					t.Errorf("the winget installer manifest lacks the sha256 of %s:\n%s", m, manifest)
				}
			}
			for _, v := range srv.Violations() {
				t.Errorf("fake GitHub: %s", v)
			}

			// svcship publish on the dist the release wrote reads the tag as
			// the pipeline did and finds the release complete: a dry run
			// plans nothing.
			pub := exec.Command("go", "tool", "svcship", "publish", "--dry-run")
			pub.Dir = dir
			pub.Env = append(releaseEnv(t), "GITHUB_API_URL="+srv.URL+"/api/v3/")
			pubOut, err := pub.CombinedOutput()
			if err != nil {
				t.Errorf("svcship publish --dry-run on the released dist: %v\n%s", err, tail(string(pubOut), 30))
			}
			if want := fmt.Sprintf("%-14s %s (already published and complete)", "none", st.tag); !strings.Contains(string(pubOut), want) {
				t.Errorf("svcship publish --dry-run does not say %q:\n%s", want, tail(string(pubOut), 30))
			}
			if strings.Contains(string(pubOut), releaseToken) {
				t.Error("svcship publish printed the token")
			}

			// The released files carry the tag's version.
			out2, err := exec.Command(r.path(r.binary(t, "linux_amd64_v1")), "--version").CombinedOutput()
			if err != nil {
				t.Fatalf("--version: %v\n%s", err, out2)
			}
			wantStamp(t, string(out2), st.version, r.commit)
			checkVersionInfo(t, r, st.version, st)
			checkMSIVersions(t, r, st.version, st)
			checkSigned(t, r, st.version)
			checkArchives(t, r, st.version)
		})
	}
}

// wingetManifests are the winget manifests of the hellosvc package
// (PackageIdentifier <company without spaces>.<product>).
var wingetManifests = []string{
	"svcshipproject.hellosvc.installer.yaml",
	"svcshipproject.hellosvc.locale.en-US.yaml",
	"svcshipproject.hellosvc.yaml",
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestReleaseWithoutTag: go tool mage release on an untagged commit
// refuses before GoReleaser runs, and the fake sees no request.
func TestReleaseWithoutTag(t *testing.T) {
	s := first(t)
	testtool.Path(t, "git")
	srv := fakegithub.New(fakegithub.Config{Token: releaseToken, Repos: []string{"svcship/svcship"}})
	defer srv.Close()
	dir := clone(t, s)
	cmd := exec.Command("go", "tool", "mage", "release")
	cmd.Dir = dir
	cmd.Env = releaseEnv(t)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("release of an untagged commit succeeded:\n%s", tail(string(out), 40))
	}
	want := "check git: HEAD (" + s.commit[:7] + ") has no tag: tag the commit (git tag v1.2.3) or run a snapshot"
	if !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, tail(string(out), 20))
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); err == nil {
		t.Error("dist/ exists: something was built")
	}
	if n := len(srv.Records()); n != 0 {
		t.Errorf("the fake GitHub saw %d requests, want none", n)
	}
}
