// The kill test signals a process group and reads /proc; the Linux job
// runs these tests.

//go:build linux

package e2e

// Publishing with GoReleaser in the loop: a small project that adopts
// svcship runs `go tool mage release` (real GoReleaser, real svcship
// publishers) against the in-process fake GitHub, with faults injected,
// killed mid-upload and re-run. One project, one fake and one GoReleaser
// binary serve every subtest; each release scenario tags a new commit.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/fakegithub"
	"github.com/svcship/svcship/internal/testtool"
)

// pubToken is distinctive so that any leak of it is found by a plain
// substring search. It is put together at run time: dist/ holds a copy of
// svcship's source (the installer is built from it), this file included,
// and the literal must not be found there.
var pubToken = strings.Join([]string{"ghp", "PubE2eTok3nZq7Wx9Kd4Lm2Rv8Ns6Ty"}, "_")

var pubSignPassword = strings.Join([]string{"pub", "E2e", "Sign", "Pass", "71!"}, "-")

const (
	pubOwner = "acme"
	pubRepo  = "pubsvc"
)

// pubProject is the adopting project and what its runs share.
type pubProject struct {
	dir    string
	srv    *fakegithub.Server
	grDir  string // holds the goreleaser binary, first on PATH
	env    []string
	outs   []string // every run's output, for the token check
	commit int      // commits made so far, for increasing dates
	// distFiles counts the files scanned for secrets under dist/.
	distFiles int
}

