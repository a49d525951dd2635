package msi

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/svcship/svcship/msi/cab"
)

const (
	pkgCode     = "{0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9}"
	productCode = "{11111111-2222-3333-4444-555555555555}"
	upgradeCode = "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}"
)

// validPackage is a small but complete per-machine service package that
// passes every rule with no finding at all; each case of TestICERules
// breaks it in exactly one way.
func validPackage(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{rows: map[string][][]any{}, streams: map[string][]byte{}, validate: true}
	for _, n := range StandardTableNames() {
		if n != "_Validation" {
			f.tables = append(f.tables, std(t, n))
		}
	}
	app := bytes.Repeat([]byte("app!"), 25) // 100 bytes
	readme := []byte("Read me.\r\n")
	var cb bytes.Buffer
	cw := cab.NewWriter(&cb, cab.Options{})
	for _, e := range []struct {
		name string
		data []byte
	}{{"AppExe", app}, {"Readme", readme}} {
		if err := cw.AddBytes(cab.FileHeader{Name: e.name, Modified: buildTime, Attr: cab.AttrArchive}, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	f.streams["payload.cab"] = cb.Bytes()
	f.rows["Property"] = [][]any{
		{"ProductCode", productCode}, {"UpgradeCode", upgradeCode}, {"ProductName", "Example Service"},
		{"Manufacturer", "Example Corp"}, {"ProductVersion", "1.0.0"}, {"ProductLanguage", "1033"}, {"ALLUSERS", "1"},
		{"SecureCustomProperties", "NEWERFOUND;OLDERFOUND"},
	}
	f.rows["Directory"] = [][]any{
		{"TARGETDIR", nil, "SourceDir"},
		{"ProgramFiles64Folder", "TARGETDIR", "."},
		{"INSTALLDIR", "ProgramFiles64Folder", "EXAMPL~1|Example Service"},
	}
	f.rows["Component"] = [][]any{
		{"App", "{12345678-1234-1234-1234-123456789012}", "INSTALLDIR", 256, nil, "AppExe"},
		{"Docs", "{12345678-1234-1234-1234-123456789013}", "INSTALLDIR", 256, nil, "Readme"},
	}
	f.rows["Feature"] = [][]any{{"Main", nil, "Main", nil, 1, 1, "INSTALLDIR", 0}}
	f.rows["FeatureComponents"] = [][]any{{"Main", "App"}, {"Main", "Docs"}}
	f.rows["File"] = [][]any{
		{"AppExe", "App", "app.exe", len(app), "1.0.0.0", "1033", 512, 1},
		{"Readme", "Docs", "README.txt", len(readme), nil, nil, 512, 2},
	}
	f.rows["MsiFileHash"] = [][]any{{"Readme", 0, 1, 2, 3, 4}}
	f.rows["Media"] = [][]any{{1, 2, nil, "#payload.cab", nil, nil}}
	f.rows["InstallExecuteSequence"] = [][]any{
		{"FindRelatedProducts", nil, 25}, {"LaunchConditions", nil, 100}, {"CostInitialize", nil, 800},
		{"FileCost", nil, 900}, {"CostFinalize", nil, 1000}, {"InstallValidate", nil, 1400},
		{"InstallInitialize", nil, 1500}, {"RemoveExistingProducts", nil, 1501}, {"ProcessComponents", nil, 1600},
		{"UnpublishFeatures", nil, 1800}, {"StopServices", "VersionNT", 1900}, {"DeleteServices", "VersionNT", 2000},
		{"RemoveRegistryValues", nil, 2600}, {"RemoveFiles", nil, 3500}, {"RemoveFolders", nil, 3600},
		{"CreateFolders", nil, 3700}, {"InstallFiles", nil, 4000}, {"WriteRegistryValues", nil, 5000},
		{"InstallServices", "VersionNT", 5800}, {"Configure", "NOT REMOVE", 5850}, {"StartServices", "VersionNT", 5900},
		{"RegisterUser", nil, 6000}, {"RegisterProduct", nil, 6100}, {"PublishFeatures", nil, 6300},
		{"PublishProduct", nil, 6400}, {"InstallFinalize", nil, 6600},
	}
	f.rows["InstallUISequence"] = [][]any{
		{"FindRelatedProducts", nil, 25}, {"LaunchConditions", nil, 100}, {"CostInitialize", nil, 800},
		{"FileCost", nil, 900}, {"CostFinalize", nil, 1000}, {"ExecuteAction", nil, 1300},
	}
	f.rows["AdminExecuteSequence"] = [][]any{
		{"CostInitialize", nil, 800}, {"FileCost", nil, 900}, {"CostFinalize", nil, 1000}, {"InstallValidate", nil, 1400},
		{"InstallInitialize", nil, 1500}, {"InstallAdminPackage", nil, 3900}, {"InstallFiles", nil, 4000}, {"InstallFinalize", nil, 6600},
	}
	f.rows["ServiceInstall"] = [][]any{{"Svc", "example", "Example Service", 0x10, 2, 0x8001, nil, nil, `NT SERVICE\example`, nil,
		"--port 80", "App", `Serves [\[]examples[\]]`}}
	f.rows["ServiceControl"] = [][]any{{"Svc", "example", 0xA3, nil, 1, "App"}}
	f.rows["Upgrade"] = [][]any{
		{upgradeCode, "1.0.0", nil, nil, 2, nil, "NEWERFOUND"},
		{upgradeCode, nil, "1.0.0", nil, 1, nil, "OLDERFOUND"},
	}
	f.rows["LaunchCondition"] = [][]any{{"Installed OR NOT NEWERFOUND", "A newer version is already installed."}}
	f.rows["CustomAction"] = [][]any{{"Configure", 3090, "AppExe", `configure --config "[INSTALLDIR]svcship.yaml"`, nil}}
	f.rows["Registry"] = [][]any{{"EventSource", 2, `SYSTEM\CurrentControlSet\Services\EventLog\Application\example`, "*", nil, "App"}}
	f.rows["CreateFolder"] = [][]any{{"INSTALLDIR", "App"}}
	f.rows["MsiLockPermissionsEx"] = [][]any{{"LockInstallDir", "INSTALLDIR", "CreateFolder", "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FRFX;;;BU)", nil}}
	f.summary = SummaryInfo{
		Codepage: 1252, Title: "Installation Database", Subject: "Example Service", Author: "Example Corp",
		Template: "x64;1033", RevisionNumber: pkgCode, Created: buildTime, LastSaved: buildTime,
		PageCount: 500, WordCount: 2, AppName: "svcship", Security: 2,
	}
	return f
}

// write builds the fixture with its _Validation rows and returns every
// finding of Close: errors (from the *ValidationError) and warnings.
func (f *fixture) findings(t *testing.T) ([]Finding, error) {
	t.Helper()
	g := *f
	vt := ValidationTable()
	g.tables = append(slices.Clone(f.tables), vt)
	vrows, err := ValidationRows(g.tables...)
	if err != nil {
		t.Fatal(err)
	}
	g.rows = map[string][][]any{}
	for k, v := range f.rows {
		g.rows[k] = v
	}
	g.rows["_Validation"] = append(vrows, f.rows["_Validation"]...)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Suppress: f.suppress})
	for _, tb := range g.tables {
		if err := w.CreateTable(tb); err != nil {
			t.Fatal(err)
		}
	}
	for n, rows := range g.rows {
		for _, r := range rows {
			if err := w.AddRow(n, r...); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
		}
	}
	for n, s := range g.streams {
		var err error
		if f.readers {
			err = w.AddStreamReader(n, bytes.NewReader(s), int64(len(s)))
		} else {
			err = w.AddStream(n, s)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	w.SetSummary(g.summary)
	cerr := w.Close()
	out := w.Findings()
	var ve *ValidationError
	if errors.As(cerr, &ve) {
		out = append(out, ve.Findings...)
		if buf.Len() != 0 {
			t.Error("a database that fails validation was written")
		}
	} else if cerr != nil {
		t.Fatalf("Close: %v", cerr)
	}
	f.out = buf.Bytes()
	return out, cerr
}

func rowIndex(f *fixture, table, key string) int {
	for i, r := range f.rows[table] {
		if r[0] == key {
			return i
		}
	}
	return -1
}

// set changes one cell of the row whose first column is key.
func set(t *testing.T, f *fixture, table, key string, col int, v any) {
	t.Helper()
	i := rowIndex(f, table, key)
	if i < 0 {
		t.Fatalf("no %s row %s", table, key)
	}
	r := slices.Clone(f.rows[table][i])
	r[col] = v
	rows := slices.Clone(f.rows[table])
	rows[i] = r
	f.rows[table] = rows
}

func add(f *fixture, table string, r ...any) {
	f.rows[table] = append(slices.Clone(f.rows[table]), r)
}

func del(t *testing.T, f *fixture, table, key string) {
	t.Helper()
	i := rowIndex(f, table, key)
	if i < 0 {
		t.Fatalf("no %s row %s", table, key)
	}
	f.rows[table] = slices.Delete(slices.Clone(f.rows[table]), i, i+1)
}

func TestICEValidPackage(t *testing.T) {
	got, err := validPackage(t).findings(t)
	if err != nil || len(got) != 0 {
		t.Fatalf("the valid package has findings (err %v):\n%v", err, got)
	}
}

// TestICERules breaks the valid package in one way per rule and checks that
// the rule fires, with the severity its Microsoft page gives, naming the
// table (and row) at fault.
func TestICERules(t *testing.T) {
	tests := []struct {
		rule  string
		sev   Severity
		table string
		row   string
		fault func(t *testing.T, f *fixture)
	}{
		{"ICE02", SeverityError, "Component", "App", func(t *testing.T, f *fixture) { set(t, f, "Component", "App", 5, "Readme") }},
		{"ICE03", SeverityError, "Component", "App", func(t *testing.T, f *fixture) {
			set(t, f, "Component", "App", 1, "{12345678-1234-1234-1234-12345678901a}") // a GUID must be upper case
		}},
		{"ICE04", SeverityError, "File", "Readme", func(t *testing.T, f *fixture) { f.rows["Media"] = [][]any{{1, 1, nil, "#payload.cab", nil, nil}} }},
		{"ICE05", SeverityError, "Property", "Manufacturer", func(t *testing.T, f *fixture) { del(t, f, "Property", "Manufacturer") }},
		{"ICE06", SeverityError, "File", "", func(t *testing.T, f *fixture) {
			add(f, "_Validation", "File", "Checksum", "Y", nil, nil, nil, nil, "Text", nil, nil)
		}},
		{"ICE07", SeverityError, "Font", "Readme", func(t *testing.T, f *fixture) { add(f, "Font", "Readme", "Readme Font") }},
		{"ICE08", SeverityError, "Component", "Docs", func(t *testing.T, f *fixture) {
			set(t, f, "Component", "Docs", 1, "{12345678-1234-1234-1234-123456789012}")
		}},
		{"ICE09", SeverityWarning, "Component", "Docs", func(t *testing.T, f *fixture) {
			add(f, "Directory", "System64Folder", "TARGETDIR", ".")
			set(t, f, "Component", "Docs", 2, "System64Folder")
		}},
		{"ICE12", SeverityError, "InstallExecuteSequence", "SetInstallDir", func(t *testing.T, f *fixture) {
			add(f, "CustomAction", "SetInstallDir", 35, "INSTALLDIR", `C:\Example`, nil)
			add(f, "InstallExecuteSequence", "SetInstallDir", nil, 950)
		}},
		{"ICE18", SeverityError, "Component", "Docs", func(t *testing.T, f *fixture) { set(t, f, "Component", "Docs", 5, nil) }},
		{"ICE21", SeverityError, "Component", "Docs", func(t *testing.T, f *fixture) {
			f.rows["FeatureComponents"] = [][]any{{"Main", "App"}}
		}},
		{"ICE24", SeverityError, "Property", "ProductVersion", func(t *testing.T, f *fixture) { set(t, f, "Property", "ProductVersion", 1, "256.0.0") }},
		{"ICE27", SeverityError, "InstallExecuteSequence", "InstallFiles", func(t *testing.T, f *fixture) {
			set(t, f, "InstallExecuteSequence", "InstallFiles", 2, 1450)
		}},
		{"ICE30", SeverityError, "File", "", func(t *testing.T, f *fixture) { set(t, f, "File", "Readme", 2, "app.exe") }},
		{"ICE38", SeverityError, "Component", "Docs", func(t *testing.T, f *fixture) {
			add(f, "Directory", "AppDataFolder", "TARGETDIR", ".")
			add(f, "Directory", "DataDir", "AppDataFolder", "Example")
			add(f, "RemoveFile", "RemoveDataDir", "Docs", nil, "DataDir", 2)
			set(t, f, "Component", "Docs", 2, "DataDir")
		}},
		{"ICE39", SeverityError, "", "", func(t *testing.T, f *fixture) { f.summary.RevisionNumber = strings.ToLower(pkgCode) }},
		{"ICE43", SeverityError, "Shortcut", "Menu", func(t *testing.T, f *fixture) {
			add(f, "Directory", "ProgramMenuFolder", "TARGETDIR", ".")
			add(f, "Shortcut", "Menu", "ProgramMenuFolder", "Readme", "Docs", "[#Readme]", nil, nil, nil, nil, nil, nil, nil)
		}},
		{"ICE45", SeverityWarning, "File", "Readme", func(t *testing.T, f *fixture) { set(t, f, "File", "Readme", 6, 0x200|0x800) }},
		{"ICE57", SeverityError, "Component", "App", func(t *testing.T, f *fixture) {
			add(f, "Registry", "UserSetting", 1, `Software\Example`, "Setting", "1", "App")
		}},
		{"ICE60", SeverityError, "MsiFileHash", "AppExe", func(t *testing.T, f *fixture) { add(f, "MsiFileHash", "AppExe", 0, 1, 2, 3, 4) }},
		{"ICE61", SeverityWarning, "Upgrade", "", func(t *testing.T, f *fixture) {
			f.rows["Upgrade"] = [][]any{{upgradeCode, "1.0.0", nil, nil, 2, nil, "NEWERFOUND"}, {upgradeCode, nil, "1.0.0", nil, 0x201, nil, "OLDERFOUND"}}
		}},
		{"ICE63", SeverityError, "InstallExecuteSequence", "RemoveExistingProducts", func(t *testing.T, f *fixture) {
			set(t, f, "InstallExecuteSequence", "RemoveExistingProducts", 2, 1300)
		}},
		{"ICE64", SeverityError, "Directory", "DataDir", func(t *testing.T, f *fixture) {
			add(f, "Directory", "AppDataFolder", "TARGETDIR", ".")
			add(f, "Directory", "DataDir", "AppDataFolder", "Example")
		}},
		{"ICE67", SeverityWarning, "Shortcut", "Run", func(t *testing.T, f *fixture) {
			add(f, "Shortcut", "Run", "INSTALLDIR", "Run", "Docs", "[#AppExe]", nil, nil, nil, nil, nil, nil, nil)
		}},
		{"ICE68", SeverityError, "CustomAction", "Broken", func(t *testing.T, f *fixture) { add(f, "CustomAction", "Broken", 1027, "AppExe", "x", nil) }},
		{"ICE77", SeverityError, "InstallExecuteSequence", "Configure", func(t *testing.T, f *fixture) {
			set(t, f, "InstallExecuteSequence", "Configure", 2, 6700)
		}},
		{"ICE80", SeverityError, "Component", "App", func(t *testing.T, f *fixture) { f.summary.Template = "Intel;1033" }},
		{"ICE82", SeverityWarning, "InstallExecuteSequence", "", func(t *testing.T, f *fixture) {
			add(f, "CustomAction", "SetFlag", 51, "FLAG", "1", nil)
			add(f, "InstallExecuteSequence", "SetFlag", nil, 1000)
		}},
		{"ICE83", SeverityError, "InstallExecuteSequence", "", func(t *testing.T, f *fixture) { add(f, "MsiAssembly", "App", "Main", nil, nil, 0) }},
		{"ICE90", SeverityWarning, "Shortcut", "Menu", func(t *testing.T, f *fixture) {
			add(f, "Directory", "ProgramMenuFolder", "TARGETDIR", ".")
			add(f, "Directory", "MENUDIR", "ProgramMenuFolder", "Example")
			add(f, "Shortcut", "Menu", "MENUDIR", "Readme", "Docs", "Main", nil, nil, nil, nil, nil, nil, nil)
		}},
		{"ICE99", SeverityError, "Directory", "CustomActionData", func(t *testing.T, f *fixture) {
			add(f, "Directory", "CustomActionData", "INSTALLDIR", "data")
		}},
		{"ICE105", SeverityError, "ServiceInstall", "Svc", func(t *testing.T, f *fixture) { del(t, f, "Property", "ALLUSERS") }},
		{"CABINET", SeverityError, "File", "AppExe", func(t *testing.T, f *fixture) { set(t, f, "File", "AppExe", 3, 99) }},
	}
	covered := map[string]bool{"ICE01": true} // ICE01 only reports: TestICE01
	for _, tc := range tests {
		covered[tc.rule] = true
		t.Run(tc.rule, func(t *testing.T) {
			f := validPackage(t)
			tc.fault(t, f)
			got, err := f.findings(t)
			if tc.sev == SeverityError && err == nil {
				t.Errorf("Close succeeded; want a %s error", tc.rule)
			}
			for _, g := range got {
				if g.Rule == tc.rule && g.Severity == tc.sev && g.Table == tc.table && (tc.row == "" || g.Row == tc.row) {
					if !strings.Contains(g.String(), tc.rule+" "+tc.sev.String()) || !strings.Contains(g.String(), tc.table) {
						t.Errorf("finding text %q lacks rule or table", g)
					}
					return
				}
			}
			t.Errorf("%s %s on %s %s did not fire; findings:\n%v", tc.rule, tc.sev, tc.table, tc.row, got)
		})
	}
	for _, r := range RuleNames() {
		if !covered[r] {
			t.Errorf("rule %s has no fault test", r)
		}
	}
}

func TestICE01(t *testing.T) {
	f := validPackage(t)
	f.validate = false
	g := *f
	g.tables = append(slices.Clone(f.tables), ValidationTable())
	vrows, err := ValidationRows(g.tables...)
	if err != nil {
		t.Fatal(err)
	}
	g.rows = map[string][][]any{"_Validation": vrows}
	for k, v := range f.rows {
		g.rows[k] = v
	}
	data := g.write(t)
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Validate(r, ValidationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Rule != "ICE01" || got[0].Severity != SeverityInfo {
		t.Errorf("Validate of the read-back valid package = %v, want only ICE01's info", got)
	}
}

func TestICESuppress(t *testing.T) {
	f := validPackage(t)
	f.rows["Upgrade"] = [][]any{{upgradeCode, "1.0.0", nil, nil, 2, nil, "NEWERFOUND"}, {upgradeCode, nil, "1.0.0", nil, 0x201, nil, "OLDERFOUND"}}
	f.suppress = []string{"ICE61"}
	if got, err := f.findings(t); err != nil || len(got) != 0 {
		t.Errorf("ICE61 suppressed, still got %v (%v)", got, err)
	}
	// Errors cannot be suppressed.
	f = validPackage(t)
	del(t, f, "Property", "Manufacturer")
	f.suppress = []string{"ICE05"}
	if _, err := f.findings(t); err == nil {
		t.Error("a suppressed error rule let Close succeed")
	}
}

func TestSDDLGrammar(t *testing.T) {
	for s, want := range map[string]bool{
		"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FRFX;;;BU)": true,
		"O:BAG:SYD:(A;;FA;;;SY)":                                  true,
		"D:P(A;OICI;FA;;SY)":                                      false, // five fields
		"D:PAI(A;OICI;FA;;;SY":                                    false, // unterminated
		"X:(A;;FA;;;SY)":                                          false,
		"":                                                        false,
	} {
		if got := isSDDL(s); got != want {
			t.Errorf("isSDDL(%q) = %v, want %v", s, got, want)
		}
	}
}

// A cabinet handed over as a reader is checked too, and still written.
func TestICECabinetFromReader(t *testing.T) {
	f := validPackage(t)
	f.readers = true
	if got, err := f.findings(t); err != nil || len(got) != 0 {
		t.Fatalf("findings %v (%v)", got, err)
	}
	r, err := Open(bytes.NewReader(f.out), int64(len(f.out)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Stream("payload.cab")
	if err != nil || !bytes.Equal(got, f.streams["payload.cab"]) {
		t.Errorf("cabinet stream written from a reader differs (%v)", err)
	}
	// And a broken one fails the same way as from memory.
	f = validPackage(t)
	f.readers = true
	set(t, f, "File", "AppExe", 3, 99)
	if _, err := f.findings(t); err == nil || !strings.Contains(err.Error(), "CABINET error") {
		t.Errorf("Close = %v, want a CABINET error", err)
	}
}

// TestICE03Categories: ICE03 checks every _Validation category svcship's
// packages use (Text and Binary accept any value), plus ranges, sets and
// foreign keys; each case is one bad cell, and ICE03 names its column.
func TestICE03Categories(t *testing.T) {
	tests := []struct {
		what, table, column string
		fault               func(t *testing.T, f *fixture)
	}{
		{"Identifier", "CustomAction", "Action", func(t *testing.T, f *fixture) { add(f, "CustomAction", "9Bad", 51, "X", "1", nil) }},
		{"Formatted", "ServiceInstall", "Arguments", func(t *testing.T, f *fixture) { set(t, f, "ServiceInstall", "Svc", 10, "--name [oops") }},
		{"Condition", "LaunchCondition", "Condition", func(t *testing.T, f *fixture) { add(f, "LaunchCondition", "(NOT Installed", "x") }},
		{"Guid", "Component", "ComponentId", func(t *testing.T, f *fixture) {
			set(t, f, "Component", "Docs", 1, "12345678-1234-1234-1234-123456789013")
		}},
		{"Filename", "File", "FileName", func(t *testing.T, f *fixture) { set(t, f, "File", "Readme", 2, "a-long-name.txt") }},
		{"Version", "File", "Version", func(t *testing.T, f *fixture) { set(t, f, "File", "AppExe", 4, "1.2.3.4.5") }},
		{"Language", "File", "Language", func(t *testing.T, f *fixture) { set(t, f, "File", "AppExe", 5, "en-US") }},
		{"DefaultDir", "Directory", "DefaultDir", func(t *testing.T, f *fixture) { set(t, f, "Directory", "INSTALLDIR", 2, "EXAMPL~1|Ex|ample") }},
		{"Cabinet", "Media", "Cabinet", func(t *testing.T, f *fixture) { f.rows["Media"] = [][]any{{1, 2, nil, "pay load.cab", nil, nil}} }},
		{"Property", "Media", "Source", func(t *testing.T, f *fixture) { f.rows["Media"] = [][]any{{1, 2, nil, "#payload.cab", nil, "1Source"}} }},
		{"RegPath", "Registry", "Key", func(t *testing.T, f *fixture) { set(t, f, "Registry", "EventSource", 2, `\SYSTEM\Example`) }},
		{"UpperCase", "Feature", "Directory_", func(t *testing.T, f *fixture) {
			add(f, "Directory", "lowerDir", "INSTALLDIR", "sub")
			set(t, f, "Feature", "Main", 6, "lowerDir")
		}},
		{"CustomSource", "CustomAction", "Source", func(t *testing.T, f *fixture) { set(t, f, "CustomAction", "Configure", 2, "App Exe") }},
		{"WildCardFilename", "RemoveFile", "FileName", func(t *testing.T, f *fixture) {
			add(f, "RemoveFile", "RemoveLogs", "Docs", "LOGS|lo>gs", "INSTALLDIR", 2)
		}},
		{"FormattedSDDLText", "MsiLockPermissionsEx", "SDDLText", func(t *testing.T, f *fixture) {
			set(t, f, "MsiLockPermissionsEx", "LockInstallDir", 3, "D:PAI(A;OICI;FA;SY)")
		}},
		{"Shortcut", "Shortcut", "Target", func(t *testing.T, f *fixture) {
			add(f, "Shortcut", "Run", "INSTALLDIR", "Run", "App", "[#AppExe", nil, nil, nil, nil, nil, nil, nil)
		}},
		{"range", "File", "Sequence", func(t *testing.T, f *fixture) { set(t, f, "File", "Readme", 7, 0) }},
		{"set", "Feature", "Attributes", func(t *testing.T, f *fixture) { set(t, f, "Feature", "Main", 7, 3) }},
		{"foreign key", "FeatureComponents", "Component_", func(t *testing.T, f *fixture) { add(f, "FeatureComponents", "Main", "Nope") }},
	}
	for _, tc := range tests {
		t.Run(tc.what, func(t *testing.T) {
			f := validPackage(t)
			tc.fault(t, f)
			got, err := f.findings(t)
			if err == nil {
				t.Fatal("Close succeeded")
			}
			for _, g := range got {
				if g.Rule == "ICE03" && g.Table == tc.table && g.Column == tc.column {
					return
				}
			}
			t.Errorf("no ICE03 finding on %s.%s; findings:\n%v", tc.table, tc.column, got)
		})
	}
}
