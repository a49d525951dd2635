package msipkg

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/richardlehane/mscfb"
	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/msi"
	"github.com/svcship/svcship/msi/cab"
)

// readBack checks a built MSI with two independent readers and returns
// the project's reader for further assertions.
func readBack(t testing.TB, data []byte, f *fixture) *msi.Reader {
	t.Helper()
	// Independent compound-file reader.
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("mscfb: %v", err)
	}
	streams := map[string][]byte{}
	for e, err := doc.Next(); err == nil; e, err = doc.Next() {
		b, rerr := io.ReadAll(e)
		if rerr != nil {
			t.Fatalf("mscfb: read %q: %v", e.Name, rerr)
		}
		name := e.Name
		if e.Initial != 0 && e.Initial < 0x20 {
			name = string(rune(e.Initial)) + name
		}
		streams[name] = b
	}
	cabEnc := msi.EncodeStreamName(cabStream, false)
	for _, want := range []string{msi.SummaryStreamName, cabEnc, msi.EncodeStreamName("Property", true), msi.EncodeStreamName("_StringPool", true)} {
		if _, ok := streams[want]; !ok {
			t.Fatalf("mscfb: stream %q missing (have %d streams)", want, len(streams))
		}
	}

	// The project's reader.
	r, err := msi.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("msi.Open: %v", err)
	}
	cabData, err := r.Stream(cabStream)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(streams[cabEnc], cabData) {
		t.Fatal("mscfb and msi readers disagree on the cabinet stream")
	}
	// Every payload file comes back byte-identical, in File.Sequence order.
	cr, err := cab.NewReader(bytes.NewReader(cabData), int64(len(cabData)))
	if err != nil {
		t.Fatalf("cab: %v", err)
	}
	want := [][2]any{{"AppExe", f.app}, {"InstallerExe", f.inst}, {"ConfigYaml", f.yaml}}
	if f.read != nil {
		want = append(want, [2]any{"Extra1", f.read})
	}
	if len(cr.Files) != len(want) {
		t.Fatalf("cabinet holds %d files, want %d", len(cr.Files), len(want))
	}
	for i, w := range want {
		cf := cr.Files[i]
		rc, err := cf.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Name != w[0] || !bytes.Equal(got, w[1].([]byte)) {
			t.Errorf("cabinet file %d = %s (%d bytes), want %s (%d bytes)", i, cf.Name, len(got), w[0], len(w[1].([]byte)))
		}
	}
	return r
}

// rowsByKey returns table rows keyed by their first column.
func rowsByKey(t testing.TB, r *msi.Reader, table string) map[string][]any {
	t.Helper()
	rows, err := r.Rows(table)
	if err != nil {
		t.Fatalf("rows of %s: %v", table, err)
	}
	out := map[string][]any{}
	for _, row := range rows {
		out[row[0].(string)] = row
	}
	return out
}

func asInt(v any) int {
	switch x := v.(type) {
	case int32:
		return int(x)
	case int16:
		return int(x)
	case int:
		return x
	}
	return -1 << 31
}