func TestPublishWithGoReleaser(t *testing.T) {
	if testing.Short() {
		t.Skip("e2e: builds and releases a project with GoReleaser several times")
	}
	testtool.Require(t, "go", "git", "osslsigncode", "openssl")
	p := newPubProject(t)

	t.Run("snapshot is never published", func(t *testing.T) { p.snapshotNeverPublished(t) })
	t.Run("happy path", func(t *testing.T) { p.happyPath(t) })
	t.Run("5xx bursts on uploads", func(t *testing.T) {
		p.faultRun(t, "v1.1.0", false, func() fakegithub.FaultFunc {
			per := map[string]int{}
			var mu sync.Mutex
			return func(r fakegithub.Request) *fakegithub.Fault {
				if r.Route != "POST upload" {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				per[r.Asset]++
				switch per[r.Asset] {
				case 1:
					return &fakegithub.Fault{Status: 502}
				case 2:
					return &fakegithub.Fault{Status: 503}
				case 3:
					return &fakegithub.Fault{Status: 500}
				}
				return nil
			}
		}, func(t *testing.T, recs []fakegithub.Record, assets []string) {
			for _, name := range assets {
				var got []string
				for _, r := range recs {
					if r.Route == "POST upload" && r.Asset == name {
						got = append(got, pubStatus(r.Status))
					}
				}
				if want := []string{"502", "503", "500", "201"}; !slices.Equal(got, want) {
					t.Errorf("uploads of %s answered %v, want %v", name, got, want)
				}
			}
		})
	})
	t.Run("connection reset mid-upload", func(t *testing.T) {
		p.faultRun(t, "v1.2.0", false, func() fakegithub.FaultFunc {
			seen := map[string]bool{}
			var mu sync.Mutex
			return func(r fakegithub.Request) *fakegithub.Fault {
				if r.Route != "POST upload" {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				if seen[r.Asset] {
					return nil
				}
				seen[r.Asset] = true
				// Like GitHub, the interrupted upload leaves a "starter"
				// asset holding the name.
				return &fakegithub.Fault{ResetConn: true, ResetAfterBytes: 512, LeaveStarter: true}
			}
		}, func(t *testing.T, recs []fakegithub.Record, assets []string) {
			for _, name := range assets {
				resets, ok := 0, 0
				for _, r := range recs {
					if r.Route == "POST upload" && r.Asset == name {
						if r.Fault == "reset" {
							resets++
						} else if r.Status == 201 {
							ok++
						}
					}
				}
				if resets != 1 || ok != 1 {
					t.Errorf("uploads of %s: %d reset, %d created; want 1 and 1", name, resets, ok)
				}
			}
			if n := pubCountRoute(recs, "DELETE asset", 204); n != len(assets) {
				t.Errorf("%d half-made assets deleted, want %d (one per reset)", n, len(assets))
			}
		})
	})
	t.Run("secondary rate limit", func(t *testing.T) {
		var limited string
		p.faultRun(t, "v1.3.0-rc.1", true, func() fakegithub.FaultFunc {
			var once sync.Once
			return func(r fakegithub.Request) *fakegithub.Fault {
				var f *fakegithub.Fault
				if r.Route == "POST upload" {
					once.Do(func() {
						limited = r.Asset
						f = &fakegithub.Fault{SecondaryRateLimit: true, RetryAfter: 3 * time.Second}
					})
				}
				return f
			}
		}, func(t *testing.T, recs []fakegithub.Record, assets []string) {
			var limitedAt time.Time
			var retries []time.Time
			for _, r := range recs {
				if r.Route == "POST upload" && r.Asset == limited {
					if r.Fault == "secondary-rate-limit" {
						limitedAt = r.Time
					} else {
						retries = append(retries, r.Time)
					}
				}
			}
			if limitedAt.IsZero() || len(retries) != 1 {
				t.Fatalf("upload of %s: rate limited at %v, then %d more attempts; want one 403 and one retry", limited, limitedAt, len(retries))
			}
			if wait := retries[0].Sub(limitedAt); wait < 3*time.Second {
				t.Errorf("retried %s %v after a 403 with Retry-After: 3; want at least 3s", limited, wait)
			} else {
				t.Logf("retry of %s came %v after the 403 (Retry-After: 3)", limited, wait.Round(time.Millisecond))
			}
		})
	})
	t.Run("killed and re-run", func(t *testing.T) { p.killedAndRerun(t) })
	t.Run("lost answer to GoReleaser's draft creation", func(t *testing.T) { p.lostCreate(t) })
	t.Run("svcship publish finishes a failed publish", func(t *testing.T) { p.publishCommandFinishes(t) })
	t.Run("re-run on a published release", func(t *testing.T) { p.rerunPublished(t) })
	t.Run("release.draft keeps the draft", func(t *testing.T) { p.keepDraft(t) })
	t.Run("token in no output", func(t *testing.T) { p.tokenNowhere(t) })
}

func newPubProject(t *testing.T) *pubProject {
	t.Helper()
	base := t.TempDir()
	p := &pubProject{dir: filepath.Join(base, "pubsvc"), grDir: filepath.Join(base, "bin")}
	// The project builds against a frozen copy of this working tree, so
	// that a rebuild of the same tag is byte-identical even while the
	// tree is being edited.
	root := filepath.Join(base, "svcship")
	pubCopyTree(t, pubRepoRoot(t), root)

	// One GoReleaser binary for every run, found on PATH by svcship's
	// FindGoReleaser (it checks the version), so no run compiles it.
	start := time.Now()
	build := exec.Command("go", "build", "-o", filepath.Join(p.grDir, "goreleaser"), "github.com/goreleaser/goreleaser/v2")
	build.Dir = filepath.Join(pubRepoRoot(t), "tools")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building goreleaser: %v\n%s", err, out)
	}
	t.Logf("goreleaser built in %v", time.Since(start).Round(time.Millisecond))

	p.srv = fakegithub.New(fakegithub.Config{Token: pubToken, Repos: []string{pubOwner + "/" + pubRepo}})
	t.Cleanup(p.srv.Close)

	pfx, err := makePubCert(base)
	if err != nil {
		t.Fatal(err)
	}

	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":           pubGoMod(t, root),
		"main.go":          pubMain,
		"magefile.go":      pubMagefile,
		"svcship.yaml":     pubSvcshipYAML,
		".goreleaser.yaml": pubGoReleaserYAML(p.srv.URL, false),
		".gitignore":       "dist/\n*.syso\n",
		"README.md":        "# pubsvc\n\nA tiny HTTP service released with svcship.\n",
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(gosum)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(p.dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.git(t, "init", "-q")
	p.git(t, "add", "-A")
	p.commitAll(t, "feat: first version of pubsvc")

	env := []string{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "GITHUB_API_URL", "GITHUB_REPOSITORY",
			"GITHUB_STEP_SUMMARY", "SVCSHIP_GORELEASER_FLAGS", "SVCSHIP_CONFIG", "PATH":
			continue
		}
		env = append(env, kv)
	}
	p.env = append(env,
		"PATH="+p.grDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"SVCSHIP_SIGN_PFX="+pfx,
		"SVCSHIP_SIGN_PASSWORD="+pubSignPassword,
	)
	return p
}

// pubCopyTree copies the files git would commit from src (tracked and
// untracked, not ignored) to dst.
func pubCopyTree(t *testing.T, src, dst string) {
	t.Helper()
	out, err := exec.Command("git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		from := filepath.Join(src, rel)
		st, err := os.Lstat(from)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

func makePubCert(dir string) (string, error) {
	key := filepath.Join(dir, "pub-key.pem")
	cert := filepath.Join(dir, "pub-cert.pem")
	pfx := filepath.Join(dir, "pub.pfx")
	for _, args := range [][]string{
		{"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "30",
			"-subj", "/CN=pubsvc e2e/O=svcship project", "-addext", "extendedKeyUsage=codeSigning"},
		{"pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", "pass:" + pubSignPassword},
	} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("openssl %v: %v\n%s", args, err, out)
		}
	}
	return pfx, nil
}

// pubGoMod adopts svcship from this working tree: the tools svcship init
// adds, svcship's own requirements so the module graph (and go.sum) is
// svcship's, and a replace to the repository root.
func pubGoMod(t *testing.T, root string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			in = true
		case in && line == ")":
			in = false
		case in && line != "":
			mod, _, _ := strings.Cut(line, "//")
			reqs = append(reqs, "\t"+strings.TrimSpace(mod)+" // indirect")
		}
	}
	return "module example.com/pubsvc\n\ngo 1.26.0\n\n" +
		"tool (\n\tgithub.com/magefile/mage\n\tgithub.com/svcship/svcship/cmd/svcship\n\tgithub.com/svcship/svcship/cmd/svcship-installer\n)\n\n" +
		"require github.com/svcship/svcship v0.0.0-00010101000000-000000000000\n\n" +
		"require (\n" + strings.Join(reqs, "\n") + "\n)\n\n" +
		"replace github.com/svcship/svcship => " + root + "\n"
}

const pubMain = `// pubsvc answers /healthz; it knows nothing of Windows services.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
)

var version = "dev"

func main() {
	addr := flag.String("addr", "127.0.0.1:8181", "address to listen on")
	flag.Parse()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok", version) })
	log.Fatal(http.ListenAndServe(*addr, nil))
}
`

const pubMagefile = `//go:build mage

package main

import (
	//mage:import
	_ "github.com/svcship/svcship/targets"
)
`

