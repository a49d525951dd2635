package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/release"
	"github.com/svcship/svcship/sign"
)

// clone makes a fresh clone of the shared snapshot's repository.
func clone(t *testing.T, s *snapshot) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command("git", "clone", "-q", s.dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	return dir
}

func signEnv() []string {
	if shared.pfx == "" {
		return nil
	}
	return []string{sign.EnvPFX + "=" + shared.pfx, sign.EnvPassword + "=" + signPassword}
}

// recordingPublisher stands in for GitHub: it records what it was given
// and checks every file is in place at that moment.
type recordingPublisher struct {
	calls  int
	assets release.Artifacts
	tag    string
	err    error
}

func (p *recordingPublisher) Publish(ctx *release.Context) error {
	p.calls++
	p.tag = ctx.Git.Tag
	p.assets = ctx.Artifacts.Uploadable()
	for _, a := range p.assets {
		if _, err := os.Stat(ctx.AbsPath(a)); err != nil {
			p.err = err
		}
	}
	return nil
}

// TestReleaseOfTag runs the whole release pipeline for a tag, with a
// recording publisher in place of GitHub.
func TestReleaseOfTag(t *testing.T) {
	s := first(t)
	dir := clone(t, s)
	gitCommit(t, dir, "tag", "-a", "v1.2.3", "-m", "v1.2.3")
	env := map[string]string{}
	for _, kv := range signEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	pub := &recordingPublisher{}
	var logs bytes.Buffer
	ctx, err := release.NewContext(context.Background(), release.Options{
		Root:      dir,
		Publisher: pub,
		Getenv:    func(k string) string { return env[k] },
		Stderr:    &logs,
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := release.Run(ctx, release.ReleaseSteps()); err != nil {
		t.Fatalf("%v\n%s", err, tail(logs.String(), 40))
	}
	if ctx.Version != "1.2.3" {
		t.Errorf("version %q, want 1.2.3", ctx.Version)
	}
	if pub.calls != 1 || pub.tag != "v1.2.3" || pub.err != nil {
		t.Fatalf("publisher: %d calls, tag %q, err %v", pub.calls, pub.tag, pub.err)
	}
	// 3 zips + 4 tarballs + 3 MSIs + checksums.txt.
	if len(pub.assets) != 11 {
		t.Errorf("published %d assets, want 11", len(pub.assets))
	}
	bins := ctx.Artifacts.ByType(release.TypeBinary).Filter(func(a release.Artifact) bool { return a.Platform() == "linux_amd64" })
	out, err := exec.Command(ctx.AbsPath(bins[0]), "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hellosvc 1.2.3\n") {
		t.Errorf("--version: %v\n%s", err, out)
	}
	if _, err := exec.LookPath("exiftool"); err == nil {
		exe := ctx.Artifacts.ByType(release.TypeBinary).Filter(func(a release.Artifact) bool { return a.Platform() == "windows_amd64" })
		out, _ := exec.Command("exiftool", "-s", "-ProductVersion", "-FileVersionNumber", ctx.AbsPath(exe[0])).CombinedOutput()
		f := fields(string(out))
		if f["ProductVersion"] != "1.2.3" || f["FileVersionNumber"] != "1.2.3.0" {
			t.Errorf("VERSIONINFO of the release: %v", f)
		}
	}
	if strings.Contains(logs.String(), signPassword) {
		t.Error("the signing password is in the log")
	}
}

// TestMatrixMatchesSingleRun builds two targets as separate matrix jobs
// (go tool mage buildTarget), merges them (go tool mage merge), and checks
// the packages are byte-identical to the single run's.
func TestMatrixMatchesSingleRun(t *testing.T) {
	s := first(t)
	dir := clone(t, s)
	parts := t.TempDir()
	mage := func(extra ...string) {
		t.Helper()
		cmd := exec.Command("go", "tool", "mage", extra[len(extra)-1])
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), signEnv()...), extra[:len(extra)-1]...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mage %v: %v\n%s", extra, err, tail(string(out), 40))
		}
	}
	for _, target := range []string{"windows_amd64", "linux_amd64"} {
		mage("SVCSHIP_TARGET="+target, "buildTarget")
		if err := os.Rename(filepath.Join(dir, "dist"), filepath.Join(parts, target)); err != nil {
			t.Fatal(err)
		}
	}
	mage("SVCSHIP_PARTS="+parts, "merge")
	merged, err := release.ReadArtifacts(filepath.Join(dir, "dist", "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := merged.ByType(release.TypeArchive, release.TypeMSI)
	if len(pkgs) != 3 {
		t.Fatalf("merged run made %d packages, want 3 (zip, tar.gz, msi)", len(pkgs))
	}
	for _, a := range pkgs {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(a.Path)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(a.Path)))
		if err != nil {
			t.Fatalf("single run has no %s", a.Path)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs between the matrix and the single run", a.Name)
		}
	}
}
