package e2e

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/sbomtest"
	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/winetest"
)

// stamp is what one run's tag must turn into, written out by hand: the
// version GoReleaser derives, the four-part VERSIONINFO number and the
// MSI ProductVersion. The tests never compute these with svcship's own
// version code.
type stamp struct {
	tag string
	// version is GoReleaser's {{ .Version }}; on a snapshot the
	// -SNAPSHOT-<short commit> suffix is added by snapshotVersion.
	version     string
	fileVersion string
	msiVersion  string
}

var (
	// The shared snapshot: a prerelease tag; a snapshot shares the numbers
	// of the release it leads to.
	stampShared = stamp{tag: "v2.5.1-rc.3", version: "2.5.1-rc.3", fileVersion: "2.5.1.0", msiVersion: "2.5.1"}
	// go tool mage release of v1.2.3, and of 1.2.3 (GoReleaser accepts a
	// tag without the v; the version and the numbers are the same, the
	// release keeps the tag as written).
	stampRelease    = stamp{tag: "v1.2.3", version: "1.2.3", fileVersion: "1.2.3.0", msiVersion: "1.2.3"}
	stampReleaseNoV = stamp{tag: "1.2.3", version: "1.2.3", fileVersion: "1.2.3.0", msiVersion: "1.2.3"}
)

// snapshotVersion is GoReleaser's default snapshot version for st at commit.
func snapshotVersion(st stamp, commit string) string {
	return st.version + "-SNAPSHOT-" + commit[:7]
}

// wantTargets are the hellosvc targets of this repository's .goreleaser.yaml
// with GoReleaser's default microarchitecture levels.
var wantTargets = []string{
	"darwin_amd64_v1", "darwin_arm64_v8.0", "linux_amd64_v1", "linux_arm64_v8.0",
	"windows_386_sse2", "windows_amd64_v1", "windows_arm64_v8.0",
}

var windowsArches = []string{"386", "amd64", "arm64"}

// wantArchives are the archive names GoReleaser makes for version v.
func wantArchives(v string) []string {
	return []string{
		"hellosvc_" + v + "_darwin_amd64.tar.gz",
		"hellosvc_" + v + "_darwin_arm64.tar.gz",
		"hellosvc_" + v + "_linux_amd64.tar.gz",
		"hellosvc_" + v + "_linux_arm64.tar.gz",
		"hellosvc_" + v + "_windows_386.zip",
		"hellosvc_" + v + "_windows_amd64.zip",
		"hellosvc_" + v + "_windows_arm64.zip",
	}
}

// wantMSIs are the MSI names svcship writes into dist/ for version v.
func wantMSIs(v string) []string {
	return []string{
		"hellosvc_" + v + "_windows_386.msi",
		"hellosvc_" + v + "_windows_amd64.msi",
		"hellosvc_" + v + "_windows_arm64.msi",
	}
}

// wantSBOMs are the CycloneDX documents GoReleaser's sboms pipe writes
// (running svcship sbom) for version v, one per binary.
func wantSBOMs(v string) []string {
	var out []string
	for _, p := range []string{"darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64", "windows_386", "windows_amd64", "windows_arm64"} {
		out = append(out, "hellosvc_"+v+"_"+p+".cdx.json")
	}
	return out
}

// wantChecksummed are the files checksums.txt lists for version v, sorted:
// archives, SBOMs and (through checksum.extra_files) MSIs.
func wantChecksummed(v string) []string {
	out := append(append(wantArchives(v), wantSBOMs(v)...), wantMSIs(v)...)
	slices.Sort(out)
	return out
}

// wantSignatures are the detached signatures of a signed run of version v.
func wantSignatures(v string) []string {
	var out []string
	for _, a := range windowsArches {
		out = append(out,
			"hellosvc_"+v+"_windows_"+a+".exe.p7s",
			"hellosvc_"+v+"_windows_"+a+".msi.p7s",
			"svcship-installer_"+v+"_windows_"+a+".exe.p7s")
	}
	out = append(out, "install.ps1.p7s", "uninstall.ps1.p7s")
	slices.Sort(out)
	return out
}

func (s *snapshot) binaries() []artifact {
	var out []artifact
	for _, a := range s.byType("Binary") {
		if a.extra("ID") == "hellosvc" {
			out = append(out, a)
		}
	}
	return out
}

