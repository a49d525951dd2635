package msi

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// fixture is a database description used by several tests.
type fixture struct {
	tables  []Table
	rows    map[string][][]any
	streams map[string][]byte
	summary SummaryInfo
	// validate runs ICE validation in Close (off for file-format tests).
	validate bool
	suppress []string
	// readers passes streams to AddStreamReader instead of AddStream.
	readers bool
	out     []byte // what the last findings call wrote
}

var buildTime = time.Date(2024, 6, 1, 12, 30, 0, 0, time.UTC)

func std(t testing.TB, name string) Table {
	t.Helper()
	tb, ok := StandardTable(name)
	if !ok {
		t.Fatalf("no standard table %s", name)
	}
	return tb
}

// serviceFixture resembles a per-machine service package.
func serviceFixture(t testing.TB) *fixture {
	f := &fixture{rows: map[string][][]any{}, streams: map[string][]byte{}}
	for _, n := range StandardTableNames() {
		f.tables = append(f.tables, std(t, n))
	}
	f.rows["Property"] = [][]any{
		{"ProductCode", "{11111111-2222-3333-4444-555555555555}"},
		{"UpgradeCode", "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}"},
		{"ProductName", "Example Service"},
		{"Manufacturer", "Example Café"},
		{"ProductVersion", "1.2.3"},
		{"ProductLanguage", "1033"},
		{"ALLUSERS", "1"},
		{"SecureCustomProperties", "WIX_UPGRADE_DETECTED;WIX_DOWNGRADE_DETECTED"},
		{"ARPPRODUCTICON", "app.ico"},
	}
	f.rows["Directory"] = [][]any{
		{"TARGETDIR", nil, "SourceDir"},
		{"ProgramFiles64Folder", "TARGETDIR", "."},
		{"INSTALLDIR", "ProgramFiles64Folder", "EXAMPL~1|Example Service"},
	}
	f.rows["Component"] = [][]any{{"MainComponent", "{12345678-1234-1234-1234-123456789012}", "INSTALLDIR", 256, nil, "app.exe"}}
	f.rows["Feature"] = [][]any{{"Main", nil, "Main", nil, nil, 1, nil, 0}}
	f.rows["FeatureComponents"] = [][]any{{"Main", "MainComponent"}}
	f.rows["File"] = [][]any{{"app.exe", "MainComponent", "app.exe", 12345678, "1.2.3.0", nil, 512, 1}}
	f.rows["Media"] = [][]any{{1, 1, nil, "#app.cab", nil, nil}}
	seq := [][]any{
		{"FindRelatedProducts", nil, 25}, {"LaunchConditions", nil, 100}, {"CostInitialize", nil, 800},
		{"FileCost", nil, 900}, {"CostFinalize", nil, 1000}, {"InstallValidate", nil, 1400},
		{"RemoveExistingProducts", nil, 1401}, {"InstallInitialize", nil, 1500},
		{"StopServices", "VersionNT", 1900}, {"DeleteServices", "VersionNT", 2000},
		{"InstallFiles", nil, 4000}, {"InstallServices", "VersionNT", 5800},
		{"StartServices", "VersionNT", 5900}, {"InstallFinalize", nil, 6600},
	}
	f.rows["InstallExecuteSequence"] = seq
	f.rows["InstallUISequence"] = [][]any{{"FindRelatedProducts", nil, 25}, {"CostInitialize", nil, 800}, {"ExecuteAction", nil, 1300}}
	f.rows["ServiceInstall"] = [][]any{{"Svc", "example", "Example Service", 0x10, 2, 0x8001, nil, nil, nil, nil, "run --service", "MainComponent", "An example service"}}
	f.rows["ServiceControl"] = [][]any{{"Svc", "example", 0xA3, nil, 1, "MainComponent"}}
	f.rows["Upgrade"] = [][]any{
		{"{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}", "1.2.3", nil, nil, 2, nil, "WIX_DOWNGRADE_DETECTED"},
		{"{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}", nil, "1.2.3", nil, 1, nil, "WIX_UPGRADE_DETECTED"},
	}
	f.rows["LaunchCondition"] = [][]any{{"NOT WIX_DOWNGRADE_DETECTED", "A newer version is already installed."}}
	f.rows["CustomAction"] = [][]any{{"RunApp", 3090, "app.exe", "install", nil}}
	f.rows["Binary"] = [][]any{{"Helper", bytes.Repeat([]byte("helper"), 1000)}}
	f.rows["Icon"] = [][]any{{"app.ico", []byte{0, 0, 1, 0, 1, 2, 3}}}
	f.rows["MsiFileHash"] = [][]any{{"app.exe", 0, -1, 2147483647, -2147483647, 0}}
	f.rows["Registry"] = [][]any{{"Reg1", -1, `Software\Example`, "Path", "[INSTALLDIR]", "MainComponent"}}
	vrows, err := ValidationRows(f.tables...)
	if err != nil {
		t.Fatal(err)
	}
	f.rows["_Validation"] = vrows
	f.streams["app.cab"] = bytes.Repeat([]byte("MSCF"), 3000)
	f.summary = SummaryInfo{
		Title: "Installation Database", Subject: "Example Service", Author: "Example Café",
		Keywords: "Installer", Comments: "built by svcship", Template: "x64;1033",
		RevisionNumber: "{C0FFEE00-0000-5000-8000-000000000001}",
		Created:        buildTime, LastSaved: buildTime,
		PageCount: 200, WordCount: 2, AppName: "svcship", Security: 2,
	}
	return f
}

func (f *fixture) write(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: !f.validate})
	for _, tb := range f.tables {
		if err := w.CreateTable(tb); err != nil {
			t.Fatal(err)
		}
	}
	names := make([]string, 0, len(f.rows))
	for n := range f.rows {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, r := range f.rows[n] {
			if err := w.AddRow(n, r...); err != nil {
				t.Fatal(err)
			}
		}
	}
	snames := make([]string, 0, len(f.streams))
	for n := range f.streams {
		snames = append(snames, n)
	}
	slices.Sort(snames)
	for _, n := range snames {
		if err := w.AddStream(n, f.streams[n]); err != nil {
			t.Fatal(err)
		}
	}
	w.SetSummary(f.summary)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// canon turns rows into sorted strings so stored order does not matter.
func canon(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		s := ""
		for _, v := range r {
			switch x := v.(type) {
			case nil:
				s += "<nil>|"
			case []byte:
				s += fmt.Sprintf("bytes:%x|", x)
			default:
				s += fmt.Sprintf("%v|", x)
			}
		}
		out[i] = s
	}
	slices.Sort(out)
	return out
}
