package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/winetest"
	"github.com/svcship/svcship/msi"
)

// TestCmdMSI drives `svcship msi` as a GoReleaser hook would: real Windows
// executables in, an MSI out, the same bytes twice, and one clear message
// with no file left for bad input.
func TestCmdMSI(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles two programs")
	}
	dir := t.TempDir()
	app := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/hellosvc")
	inst := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/svcship-installer")
	cfg := filepath.Join(dir, "svcship.yaml")
	os.WriteFile(cfg, []byte(`product: {name: hellosvc, company: Example Ltd, description: A small HTTP service}
service: {name: hellosvc}
packaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}
`), 0o644)
	t.Setenv("SOURCE_DATE_EPOCH", "1772366400")

	msiArgs := func(out string, extra ...string) []string {
		args := []string{"msi", "--config", cfg, "--arch", "amd64", "--version", "v1.2.3", "--binary", app, "--installer", inst, "--output", out}
		return append(args, extra...)
	}
	a, b := filepath.Join(dir, "a.msi"), filepath.Join(dir, "b.msi")
	for _, out := range []string{a, b} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), msiArgs(out), &stdout, &stderr); code != 0 {
			t.Fatalf("svcship msi: exit %d: %s", code, stderr.String())
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if len(da) == 0 || !bytes.Equal(da, db) {
		t.Fatal("two runs with the same inputs gave different MSIs")
	}
	r, err := msi.Open(bytes.NewReader(da), int64(len(da)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := r.Rows("Property")
	if err != nil {
		t.Fatal(err)
	}
	props := map[any]any{}
	for _, row := range rows {
		props[row[0]] = row[1]
	}
	if props["ProductVersion"] != "1.2.3" || props["Manufacturer"] != "Example Ltd" {
		t.Errorf("ProductVersion %v, Manufacturer %v", props["ProductVersion"], props["Manufacturer"])
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"version out of range", []string{"msi", "--config", cfg, "--arch", "amd64", "--version", "300.0.0", "--binary", app, "--installer", inst, "--output", filepath.Join(dir, "bad1.msi")}, "above 255"},
		{"wrong arch", []string{"msi", "--config", cfg, "--arch", "arm64", "--version", "1.2.3", "--binary", app, "--installer", inst, "--output", filepath.Join(dir, "bad2.msi")}, "not Arm64"},
		{"missing binary", []string{"msi", "--config", cfg, "--arch", "amd64", "--version", "1.2.3", "--binary", filepath.Join(dir, "nope.exe"), "--installer", inst, "--output", filepath.Join(dir, "bad3.msi")}, "nope.exe"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		msg := strings.TrimSpace(stderr.String())
		if code != 2 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line naming %q", tc.name, code, msg, tc.want)
		}
		if _, err := os.Stat(tc.args[len(tc.args)-1]); !os.IsNotExist(err) {
			t.Errorf("%s: an output file was left behind (%v)", tc.name, err)
		}
	}
}