func (s *snapshot) binary(t *testing.T, target string) artifact {
	t.Helper()
	for _, a := range s.binaries() {
		if a.Target == target {
			return a
		}
	}
	t.Fatalf("no hellosvc binary for %s in artifacts.json", target)
	return artifact{}
}

func names(as []artifact) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

// Every binary's SBOM, written by svcship sbom from GoReleaser's sboms
// pipe, matches the CycloneDX 1.6 schema and describes that binary: its
// digest, platform and release version, read with the test's own types.
func TestSnapshotSBOMs(t *testing.T) {
	s := first(t)
	version := snapshotVersion(stampShared, s.commit)
	type doc struct {
		Metadata struct {
			Timestamp string `json:"timestamp"`
			Component struct {
				Name       string                          `json:"name"`
				Version    string                          `json:"version"`
				Hashes     []struct{ Alg, Content string } `json:"hashes"`
				Properties []struct{ Name, Value string }  `json:"properties"`
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			Name string `json:"name"`
		} `json:"components"`
	}
	bins := s.binaries()
	if len(bins) != len(wantTargets) {
		t.Fatalf("%d binaries", len(bins))
	}
	for _, a := range bins {
		name := "hellosvc_" + version + "_" + a.platform() + ".cdx.json"
		data, err := os.ReadFile(s.dist(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := sbomtest.Validate(data); err != nil {
			t.Errorf("%s does not match the CycloneDX 1.6 schema: %v", name, err)
		}
		var d doc
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := d.Metadata.Component
		props := map[string]string{}
		for _, p := range c.Properties {
			props[p.Name] = p.Value
		}
		if c.Name != "github.com/svcship/svcship" || c.Version != "v"+version {
			t.Errorf("%s: main component %s %s, want github.com/svcship/svcship v%s", name, c.Name, c.Version, version)
		}
		if props["cdx:gomod:build:env:GOOS"] != a.Goos || props["cdx:gomod:build:env:GOARCH"] != a.Goarch {
			t.Errorf("%s: platform %s/%s, want %s/%s", name, props["cdx:gomod:build:env:GOOS"], props["cdx:gomod:build:env:GOARCH"], a.Goos, a.Goarch)
		}
		bin, err := os.ReadFile(s.path(a))
		if err != nil {
			t.Fatal(err)
		}
		if want := digest(bin); len(c.Hashes) != 1 || c.Hashes[0].Content != want {
			t.Errorf("%s: hash %v, want the binary's %s", name, c.Hashes, want)
		}
		if d.Metadata.Timestamp != commitDate {
			t.Errorf("%s: timestamp %q, want the commit's %s", name, d.Metadata.Timestamp, commitDate)
		}
		found := false
		for _, m := range d.Components {
			found = found || m.Name == "gopkg.in/yaml.v3"
		}
		if !found {
			t.Errorf("%s does not list gopkg.in/yaml.v3, which hellosvc links", name)
		}
	}
}

func TestSnapshotArtifacts(t *testing.T) {
	s := first(t)
	t.Logf("snapshot %s took %s", s.version, s.took.Round(time.Millisecond))
	wantVersion := snapshotVersion(stampShared, s.commit)
	if s.version != wantVersion || s.tag != stampShared.tag {
		t.Errorf("metadata.json: version %q tag %q, want %q and %q", s.version, s.tag, wantVersion, stampShared.tag)
	}
	var got []string
	for _, a := range s.binaries() {
		got = append(got, a.Target)
		if _, err := os.Stat(s.path(a)); err != nil {
			t.Errorf("listed binary missing: %v", err)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, wantTargets) {
		t.Errorf("hellosvc binaries for %v, want %v", got, wantTargets)
	}
	if n := len(s.byType("Binary")); n != 7 {
		t.Errorf("%d binaries in artifacts.json, want 7", n)
	}
	if got, want := names(s.byType("Archive")), wantArchives(wantVersion); !slices.Equal(got, want) {
		t.Errorf("archives %v, want %v", got, want)
	}
	for _, name := range wantMSIs(wantVersion) {
		if st, err := os.Stat(s.dist(name)); err != nil || st.Size() == 0 {
			t.Errorf("MSI %s: %v", name, err)
		}
	}
	if got, want := names(s.byType("SBOM")), wantSBOMs(wantVersion); !slices.Equal(got, want) {
		t.Errorf("SBOMs %v, want %v", got, want)
	}
	if got := names(s.byType("Checksum")); !slices.Equal(got, []string{"checksums.txt"}) {
		t.Errorf("checksum artifacts %v, want [checksums.txt]", got)
	}
	for _, arch := range windowsArches {
		for _, f := range []string{"svcship-installer.exe", "svcship.yaml", "scripts/install.ps1", "scripts/uninstall.ps1"} {
			if _, err := os.Stat(s.dist("svcship", "windows_"+arch, filepath.FromSlash(f))); err != nil {
				t.Errorf("staged file: %v", err)
			}
		}
	}
	data, err := os.ReadFile(s.dist("svcship", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var run struct {
		Snapshot bool   `json:"snapshot"`
		Version  string `json:"version"`
		Tag      string `json:"tag"`
	}
	if err := json.Unmarshal(data, &run); err != nil {
		t.Fatalf("run.json: %v", err)
	}
	if !run.Snapshot || run.Version != wantVersion || run.Tag != stampShared.tag {
		t.Errorf("run.json = %s, want snapshot true, version %s, tag %s", data, wantVersion, stampShared.tag)
	}
	// GoReleaser came from PATH, as goreleaser-action provides it.
	if !strings.Contains(s.log, "goreleaser 2.15.1 found on PATH") {
		t.Errorf("the log does not say the goreleaser on PATH ran:\n%s", tail(s.log, 30))
	}
	// The generated .syso files are gone and the tree is clean.
	out, err := exec.Command("git", "-C", s.dir, "status", "--porcelain", "--ignored").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "!! dist/\n" {
		t.Errorf("git status after the snapshot, want only dist/ ignored:\n%s", out)
	}
}

// unzipped extracts the named entries of zip file p into a new folder.
func unzipped(t *testing.T, p string, entries ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range readArchive(t, p) {
		if !slices.Contains(entries, e.name) {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(e.name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, e.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(e))); err != nil {
			t.Fatalf("%s holds no %s", filepath.Base(p), e)
		}
	}
	return dir
}

// exifMachine is exiftool's name for each arch's PE machine type.
var exifMachine = map[string]string{
	"386":   "Intel 386 or later, and compatibles",
	"amd64": "AMD AMD64",
	"arm64": "Unknown (0xaa64)", // exiftool 12 has no name for ARM64
}

// checkVersionInfo reads the VERSIONINFO of every Windows exe in the
// Windows zips of s with exiftool.
func checkVersionInfo(t *testing.T, s *snapshot, version string, st stamp) {
	t.Helper()
	exiftool := testtool.Path(t, "exiftool")
	for _, arch := range windowsArches {
		zipName := "hellosvc_" + version + "_windows_" + arch + ".zip"
		dir := unzipped(t, s.dist(zipName), "hellosvc.exe", "svcship-installer.exe")
		for _, exe := range []struct{ name, internal, description string }{
			{"hellosvc.exe", "hellosvc", "svcship reference service (HTTP /healthz and /version)"},
			{"svcship-installer.exe", "svcship-installer", "Hello Service service installer"},
		} {
			t.Run(arch+"/"+exe.name, func(t *testing.T) {
				p := filepath.Join(dir, exe.name)
				out, err := exec.Command(exiftool, "-s", "-ProductVersion", "-FileVersion", "-FileVersionNumber",
					"-ProductVersionNumber", "-CompanyName", "-ProductName", "-OriginalFileName", "-InternalName",
					"-FileDescription", "-LegalCopyright", "-MachineType", p).CombinedOutput()
				if err != nil {
					t.Fatalf("exiftool: %v\n%s", err, out)
				}
				got := fields(string(out))
				want := map[string]string{
					"ProductVersion":       version,
					"FileVersion":          version,
					"FileVersionNumber":    st.fileVersion,
					"ProductVersionNumber": st.fileVersion,
					"CompanyName":          "svcship project",
					"ProductName":          "Hello Service",
					"OriginalFileName":     exe.name,
					"InternalName":         exe.internal,
					"FileDescription":      exe.description,
					"LegalCopyright":       "Copyright (c) 2026 svcship project",
					"MachineType":          exifMachine[arch],
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s = %q, want %q", k, got[k], v)
					}
				}
				verbose, err := exec.Command(exiftool, "-v2", p).CombinedOutput()
				if err != nil {
					t.Fatalf("exiftool -v2: %v\n%s", err, verbose)
				}
				for _, res := range []string{"Group Icon resource:", "Icon resource:", "Manifest resource:", "Version resource:"} {
					if !strings.Contains(string(verbose), res) {
						t.Errorf("exiftool finds no %q", res)
					}
				}
			})
		}
	}
}

// TestWindowsVersionInfo reads every Windows exe the zips carry with
// exiftool.
func TestWindowsVersionInfo(t *testing.T) {
	s := first(t)
	checkVersionInfo(t, s, snapshotVersion(stampShared, s.commit), stampShared)
}

func fields(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func wantStamp(t *testing.T, out, version, commit string) {
	t.Helper()
	for _, want := range []string{"hellosvc " + version + "\n", "commit: " + commit + "\n", "built: " + commitDate + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("--version output lacks %q:\n%s", want, out)
		}
	}
}

// TestHostVersionStamp runs the binary built for this machine (linux/amd64
// in the Linux job, windows/amd64 in the Windows one) and reads its stamp.
func TestHostVersionStamp(t *testing.T) {
	s := first(t)
	var host []artifact
	for _, a := range s.binaries() {
		if a.platform() == runtime.GOOS+"_"+runtime.GOARCH {
			host = append(host, a)
		}
	}
	if len(host) != 1 {
		t.Fatalf("%d %s/%s binaries, want 1", len(host), runtime.GOOS, runtime.GOARCH)
	}
	out, err := exec.Command(s.path(host[0]), "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	wantStamp(t, string(out), snapshotVersion(stampShared, s.commit), s.commit)
}

func TestWindowsVersionStampUnderWine(t *testing.T) {
	s := first(t)
	exe := s.binary(t, "windows_amd64_v1")
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := p.Run(ctx, s.path(exe), "--version")
	if err != nil {
		t.Fatalf("wine hellosvc.exe --version: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	wantStamp(t, strings.ReplaceAll(res.Stdout, "\r\n", "\n"), snapshotVersion(stampShared, s.commit), s.commit)
}

// signedFiles are the files of a signed run that carry an Authenticode
// signature: per Windows arch the exe GoReleaser built, the installer, the
// two scripts and the MSI.
func signedFiles(t *testing.T, s *snapshot, version string) []string {
	t.Helper()
	var out []string
	for _, arch := range windowsArches {
		target := map[string]string{"386": "windows_386_sse2", "amd64": "windows_amd64_v1", "arm64": "windows_arm64_v8.0"}[arch]
		stage := s.dist("svcship", "windows_"+arch)
		out = append(out,
			s.path(s.binary(t, target)),
			filepath.Join(stage, "svcship-installer.exe"),
			filepath.Join(stage, "scripts", "install.ps1"),
			filepath.Join(stage, "scripts", "uninstall.ps1"),
			s.dist("hellosvc_"+version+"_windows_"+arch+".msi"))
	}
	return out
}

// checkSigned verifies every signed file and the detached signatures of a
// run signed with the package's test certificate.
func checkSigned(t *testing.T, s *snapshot, version string) {
	t.Helper()
	osslsigncode := testtool.Path(t, "osslsigncode")
	openssl := testtool.Path(t, "openssl")
	cert, _ := signingCert(t)
	files := signedFiles(t, s, version)
	if len(files) != 15 {
		t.Fatalf("%d files to check, want 15", len(files))
	}
	for _, p := range files {
		out, err := exec.Command(osslsigncode, "verify", "-CAfile", cert, "-in", p).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Signature verification: ok") {
			t.Errorf("%s: %v\n%s", p, err, out)
		}
	}
	entries, err := os.ReadDir(s.dist("svcship", "signatures"))
	if err != nil {
		t.Fatal(err)
	}
	var sigs []string
	for _, e := range entries {
		sigs = append(sigs, e.Name())
		out, err := exec.Command(openssl, "pkcs7", "-inform", "DER", "-in", s.dist("svcship", "signatures", e.Name()), "-print_certs", "-noout").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "subject=CN = svcship e2e") {
			t.Errorf("%s is not a PKCS#7 signature by the test certificate: %v\n%s", e.Name(), err, out)
		}
	}
	if want := wantSignatures(version); !slices.Equal(sigs, want) {
		t.Errorf("detached signatures %v, want %v", sigs, want)
	}
	if strings.Contains(s.log, signPassword) {
		t.Error("the signing password is in the pipeline output")
	}
}

// TestSignedExecutables verifies the Authenticode signatures the shared
// snapshot made with the test's self-signed certificate.
func TestSignedExecutables(t *testing.T) {
	s := first(t)
	checkSigned(t, s, snapshotVersion(stampShared, s.commit))
}

func TestArchivesAndChecksums(t *testing.T) {
	s := first(t)
	checkArchives(t, s, snapshotVersion(stampShared, s.commit))
}

// checkArchives checks every archive's entries, modes, mtimes and
// contents, and GoReleaser's checksums file over archives and MSIs.
func checkArchives(t *testing.T, s *snapshot, version string) {
	t.Helper()
	cfgData, err := os.ReadFile(filepath.Join(s.dir, "svcship.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	commitTime, err := time.Parse(time.RFC3339, commitDate)
	if err != nil {
		t.Fatal(err)
	}
	archives := s.byType("Archive")
	if len(archives) != 7 {
		t.Errorf("%d archives, want 7", len(archives))
	}
	for _, a := range archives {
		t.Run(a.Name, func(t *testing.T) {
			var want []string
			switch a.extra("Format") {
			case "zip":
				want = []string{"LICENSE", "README.md", "hellosvc.exe", "scripts/install.ps1", "scripts/uninstall.ps1", "svcship-installer.exe", "svcship.yaml"}
			case "tar.gz":
				want = []string{"LICENSE", "README.md", "hellosvc"}
			default:
				t.Fatalf("format %q", a.extra("Format"))
			}
			entries := readArchive(t, s.path(a))
			var got []string
			for _, e := range entries {
				got = append(got, e.name)
				if !e.mtime.Equal(commitTime) {
					t.Errorf("%s mtime %s, want the commit time %s", e.name, e.mtime, commitTime)
				}
				wantMode := os.FileMode(0o644)
				if e.name == "hellosvc" || strings.HasSuffix(e.name, ".exe") {
					wantMode = 0o755
				}
				if e.mode != wantMode {
					t.Errorf("%s mode %v, want %v", e.name, e.mode, wantMode)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("entries %v, want %v", got, want)
			}
			arch := strings.TrimPrefix(a.platform(), "windows_")
			for _, e := range entries {
				var src string
				switch e.name {
				case "svcship.yaml":
					if !bytes.Equal(e.data, cfgData) {
						t.Error("archived svcship.yaml differs from the project's")
					}
					continue
				case "hellosvc", "hellosvc.exe":
					src = s.path(s.binary(t, a.Target))
				case "svcship-installer.exe", "scripts/install.ps1", "scripts/uninstall.ps1":
					src = s.dist("svcship", "windows_"+arch, filepath.FromSlash(e.name))
				case "README.md", "LICENSE":
					src = filepath.Join(s.dir, e.name)
				}
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(e.data, data) {
					t.Errorf("archived %s differs from %s", e.name, src)
				}
			}
		})
	}

	// checksums.txt lists exactly the archives, SBOMs and MSIs, and each
	// digest holds.
	data, err := os.ReadFile(s.dist("checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			t.Errorf("checksums.txt line %q is not \"<sha256>  <name>\"", line)
		}
		listed = append(listed, name)
	}
	if want := wantChecksummed(version); !slices.Equal(listed, want) {
		t.Errorf("checksums.txt lists %v, want %v", listed, want)
	}
	cmd := exec.Command(testtool.Path(t, "sha256sum"), "-c", "checksums.txt")
	cmd.Dir = s.dist()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), ": OK"); n != 17 {
		t.Fatalf("sha256sum checked %d files, want 17 (7 archives, 7 SBOMs, 3 MSIs):\n%s", n, out)
	}
}

type entry struct {
	name  string
	mode  os.FileMode
	mtime time.Time
	data  []byte
}

// readArchive reads a .zip or .tar.gz with the standard library.
func readArchive(t *testing.T, path string) []entry {
	t.Helper()
	var out []entry
	switch {
	case strings.HasSuffix(path, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, entry{f.Name, f.Mode().Perm(), f.Modified.UTC(), data})
		}
	case strings.HasSuffix(path, ".tar.gz"):
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, entry{h.Name, os.FileMode(h.Mode).Perm(), h.ModTime.UTC(), data})
		}
	default:
		t.Fatalf("%s: not a .zip or .tar.gz", path)
	}
	return out
}

// TestReproducible runs a second snapshot of the same commit in a fresh
// clone at another path, this time with GoReleaser compiled from
// tools/go.mod instead of taken from PATH, and compares every output byte
// for byte.
func TestReproducible(t *testing.T) {
	s1 := first(t)
	s2, err := runSnapshot(t, "run2", s1.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("second snapshot took %s", s2.took.Round(time.Millisecond))
	if s1.commit != s2.commit {
		t.Fatalf("copies committed as %s and %s", s1.commit, s2.commit)
	}
	if s1.version != s2.version {
		t.Fatalf("versions %s and %s", s1.version, s2.version)
	}
	version := s1.version
	var rels []string
	for _, a := range s1.binaries() {
		rels = append(rels, a.Path)
	}
	for _, n := range append(wantChecksummed(version), "checksums.txt") {
		rels = append(rels, "dist/"+n)
	}
	for _, arch := range windowsArches {
		rels = append(rels, "dist/svcship/windows_"+arch+"/svcship-installer.exe")
	}
	for _, n := range wantSignatures(version) {
		rels = append(rels, "dist/svcship/signatures/"+n)
	}
	for _, rel := range rels {
		b1, err := os.ReadFile(filepath.Join(s1.dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Errorf("first run: %v", err)
			continue
		}
		b2, err := os.ReadFile(filepath.Join(s2.dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Errorf("second run: %v", err)
			continue
		}
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s differs between runs", rel)
		}
	}
	// 7 binaries, 7 archives, 7 SBOMs, 3 MSIs, checksums, 3 installers,
	// 11 signatures.
	if len(rels) != 39 {
		t.Errorf("compared %d files, want 39", len(rels))
	}
	// artifacts.json lists the same artifacts; GoReleaser writes them in
	// the order its parallel jobs finished, so the order is not compared.
	list := func(s *snapshot) []string {
		var out []string
		for _, a := range s.artifacts {
			out = append(out, a.Type+" "+a.Name+" "+a.Path+" "+a.Target)
		}
		slices.Sort(out)
		return out
	}
	if l1, l2 := list(s1), list(s2); !slices.Equal(l1, l2) {
		t.Errorf("artifacts.json lists differ:\n  %v\n  %v", l1, l2)
	}
}

// TestMSIs checks each MSI with msitools, readers nobody here wrote.
func TestMSIs(t *testing.T) {
	s := first(t)
	checkMSIVersions(t, s, snapshotVersion(stampShared, s.commit), stampShared)
}

// checkMSIVersions reads the Property table and summary of each MSI of a
// run of version with msiinfo.
func checkMSIVersions(t *testing.T, s *snapshot, version string, st stamp) {
	t.Helper()
	msiinfo := testtool.Path(t, "msiinfo")
	template := map[string]string{"386": "Intel;1033", "amd64": "x64;1033", "arm64": "Arm64;1033"}
	for _, arch := range windowsArches {
		p := s.dist("hellosvc_" + version + "_windows_" + arch + ".msi")
		out, err := exec.Command(msiinfo, "export", p, "Property").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: msiinfo export: %v\n%s", arch, err, out)
		}
		props := map[string]string{}
		for _, line := range strings.Split(string(out), "\n") {
			if k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t"); ok {
				props[k] = v
			}
		}
		for k, v := range map[string]string{
			"ProductVersion": st.msiVersion,
			"Manufacturer":   "svcship project",
			"ProductName":    "Hello Service",
			"UpgradeCode":    "{6B0F4C3E-2D8A-4E59-9A71-3C5D8E2F1B64}",
		} {
			if props[k] != v {
				t.Errorf("%s: Property %s = %q, want %q", arch, k, props[k], v)
			}
		}
		out, err = exec.Command(msiinfo, "suminfo", p).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: msiinfo suminfo: %v\n%s", arch, err, out)
		}
		if got := fields(string(out))["Template"]; got != template[arch] {
			t.Errorf("%s: Template %q, want %q", arch, got, template[arch])
		}
	}
}