func TestBuildReadBack(t *testing.T) {
	hosted := strings.Replace(testYAML, "  dependencies: [Tcpip]\n", "  dependencies: [Tcpip]\n  mode: hosted\n  start: delayed-auto\n  account: virtual\n", 1)
	tests := []struct {
		name, arch, yaml string
		template         string
		pageCount        int32
		programDir       string
		compAttr         int
		serviceComp      string
		arguments        string
		startName        string
	}{
		// The default account is the virtual account NT SERVICE\<name>.
		{"amd64 native", "amd64", testYAML, "x64;1033", 500, "ProgramFiles64Folder", 256, "App", "--listen 127.0.0.1:18123 --name hellosvc", `NT SERVICE\hellosvc`},
		{"arm64 native", "arm64", testYAML, "Arm64;1033", 500, "ProgramFiles64Folder", 256, "App", "--listen 127.0.0.1:18123 --name hellosvc", `NT SERVICE\hellosvc`},
		{"386 native", "386", testYAML, "Intel;1033", 500, "ProgramFilesFolder", 0, "App", "--listen 127.0.0.1:18123 --name hellosvc", `NT SERVICE\hellosvc`},
		{"amd64 LocalSystem", "amd64", strings.Replace(testYAML, "  dependencies: [Tcpip]\n", "  dependencies: [Tcpip]\n  account: LocalSystem\n", 1),
			"x64;1033", 500, "ProgramFiles64Folder", 256, "App", "--listen 127.0.0.1:18123 --name hellosvc", ""},
		{"amd64 hosted", "amd64", hosted, "x64;1033", 500, "ProgramFiles64Folder", 256, "Installer", `host --config "[INSTALLDIR]svcship.yaml"`, `NT SERVICE\hellosvc`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.yaml, tc.arch)
			r := readBack(t, f.build(t), f)

			sum, err := r.Summary()
			if err != nil {
				t.Fatal(err)
			}
			if sum.Template != tc.template || sum.PageCount != tc.pageCount || sum.WordCount != 2 {
				t.Errorf("summary Template=%q PageCount=%d WordCount=%d; want %q %d 2", sum.Template, sum.PageCount, sum.WordCount, tc.template, tc.pageCount)
			}
			if !sum.Created.Equal(f.spec.Timestamp) || !sum.LastSaved.Equal(f.spec.Timestamp) {
				t.Errorf("summary times %v / %v, want %v", sum.Created, sum.LastSaved, f.spec.Timestamp)
			}
			if _, err := parseGUID(sum.RevisionNumber); err != nil || sum.RevisionNumber != strings.ToUpper(sum.RevisionNumber) {
				t.Errorf("package code %q: %v", sum.RevisionNumber, err)
			}

			props := rowsByKey(t, r, "Property")
			for k, v := range map[string]string{
				"ProductVersion": "1.2.3", "ProductName": "Hello Service", "Manufacturer": "Example Corp", "ALLUSERS": "1",
				"UpgradeCode": "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}", "ARPURLINFOABOUT": "https://example.com/hello",
				"ARPPRODUCTICON": iconKey, "ARPNOMODIFY": "1",
			} {
				if got := props[k]; got == nil || got[1] != v {
					t.Errorf("Property %s = %v, want %q", k, got, v)
				}
			}
			if !strings.Contains(props["SecureCustomProperties"][1].(string), propUpgrade) || !strings.Contains(props["SecureCustomProperties"][1].(string), propNewer) {
				t.Errorf("SecureCustomProperties %v lacks the upgrade properties", props["SecureCustomProperties"])
			}
			dirs := rowsByKey(t, r, "Directory")
			if d := dirs[dirInstall]; d == nil || d[1] != tc.programDir || d[2] != "HELLOS~1|Hello Service" {
				t.Errorf("INSTALLDIR row %v, want parent %s", d, tc.programDir)
			}
			comps := rowsByKey(t, r, "Component")
			for name, c := range comps {
				// svcship.yaml is an ordinary component: the custom
				// actions carry it across upgrades.
				want := tc.compAttr
				if asInt(c[3]) != want {
					t.Errorf("component %s attributes %v, want %d", name, c[3], want)
				}
			}
			si := rowsByKey(t, r, "ServiceInstall")["Service"]
			if si == nil || si[1] != "hellosvc" || asInt(si[3]) != 0x10 || asInt(si[4]) != 2 || si[10] != tc.arguments || si[11] != tc.serviceComp || si[7] != "Tcpip[~][~]" {
				t.Errorf("ServiceInstall row %v", si)
			}
			if (si[8] == nil && tc.startName != "") || (si[8] != nil && si[8] != tc.startName) {
				t.Errorf("ServiceInstall StartName %v, want %q", si[8], tc.startName)
			}
			if si[9] != nil {
				t.Errorf("ServiceInstall Password %v, want NULL for a built-in or virtual account", si[9])
			}
			sc := rowsByKey(t, r, "ServiceControl")["Service"]
			if sc == nil || asInt(sc[2]) != 0xA3 || sc[5] != tc.serviceComp {
				t.Errorf("ServiceControl row %v, want events 0xA3 on %s", sc, tc.serviceComp)
			}
			cas := rowsByKey(t, r, "CustomAction")
			if sp := cas[actionSavedPath]; sp == nil || asInt(sp[1]) != 51 || sp[2] != "SvcshipSavedConfig" ||
				sp[3] != `[CommonAppDataFolder]svcship\6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F\svcship.yaml` {
				t.Errorf("saved-path custom action %v", sp)
			}
			saved := `"[SvcshipSavedConfig]"`
			ca := cas[actionConfigure]
			if ca == nil || asInt(ca[1]) != 3090 || ca[2] != "InstallerExe" || ca[3] != `configure --config "[INSTALLDIR]svcship.yaml" --restore-config `+saved+
				` --msi-property "SERVICE_ACCOUNT=[SERVICE_ACCOUNT]" --msi-property "SERVICE_START=[SERVICE_START]" --msi-property "SERVICE_ARGUMENTS=[SERVICE_ARGUMENTS]"` {
				t.Errorf("configure custom action %v", ca)
			}
			// Rollback twin: 3090 + 0x100 (rollback) + 0x40 (exit code ignored).
			if u := cas[actionConfigureUndo]; u == nil || asInt(u[1]) != 3410 || u[3] != `save-config --from "[INSTALLDIR]svcship.yaml" --to `+saved {
				t.Errorf("configure rollback custom action %v", u)
			}
			// Forgetting is an ordinary deferred action before RemoveFiles
			// (a commit action would run after the installer is deleted).
			if fg := cas[actionForget]; fg == nil || asInt(fg[1]) != 3154 {
				t.Errorf("forget custom action %v", fg)
			}
			save := rowsByKey(t, r, "CustomAction")[actionSave]
			if save == nil || asInt(save[1]) != 3090|0x40 || save[3] != `save-config --from "[INSTALLDIR]svcship.yaml" --to `+saved {
				t.Errorf("save custom action %v", save)
			}
			if o := asInt(seq0(t, r, actionSave)); !(o > asInt(seq0(t, r, "StopServices")) && o < asInt(seq0(t, r, "RemoveFiles"))) {
				t.Errorf("save-config runs at %d, want after StopServices and before RemoveFiles", o)
			}
			seq := rowsByKey(t, r, "InstallExecuteSequence")
			order := func(a string) int { return asInt(seq[a][2]) }
			if !(order("InstallServices") < order(actionConfigure) && order(actionConfigure) < order("StartServices")) {
				t.Errorf("configure step at %d, not between InstallServices %d and StartServices %d", order(actionConfigure), order("InstallServices"), order("StartServices"))
			}
			// Inside the transaction, right after InstallInitialize.
			if order("RemoveExistingProducts") != 1501 || order("InstallInitialize") != 1500 {
				t.Errorf("RemoveExistingProducts at %d, want 1501 (InstallInitialize at %d)", order("RemoveExistingProducts"), order("InstallInitialize"))
			}
			// Right after configure: scheduled only once configure succeeded,
			// so a failed configure's saved copy is never overwritten.
			if order(actionConfigure) != 5850 || order(actionConfigureUndo) != 5851 {
				t.Errorf("configure at %d and its rollback at %d, want 5850 and 5851", order(actionConfigure), order(actionConfigureUndo))
			}
			if c := seq["StartServices"][1]; c != `VersionNT AND NOT (SERVICE_START~="manual" OR SERVICE_START~="disabled")` {
				t.Errorf("StartServices condition %v", c)
			}
			if seq[actionConfigure][1] != "NOT REMOVE" {
				t.Errorf("configure condition %v", seq[actionConfigure][1])
			}
			lc := rowsByKey(t, r, "LaunchCondition")
			if c := lc["Installed OR NOT "+propNewer]; c == nil || c[1] != "A newer version of Hello Service is already installed." {
				t.Errorf("LaunchCondition rows %v", lc)
			}
			icon, err := r.Stream("Icon." + iconKey)
			if err != nil || !bytes.Equal(icon, testIcon()) {
				t.Errorf("icon stream: %v", err)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	f := newFixture(t, testYAML, "amd64")
	a, b := f.build(t), f.build(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds from the same inputs differ")
	}
	codes := func(data []byte) (product, pkgCode string, comps map[string]string) {
		r := readBack(t, data, f)
		sum, err := r.Summary()
		if err != nil {
			t.Fatal(err)
		}
		comps = map[string]string{}
		for k, row := range rowsByKey(t, r, "Component") {
			comps[k] = row[1].(string)
		}
		return rowsByKey(t, r, "Property")["ProductCode"][1].(string), sum.RevisionNumber, comps
	}
	p1, k1, c1 := codes(a)

	// A later timestamp: same product, new package code.
	f.spec.Timestamp = f.spec.Timestamp.Add(time.Hour)
	p2, k2, c2 := codes(f.build(t))
	if p2 != p1 || k2 == k1 {
		t.Errorf("new timestamp: product %s->%s (want same), package %s->%s (want new)", p1, p2, k1, k2)
	}
	// A new version: new product and package codes, same component ids.
	f.spec.Version, _ = version.Parse("1.3.0")
	p3, k3, c3 := codes(f.build(t))
	if p3 == p1 || k3 == k2 {
		t.Errorf("new version kept product %s or package %s", p3, k3)
	}
	for k, id := range c1 {
		if c2[k] != id || c3[k] != id {
			t.Errorf("component %s id changed across builds: %s %s %s", k, id, c2[k], c3[k])
		}
	}
	// Another architecture: new component ids (a 64-bit component may not
	// reuse a 32-bit one's GUID).
	f386 := newFixture(t, testYAML, "386")
	f386.spec.Timestamp, f386.spec.Version = f.spec.Timestamp, f.spec.Version
	r := readBack(t, f386.build(t), f386)
	for k, row := range rowsByKey(t, r, "Component") {
		if row[1] == c1[k] {
			t.Errorf("component %s has the same id for 386 and amd64", k)
		}
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, f *fixture)
		want   string
	}{
		{"missing binary", func(t *testing.T, f *fixture) { f.spec.AppBinary = filepath.Join(f.dir, "nope.exe") }, "application binary " + "%DIR%/nope.exe does not exist"},
		{"missing installer", func(t *testing.T, f *fixture) { f.spec.Installer = "" }, "installer binary: no path given"},
		{"not an exe", func(t *testing.T, f *fixture) {
			f.spec.AppBinary = filepath.Join(f.dir, "README.txt")
		}, "is not a Windows executable"},
		{"wrong arch", func(t *testing.T, f *fixture) { f.spec.Arch = "arm64" }, "not Arm64"},
		{"unknown arch", func(t *testing.T, f *fixture) { f.spec.Arch = "mips" }, `arch: "mips" is not a Windows architecture svcship ships (expected amd64, arm64, 386)`},
		{"malformed GUID", func(t *testing.T, f *fixture) {
			f.spec.Config.Packaging.UpgradeCode = "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5}"
		}, "packaging.upgrade_code"},
		{"nil GUID", func(t *testing.T, f *fixture) {
			f.spec.Config.Packaging.UpgradeCode = "{00000000-0000-0000-0000-000000000000}"
		}, "nil GUID"},
		{"version out of range", func(t *testing.T, f *fixture) { f.spec.Version, _ = version.Parse("256.0.0") }, "MSI major version 256 is above 255"},
		{"patch out of range", func(t *testing.T, f *fixture) { f.spec.Version, _ = version.Parse("1.0.70000") }, "above 65535"},
		{"reserved file name", func(t *testing.T, f *fixture) {
			p := filepath.Join(f.dir, "CON.txt")
			os.WriteFile(p, []byte("x"), 0o644)
			f.spec.ExtraFiles = []string{p}
		}, "reserved Windows device name"},
		{"forbidden character", func(t *testing.T, f *fixture) {
			p := filepath.Join(f.dir, "a|b.txt")
			os.WriteFile(p, []byte("x"), 0o644)
			f.spec.ExtraFiles = []string{p}
		}, "forbids in file names"},
		{"duplicate file name", func(t *testing.T, f *fixture) {
			p := filepath.Join(f.dir, "sub")
			os.Mkdir(p, 0o755)
			os.WriteFile(filepath.Join(p, "SVCSHIP.yaml"), []byte("x"), 0o644)
			f.spec.ExtraFiles = []string{filepath.Join(p, "SVCSHIP.yaml")}
		}, `two files would be installed as "SVCSHIP.yaml"`},
		{"install dir", func(t *testing.T, f *fixture) { f.spec.Config.Packaging.InstallDir = "Hello." }, "packaging.install_dir"},
		{"no timestamp", func(t *testing.T, f *fixture) { f.spec.Timestamp = time.Time{} }, "SOURCE_DATE_EPOCH"},
		{"long description", func(t *testing.T, f *fixture) { f.spec.Config.Service.Description = strings.Repeat("x", 300) }, "at most 255"},
		{"not codepage 1252", func(t *testing.T, f *fixture) { f.spec.Config.Product.DisplayName = "Hello 服务" }, "product.display_name: '服' cannot be written in an MSI"},
		{"bad icon", func(t *testing.T, f *fixture) { f.spec.Icon = f.spec.Installer }, "is not a .ico file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, testYAML, "amd64")
			tc.mutate(t, f)
			out := t.TempDir()
			path := filepath.Join(out, "x.msi")
			err := BuildFile(context.Background(), f.spec, path)
			want := strings.ReplaceAll(tc.want, "%DIR%", f.dir)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want it to contain %q", err, want)
			}
			if !errors.Is(err, ErrInput) {
				t.Errorf("error %v is not ErrInput", err)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error spans lines: %q", err)
			}
			if left, _ := os.ReadDir(out); len(left) != 0 {
				t.Errorf("files left behind: %v", left)
			}
		})
	}
}

