// Package e2e runs the real pipeline (`go tool mage snapshot`, which runs
// `goreleaser release --snapshot --clean` with svcship's hooks) on copies of
// this repository and checks what lands in dist/. One signed snapshot is
// shared by the tests of this package; the reproducibility test makes a
// second one in another folder.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/sign"
	"github.com/svcship/svcship/internal/testtool"
)

// commitDate is the fixed author and committer date of the test commits,
// so both copies get the same commit hash.
const commitDate = "2026-03-01T12:00:00Z"

// sharedTag is the tag of the shared snapshot's commit, so its version
// numbers are not all zero: GoReleaser makes the snapshot version
// 2.5.1-rc.3-SNAPSHOT-<short commit> from it.
const sharedTag = "v2.5.1-rc.3"

const signPassword = "e2e-Pfx-Pass-93!"

// shared holds the folders made by TestMain's helpers; removed at exit.
var shared struct {
	once sync.Once
	dir  string
	err  error

	certOnce  sync.Once
	cert, pfx string
	certErr   error

	grOnce     sync.Once
	goreleaser string // folder holding a goreleaser binary of the pinned version
	grErr      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func sharedDir(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "svcship-e2e-")
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dir
}

// signingCert returns the self-signed code-signing certificate (PEM) and
// its PFX that sign every snapshot of this package.
func signingCert(t testing.TB) (cert, pfx string) {
	t.Helper()
	testtool.Require(t, "openssl", "osslsigncode")
	dir := sharedDir(t)
	shared.certOnce.Do(func() {
		shared.cert, shared.pfx, shared.certErr = makeCert(dir)
	})
	if shared.certErr != nil {
		t.Fatal(shared.certErr)
	}
	return shared.cert, shared.pfx
}

func makeCert(dir string) (cert, pfx string, err error) {
	key := filepath.Join(dir, "sign-key.pem")
	cert = filepath.Join(dir, "sign-cert.pem")
	pfx = filepath.Join(dir, "sign.pfx")
	for _, args := range [][]string{
		// Valid for longer than the signer's "expires soon" warning.
		{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "825",
			"-subj", "/CN=svcship e2e/O=svcship project", "-addext", "extendedKeyUsage=codeSigning"},
		{"pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "pass:" + signPassword},
	} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("openssl %v: %v\n%s", args, err, out)
		}
	}
	return cert, pfx, nil
}

func signEnv(t testing.TB) []string {
	_, pfx := signingCert(t)
	return []string{sign.EnvPFX + "=" + pfx, sign.EnvPassword + "=" + signPassword}
}

// goreleaserDir returns a folder holding a `goreleaser` binary of the
// version tools/go.mod pins, built once, as goreleaser-action's
// install-only step puts one on a CI runner's PATH.
func goreleaserDir(t testing.TB) string {
	t.Helper()
	dir := sharedDir(t)
	shared.grOnce.Do(func() {
		bin := filepath.Join(dir, "bin")
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, "goreleaser"), "github.com/goreleaser/goreleaser/v2")
		cmd.Dir = filepath.Join(repoRoot(t), "tools")
		if out, err := cmd.CombinedOutput(); err != nil {
			shared.grErr = fmt.Errorf("go build goreleaser: %v\n%s", err, out)
			return
		}
		shared.goreleaser = bin
	})
	if shared.grErr != nil {
		t.Fatal(shared.grErr)
	}
	return shared.goreleaser
}

// pathWith is a PATH setting with dir in front of the current PATH.
func pathWith(dir string) string {
	return "PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// copyRepo copies the files git would commit (tracked plus untracked, not
// ignored) into dst and commits them there with a fixed date, so the copy
// is the "fresh clone" of the current working tree.
func copyRepo(t testing.TB, dst string) {
	t.Helper()
	testtool.Path(t, "git")
	root := repoRoot(t)
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, rel)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	gitCommit(t, dst, "init", "-q")
	gitCommit(t, dst, "add", "-A")
	gitCommit(t, dst, "commit", "-q", "-m", "e2e snapshot")
}