const pubSvcshipYAML = `product:
  name: pubsvc
  display_name: Pub Service
  company: Acme
  description: pubsvc answers /healthz
  license: MIT
  binary: pubsvc
  main: .
service:
  name: pubsvc
  mode: hosted
  start: auto
  account: virtual
packaging:
  upgrade_code: "3F1C2B7A-5D64-4E0B-9C2A-7E81D4B6A903"
  install_dir: Pub Service
release:
  github: acme/pubsvc
`

// pubGoReleaserYAML is the project's GoReleaser config with svcship's
// entries as docs/pipeline.md lists them, two targets only, and the
// GitHub URLs of the fake.
func pubGoReleaserYAML(fake string, draft bool) string {
	d := ""
	if draft {
		d = "  draft: true\n"
	}
	return `version: 2
project_name: pubsvc

before:
  hooks:
    # svcship: check svcship.yaml and stamp Windows resources (VERSIONINFO, icon, manifest)
    - go tool svcship goreleaser before --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }} --project={{ .ProjectName }}

builds:
  - id: pubsvc
    main: .
    binary: pubsvc
    env: [CGO_ENABLED=0]
    flags: [-trimpath]
    ldflags: ["-s -w -X main.version={{ .Version }}"]
    mod_timestamp: "{{ .CommitTimestamp }}"
    targets: [linux_amd64, windows_amd64]
    hooks:
      post:
        # svcship: sign the Windows exe; build and sign the service installer, stage the zip's extra files, build and sign the MSI
        - cmd: '{{ if eq .Os "windows" }}go tool svcship goreleaser build --dist=dist --path={{ .Path }} --arch={{ .Arch }} --target={{ .Target }} --version={{ .Version }} --tag={{ .Tag }} --date={{ .CommitDate }} --commit={{ .FullCommit }} --project={{ .ProjectName }} --snapshot={{ .IsSnapshot }}{{ end }}'
          output: true

archives:
  - id: default
    ids: [pubsvc]
    formats: [tar.gz]
    format_overrides:
      - goos: windows
        formats: [zip]
    builds_info:
      mtime: "{{ .CommitDate }}"
    files:
      - src: README.md
        info:
          mtime: "{{ .CommitDate }}"
      # svcship: the service installer, svcship.yaml and scripts in the Windows archives
      - src: "dist/svcship/{{ .Os }}_{{ .Arch }}/**"
        dst: .
        info:
          mtime: "{{ .CommitDate }}"

checksum:
  name_template: "{{ .ProjectName }}_{{ .Version }}_checksums.txt"
  extra_files:
    # svcship: the MSIs are listed in the checksums file
    - glob: dist/*.msi

changelog:
  sort: asc
  filters:
    exclude: ["^docs:"]

github_urls:
  api: ` + fake + `/api/v3/
  upload: ` + fake + `/api/uploads/
  download: ` + fake + `/

release:
  github:
    owner: acme
    name: pubsvc
  name_template: "Pub Service {{ .Version }}"
  prerelease: auto
  header: "Pub Service release notes."
` + d + `  # svcship: re-runs reuse the draft instead of creating a second one
  use_existing_draft: true
  # svcship: under go tool mage release svcship uploads the assets and publishes the draft
  skip_upload: '{{ if index .Env "SVCSHIP_PUBLISH" }}true{{ else }}false{{ end }}'
  extra_files:
    # svcship: the MSIs and the detached Authenticode signatures are uploaded with the release
    - glob: dist/*.msi
    - glob: dist/svcship/signatures/*.p7s

publishers:
  # svcship: record every file GoReleaser would upload (runs once per artifact)
  - name: svcship-assets
    cmd: dist/svcship/bin/svcship goreleaser record --dist=dist --name={{ .ArtifactName }} --path={{ .ArtifactPath }}
    checksum: true
    signature: true
    extra_files:
      - glob: dist/*.msi
      - glob: dist/svcship/signatures/*.p7s
    disable: '{{ if index .Env "SVCSHIP_PUBLISH" }}false{{ else }}true{{ end }}'
  # svcship: upload what was recorded, check every digest, then publish the draft
  - name: svcship-release
    cmd: dist/svcship/bin/svcship goreleaser publish --dist=dist
    ids: [svcship-release]
    extra_files:
      - glob: dist/metadata.json
    env:
      - GITHUB_TOKEN={{ index .Env "GITHUB_TOKEN" }}
      - GITHUB_STEP_SUMMARY={{ index .Env "GITHUB_STEP_SUMMARY" }}
    disable: '{{ if index .Env "SVCSHIP_PUBLISH" }}false{{ else }}true{{ end }}'
`
}

func (p *pubProject) git(t *testing.T, args ...string) string {
	t.Helper()
	return p.gitAt(t, "2026-03-01T12:00:00Z", args...)
}

func (p *pubProject) gitAt(t *testing.T, date string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=pubsvc e2e", "-c", "user.email=e2e@pubsvc.invalid",
		"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commitAll commits the index (empty commits allowed), each commit an hour
// after the previous one so the tags sort by date as well as by version.
func (p *pubProject) commitAll(t *testing.T, msg string) {
	t.Helper()
	p.commit++
	date := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(p.commit) * time.Hour).Format(time.RFC3339)
	p.gitAt(t, date, "commit", "-q", "--allow-empty", "-m", msg)
}

// tagNew makes a new commit with message msg at the tip of main and tags it.
func (p *pubProject) tagNew(t *testing.T, msg, tag string) {
	t.Helper()
	p.git(t, "checkout", "-q", "main")
	p.commitAll(t, msg)
	p.git(t, "tag", tag)
}

