package e2e

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/winetest"
	"github.com/svcship/svcship/release"
	"github.com/svcship/svcship/version"
)

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

var wantTargets = []string{
	"darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64",
	"windows_386", "windows_amd64", "windows_arm64",
}

func appBinaries(s *snapshot) release.Artifacts {
	return s.artifacts.ByType(release.TypeBinary).Filter(func(a release.Artifact) bool {
		return a.ExtraString(release.ExtraBinary) == "hellosvc"
	})
}

func loadConfig(t *testing.T, s *snapshot) *config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join(s.dir, "svcship.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSnapshotArtifacts(t *testing.T) {
	s := first(t)
	t.Logf("snapshot %s took %s", s.version, s.took.Round(time.Millisecond))
	var got []string
	for _, a := range appBinaries(s) {
		got = append(got, a.Platform())
		if _, err := os.Stat(s.path(a)); err != nil {
			t.Errorf("listed binary missing: %v", err)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, wantTargets) {
		t.Fatalf("hellosvc binaries for %v, want %v", got, wantTargets)
	}
	counts := map[release.ArtifactType]int{}
	for _, a := range s.artifacts {
		counts[a.Type]++
	}
	// 7 app binaries + 3 installers; 3 zips + 4 tarballs; 3 MSIs; one
	// checksums.txt.
	want := map[release.ArtifactType]int{release.TypeBinary: 10, release.TypeArchive: 7, release.TypeMSI: 3, release.TypeChecksum: 1}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%d %s artifacts, want %d", counts[typ], typ, n)
		}
	}
	if !strings.HasSuffix(s.version, "-SNAPSHOT-"+s.commit[:7]) {
		t.Errorf("version %q does not end in -SNAPSHOT-<short commit %s>", s.version, s.commit[:7])
	}
	// The generated .syso files are gone and the tree is clean.
	out, err := exec.Command("git", "-C", s.dir, "status", "--porcelain", "--ignored").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), ".syso") {
		t.Errorf("generated resources left behind:\n%s", out)
	}
}

