package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

// TestSignedSnapshotVerifiesAgainstUnsignedBuild is what someone checking
// a signed release does: build the same commit unsigned in another
// folder, then `svcship verify` each published file against the local
// build and the release's detached signature. A one-byte change in the
// local build must make it fail.
func TestSignedSnapshotVerifiesAgainstUnsignedBuild(t *testing.T) {
	s := first(t)
	testtool.Require(t, "osslsigncode")
	cert, _ := signingCert(t)
	u, err := runSnapshot(t, "unsigned", s.dir, pathWith(goreleaserDir(t)), "SVCSHIP_SIGN_PFX=", "SVCSHIP_SIGN_PASSWORD=")
	if err != nil {
		t.Fatal(err)
	}
	if u.version != s.version {
		t.Fatalf("unsigned build is %s, signed %s: not the same commit", u.version, s.version)
	}
	if _, err := os.Stat(u.dist("svcship", "signatures")); err == nil {
		t.Fatal("the unsigned build wrote signatures: it was signed")
	}
	// Each detached signature and the file it belongs to, by the names
	// the build hooks give them (written out, not derived).
	v := s.version
	cases := map[string]string{
		"hellosvc_" + v + "_windows_amd64.exe.p7s":          "hellosvc_windows_amd64_v1/hellosvc.exe",
		"hellosvc_" + v + "_windows_arm64.exe.p7s":          "hellosvc_windows_arm64_v8.0/hellosvc.exe",
		"hellosvc_" + v + "_windows_386.exe.p7s":            "hellosvc_windows_386_sse2/hellosvc.exe",
		"svcship-installer_" + v + "_windows_amd64.exe.p7s": "svcship/windows_amd64/svcship-installer.exe",
		"svcship-installer_" + v + "_windows_arm64.exe.p7s": "svcship/windows_arm64/svcship-installer.exe",
		"svcship-installer_" + v + "_windows_386.exe.p7s":   "svcship/windows_386/svcship-installer.exe",
		"hellosvc_" + v + "_windows_amd64.msi.p7s":          "hellosvc_" + v + "_windows_amd64.msi",
		"hellosvc_" + v + "_windows_arm64.msi.p7s":          "hellosvc_" + v + "_windows_arm64.msi",
		"hellosvc_" + v + "_windows_386.msi.p7s":            "hellosvc_" + v + "_windows_386.msi",
		"install.ps1.p7s":                                   "svcship/windows_amd64/scripts/install.ps1",
		"uninstall.ps1.p7s":                                 "svcship/windows_amd64/scripts/uninstall.ps1",
	}
	sigs, err := filepath.Glob(s.dist("svcship", "signatures", "*.p7s"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != len(cases) {
		t.Errorf("%d detached signatures, want %d: %q", len(sigs), len(cases), sigs)
	}
	svcship := filepath.Join(sharedDir(t), "bin", "svcship")
	if out, err := exec.Command("go", "build", "-o", svcship, "../../cmd/svcship").CombinedOutput(); err != nil {
		t.Fatalf("build svcship: %v\n%s", err, out)
	}
	verify := func(sig, unsigned, signed string) (string, error) {
		out, err := exec.Command(svcship, "verify", "--signature", sig, "--unsigned", unsigned, "--signed", signed, "--ca", cert).CombinedOutput()
		return string(out), err
	}
	// An MSI carries the signed exes, so its unsigned local build is made
	// from the exes just verified (svcship msi, the same builder the
	// pipeline runs), not from the unsigned ones.
	levels := map[string]string{"amd64": "v1", "arm64": "v8.0", "386": "sse2"}
	localMSI := func(t *testing.T, arch string) string {
		out := filepath.Join(t.TempDir(), "local.msi")
		cmd := exec.Command(svcship, "msi", "--config", filepath.Join(s.dir, "svcship.yaml"), "--arch", arch, "--version", v,
			"--binary", s.dist("hellosvc_windows_"+arch+"_"+levels[arch], "hellosvc.exe"),
			"--installer", s.dist("svcship", "windows_"+arch, "svcship-installer.exe"), "--output", out)
		cmd.Dir = s.dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("svcship msi: %v\n%s", err, b)
		}
		return out
	}
	for sig, rel := range cases {
		t.Run(sig, func(t *testing.T) {
			p7s := s.dist("svcship", "signatures", sig)
			unsigned := u.dist(filepath.FromSlash(rel))
			if strings.HasSuffix(rel, ".msi") {
				arch := strings.TrimSuffix(rel[strings.LastIndex(rel, "_")+1:], ".msi")
				unsigned = localMSI(t, arch)
			}
			if out, err := verify(p7s, unsigned, s.dist(filepath.FromSlash(rel))); err != nil {
				t.Fatalf("svcship verify: %v\n%s", err, out)
			}
		})
	}

	// One byte changed in the local build: verify must refuse it.
	rel := "hellosvc_windows_amd64_v1/hellosvc.exe"
	data, err := os.ReadFile(u.dist(filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	changed := filepath.Join(t.TempDir(), "hellosvc.exe")
	if err := os.WriteFile(changed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := verify(s.dist("svcship", "signatures", "hellosvc_"+v+"_windows_amd64.exe.p7s"), changed, s.dist(filepath.FromSlash(rel)))
	if err == nil {
		t.Fatalf("svcship verify accepted a local build with one byte changed:\n%s", out)
	}
	if !strings.Contains(out, "verify") {
		t.Errorf("the failure does not say what did not hold:\n%s", out)
	}
}
