package msipkg

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// idtRows parses an msidump .idt file into rows (after the 3 header lines).
func idtRows(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	var rows [][]string
	for _, l := range lines[3:] {
		if l != "" {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows
}

func TestMsitools(t *testing.T) {
	testtool.Require(t, "msiinfo", "msidump", "msiextract")
	for _, mode := range []string{"native", "hosted"} {
		t.Run(mode, func(t *testing.T) {
			yaml := testYAML
			if mode == "hosted" {
				yaml = strings.Replace(yaml, "  dependencies: [Tcpip]\n", "  dependencies: [Tcpip]\n  mode: hosted\n", 1)
			}
			f := newFixture(t, yaml, "amd64")
			dir := t.TempDir()
			path := filepath.Join(dir, "hello.msi")
			if err := os.WriteFile(path, f.build(t), 0o644); err != nil {
				t.Fatal(err)
			}
			tables := run(t, dir, "msiinfo", "tables", path)
			for _, want := range []string{"File", "Component", "ServiceInstall", "ServiceControl", "Upgrade", "CustomAction", "InstallExecuteSequence", "Registry", "Media", "_Validation"} {
				if !strings.Contains("\n"+tables, "\n"+want+"\n") {
					t.Errorf("msiinfo tables lacks %s:\n%s", want, tables)
				}
			}
			sum := run(t, dir, "msiinfo", "suminfo", path)
			for _, want := range []string{"Template: x64;1033", "Subject: Hello Service", "Author: Example Corp", "Version: 500", "Source: 2", "Created: Wed Nov 25 10:30:00 2026"} {
				if !strings.Contains(sum, want) {
					t.Errorf("msiinfo suminfo lacks %q:\n%s", want, sum)
				}
			}

			dump := filepath.Join(dir, "dump")
			if err := os.Mkdir(dump, 0o755); err != nil {
				t.Fatal(err)
			}
			run(t, dir, "msidump", "-d", dump, path)
			svcComp, args := "App", "--listen 127.0.0.1:18123 --name hellosvc"
			if mode == "hosted" {
				svcComp, args = "Installer", `host --config "[INSTALLDIR]svcship.yaml"`
			}
			si := idtRows(t, filepath.Join(dump, "ServiceInstall.idt"))
			if len(si) != 1 || si[0][1] != "hellosvc" || si[0][3] != "16" || si[0][4] != "2" || si[0][5] != "32769" || si[0][7] != "Tcpip[~][~]" || si[0][10] != args || si[0][11] != svcComp {
				t.Errorf("ServiceInstall.idt rows %q", si)
			}
			sc := idtRows(t, filepath.Join(dump, "ServiceControl.idt"))
			if len(sc) != 1 || sc[0][1] != "hellosvc" || sc[0][2] != "163" || sc[0][4] != "1" || sc[0][5] != svcComp {
				t.Errorf("ServiceControl.idt rows %q", sc)
			}
			up := idtRows(t, filepath.Join(dump, "Upgrade.idt"))
			wantUp := map[string]bool{
				"{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}||1.2.3||513||SVCSHIP_UPGRADE_FOUND": true,
				"{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}|1.2.3|||2||SVCSHIP_NEWER_FOUND":     true,
			}
			for _, r := range up {
				if !wantUp[strings.Join(r, "|")] {
					t.Errorf("unexpected Upgrade row %q", r)
				}
				delete(wantUp, strings.Join(r, "|"))
			}
			if len(wantUp) != 0 {
				t.Errorf("Upgrade rows missing: %v", wantUp)
			}

			out := filepath.Join(dir, "x")
			run(t, dir, "msiextract", "-C", out, path)
			for name, want := range map[string][]byte{"hellosvc.exe": f.app, "svcship-installer.exe": f.inst, "svcship.yaml": f.yaml, "README.txt": f.read} {
				got, err := os.ReadFile(filepath.Join(out, "Hello Service", name))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("msiextract %s: %d bytes, %v; want %d bytes equal to the input", name, len(got), err, len(want))
				}
			}
		})
	}
}

func TestOsslsigncode(t *testing.T) {
	testtool.Require(t, "osslsigncode", "openssl")
	f := newFixture(t, testYAML, "amd64")
	dir := t.TempDir()
	unsigned := filepath.Join(dir, "hello.msi")
	if err := os.WriteFile(unsigned, f.build(t), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
		"-subj", "/CN=svcship test signer", "-keyout", "key.pem", "-out", "cert.pem")
	for _, dse := range []bool{false, true} {
		signed := filepath.Join(dir, "signed.msi")
		args := []string{"sign", "-certs", "cert.pem", "-key", "key.pem", "-n", "Hello Service", "-in", unsigned, "-out", signed}
		if dse {
			args = append(args[:1], append([]string{"-add-msi-dse"}, args[1:]...)...)
		}
		os.Remove(signed)
		run(t, dir, "osslsigncode", args...)
		out := run(t, dir, "osslsigncode", "verify", "-CAfile", "cert.pem", "-in", signed)
		if !strings.Contains(out, "Signature verification: ok") {
			t.Errorf("verify (dse=%v):\n%s", dse, out)
		}
		// The signed package is still a readable MSI with the same payload.
		b, err := os.ReadFile(signed)
		if err != nil {
			t.Fatal(err)
		}
		readBack(t, b, f)
	}
}
