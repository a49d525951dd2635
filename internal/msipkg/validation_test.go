package msipkg

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/resources"
	"github.com/svcship/svcship/internal/testtool"
	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/msi"
)

// variants are every kind of MSI the pipeline writes.
func variants() map[string]string {
	return map[string]string{
		"native":            testYAML,
		"hosted":            strings.Replace(testYAML, "  dependencies: [Tcpip]\n", "  dependencies: [Tcpip]\n  mode: hosted\n", 1),
		"autostart run-key": autostartYAML("run-key", "machine"),
		"autostart task":    autostartYAML("task", "machine"),
	}
}

// TestEveryPackageValidates: for every arch and kind, the built-in ICE
// validation reports no error, and the only warning is the documented
// same-version upgrade (ICE61), which packaging.same_version_upgrade: false
// removes and packaging.suppress_ice silences. The read-back file is
// validated again, independently of the Writer.
func TestEveryPackageValidates(t *testing.T) {
	for _, arch := range []string{"amd64", "386", "arm64"} {
		for name, yaml := range variants() {
			t.Run(arch+" "+name, func(t *testing.T) {
				for _, extra := range []struct {
					yaml     string
					warnings []string
				}{
					{"", []string{"ICE61 Upgrade VersionMax"}},
					{"  same_version_upgrade: false\n", nil},
					{"  suppress_ice: [ICE61]\n", nil},
				} {
					f := newFixture(t, strings.Replace(yaml, "packaging:\n", "packaging:\n"+extra.yaml, 1), arch)
					var got []string
					f.spec.OnWarning = func(w msi.Finding) { got = append(got, w.Rule+" "+w.Table+" "+w.Column) }
					data := f.build(t)
					if !slices.Equal(got, extra.warnings) {
						t.Errorf("packaging %q: warnings %q, want %q", extra.yaml, got, extra.warnings)
					}
					r := readMSI(t, data)
					all, err := msi.Validate(r, msi.ValidationOptions{})
					if err != nil {
						t.Fatal(err)
					}
					for _, x := range all {
						if x.Severity == msi.SeverityError {
							t.Errorf("read-back validation error: %s", x)
						}
					}
				}
			})
		}
	}
}