func TestBuildFileReplacesAtomically(t *testing.T) {
	f := newFixture(t, testYAML, "amd64")
	path := filepath.Join(t.TempDir(), "x.msi")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := BuildFile(context.Background(), f.spec, path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, f.build(t)) {
		t.Fatalf("BuildFile output differs from Build (%v)", err)
	}
	// A failing build leaves the previous file untouched.
	f.spec.AppBinary = ""
	if err := BuildFile(context.Background(), f.spec, path); err == nil {
		t.Fatal("want an error")
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, got) {
		t.Fatal("failed build changed the existing file")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := BuildFile(ctx, f.spec, path); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build: %v", err)
	}
}

func TestShortNames(t *testing.T) {
	got := msiNames([]string{"svcship-installer.exe", "svcship.yaml", "app.exe", "svcship-installer2.exe", "README", "a b.c"})
	want := map[string]string{
		"svcship-installer.exe":  "SVCSHI~1.EXE|svcship-installer.exe",
		"svcship-installer2.exe": "SVCSHI~2.EXE|svcship-installer2.exe",
		"svcship.yaml":           "SVCSHI~1.YAM|svcship.yaml",
		"app.exe":                "app.exe",
		"README":                 "README",
		"a b.c":                  "AB~1.C|a b.c",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s -> %q, want %q", k, got[k], v)
		}
	}
}