// pubRun is one `go tool mage ...` run.
type pubRun struct {
	out  string
	err  error
	took time.Duration
}

func (p *pubProject) mage(t *testing.T, target string, extraEnv ...string) pubRun {
	t.Helper()
	cmd := exec.Command("go", "tool", "mage", target)
	cmd.Dir = p.dir
	cmd.Env = append(append(slices.Clone(p.env), "GITHUB_TOKEN="+pubToken), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := pubRun{out: out.String(), err: err, took: time.Since(start)}
	p.outs = append(p.outs, r.out)
	p.scanDist(t)
	return r
}

// scanDist fails t if any file under dist/ holds the token or the signing
// password; every run's dist is scanned before the next run replaces it.
func (p *pubProject) scanDist(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(p.dir, "dist"), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		p.distFiles++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{pubToken, pubSignPassword} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds a secret", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("scanning dist: %v", err)
	}
}

func pubRepoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func pubTail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// release runs go tool mage release and fails t unless it succeeds.
func (p *pubProject) release(t *testing.T, extraEnv ...string) pubRun {
	t.Helper()
	r := p.mage(t, "release", extraEnv...)
	if r.err != nil {
		t.Fatalf("go tool mage release: %v\n%s", r.err, pubTail(r.out, 80))
	}
	t.Logf("go tool mage release took %v", r.took.Round(time.Millisecond))
	return r
}

// failedRelease runs go tool mage release with the fake GitHub answering
// through fault, and fails t unless the run fails (why it must); the
// requests it made are logged.
func (p *pubProject) failedRelease(t *testing.T, why string, fault func(fakegithub.Request) *fakegithub.Fault) {
	t.Helper()
	p.srv.ResetRecords()
	p.srv.SetFaults(fault)
	r := p.mage(t, "release")
	p.srv.SetFaults(nil)
	if r.err == nil {
		t.Fatalf("go tool mage release succeeded although %s:\n%s", why, pubTail(r.out, 30))
	}
	pubLogCounts(t, p.srv.Records())
}

// localAssets is what a release of the current dist must carry, by name:
// every file GoReleaser's release pipe would upload (archives, checksums
// file) plus svcship's MSI and detached signatures.
func (p *pubProject) localAssets(t *testing.T, version string) map[string][]byte {
	t.Helper()
	return p.localAssetsOf(t, version, true)
}

// localAssetsOf is localAssets; without winget it leaves out the winget
// manifests, which the svcship-release publisher writes (a rebuild of a
// published release skips the publishers).
func (p *pubProject) localAssetsOf(t *testing.T, version string, winget bool) map[string][]byte {
	t.Helper()
	sig := "dist/svcship/signatures"
	wg := "dist/winget/Acme.pubsvc/" + version
	want := map[string]string{
		// GoReleaser's: the archives and the checksums file.
		"pubsvc_" + version + "_linux_amd64.tar.gz": "dist",
		"pubsvc_" + version + "_windows_amd64.zip":  "dist",
		"pubsvc_" + version + "_checksums.txt":      "dist",
		// svcship's: the MSI, the detached Authenticode signatures of
		// the exe, installer, MSI and scripts, and the winget manifests.
		"pubsvc_" + version + "_windows_amd64.msi":                "dist",
		"pubsvc_" + version + "_windows_amd64.exe.p7s":            sig,
		"svcship-installer_" + version + "_windows_amd64.exe.p7s": sig,
		"pubsvc_" + version + "_windows_amd64.msi.p7s":            sig,
		"install.ps1.p7s":               sig,
		"uninstall.ps1.p7s":             sig,
		"Acme.pubsvc.yaml":              wg,
		"Acme.pubsvc.installer.yaml":    wg,
		"Acme.pubsvc.locale.en-US.yaml": wg,
	}
	if !winget {
		for name, dir := range want {
			if dir == wg {
				delete(want, name)
			}
		}
	}
	out := map[string][]byte{}
	for name, dir := range want {
		data, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(dir), name))
		if err != nil {
			t.Errorf("local asset: %v", err)
			continue
		}
		out[name] = data
	}
	// Nothing else GoReleaser or svcship would upload may exist.
	var extra []string
	for _, g := range []string{"dist/*.tar.gz", "dist/*.zip", "dist/*.msi", "dist/*checksums*", "dist/svcship/signatures/*", "dist/winget/*/*/*"} {
		m, _ := filepath.Glob(filepath.Join(p.dir, filepath.FromSlash(g)))
		for _, f := range m {
			if _, ok := want[filepath.Base(f)]; !ok {
				extra = append(extra, filepath.Base(f))
			}
		}
	}
	if len(extra) > 0 {
		t.Errorf("dist holds uploadable files the test does not expect: %v", extra)
	}
	return out
}

// releasesFor returns the fake's releases for tag.
func (p *pubProject) releasesFor(tag string) []fakegithub.Release {
	var out []fakegithub.Release
	for _, r := range p.srv.Releases(pubOwner, pubRepo) {
		if r.TagName == tag {
			out = append(out, r)
		}
	}
	return out
}