// TestWindowsVersionInfo reads every Windows exe with exiftool.
func TestWindowsVersionInfo(t *testing.T) {
	s := first(t)
	testtool.Path(t, "exiftool")
	cfg := loadConfig(t, s)
	v, err := version.Parse(s.version)
	if err != nil {
		t.Fatal(err)
	}
	nums, _ := v.Windows()
	numeric := fmt.Sprintf("%d.%d.%d.%d", nums[0], nums[1], nums[2], nums[3])
	exes := s.artifacts.ByType(release.TypeBinary).Filter(func(a release.Artifact) bool { return a.Goos == "windows" })
	if len(exes) != 6 {
		t.Fatalf("%d windows exes, want 6 (3 app, 3 installer)", len(exes))
	}
	for _, a := range exes {
		t.Run(a.ExtraString(release.ExtraBinary)+"_"+a.Goarch, func(t *testing.T) {
			out, err := exec.Command("exiftool", "-s", "-ProductVersion", "-FileVersion", "-FileVersionNumber",
				"-ProductVersionNumber", "-CompanyName", "-ProductName", "-OriginalFileName", s.path(a)).CombinedOutput()
			if err != nil {
				t.Fatalf("exiftool: %v\n%s", err, out)
			}
			got := fields(string(out))
			want := map[string]string{
				"ProductVersion":       s.version,
				"FileVersion":          s.version,
				"FileVersionNumber":    numeric,
				"ProductVersionNumber": numeric,
				"CompanyName":          cfg.Product.Company,
				"ProductName":          cfg.Product.DisplayName,
				"OriginalFileName":     a.Name,
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			verbose, err := exec.Command("exiftool", "-v2", s.path(a)).CombinedOutput()
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range []string{"Group Icon resource:", "Icon resource:", "Manifest resource:"} {
				if !strings.Contains(string(verbose), res) {
					t.Errorf("exiftool finds no %q", res)
				}
			}
		})
	}
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

func wantStamp(t *testing.T, s *snapshot, out string) {
	t.Helper()
	for _, want := range []string{"hellosvc " + s.version, "commit: " + s.commit, "built: " + commitDate} {
		if !strings.Contains(out, want) {
			t.Errorf("--version output lacks %q:\n%s", want, out)
		}
	}
}

// TestHostVersionStamp runs the binary built for this machine (linux/amd64
// in the Linux job, windows/amd64 in the Windows one) and reads its stamp.
func TestHostVersionStamp(t *testing.T) {
	s := first(t)
	host := runtime.GOOS + "_" + runtime.GOARCH
	bins := appBinaries(s).Filter(func(a release.Artifact) bool { return a.Platform() == host })
	if len(bins) != 1 {
		t.Fatalf("%d %s binaries", len(bins), host)
	}
	out, err := exec.Command(s.path(bins[0]), "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	wantStamp(t, s, string(out))
}

func TestWindowsVersionStampUnderWine(t *testing.T) {
	s := first(t)
	bins := appBinaries(s).Filter(func(a release.Artifact) bool { return a.Platform() == "windows_amd64" })
	if len(bins) != 1 {
		t.Fatalf("%d windows_amd64 binaries", len(bins))
	}
	p := winetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := p.Run(ctx, s.path(bins[0]), "--version")
	if err != nil {
		t.Fatalf("wine hellosvc.exe --version: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	wantStamp(t, s, res.Stdout)
}

// TestSignedExecutables verifies the Authenticode signatures the shared
// snapshot made with the test's self-signed certificate.
func TestSignedExecutables(t *testing.T) {
	s := first(t)
	testtool.Path(t, "osslsigncode")
	testtool.Path(t, "openssl")
	if shared.cert == "" {
		t.Fatal("no test certificate (openssl missing?)")
	}
	signed := s.artifacts.ByType(release.TypeBinary, release.TypeMSI).Filter(func(a release.Artifact) bool { return a.Goos == "windows" })
	if len(signed) != 9 {
		t.Errorf("%d windows exes and MSIs, want 9", len(signed))
	}
	for _, a := range signed {
		out, err := exec.Command("osslsigncode", "verify", "-CAfile", shared.cert, "-in", s.path(a)).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Signature verification: ok") {
			t.Errorf("%s: %v\n%s", a.Path, err, out)
		}
		if signed, _ := a.Extra[release.ExtraSigned].(bool); !signed {
			t.Errorf("%s not recorded as signed in artifacts.json", a.Path)
		}
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "snapshot.log"))
	if bytes.Contains(log, []byte(signPassword)) {
		t.Error("the signing password is in the pipeline output")
	}
}

func TestArchivesAndChecksums(t *testing.T) {
	s := first(t)
	cfgData, _ := os.ReadFile(filepath.Join(s.dir, "svcship.yaml"))
	commitTime, _ := time.Parse(time.RFC3339, commitDate)
	for _, a := range s.artifacts.ByType(release.TypeArchive) {
		t.Run(a.Name, func(t *testing.T) {
			entries := readArchive(t, s.path(a), a.ExtraString(release.ExtraFormat))
			var names []string
			for _, e := range entries {
				names = append(names, e.name)
				if !e.mtime.Equal(commitTime) {
					t.Errorf("%s mtime %s, want the commit time %s", e.name, e.mtime, commitTime)
				}
				wantMode := os.FileMode(0o644)
				if strings.HasPrefix(e.name, "hellosvc") || strings.HasPrefix(e.name, "svcship-installer") {
					wantMode = 0o755
				}
				if e.mode != wantMode {
					t.Errorf("%s mode %v, want %v", e.name, e.mode, wantMode)
				}
			}
			if !slices.IsSorted(names) {
				t.Errorf("entries not sorted: %v", names)
			}
			var want []string
			if a.Goos == "windows" {
				want = []string{"hellosvc.exe", "scripts/install.ps1", "scripts/uninstall.ps1", "svcship-installer.exe", "svcship.yaml"}
			} else {
				want = []string{"hellosvc"}
			}
			for _, doc := range []string{"README.md", "LICENSE"} {
				if _, err := os.Stat(filepath.Join(s.dir, doc)); err == nil {
					want = append(want, doc)
				}
			}
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Fatalf("entries %v, want %v", names, want)
			}
			for _, e := range entries {
				if e.name == "svcship.yaml" && !bytes.Equal(e.data, cfgData) {
					t.Error("zipped svcship.yaml differs from the project's")
				}
				if bin := strings.TrimSuffix(e.name, ".exe"); bin == "hellosvc" {
					src := appBinaries(s).Filter(func(b release.Artifact) bool { return b.Target == a.Target })
					data, _ := os.ReadFile(s.path(src[0]))
					if !bytes.Equal(e.data, data) {
						t.Error("archived binary differs from dist's")
					}
				}
			}
		})
	}
	testtool.Path(t, "sha256sum")
	cmd := exec.Command("sha256sum", "-c", release.ChecksumsFile)
	cmd.Dir = filepath.Join(s.dir, "dist")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), ": OK"); n != 10 {
		t.Fatalf("sha256sum checked %d files, want 10 (7 archives, 3 MSIs):\n%s", n, out)
	}
}

