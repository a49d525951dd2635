// Package e2e runs the real pipeline (`go tool mage snapshot`) on copies of
// this repository and checks what lands in dist/. One signed snapshot is
// shared by the tests of this package; the reproducibility test makes a
// second one in another folder.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcship/svcship/release"
)

// commitDate is the fixed author and committer date of the test commits,
// so both copies get the same commit hash.
const commitDate = "2026-03-01T12:00:00Z"

const signPassword = "e2e-Pfx-Pass-93!"

// shared holds the folders made by TestMain's helpers; removed at exit.
var shared struct {
	once sync.Once
	dir  string
	err  error
	// cert and pfx sign both snapshots ("" when osslsigncode is missing).
	cert, pfx string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func sharedDir(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "svcship-e2e-")
		if shared.err != nil {
			return
		}
		if haveTools("osslsigncode", "openssl") {
			shared.cert, shared.pfx, shared.err = makeCert(shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.dir
}

func haveTools(tools ...string) bool {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

func makeCert(dir string) (cert, pfx string, err error) {
	key := filepath.Join(dir, "sign-key.pem")
	cert = filepath.Join(dir, "sign-cert.pem")
	pfx = filepath.Join(dir, "sign.pfx")
	for _, args := range [][]string{
		{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "30",
			"-subj", "/CN=svcship e2e/O=svcship project", "-addext", "extendedKeyUsage=codeSigning"},
		{"pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "pass:" + signPassword},
	} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("openssl %v: %v\n%s", args, err, out)
		}
	}
	return cert, pfx, nil
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

// snapshot is one `go tool mage snapshot` run.
type snapshot struct {
	dir       string
	commit    string
	version   string
	artifacts release.Artifacts
	took      time.Duration
}

func (s *snapshot) path(a release.Artifact) string {
	return filepath.Join(s.dir, filepath.FromSlash(a.Path))
}

// runSnapshot makes a new folder named name holding a copy of the working
// tree (from == "") or a git clone of the repository in from, and runs the
// README's snapshot command there.
func runSnapshot(t *testing.T, name, from string) (*snapshot, error) {
	dir := filepath.Join(sharedDir(t), name)
	if from == "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		copyRepo(t, dir)
	} else if out, err := exec.Command("git", "clone", "-q", from, dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git clone: %v\n%s", err, out)
	}
	s := &snapshot{dir: dir, commit: gitCommit(t, dir, "rev-parse", "HEAD")}
	cmd := exec.Command("go", "tool", "mage", "snapshot")
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if shared.pfx != "" {
		cmd.Env = append(cmd.Env, "SVCSHIP_SIGN_PFX="+shared.pfx, "SVCSHIP_SIGN_PASSWORD="+signPassword)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s.took = time.Since(start)
	if logf := filepath.Join(dir, "snapshot.log"); true {
		_ = os.WriteFile(logf, out.Bytes(), 0o644)
	}
	if strings.Contains(out.String(), signPassword) {
		return nil, fmt.Errorf("the signing password appears in the snapshot output")
	}
	if err != nil {
		return nil, fmt.Errorf("go tool mage snapshot: %v\n%s", err, tail(out.String(), 60))
	}
	as, err := release.ReadArtifacts(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		return nil, err
	}
	s.artifacts = as
	var meta struct {
		Version string `json:"version"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "dist", "metadata.json"))
	if err != nil {
		return nil, err
	}
	if err := jsonUnmarshal(data, &meta); err != nil {
		return nil, err
	}
	s.version = meta.Version
	return s, nil
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

// first returns the shared snapshot, running it on first use.
func first(t *testing.T) *snapshot {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: runs the whole snapshot pipeline")
	}
	firstSnapshot.once.Do(func() {
		firstSnapshot.s, firstSnapshot.err = runSnapshot(t, "run1", "")
	})
	if firstSnapshot.err != nil {
		t.Fatal(firstSnapshot.err)
	}
	if firstSnapshot.s == nil {
		t.Fatal("the shared snapshot failed in an earlier test (see its log)")
	}
	return firstSnapshot.s
}