func TestUUIDv5(t *testing.T) {
	// RFC 9562 Appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
	dns := guid{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got := uuidv5(dns, "www.example.com").String(); got != "{2ED6657D-E927-568B-95E1-2665A8AEA6A2}" {
		t.Fatalf("uuidv5 = %s", got)
	}
	for _, s := range []string{"6d3c1e55-2b1f-4c8a-9e0d-7a1b2c3d4e5f", "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}"} {
		g, err := parseGUID(s)
		if err != nil || g.String() != "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}" {
			t.Errorf("parseGUID(%q) = %s, %v", s, g, err)
		}
	}
	for _, s := range []string{"", "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F", "6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5G", "6D3C1E552B1F4C8A9E0D7A1B2C3D4E5F"} {
		if _, err := parseGUID(s); err == nil {
			t.Errorf("parseGUID(%q) accepted", s)
		}
	}
}

func TestFormatEscape(t *testing.T) {
	if got := formatEscape("[x]{y}"); got != `[\[]x[\]][\{]y[\}]` {
		t.Errorf("formatEscape = %s", got)
	}
}

// seq0 is the InstallExecuteSequence number of action.
func seq0(t *testing.T, r *msi.Reader, action string) any {
	t.Helper()
	row := rowsByKey(t, r, "InstallExecuteSequence")[action]
	if row == nil {
		t.Fatalf("no %s in InstallExecuteSequence", action)
	}
	return row[2]
}