// pubCheckRelease checks the one release of tag holds exactly want, each
// asset once, complete, byte for byte.
func pubCheckRelease(t *testing.T, rels []fakegithub.Release, tag string, want map[string][]byte) fakegithub.Release {
	t.Helper()
	if len(rels) != 1 {
		t.Fatalf("%d releases carry %s, want exactly 1", len(rels), tag)
	}
	rel := rels[0]
	seen := map[string]int{}
	for _, a := range rel.Assets {
		seen[a.Name]++
		w, ok := want[a.Name]
		switch {
		case !ok:
			t.Errorf("release %s has unexpected asset %s", tag, a.Name)
		case a.State != "uploaded":
			t.Errorf("asset %s is in state %q", a.Name, a.State)
		case !bytes.Equal(a.Data, w):
			t.Errorf("asset %s: %d bytes on the release differ from the local %d bytes", a.Name, len(a.Data), len(w))
		}
	}
	for name := range want {
		if seen[name] != 1 {
			t.Errorf("asset %s is on the release %d times, want once", name, seen[name])
		}
	}
	return rel
}

// pubCheckPublishOrder checks from the request log that the release left
// draft state exactly once, after the last upload had completed and the
// assets had been listed again (the digest check), and that nothing
// changed it afterwards.
func pubCheckPublishOrder(t *testing.T, recs []fakegithub.Record) {
	t.Helper()
	undraft := -1
	for i, r := range recs {
		if r.Undrafted {
			if undraft >= 0 {
				t.Errorf("request %d took the release out of draft again", r.Seq)
			}
			undraft = i
		}
		if r.Draft != nil && !*r.Draft && !r.Undrafted {
			t.Errorf("request %d (%s) sent draft=false", r.Seq, r.Route)
		}
	}
	if undraft < 0 {
		t.Fatal("no request published the release")
	}
	var lastUpload time.Time
	lastUploadIdx := -1
	for i, r := range recs[:undraft] {
		if r.Route == "POST upload" {
			lastUploadIdx = i
			if r.Done.After(lastUpload) {
				lastUpload = r.Done
			}
		}
	}
	for _, r := range recs[undraft+1:] {
		if r.Route == "POST upload" {
			t.Errorf("upload of %s (request %d) after the release was published", r.Asset, r.Seq)
		}
		if r.Mutating {
			t.Errorf("mutating request %d (%s) after the release was published", r.Seq, r.Route)
		}
	}
	if lastUploadIdx < 0 {
		return // nothing was uploaded this run
	}
	if u := recs[undraft]; u.Time.Before(lastUpload) {
		t.Errorf("published at %v, before the last upload completed at %v", u.Time, lastUpload)
	}
	listed := false
	for _, r := range recs[lastUploadIdx+1 : undraft] {
		if r.Route == "GET assets" && r.Status == 200 {
			listed = true
		}
	}
	if !listed {
		t.Error("the assets were not listed again between the last upload and publishing (no digest check)")
	}
}

func pubCountRoute(recs []fakegithub.Record, route string, status int) int {
	n := 0
	for _, r := range recs {
		if r.Route == route && r.Status == status {
			n++
		}
	}
	return n
}

func pubCountMutating(recs []fakegithub.Record) int {
	n := 0
	for _, r := range recs {
		if r.Mutating {
			n++
		}
	}
	return n
}

func pubStatus(s int) string {
	if s == 0 {
		return "reset"
	}
	return fmt.Sprint(s)
}

// pubLogCounts notes the run's requests by route, for the report.
func pubLogCounts(t *testing.T, recs []fakegithub.Record) {
	t.Helper()
	counts := map[string]int{}
	var keys []string
	for _, r := range recs {
		k := r.Route
		if r.Fault != "" {
			k += " [" + r.Fault + "]"
		}
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, counts[k])
	}
	t.Logf("%d requests:%s", len(recs), b.String())
}

func (p *pubProject) snapshotNeverPublished(t *testing.T) {
	p.srv.ResetRecords()
	r := p.mage(t, "snapshot")
	if r.err != nil {
		t.Fatalf("go tool mage snapshot: %v\n%s", r.err, pubTail(r.out, 80))
	}
	t.Logf("go tool mage snapshot took %v", r.took.Round(time.Millisecond))
	if recs := p.srv.Records(); len(recs) != 0 {
		t.Errorf("a snapshot sent %d requests to GitHub, want none: first %s %s", len(recs), recs[0].Method, recs[0].Path)
	}
	// svcship publish refuses the snapshot dist before any request.
	cmd := exec.Command("go", "tool", "svcship", "publish", "--owner", pubOwner, "--repo", pubRepo)
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clone(p.env), "GITHUB_TOKEN="+pubToken, "GITHUB_API_URL="+p.srv.URL+"/api/v3/")
	out, err := cmd.CombinedOutput()
	p.outs = append(p.outs, string(out))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("svcship publish on a snapshot dist: %v, want exit status 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "snapshots are never published") {
		t.Errorf("svcship publish on a snapshot dist does not say why:\n%s", out)
	}
	if n := len(p.srv.Records()); n != 0 {
		t.Errorf("svcship publish on a snapshot sent %d requests, want none", n)
	}
}