// gitCommit runs git in dir with a fixed identity and date.
func gitCommit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=svcship e2e", "-c", "user.email=e2e@svcship.invalid",
		"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+commitDate, "GIT_COMMITTER_DATE="+commitDate)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// artifact is one entry of GoReleaser's dist/artifacts.json, read here
// with the test's own type rather than svcship's.
type artifact struct {
	Name   string         `json:"name"`
	Path   string         `json:"path"`
	Goos   string         `json:"goos"`
	Goarch string         `json:"goarch"`
	Target string         `json:"target"`
	Type   string         `json:"type"`
	Extra  map[string]any `json:"extra"`
}

func (a artifact) platform() string { return a.Goos + "_" + a.Goarch }

func (a artifact) extra(key string) string {
	s, _ := a.Extra[key].(string)
	return s
}

// snapshot is one `go tool mage snapshot` run.
type snapshot struct {
	dir       string
	commit    string
	version   string // GoReleaser's, from dist/metadata.json
	tag       string
	artifacts []artifact
	log       string
	took      time.Duration
}

func (s *snapshot) dist(rel ...string) string {
	return filepath.Join(append([]string{s.dir, "dist"}, rel...)...)
}

func (s *snapshot) path(a artifact) string {
	return filepath.Join(s.dir, filepath.FromSlash(a.Path))
}

func (s *snapshot) byType(typ string) []artifact {
	var out []artifact
	for _, a := range s.artifacts {
		if a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// runSnapshot makes a new folder named name holding a copy of the working
// tree (from == "", tagged sharedTag) or a git clone of the repository in
// from, and runs the README's snapshot command there, signed, with env
// added to the environment.
func runSnapshot(t *testing.T, name, from string, env ...string) (*snapshot, error) {
	dir := filepath.Join(sharedDir(t), name)
	if from == "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		copyRepo(t, dir)
		gitCommit(t, dir, "tag", "-a", sharedTag, "-m", sharedTag)
	} else if out, err := exec.Command("git", "clone", "-q", from, dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git clone: %v\n%s", err, out)
	}
	s := &snapshot{dir: dir, commit: gitCommit(t, dir, "rev-parse", "HEAD")}
	cmd := exec.Command("go", "tool", "mage", "snapshot")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), signEnv(t)...), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s.took = time.Since(start)
	s.log = out.String()
	if werr := os.WriteFile(filepath.Join(sharedDir(t), name+".log"), out.Bytes(), 0o644); werr != nil {
		return nil, werr
	}
	if strings.Contains(s.log, signPassword) {
		return nil, fmt.Errorf("the signing password appears in the snapshot output")
	}
	if err != nil {
		return nil, fmt.Errorf("go tool mage snapshot: %v\n%s", err, tail(s.log, 60))
	}
	if err := readDist(s); err != nil {
		return nil, err
	}
	return s, nil
}

// readDist reads artifacts.json and metadata.json of s's dist.
func readDist(s *snapshot) error {
	data, err := os.ReadFile(s.dist("artifacts.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &s.artifacts); err != nil {
		return fmt.Errorf("artifacts.json: %w", err)
	}
	var meta struct {
		Version string `json:"version"`
		Tag     string `json:"tag"`
	}
	data, err = os.ReadFile(s.dist("metadata.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return fmt.Errorf("metadata.json: %w", err)
	}
	s.version, s.tag = meta.Version, meta.Tag
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var firstSnapshot = struct {
	once sync.Once
	s    *snapshot
	err  error
}{}

// first returns the shared snapshot, running it on first use. It runs
// with a goreleaser binary of the pinned version on PATH, as on a CI
// runner; the reproducibility test's second run compiles the pinned one.
func first(t *testing.T) *snapshot {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: runs the whole snapshot pipeline")
	}
	testtool.Require(t, "git", "openssl", "osslsigncode")
	firstSnapshot.once.Do(func() {
		bin := goreleaserDir(t)
		firstSnapshot.s, firstSnapshot.err = runSnapshot(t, "run1", "", pathWith(bin))
	})
	if firstSnapshot.err != nil {
		t.Fatal(firstSnapshot.err)
	}
	if firstSnapshot.s == nil {
		t.Fatal("the shared snapshot failed in an earlier test (see its log)")
	}
	return firstSnapshot.s
}