type entry struct {
	name  string
	mode  os.FileMode
	mtime time.Time
	data  []byte
}

func readArchive(t *testing.T, path, format string) []entry {
	t.Helper()
	var out []entry
	switch format {
	case "zip":
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
	case "tar.gz":
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
		t.Fatalf("format %q", format)
	}
	return out
}

// TestReproducible runs a second snapshot of the same commit in a fresh
// clone at another path and compares every output byte for byte.
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
	compared := 0
	for _, a := range s1.artifacts.ByType(release.TypeBinary, release.TypeArchive, release.TypeMSI, release.TypeChecksum) {
		b1, err := os.ReadFile(s1.path(a))
		if err != nil {
			t.Fatal(err)
		}
		b2, err := os.ReadFile(filepath.Join(s2.dir, filepath.FromSlash(a.Path)))
		if err != nil {
			t.Errorf("second run lacks %s", a.Path)
			continue
		}
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s differs between runs", a.Path)
		}
		compared++
	}
	j1, _ := os.ReadFile(filepath.Join(s1.dir, "dist", "artifacts.json"))
	j2, _ := os.ReadFile(filepath.Join(s2.dir, "dist", "artifacts.json"))
	if !bytes.Equal(j1, j2) {
		t.Error("artifacts.json differs between runs")
	}
	if compared != 21 {
		t.Errorf("compared %d files, want 21 (10 binaries, 7 archives, 3 MSIs, checksums)", compared)
	}
}

// TestMSIs checks each MSI with msitools, readers nobody here wrote.
func TestMSIs(t *testing.T) {
	s := first(t)
	testtool.Path(t, "msiinfo")
	cfg := loadConfig(t, s)
	msis := s.artifacts.ByType(release.TypeMSI)
	if len(msis) != 3 {
		t.Fatalf("%d MSIs, want 3", len(msis))
	}
	for _, a := range msis {
		out, err := exec.Command("msiinfo", "export", s.path(a), "Property").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: msiinfo: %v\n%s", a.Name, err, out)
		}
		props := string(out)
		v, _ := version.Parse(s.version)
		msiVer, _ := v.MSI()
		for _, want := range []string{"ProductVersion\t" + msiVer, "Manufacturer\t" + cfg.Product.Company} {
			if !strings.Contains(props, want) {
				t.Errorf("%s: Property table lacks %q", a.Name, want)
			}
		}
		if !strings.Contains(strings.ToUpper(props), strings.Trim(strings.ToUpper(cfg.Packaging.UpgradeCode), "{}")) {
			t.Errorf("%s: UpgradeCode %s not in the Property table", a.Name, cfg.Packaging.UpgradeCode)
		}
	}
}