func (p *pubProject) happyPath(t *testing.T) {
	p.git(t, "checkout", "-q", "main")
	p.commitAll(t, "docs: describe the health check")
	p.tagNew(t, "feat: answer /healthz with the version", "v1.0.0")
	p.srv.ResetRecords()
	summary := filepath.Join(t.TempDir(), "summary.md")
	r := p.release(t, "GITHUB_STEP_SUMMARY="+summary)
	recs := p.srv.Records()
	pubLogCounts(t, recs)

	want := p.localAssets(t, "1.0.0")
	rel := pubCheckRelease(t, p.releasesFor("v1.0.0"), "v1.0.0", want)
	if rel.Draft {
		t.Error("the release is still a draft")
	}
	if rel.Prerelease {
		t.Error("v1.0.0 was published as a prerelease")
	}
	if rel.Name != "Pub Service 1.0.0" {
		t.Errorf("release name %q, want GoReleaser's name_template result %q", rel.Name, "Pub Service 1.0.0")
	}
	for _, s := range []string{"Pub Service release notes.", "## Changelog", "feat: answer /healthz with the version", "feat: first version of pubsvc"} {
		if !strings.Contains(rel.Body, s) {
			t.Errorf("release body lacks %q (GoReleaser's header and changelog):\n%s", s, rel.Body)
		}
	}
	if strings.Contains(rel.Body, "docs: describe the health check") {
		t.Errorf("release body holds a commit the changelog filter excludes:\n%s", rel.Body)
	}
	pubCheckPublishOrder(t, recs)
	if n := pubCountRoute(recs, "POST releases", 201); n != 1 {
		t.Errorf("%d releases created, want 1 (GoReleaser's draft)", n)
	}
	if n := pubCountRoute(recs, "POST upload", 201); n != len(want) {
		t.Errorf("%d uploads, want %d (one per asset)", n, len(want))
	}
	sum, err := os.ReadFile(summary)
	if err != nil {
		t.Fatalf("job summary: %v", err)
	}
	for name := range want {
		if !strings.Contains(string(sum), "| "+name+" | ") {
			t.Errorf("job summary lacks %s:\n%s", name, sum)
		}
	}
	if !strings.Contains(r.out, "goreleaser 2.15.1 found on PATH") {
		t.Errorf("the run did not use the prebuilt goreleaser from PATH:\n%s", pubTail(r.out, 40))
	}
}

// faultRun releases tag with faults from mk installed, then checks the
// release holds every asset once, was published only after the last
// upload, and runs check on the request log.
func (p *pubProject) faultRun(t *testing.T, tag string, pre bool, mk func() fakegithub.FaultFunc, check func(*testing.T, []fakegithub.Record, []string)) {
	p.tagNew(t, "fix: "+tag, tag)
	p.srv.ResetRecords()
	p.srv.SetFaults(mk())
	defer p.srv.SetFaults(nil)
	p.release(t)
	recs := p.srv.Records()
	pubLogCounts(t, recs)
	version := strings.TrimPrefix(tag, "v")
	want := p.localAssets(t, version)
	rel := pubCheckRelease(t, p.releasesFor(tag), tag, want)
	if rel.Draft {
		t.Error("the release is still a draft")
	}
	if rel.Prerelease != pre {
		t.Errorf("prerelease = %v, want %v for %s", rel.Prerelease, pre, tag)
	}
	pubCheckPublishOrder(t, recs)
	var names []string
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	check(t, recs, names)
}

