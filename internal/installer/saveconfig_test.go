package installer

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// memFiles is a file system of Windows paths for the save/restore tests.
type memFiles map[string]string

func (m memFiles) env(sys System) (Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	if f, ok := sys.(*fakeSys); ok {
		f.files = m
	}
	return Env{
		Sys: sys, Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(string) string { return "" },
		ReadFile: func(p string) ([]byte, error) {
			if d, ok := m[p]; ok {
				return []byte(d), nil
			}
			return nil, fs.ErrNotExist
		},
		WriteFile: func(p string, data []byte) error { m[p] = string(data); return nil },
		Remove: func(p string) error {
			if _, ok := m[p]; !ok {
				return fs.ErrNotExist
			}
			delete(m, p)
			return nil
		},
	}, &out, &errb
}

const (
	savedRoot    = `C:\ProgramData\svcship`
	savedProduct = savedRoot + `\8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10`
	saved        = savedProduct + `\svcship.yaml`
)

// savedFolders makes the saved-settings folders as an earlier save did.
func savedFolders(f *fakeSys) {
	f.dir(savedRoot, sddlAdminOnly)
	f.dir(savedProduct, sddlAdminOnly)
}

// The MSI's removal saves svcship.yaml; the next install's configure step
// puts the administrator's version back and forgets the copy.
func TestSaveAndRestoreConfigAcrossUpgrade(t *testing.T) {
	installed := dir + `\svcship.yaml`
	edited := baseYAML + "  description: edited by the administrator\n"
	files := memFiles{installed: edited}
	env, _, errb := files.env(newFake())

	if code := Main(context.Background(), env, []string{"save-config", "--from", installed, "--to", saved}); code != ExitOK {
		t.Fatalf("save-config: exit %d: %s", code, errb)
	}
	if files[saved] != edited {
		t.Fatalf("saved copy = %q", files[saved])
	}

	// The save made both folders admin-only, in the CreateDirectory call.
	wantCreate := []string{
		`CreateDir C:\ProgramData\svcship O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)`,
		`CreateDir C:\ProgramData\svcship\8F1C2A6E-5B7D-4E3A-9C21-0D4B6A7E9F10 O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)`,
	}
	if got := env.Sys.(*fakeSys).fakeFS.changes(savedRoot); !slices.Equal(got, wantCreate) {
		t.Errorf("save-config folder calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCreate, "\n"))
	}

	// The old version's files are gone; the new version installs its own.
	files[installed] = baseYAML
	f := newFake()
	f.fakeFS = env.Sys.(*fakeSys).fakeFS
	f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: `"` + dir + `\hellosvc.exe"`, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`}}
	env, out, errb := files.env(f)
	if code := Main(context.Background(), env, []string{"configure", "--restore-config", saved}); code != ExitOK {
		t.Fatalf("configure: exit %d: %s", code, errb)
	}
	if files[installed] != edited {
		t.Errorf("svcship.yaml after configure = %q, want the edited one", files[installed])
	}
	if _, ok := files[saved]; ok {
		t.Error("the saved copy was not removed after the restore")
	}
	if !strings.Contains(out.String(), "restored") || f.svcs["hellosvc"].desc != "edited by the administrator" {
		t.Errorf("configure did not apply the restored settings: desc %q, out %s", f.svcs["hellosvc"].desc, out)
	}
}

func TestRestoreKeepsNewConfigWhenSavedIsInvalid(t *testing.T) {
	installed := dir + `\svcship.yaml`
	files := memFiles{installed: baseYAML, saved: "service: [broken\n"}
	f := newFake()
	savedFolders(f)
	f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: "x.exe", Start: StartModeAuto, Account: "LocalSystem"}}
	env, _, errb := files.env(f)
	if code := Main(context.Background(), env, []string{"configure", "--restore-config", saved}); code != ExitOK {
		t.Fatalf("configure: exit %d: %s", code, errb)
	}
	if files[installed] != baseYAML || !strings.Contains(errb.String(), "keeping the new svcship.yaml") {
		t.Errorf("installed = %q, stderr %s", files[installed], errb)
	}
	if _, ok := files[saved]; !ok {
		t.Error("the invalid saved copy was removed; it is kept for the administrator to look at")
	}
}

func TestSaveConfigForgetAndUsage(t *testing.T) {
	files := memFiles{saved: baseYAML}
	f := newFake()
	savedFolders(f)
	env, _, _ := files.env(f)
	if code := Main(context.Background(), env, []string{"save-config", "--forget", "--to", saved}); code != ExitOK {
		t.Fatalf("forget: exit %d", code)
	}
	if _, ok := files[saved]; ok {
		t.Error("--forget left the saved copy")
	}
	// Purged: the folders svcship created go too.
	if _, ok := f.nodes[savedProduct]; ok {
		t.Error("--forget left the product folder")
	}
	if _, ok := f.nodes[savedRoot]; ok {
		t.Error("--forget left the svcship folder")
	}
	// Forgetting twice and saving a missing file are not errors: neither
	// may fail an uninstall.
	for _, args := range [][]string{
		{"save-config", "--forget", "--to", saved},
		{"save-config", "--from", dir + `\missing.yaml`, "--to", saved},
	} {
		if code := Main(context.Background(), env, args); code != ExitOK {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	for _, args := range [][]string{
		{"save-config"},
		{"save-config", "--to", saved},
		{"save-config", "--from", "a", "--forget", "--to", saved},
	} {
		if code := Main(context.Background(), env, args); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// With service.mode autostart there is no service: install, uninstall and
// status hand over to the autostart command, and nothing touches the
// service manager.
func TestAutostartModeReplacesTheService(t *testing.T) {
	yaml := strings.Replace(baseYAML, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc\n  mode: autostart\nautostart:\n  kind: run-key\n  scope: machine\n", 1)
	files := memFiles{dir + `\svcship.yaml`: yaml}
	f := newFake()
	env, _, errb := files.env(f)
	var got [][]string
	env.Autostart = func(_ context.Context, args []string) int { got = append(got, args); return ExitOK }
	for _, cmd := range []string{"install", "status", "uninstall"} {
		if code := Main(context.Background(), env, []string{cmd}); code != ExitOK {
			t.Fatalf("%s: exit %d: %s", cmd, code, errb)
		}
	}
	want := [][]string{
		{"add", "--config", dir + `\svcship.yaml`},
		{"status", "--config", dir + `\svcship.yaml`},
		{"remove", "--config", dir + `\svcship.yaml`},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("autostart calls %v, want %v", got, want)
	}
	if len(f.calls) != 0 {
		t.Errorf("the service manager was called: %v", f.methods())
	}
	for _, cmd := range []string{"start", "configure"} {
		if code := Main(context.Background(), env, []string{cmd}); code != ExitUsage || !strings.Contains(errb.String(), "no service to "+cmd) {
			t.Errorf("%s: exit %d, stderr %s", cmd, code, errb)
		}
	}
}

func TestSaveConfigRestore(t *testing.T) {
	installed := dir + `\svcship.yaml`
	edited := baseYAML + "  description: kept\n"
	files := memFiles{installed: baseYAML, saved: edited}
	f := newFake()
	savedFolders(f)
	env, _, errb := files.env(f)
	if code := Main(context.Background(), env, []string{"save-config", "--restore", "--from", saved, "--to", installed}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if files[installed] != edited {
		t.Errorf("installed = %q", files[installed])
	}
	if _, ok := files[saved]; ok {
		t.Error("saved copy kept after restore")
	}
}