// TestValidationErrorFailsBuild: a package that breaks a rule is not
// written, and the error names the rule, the table and the row.
func TestValidationErrorFailsBuild(t *testing.T) {
	// A service name that is one of Windows Installer's properties is fine,
	// but a product version past 255 breaks ICE24; version.MSI refuses it
	// before, so break the package through the plan instead.
	f := newFixture(t, testYAML, "amd64")
	p, err := plan(f.spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.tables["Component"] {
		if r["Component"] == "Config" {
			r["KeyPath"] = "AppExe" // a key path in another component: ICE02
		}
	}
	var buf bytes.Buffer
	err = p.write(&buf)
	if err == nil || !strings.Contains(err.Error(), "ICE02 error: table Component, row Config, column KeyPath") {
		t.Fatalf("write = %v, want an ICE02 error naming Component/Config", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written despite the error", buf.Len())
	}
}

// componentGUIDs builds the yaml with a change and returns component ->
// ComponentId.
func componentGUIDs(t *testing.T, yaml, arch, ver string, app []byte) map[string]string {
	t.Helper()
	f := newFixture(t, yaml, arch)
	if app != nil {
		if err := os.WriteFile(f.spec.AppBinary, app, 0o644); err != nil {
			t.Fatal(err)
		}
		f.app = app
	}
	if ver != "" {
		v, err := version.Parse(ver)
		if err != nil {
			t.Fatal(err)
		}
		f.spec.Version = v
	}
	out := map[string]string{}
	for k, r := range rowsByKey(t, readMSI(t, f.build(t)), "Component") {
		out[k] = r[1].(string)
	}
	return out
}

// TestComponentGUIDRules: a component's GUID changes exactly when what it
// holds (file names, folder, registry keys, service) or its bitness
// changes, never for content, versions or descriptions.
func TestComponentGUIDRules(t *testing.T) {
	base := componentGUIDs(t, testYAML, "amd64", "", nil)
	if len(base) != 4 {
		t.Fatalf("components %v, want App, Installer, Config, Extra1", base)
	}
	all := []string{"App", "Config", "Extra1", "Installer"}
	tests := []struct {
		name    string
		yaml    string
		arch    string
		ver     string
		app     []byte
		changed []string
	}{
		{"new version", testYAML, "amd64", "1.3.0", nil, nil},
		{"new build of the program", testYAML, "amd64", "", fakePE(0x8664, []byte("a different program")), nil},
		{"service description", strings.Replace(testYAML, "  name: hellosvc\n  arguments", "  name: hellosvc\n  description: Something else\n  arguments", 1), "amd64", "", nil, nil},
		{"service display name", strings.Replace(testYAML, "  name: hellosvc\n  arguments", "  name: hellosvc\n  display_name: Another Name\n  arguments", 1), "amd64", "", nil, nil},
		{"service arguments", strings.Replace(testYAML, `"--name", "hellosvc"`, `"--name", "other"`, 1), "amd64", "", nil, nil},
		{"hosted mode moves the service", variants()["hosted"], "amd64", "", nil, []string{"App", "Installer"}},
		{"service renamed", strings.Replace(testYAML, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc2\n", 1), "amd64", "", nil, []string{"App"}},
		{"install_dir moves everything", strings.Replace(testYAML, "packaging:\n", "packaging:\n  install_dir: Other Folder\n", 1), "amd64", "", nil, all},
		{"extra file renamed", strings.Replace(testYAML, "extra_files: [README.txt]", "extra_files: [app.ico]", 1), "amd64", "", nil, []string{"Extra1"}},
		{"32-bit package", testYAML, "386", "", fakePE(0x14c, []byte("x86 program")), all},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := componentGUIDs(t, tc.yaml, tc.arch, tc.ver, tc.app)
			var changed []string
			for _, c := range all {
				if got[c] == "" {
					t.Fatalf("component %s missing: %v", c, got)
				}
				if got[c] != base[c] {
					changed = append(changed, c)
				}
			}
			if !slices.Equal(changed, tc.changed) {
				t.Errorf("changed GUIDs %v, want %v", changed, tc.changed)
			}
		})
	}
}

// TestInstallDirLocked: the exact MsiLockPermissionsEx and CreateFolder rows
// (and the package validates, so ICE03 accepted the SDDL).
func TestInstallDirLocked(t *testing.T) {
	r := readMSI(t, newFixture(t, testYAML, "amd64").build(t))
	lock := rowsByKey(t, r, "MsiLockPermissionsEx")
	want := []any{"LockInstallDir", "INSTALLDIR", "CreateFolder", "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FRFX;;;BU)", nil}
	if got := lock["LockInstallDir"]; len(lock) != 1 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("MsiLockPermissionsEx rows %v, want %v", lock, want)
	}
	cf, err := r.Rows("CreateFolder")
	if err != nil || len(cf) != 1 || cf[0][0] != "INSTALLDIR" || cf[0][1] != "Installer" {
		t.Errorf("CreateFolder rows %v (%v), want [INSTALLDIR Installer]", cf, err)
	}
	if rows, _ := r.Rows("LockPermissions"); len(rows) != 0 {
		t.Errorf("LockPermissions rows %v: a package must not have both lock tables", rows)
	}
}

// TestFormattedEscapes: text from svcship.yaml in Formatted columns has
// [ ] { } escaped, so Windows Installer shows it literally.
func TestFormattedEscapes(t *testing.T) {
	yaml := strings.Replace(testYAML, "  name: hellosvc\n  arguments", "  name: hellosvc\n  description: Serves [brackets] and {braces}\n  display_name: Hello [svc]\n  arguments", 1)
	r := readMSI(t, newFixture(t, yaml, "amd64").build(t))
	si := rowsByKey(t, r, "ServiceInstall")["Service"]
	if si[12] != `Serves [\[]brackets[\]] and [\{]braces[\}]` {
		t.Errorf("ServiceInstall.Description %q", si[12])
	}
	if si[2] != `Hello [\[]svc[\]]` {
		t.Errorf("ServiceInstall.DisplayName %q", si[2])
	}
}

// TestServiceAccounts: virtual and managed accounts get a NULL password; a
// user account takes the hidden, secure SERVICE_PASSWORD in ServiceInstall
// alone; LocalSystem only when written.
func TestServiceAccounts(t *testing.T) {
	tests := []struct {
		account, startName, password string
	}{
		{"", `NT SERVICE\hellosvc`, ""}, // the default
		{"virtual", `NT SERVICE\hellosvc`, ""},
		{"LocalSystem", "", ""},
		{"LocalService", `NT AUTHORITY\LocalService`, ""},
		{"NetworkService", `NT AUTHORITY\NetworkService`, ""},
		{`EXAMPLE\svc-gmsa$`, `EXAMPLE\svc-gmsa$`, ""},
		{`.\svcuser`, `.\svcuser`, "[SERVICE_PASSWORD]"},
	}
	for _, tc := range tests {
		t.Run(tc.account, func(t *testing.T) {
			yaml := testYAML
			if tc.account != "" {
				yaml = strings.Replace(yaml, "  dependencies: [Tcpip]\n", "  dependencies: [Tcpip]\n  account: '"+tc.account+"'\n", 1)
			}
			r := readMSI(t, newFixture(t, yaml, "amd64").build(t))
			si := rowsByKey(t, r, "ServiceInstall")["Service"]
			if fmt.Sprint(si[8]) != fmt.Sprint(orNil(tc.startName)) || fmt.Sprint(si[9]) != fmt.Sprint(orNil(tc.password)) {
				t.Errorf("StartName %v Password %v, want %q %q", si[8], si[9], tc.startName, tc.password)
			}
			props := rowsByKey(t, r, "Property")
			if props["MsiHiddenProperties"][1] != "SERVICE_PASSWORD" {
				t.Errorf("MsiHiddenProperties %v", props["MsiHiddenProperties"])
			}
			if props["SecureCustomProperties"][1] != "INSTALLDIR;SVCSHIP_NEWER_FOUND;SVCSHIP_PURGE;SERVICE_ARGUMENTS;SERVICE_ACCOUNT;SERVICE_PASSWORD;SERVICE_START;SVCSHIP_UPGRADE_FOUND" {
				t.Errorf("SecureCustomProperties %v", props["SecureCustomProperties"])
			}
			for _, ca := range rowsByKey(t, r, "CustomAction") {
				if s, _ := ca[3].(string); strings.Contains(s, "PASSWORD") {
					t.Errorf("custom action %v sees the password", ca)
				}
			}
		})
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestStartOnInstall: StartServices follows the configured start type
// unless SERVICE_START overrides it.
func TestStartOnInstall(t *testing.T) {
	for start, cond := range map[string]string{
		"auto":         `VersionNT AND NOT (SERVICE_START~="manual" OR SERVICE_START~="disabled")`,
		"delayed-auto": `VersionNT AND NOT (SERVICE_START~="manual" OR SERVICE_START~="disabled")`,
		"manual":       `VersionNT AND (SERVICE_START~="auto" OR SERVICE_START~="delayed-auto")`,
		"disabled":     `VersionNT AND (SERVICE_START~="auto" OR SERVICE_START~="delayed-auto")`,
	} {
		yaml := strings.Replace(testYAML, "  dependencies: [Tcpip]\n", "  dependencies: [Tcpip]\n  start: "+start+"\n", 1)
		r := readMSI(t, newFixture(t, yaml, "amd64").build(t))
		if got := rowsByKey(t, r, "InstallExecuteSequence")["StartServices"][1]; got != cond {
			t.Errorf("start %s: StartServices condition %v, want %s", start, got, cond)
		}
		if sc := rowsByKey(t, r, "ServiceControl")["Service"]; asInt(sc[2]) != 0xA3 {
			t.Errorf("start %s: ServiceControl events %v, want 0xA3", start, sc[2])
		}
	}
}

// TestSameVersionUpgradeOff: the same version is then refused like a
// newer one instead of being replaced.
func TestSameVersionUpgradeOff(t *testing.T) {
	yaml := strings.Replace(testYAML, "packaging:\n", "packaging:\n  same_version_upgrade: false\n", 1)
	r := readMSI(t, newFixture(t, yaml, "amd64").build(t))
	rows, err := r.Rows("Upgrade")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(rows)
	const uc = "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}"
	for _, want := range []string{"[" + uc + " 1.2.3 <nil> <nil> 258 <nil> SVCSHIP_NEWER_FOUND]", "[" + uc + " <nil> 1.2.3 <nil> 1 <nil> SVCSHIP_UPGRADE_FOUND]"} {
		if !strings.Contains(got, want) {
			t.Errorf("Upgrade rows %s lack %s", got, want)
		}
	}
	lc := rowsByKey(t, r, "LaunchCondition")["Installed OR NOT SVCSHIP_NEWER_FOUND"]
	if lc == nil || lc[1] != "This version or a newer version of Hello Service is already installed." {
		t.Errorf("LaunchCondition %v", lc)
	}
}

// TestAdminAndAdvertiseSequences: msiexec /a and advertisement have their
// sequences.
func TestAdminAndAdvertiseSequences(t *testing.T) {
	r := readMSI(t, newFixture(t, testYAML, "amd64").build(t))
	for table, want := range map[string]string{
		"AdminUISequence":      "CostInitialize 800,FileCost 900,CostFinalize 1000,ExecuteAction 1300",
		"AdminExecuteSequence": "CostInitialize 800,FileCost 900,CostFinalize 1000,InstallValidate 1400,InstallInitialize 1500,InstallAdminPackage 3900,InstallFiles 4000,InstallFinalize 6600",
		"AdvtExecuteSequence":  "CostInitialize 800,CostFinalize 1000,InstallValidate 1400,InstallInitialize 1500,PublishFeatures 6300,PublishProduct 6400,InstallFinalize 6600",
	} {
		rows, err := r.Rows(table)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(rows, func(a, b []any) int { return asInt(a[2]) - asInt(b[2]) })
		var got []string
		for _, row := range rows {
			got = append(got, fmt.Sprintf("%s %d", row[0], asInt(row[2])))
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s = %s, want %s", table, strings.Join(got, ","), want)
		}
	}
}

// versionedExe builds a windows/amd64 program whose VERSIONINFO says v,
// with the resources package and the Go toolchain.
func versionedExe(t *testing.T, dir, name string, v [4]uint16) string {
	t.Helper()
	src := filepath.Join(dir, name+"-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, content := range map[string]string{
		"go.mod":  "module example.com/" + name + "\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc main() {}\n",
	} {
		if err := os.WriteFile(filepath.Join(src, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	info := resources.Info{FileVersion: v, ProductVersion: v, Version: fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3]),
		CompanyName: "Example Corp", FileDescription: name, ProductName: name, OriginalFilename: name + ".exe", InternalName: name}
	if _, err := resources.WriteAll(info, src, "rsrc", []string{"amd64"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".exe")
	cmd := exec.Command(testtool.Path(t, "go"), "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// TestMsitoolsFileVersions: msiinfo export of the File table shows the
// exes' VERSIONINFO versions and languages, and MsiFileHash only holds
// the unversioned files.
func TestMsitoolsFileVersions(t *testing.T) {
	testtool.Require(t, "msiinfo", "go")
	f := newFixture(t, testYAML, "amd64")
	dir := t.TempDir()
	f.spec.AppBinary = versionedExe(t, dir, "hellosvc", [4]uint16{1, 2, 3, 4})
	f.spec.Installer = versionedExe(t, dir, "svcship-installer", [4]uint16{4, 5, 6, 7})
	path := filepath.Join(dir, "hello.msi")
	var buf bytes.Buffer
	if err := Build(&buf, f.spec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, dir, "msiinfo", "export", path, "File")
	versions := map[string][2]string{}
	for _, l := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")[3:] {
		c := strings.Split(l, "\t")
		if len(c) == 8 {
			versions[c[0]] = [2]string{c[4], c[5]}
		}
	}
	want := map[string][2]string{
		"AppExe":       {"1.2.3.4", "1033"},
		"InstallerExe": {"4.5.6.7", "1033"},
		"ConfigYaml":   {"", ""},
		"Extra1":       {"", ""},
	}
	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Errorf("msiinfo export File: versions %v, want %v\n%s", versions, want, out)
	}
	hashes := run(t, dir, "msiinfo", "export", path, "MsiFileHash")
	for _, key := range []string{"AppExe", "InstallerExe"} {
		if strings.Contains(hashes, "\n"+key+"\t") {
			t.Errorf("versioned %s has an MsiFileHash row:\n%s", key, hashes)
		}
	}
	for _, key := range []string{"ConfigYaml", "Extra1"} {
		if !strings.Contains(hashes, "\n"+key+"\t") {
			t.Errorf("unversioned %s has no MsiFileHash row:\n%s", key, hashes)
		}
	}
}
