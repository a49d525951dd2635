package msi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

// TestWineMsiexecInstall installs a file-less package that writes one
// registry value with wine's msiexec (an implementation of msi.dll, not
// libmsi's reader), then uninstalls it.
func TestWineMsiexecInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("wine test skipped in -short mode")
	}
	p := winetest.New(t)
	const productCode = "{6C1F2A0E-5D3B-5B7A-9E41-0C2D8F9A1B01}"
	f := &fixture{rows: map[string][][]any{}, streams: map[string][]byte{}}
	for _, n := range []string{"Property", "Directory", "Component", "Feature", "FeatureComponents", "Registry", "InstallExecuteSequence", "InstallUISequence"} {
		f.tables = append(f.tables, std(t, n))
	}
	f.rows["Property"] = [][]any{
		{"ProductCode", productCode}, {"ProductName", "svcship msi test"}, {"ProductVersion", "1.0.0"},
		{"Manufacturer", "svcship"}, {"ProductLanguage", "1033"},
		{"UpgradeCode", "{6C1F2A0E-5D3B-5B7A-9E41-0C2D8F9A1B02}"}, {"ALLUSERS", "1"},
	}
	f.rows["Directory"] = [][]any{{"TARGETDIR", nil, "SourceDir"}}
	f.rows["Component"] = [][]any{{"RegComponent", "{6C1F2A0E-5D3B-5B7A-9E41-0C2D8F9A1B03}", "TARGETDIR", 256 | 4, nil, "RegValue"}}
	f.rows["Feature"] = [][]any{{"Main", nil, "Main", nil, nil, 1, nil, 0}}
	f.rows["FeatureComponents"] = [][]any{{"Main", "RegComponent"}}
	f.rows["Registry"] = [][]any{{"RegValue", 2, `Software\SvcshipMsiTest`, "Greeting", "hello from msi", "RegComponent"}}
	f.rows["InstallExecuteSequence"] = [][]any{
		{"CostInitialize", nil, 800}, {"FileCost", nil, 900}, {"CostFinalize", nil, 1000},
		{"InstallValidate", nil, 1400}, {"InstallInitialize", nil, 1500}, {"ProcessComponents", nil, 1600},
		{"UnpublishFeatures", nil, 1800}, {"RemoveRegistryValues", nil, 2600},
		{"WriteRegistryValues", nil, 5000}, {"RegisterProduct", nil, 6100},
		{"PublishFeatures", nil, 6300}, {"PublishProduct", nil, 6400}, {"InstallFinalize", nil, 6600},
	}
	f.rows["InstallUISequence"] = [][]any{
		{"CostInitialize", nil, 800}, {"FileCost", nil, 900}, {"CostFinalize", nil, 1000}, {"ExecuteAction", nil, 1300},
	}
	f.summary = SummaryInfo{
		Title: "Installation Database", Subject: "svcship msi test", Author: "svcship",
		Template: "x64;1033", RevisionNumber: "{6C1F2A0E-5D3B-5B7A-9E41-0C2D8F9A1B04}",
		PageCount: 200, WordCount: 2, Created: buildTime, LastSaved: buildTime,
	}
	path := filepath.Join(t.TempDir(), "regtest.msi")
	if err := os.WriteFile(path, f.write(t), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := filepath.Join(t.TempDir(), "install.log")
	if res, err := p.Msiexec(ctx, "/i", p.WinPath(path), "/qn", "/l*v", p.WinPath(log)); err != nil {
		b, _ := os.ReadFile(log)
		t.Fatalf("msiexec /i: %v (exit %d)\nlog tail: %s", err, res.ExitCode, tail(b, 3000))
	}
	got, err := p.RegQuery(ctx, `HKLM\Software\SvcshipMsiTest`, "Greeting")
	if err != nil || got != "hello from msi" {
		t.Fatalf("registry after install: %q, %v", got, err)
	}
	if res, err := p.Msiexec(ctx, "/x", productCode, "/qn"); err != nil {
		t.Fatalf("msiexec /x: %v (exit %d)", err, res.ExitCode)
	}
	if got, err := p.RegQuery(ctx, `HKLM\Software\SvcshipMsiTest`, "Greeting"); err == nil {
		t.Fatalf("registry value %q still present after uninstall", got)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