func (p *pubProject) killedAndRerun(t *testing.T) {
	const tag = "v1.4.0"
	p.tagNew(t, "feat: v1.4.0", tag)
	p.srv.ResetRecords()
	stalled := make(chan string, 1)
	p.srv.SetFaults(func(r fakegithub.Request) *fakegithub.Fault {
		if r.Route == "POST upload" && strings.HasSuffix(r.Asset, ".msi") {
			return &fakegithub.Fault{Stall: true, StallAfterBytes: 4096, LeaveStarter: true, OnStall: func() {
				select {
				case stalled <- r.Asset:
				default:
				}
			}}
		}
		return nil
	})
	defer p.srv.SetFaults(nil)

	cmd := exec.Command("go", "tool", "mage", "release")
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clone(p.env), "GITHUB_TOKEN="+pubToken)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	killed := false
	defer func() {
		if !killed {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
	}()
	var msi string
	select {
	case msi = <-stalled:
	case err := <-done:
		killed = true
		p.outs = append(p.outs, out.String())
		t.Fatalf("go tool mage release ended (%v) before uploading the MSI\n%s", err, pubTail(out.String(), 60))
	case <-time.After(8 * time.Minute):
		t.Fatalf("no MSI upload within 8 minutes\n%s", pubTail(out.String(), 60))
	}
	// Let the other uploads finish (all but the MSI: 11 of the 12 assets
	// localAssets lists), so the re-run has something to skip.
	others := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		others = pubCountRoute(p.srv.Records(), "POST upload", 201)
		if others >= 11 {
			break
		}
	}
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill process group: %v", err)
	}
	<-done
	killed = true
	p.outs = append(p.outs, out.String())
	p.scanDist(t)
	t.Logf("killed the process group of go tool mage release after %v, during the upload of %s (%d other uploads done)", time.Since(start).Round(time.Millisecond), msi, others)
	// Nothing of the group survives (the publisher and GoReleaser included).
	time.Sleep(200 * time.Millisecond)
	if live := pubLiveInGroup(t, pgid); len(live) > 0 {
		t.Errorf("processes of the killed group still run: %v", live)
	}
	rels := p.releasesFor(tag)
	if len(rels) != 1 || !rels[0].Draft {
		t.Fatalf("after the kill: %d releases for %s (draft=%v), want one draft", len(rels), tag, len(rels) == 1 && rels[0].Draft)
	}
	firstID := rels[0].ID
	var half []string
	for _, a := range rels[0].Assets {
		if a.State != "uploaded" {
			half = append(half, a.Name+":"+a.State)
		}
	}
	t.Logf("after the kill the draft holds %d assets, unfinished: %v", len(rels[0].Assets), half)
	if len(p.srv.Violations()) > 0 {
		t.Errorf("violations: %v", p.srv.Violations())
	}
	firstRun := p.srv.Records()
	pubLogCounts(t, firstRun)
	for _, r := range firstRun {
		if r.Undrafted {
			t.Errorf("the killed run published the release (request %d)", r.Seq)
		}
	}

	// The re-run reuses the draft and uploads only what is missing.
	p.srv.SetFaults(nil)
	p.srv.ResetRecords()
	p.release(t)
	recs := p.srv.Records()
	pubLogCounts(t, recs)
	want := p.localAssets(t, "1.4.0")
	rel := pubCheckRelease(t, p.releasesFor(tag), tag, want)
	if rel.ID != firstID {
		t.Errorf("the re-run published release %d, not the draft %d", rel.ID, firstID)
	}
	if rel.Draft {
		t.Error("the release is still a draft after the re-run")
	}
	if n := pubCountRoute(recs, "POST releases", 201); n != 0 {
		t.Errorf("the re-run created %d releases, want 0 (reuse the draft)", n)
	}
	var uploaded, missing []string
	for _, r := range recs {
		if r.Route == "POST upload" && r.Status == 201 {
			uploaded = append(uploaded, r.Asset)
		}
	}
	finished := map[string]bool{}
	for _, r := range firstRun {
		if r.Route == "POST upload" && r.Status == 201 {
			finished[r.Asset] = true
		}
	}
	for name := range want {
		if !finished[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(uploaded)
	slices.Sort(missing)
	if !slices.Equal(uploaded, missing) {
		t.Errorf("the re-run uploaded %v; want exactly what the killed run had not finished, %v", uploaded, missing)
	}
	if !slices.Contains(uploaded, msi) {
		t.Errorf("the re-run did not upload %s, whose upload was killed", msi)
	}
	pubCheckPublishOrder(t, recs)
}

// lostCreate: GoReleaser's request that creates the draft succeeds but its
// answer is lost, so GoReleaser (which does not retry it) fails; the
// re-run finds that draft, GoReleaser reuses it and svcship publishes it:
// still one release for the tag.
func (p *pubProject) lostCreate(t *testing.T) {
	const tag = "v1.4.2"
	p.tagNew(t, "fix: v1.4.2", tag)
	p.failedRelease(t, "GoReleaser never learnt the draft's id", func(r fakegithub.Request) *fakegithub.Fault {
		if r.Route == "POST releases" {
			return &fakegithub.Fault{DropResponse: true}
		}
		return nil
	})
	rels := p.releasesFor(tag)
	if len(rels) != 1 || !rels[0].Draft || len(rels[0].Assets) != 0 {
		t.Fatalf("after the lost answer: %d releases for %s, want one empty draft", len(rels), tag)
	}
	draftID := rels[0].ID

	p.srv.ResetRecords()
	p.release(t)
	recs := p.srv.Records()
	pubLogCounts(t, recs)
	rel := pubCheckRelease(t, p.releasesFor(tag), tag, p.localAssets(t, "1.4.2"))
	if rel.ID != draftID || rel.Draft {
		t.Errorf("release %d (draft=%v) for %s, want the draft %d published", rel.ID, rel.Draft, tag, draftID)
	}
	if rel.Name != "Pub Service 1.4.2" {
		t.Errorf("release name %q, want GoReleaser's %q", rel.Name, "Pub Service 1.4.2")
	}
	if n := pubCountRoute(recs, "POST releases", 201); n != 0 {
		t.Errorf("the re-run created %d releases, want 0", n)
	}
	pubCheckPublishOrder(t, recs)
}

// publishCommandFinishes: the svcship-release publisher fails for good on
// one upload (403, which is not retried), so GoReleaser stops with the
// release a draft; `svcship publish` on the dist that run left uploads
// what is missing and publishes, keeping GoReleaser's name and notes.
func (p *pubProject) publishCommandFinishes(t *testing.T) {
	const tag = "v1.4.1"
	p.tagNew(t, "fix: v1.4.1", tag)
	p.failedRelease(t, "every MSI upload was refused", func(r fakegithub.Request) *fakegithub.Fault {
		if r.Route == "POST upload" && strings.HasSuffix(r.Asset, ".msi") {
			return &fakegithub.Fault{Status: 403}
		}
		return nil
	})
	rels := p.releasesFor(tag)
	if len(rels) != 1 || !rels[0].Draft {
		t.Fatalf("after the failed publish: %d releases for %s, want one draft", len(rels), tag)
	}

	p.srv.ResetRecords()
	cmd := exec.Command("go", "tool", "svcship", "publish")
	cmd.Dir = p.dir
	cmd.Env = append(slices.Clone(p.env), "GITHUB_TOKEN="+pubToken, "GITHUB_API_URL="+p.srv.URL+"/api/v3/", "GITHUB_REPOSITORY="+pubOwner+"/"+pubRepo)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	p.outs = append(p.outs, string(out))
	if err != nil {
		t.Fatalf("svcship publish: %v\n%s", err, out)
	}
	t.Logf("svcship publish took %v", time.Since(start).Round(time.Millisecond))
	recs := p.srv.Records()
	pubLogCounts(t, recs)
	want := p.localAssets(t, "1.4.1")
	rel := pubCheckRelease(t, p.releasesFor(tag), tag, want)
	if rel.Draft {
		t.Error("the release is still a draft")
	}
	if rel.Name != "Pub Service 1.4.1" || !strings.Contains(rel.Body, "Pub Service release notes.") || !strings.Contains(rel.Body, "fix: v1.4.1") {
		t.Errorf("svcship publish replaced GoReleaser's name or notes: %q\n%s", rel.Name, rel.Body)
	}
	var uploaded []string
	for _, r := range recs {
		if r.Route == "POST upload" && r.Status == 201 {
			uploaded = append(uploaded, r.Asset)
		}
	}
	if want := []string{"pubsvc_1.4.1_windows_amd64.msi"}; !slices.Equal(uploaded, want) {
		t.Errorf("svcship publish uploaded %v, want %v", uploaded, want)
	}
	pubCheckPublishOrder(t, recs)
}

// pubLiveInGroup lists the processes of group pgid that are not zombies
// (orphans wait there until something reaps them), from /proc.
func pubLiveInGroup(t *testing.T, pgid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, st := range stats {
		data, err := os.ReadFile(st)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[2] != fmt.Sprint(pgid) || f[0] == "Z" || f[0] == "X" {
			continue
		}
		live = append(live, strings.TrimSpace(s[:i+1]))
	}
	return live
}

// pubDiffering names the assets of rel whose bytes differ from the local ones.
func pubDiffering(rel fakegithub.Release, local map[string][]byte) []string {
	var out []string
	for _, a := range rel.Assets {
		if l, ok := local[a.Name]; ok && !bytes.Equal(l, a.Data) {
			out = append(out, fmt.Sprintf("%s (%d bytes published, %d rebuilt)", a.Name, len(a.Data), len(l)))
		}
	}
	return out
}

func (p *pubProject) rerunPublished(t *testing.T) {
	p.git(t, "checkout", "-q", "v1.0.0")
	defer p.git(t, "checkout", "-q", "main")
	rels := p.releasesFor("v1.0.0")
	if len(rels) != 1 || rels[0].Draft {
		t.Fatalf("v1.0.0 is not one published release (happy path failed?)")
	}
	before := rels[0]

	p.srv.ResetRecords()
	r := p.mage(t, "release")
	recs := p.srv.Records()
	pubLogCounts(t, recs)
	if r.err != nil {
		t.Fatalf("go tool mage release on the complete published release: %v\nrebuilt assets that differ: %v\n%s",
			r.err, pubDiffering(before, p.localAssetsOf(t, "1.0.0", false)), pubTail(r.out, 30))
	}
	t.Logf("go tool mage release took %v", r.took.Round(time.Millisecond))
	if n := pubCountMutating(recs); n != 0 {
		t.Errorf("re-run on a complete published release sent %d mutating requests, want 0", n)
	}
	if !strings.Contains(r.out, "release v1.0.0 is published with every asset, digests equal: nothing to do") {
		t.Errorf("the driver does not say there is nothing to do:\n%s", pubTail(r.out, 40))
	}

	// Someone swapped an asset: svcship refuses and changes nothing.
	name := "pubsvc_1.0.0_checksums.txt"
	swapped := []byte("not GoReleaser's checksums\n")
	if !p.srv.SetAssetData(pubOwner, pubRepo, before.ID, name, swapped) {
		t.Fatalf("no asset %s on the release", name)
	}
	p.srv.ResetRecords()
	r = p.mage(t, "release")
	recs = p.srv.Records()
	pubLogCounts(t, recs)
	if r.err == nil {
		t.Fatalf("go tool mage release succeeded on a published release whose asset differs:\n%s", pubTail(r.out, 40))
	}
	for _, s := range []string{"release v1.0.0 is published and differs from this build", name} {
		if !strings.Contains(r.out, s) {
			t.Errorf("the refusal does not say %q:\n%s", s, pubTail(r.out, 40))
		}
	}
	if n := pubCountMutating(recs); n != 0 {
		t.Errorf("the refused re-run sent %d mutating requests, want 0", n)
	}
	after := p.releasesFor("v1.0.0")
	if len(after) != 1 || after[0].Draft || len(after[0].Assets) != len(before.Assets) {
		t.Fatalf("the release changed: %+v", after)
	}
	for _, a := range after[0].Assets {
		if a.Name == name && !bytes.Equal(a.Data, swapped) {
			t.Errorf("%s was changed on the published release", name)
		}
	}
}

func (p *pubProject) keepDraft(t *testing.T) {
	p.git(t, "checkout", "-q", "main")
	if err := os.WriteFile(filepath.Join(p.dir, ".goreleaser.yaml"), []byte(pubGoReleaserYAML(p.srv.URL, true)), 0o644); err != nil {
		t.Fatal(err)
	}
	p.git(t, "add", ".goreleaser.yaml")
	p.tagNew(t, "chore: keep releases as drafts", "v1.5.0")
	p.srv.ResetRecords()
	p.release(t)
	recs := p.srv.Records()
	pubLogCounts(t, recs)
	rel := pubCheckRelease(t, p.releasesFor("v1.5.0"), "v1.5.0", p.localAssets(t, "1.5.0"))
	if !rel.Draft {
		t.Error("release.draft is true but the release was published")
	}
	for _, r := range recs {
		if r.Undrafted || (r.Draft != nil && !*r.Draft) {
			t.Errorf("request %d (%s) asked to publish", r.Seq, r.Route)
		}
	}
}

// tokenNowhere checks every run's output and every file under dist/ for
// the token (and the signing password).
func (p *pubProject) tokenNowhere(t *testing.T) {
	if len(p.outs) == 0 {
		t.Fatal("no runs to check")
	}
	for i, out := range p.outs {
		for _, secret := range []string{pubToken, pubSignPassword} {
			if strings.Contains(out, secret) {
				t.Errorf("run %d printed a secret:\n%s", i+1, out)
			}
		}
	}
	p.scanDist(t)
	t.Logf("%d outputs and %d files under dist/ hold neither the token nor the signing password", len(p.outs), p.distFiles)
}
