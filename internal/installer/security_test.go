package installer

import (
	"bytes"
	"context"
	"github.com/svcship/svcship/internal/svcstate"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"
)

// Known virtual-account SIDs: NT SERVICE\TrustedInstaller and
// NT SERVICE\MSSQLSERVER as Windows reports them (whoami /all, icacls),
// and hellosvc worked out by hand from its SHA-1.
func TestVirtualAccountSID(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"TrustedInstaller", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"},
		{"MSSQLSERVER", "S-1-5-80-3880718306-3832830129-1677859214-2598158968-1052248003"},
		{"hellosvc", "S-1-5-80-4026023083-750819995-3502543877-1525674725-4256075313"},
		{"HelloSvc", "S-1-5-80-4026023083-750819995-3502543877-1525674725-4256075313"}, // upper-cased first
	} {
		if got := VirtualAccountSID(tc.name); got != tc.want {
			t.Errorf("VirtualAccountSID(%q) = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestUntrustedWriters(t *testing.T) {
	for _, tc := range []struct {
		name, sddl string
		rights     uint32
		want       []string
	}{
		{"admin-only", sddlAdminOnly, writeRights, nil},
		{"Program Files child", sddlUnderProgFiles, writeRights, nil},
		{"Users may add folders to C:\\ but not replace its content", sddlDriveC, replaceRights &^ accessDelete, nil},
		{"the same ACE counts for an install folder", sddlDriveC, writeRights, []string{"S-1-5-11"}},
		{"ProgramData: Users add files and folders", sddlProgramData, replaceRights, nil},
		{"inherited Authenticated Users modify", "O:BAD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;OICIID;0x1301bf;;;AU)", writeRights, []string{"S-1-5-11"}},
		{"owned by a user", sddlUserFolder, replaceRights, []string{sidBob + " (owner)"}},
		{"Everyone full by hex mask", "O:SYD:(A;;0x1f01ff;;;WD)", writeRights, []string{"S-1-1-0"}},
		{"inherit-only ACEs do not apply", "O:SYD:P(A;OICIIO;GA;;;BU)", writeRights, nil},
		{"no DACL", "O:SY", writeRights, []string{"S-1-1-0 (no DACL: everyone)"}},
		{"a deny does not grant", "O:SYD:P(D;;FA;;;WD)", writeRights, nil},
	} {
		sd, err := parseSDDL(tc.sddl)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := sd.untrustedWriters(tc.rights, sidAdminUser); !slices.Equal(got, tc.want) {
			t.Errorf("%s: writers %v, want %v", tc.name, got, tc.want)
		}
	}
}

// secEnv runs the installer on a fake with svcship.yaml beside it.
func secEnv(f *fakeSys, files memFiles, vars map[string]string) (Env, *bytes.Buffer, *bytes.Buffer) {
	env, out, errb := files.env(f)
	env.Getenv = func(k string) string { return vars[k] }
	env.Poll = time.Millisecond
	return env, out, errb
}

const (
	helloSID    = "S-1-5-80-4026023083-750819995-3502543877-1525674725-4256075313"
	installed   = dir + `\svcship.yaml`
	svcRoot     = `C:\ProgramData\hellosvc`
	svcLogs     = svcRoot + `\logs`
	svcData     = svcRoot + `\data`
	sddlLogsVA  = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;" + helloSID + ")"
	sddlRootVA  = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;;0x1200a9;;;" + helloSID + ")"
	sddlLogsSvc = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;" + sidSvcUser + ")"
)

// Every folder install creates gets its descriptor in the CreateDirectory
// call: the default (virtual) account and a user account.
func TestInstallCreatesFoldersWithExplicitDACLs(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		vars       map[string]string
		want       []string
	}{
		{"virtual account (default)", baseYAML, nil, []string{
			"CreateDir " + svcRoot + " " + sddlRootVA,
			"CreateDir " + svcLogs + " " + sddlLogsVA,
			"CreateDir " + svcData + " " + sddlLogsVA,
		}},
		{"user account", baseYAML + "  account: .\\svcuser\n  password_env: PW\n", map[string]string{"PW": "pw"}, []string{
			"CreateDir " + svcRoot + " O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;;0x1200a9;;;" + sidSvcUser + ")",
			"CreateDir " + svcLogs + " " + sddlLogsSvc,
			"CreateDir " + svcData + " " + sddlLogsSvc,
		}},
		{"LocalSystem: administrators only", baseYAML + "  account: LocalSystem\n", nil, []string{
			"CreateDir " + svcRoot + " O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
			"CreateDir " + svcLogs + " O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
			"CreateDir " + svcData + " O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
		}},
		{"configured folders", baseYAML + "  logs: {dir: 'D:\\Logs'}\n  data_dir: state\n", nil, []string{
			"CreateDir D:\\Logs " + sddlLogsVA,
			"CreateDir " + dir + `\state ` + sddlLogsVA,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			env, _, errb := secEnv(f, memFiles{installed: tc.yaml}, tc.vars)
			if code := Main(context.Background(), env, []string{"install"}); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if !slices.Equal(f.fakeFS.calls, tc.want) {
				t.Errorf("folder calls:\n%s\nwant:\n%s", strings.Join(f.fakeFS.calls, "\n"), strings.Join(tc.want, "\n"))
			}
			// A second install finds everything as it should be.
			f.fakeFS.calls = nil
			if code := Main(context.Background(), env, []string{"install"}); code != ExitOK || len(f.fakeFS.calls) != 0 {
				t.Errorf("second install: exit %d, folder calls %v: %s", code, f.fakeFS.calls, errb)
			}
		})
	}
}

// A log folder planted by a standard user, or a junction in its place, is
// refused before the service exists; --repair-folders takes the former
// over but never follows the latter.
func TestPlantedLogFolderRefused(t *testing.T) {
	for _, tc := range []struct {
		name      string
		plant     func(f *fakeFS)
		args      []string
		wantErr   string
		wantCalls []string
	}{
		{"owned by a standard user", func(f *fakeFS) { f.dir(svcRoot, sddlAdminOnly); f.dir(svcLogs, sddlUserFolder) }, nil,
			"log folder " + svcLogs + " is owned by " + sidBob + ", not by SYSTEM or Administrators", nil},
		{"a junction", func(f *fakeFS) { f.dir(svcRoot, sddlAdminOnly); f.dir(svcLogs, sddlAdminOnly).reparse = true }, []string{"--repair-folders"},
			"log folder " + svcLogs + " is a junction or symbolic link", nil},
		{"service folder owned by a user", func(f *fakeFS) { f.dir(svcRoot, sddlUserFolder) }, nil,
			"service folder " + svcRoot + " is owned by " + sidBob, nil},
		{"a folder that shuts administrators out", func(f *fakeFS) {
			f.dir(svcRoot, sddlAdminOnly)
			n := f.dir(svcLogs, "O:"+sidBob+"D:P(A;OICI;FA;;;"+sidBob+")")
			n.locked = true
		}, nil, "log folder " + svcLogs + " cannot be read by administrators", nil},
		{"a planted hard link in the log folder", func(f *fakeFS) {
			f.dir(svcRoot, sddlRootVA)
			f.dir(svcLogs, sddlLogsVA)
			f.file(svcLogs+`\hellosvc.log`, inheritedFile).links = 2
		}, nil, "holds " + svcLogs + `\hellosvc.log, a file with 2 hard links`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			tc.plant(f.fakeFS)
			env, _, errb := secEnv(f, memFiles{installed: baseYAML}, nil)
			code := Main(context.Background(), env, append([]string{"install"}, tc.args...))
			if code != ExitFailure || !strings.Contains(errb.String(), tc.wantErr) {
				t.Fatalf("exit %d, stderr %s; want %q", code, errb, tc.wantErr)
			}
			if len(f.fakeFS.calls) != 0 || len(f.mutating()) != 0 {
				t.Errorf("refused folder touched: %v %v", f.fakeFS.calls, f.mutating())
			}
		})
	}
	t.Run("--repair-folders takes a locked folder over", func(t *testing.T) {
		f := newFake()
		f.dir(svcRoot, sddlRootVA)
		f.dir(svcLogs, "O:"+sidBob+"D:P(A;OICI;FA;;;"+sidBob+")").locked = true
		env, _, errb := secEnv(f, memFiles{installed: baseYAML}, nil)
		if code := Main(context.Background(), env, []string{"install", "--repair-folders"}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if got := f.changes(svcLogs); len(got) == 0 || got[0] != "SetSecurity "+svcLogs+" "+sddlLogsVA {
			t.Errorf("calls %v", got)
		}
	})
	t.Run("--repair-folders takes a planted folder over", func(t *testing.T) {
		f := newFake()
		f.dir(svcRoot, sddlAdminOnly)
		f.dir(svcLogs, sddlUserFolder)
		f.file(svcLogs+`\hellosvc.log`, "O:"+sidBob+"D:AI(A;ID;FA;;;"+sidBob+")")
		f.file(svcLogs+`\link.log`, inheritedFile).reparse = true
		env, _, errb := secEnv(f, memFiles{installed: baseYAML}, nil)
		if code := Main(context.Background(), env, []string{"install", "--repair-folders"}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		want := []string{
			"SetSecurity " + svcRoot + " " + sddlRootVA,
			"SetSecurity " + svcLogs + " " + sddlLogsVA,
			"SetSecurity " + svcLogs + `\hellosvc.log O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1301bf;;;` + helloSID + ")",
			"RemovePath " + svcLogs + `\link.log`,
			"CreateDir " + svcData + " " + sddlLogsVA,
		}
		if !slices.Equal(f.fakeFS.calls, want) {
			t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.fakeFS.calls, "\n"), strings.Join(want, "\n"))
		}
	})
}

// After an account change the files the old account wrote become the new
// account's to append to and rotate.
func TestAccountChangeMakesLogFilesWritable(t *testing.T) {
	f := newFake()
	files := memFiles{installed: baseYAML + "  account: LocalService\n"}
	env, _, errb := secEnv(f, files, nil)
	if code := Main(context.Background(), env, []string{"install"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	// LocalService wrote a log and rotated it.
	for _, n := range []string{"hellosvc.log", "hellosvc.1.log"} {
		f.file(svcLogs+`\`+n, "O:LSD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1301bf;;;LS)")
	}
	f.fakeFS.calls = nil
	files[installed] = baseYAML // back to the default, the virtual account
	if code := Main(context.Background(), env, []string{"install"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	file := "O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1301bf;;;" + helloSID + ")"
	want := []string{
		"SetSecurity " + svcRoot + " " + sddlRootVA,
		"SetSecurity " + svcLogs + " " + sddlLogsVA,
		"SetSecurity " + svcLogs + `\hellosvc.1.log ` + file,
		"SetSecurity " + svcLogs + `\hellosvc.log ` + file,
		"SetSecurity " + svcData + " " + sddlLogsVA,
	}
	if !slices.Equal(f.fakeFS.calls, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.fakeFS.calls, "\n"), strings.Join(want, "\n"))
	}
}

// install refuses an install folder non-administrators can write to, and
// one whose parent they could rename, whatever the account.
func TestInstallFolderWritableByUsersRefused(t *testing.T) {
	userWritable := "O:BAD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;OICIID;0x1301bf;;;AU)(A;OICIID;0x1200a9;;;BU)"
	for _, tc := range []struct {
		name, yaml string
		layout     func(f *fakeFS)
		wantErr    string
	}{
		{"folder inherits Authenticated Users modify", baseYAML + "  account: LocalService\n", func(f *fakeFS) { f.nodes[dir].sddl = userWritable },
			"install folder " + dir + " can be changed by non-administrators (" + dir + ": Authenticated Users)"},
		{"a file in it is writable", baseYAML, func(f *fakeFS) { f.file(dir+`\hellosvc.exe`, "O:BAD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;;FW;;;BU)") },
			dir + `\hellosvc.exe: Users`},
		{"folder owned by a user", baseYAML, func(f *fakeFS) { f.nodes[dir].sddl = sddlUserFolder },
			dir + ": " + sidBob + " (owner)"},
		{"a parent users could rename", baseYAML, func(f *fakeFS) { f.nodes[`C:\Program Files`].sddl = userWritable },
			`its parent folder C:\Program Files can be renamed, emptied or taken over by Authenticated Users`},
		{"the install folder is a junction", baseYAML, func(f *fakeFS) { f.nodes[dir].reparse = true },
			"install folder " + dir + " is a junction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			tc.layout(f.fakeFS)
			env, _, errb := secEnv(f, memFiles{installed: tc.yaml}, nil)
			code := Main(context.Background(), env, []string{"install"})
			if code != ExitFailure || !strings.Contains(errb.String(), tc.wantErr) {
				t.Fatalf("exit %d, stderr %s\nwant %q", code, errb, tc.wantErr)
			}
			if len(f.mutating()) != 0 || len(f.fakeFS.calls) != 0 {
				t.Errorf("changed something: %v %v", f.mutating(), f.fakeFS.calls)
			}
		})
	}
	t.Run("--secure-install-dir", func(t *testing.T) {
		f := newFake()
		f.nodes[dir].sddl = userWritable
		f.file(dir+`\hellosvc.exe`, "O:BAD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1301bf;;;AU)")
		env, out, errb := secEnv(f, memFiles{installed: baseYAML}, nil)
		if code := Main(context.Background(), env, []string{"install", "--secure-install-dir"}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		want := []string{
			"SetSecurity " + dir + " O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)",
			"SetSecurity " + dir + `\hellosvc.exe O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1200a9;;;BU)`,
			"SetSecurity " + dir + `\svcship.yaml O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1200a9;;;BU)`,
		}
		if got := f.changes(dir); !slices.Equal(got, want) {
			t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !strings.Contains(out.String(), "reset the permissions of install folder") {
			t.Errorf("stdout %s", out)
		}
	})
}

// The configure step the MSI runs (deferred, as SYSTEM, no console) never
// asks for a password and never sets a user account: it grants the logon
// right. install without a console fails at once naming the variable.
func TestNoPromptWithoutConsole(t *testing.T) {
	userYAML := baseYAML + "  account: .\\svcuser\n  password_env: HELLO_PW\n"
	t.Run("configure", func(t *testing.T) {
		f := newFake()
		f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: `"` + dir + `\hellosvc.exe"`, Start: StartModeAuto, Account: `.\svcuser`, Password: "set by ServiceInstall"}}
		env, _, errb := secEnv(f, memFiles{installed: userYAML}, nil)
		env.Prompt = func(string) (string, error) { t.Fatal("configure prompted"); return "", nil }
		if code := Main(context.Background(), env, []string{"configure"}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if !slices.Equal(f.granted, []string{`.\svcuser`}) {
			t.Errorf("logon right granted to %v", f.granted)
		}
		if s := f.svcs["hellosvc"]; s.core.Password != "set by ServiceInstall" || slices.ContainsFunc(f.calls, func(c string) bool { return strings.HasPrefix(c, "ChangeCore") }) {
			t.Errorf("configure changed the account: %+v %v", s.core, f.calls)
		}
	})
	t.Run("install", func(t *testing.T) {
		f := newFake()
		env, _, errb := secEnv(f, memFiles{installed: userYAML}, nil)
		env.Prompt = nil // no console
		begin := time.Now()
		code := Main(context.Background(), env, []string{"install"})
		if code != ExitUsage || !strings.Contains(errb.String(), "there is no console to ask on: set the environment variable HELLO_PW") {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if time.Since(begin) > 5*time.Second || len(f.mutating()) != 0 {
			t.Errorf("took %s, changed %v", time.Since(begin), f.mutating())
		}
	})
}

// A configure step that fails keeps the saved copy (the old version comes
// back on rollback, or the next attempt restores it again); one that
// succeeds forgets it.
func TestRestoreKeepsSavedCopyWhenConfigureFails(t *testing.T) {
	edited := baseYAML + "  description: edited by the administrator\n"
	files := memFiles{installed: baseYAML, saved: edited}
	f := newFake()
	savedFolders(f)
	f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: `"` + dir + `\hellosvc.exe"`, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`}}
	f.fail["SetFailureActions"] = fs.ErrPermission
	env, _, errb := secEnv(f, files, nil)
	if code := Main(context.Background(), env, []string{"configure", "--restore-config", saved}); code != ExitFailure {
		t.Fatalf("exit %d, want %d: %s", code, ExitFailure, errb)
	}
	if files[saved] != edited {
		t.Fatalf("saved copy after a failed configure = %q, want it kept", files[saved])
	}
	delete(f.fail, "SetFailureActions")
	if code := Main(context.Background(), env, []string{"configure", "--restore-config", saved}); code != ExitOK {
		t.Fatalf("retry: exit %d: %s", code, errb)
	}
	if _, ok := files[saved]; ok || files[installed] != edited {
		t.Errorf("after success: saved kept=%v, installed %q", ok, files[installed])
	}
}

// Saved settings a standard user planted (the upgrade code is public) are
// never applied as SYSTEM, and nothing of theirs is touched.
func TestPlantedSavedSettingsRefused(t *testing.T) {
	evil := baseYAML + "  mode: hosted\n  hosted: {executable: 'C:\\Users\\Public\\x.exe'}\n"
	for _, tc := range []struct {
		name    string
		plant   func(f *fakeFS)
		wantErr string
	}{
		{"svcship folder created by a user", func(f *fakeFS) { f.dir(savedRoot, sddlUserFolder); f.dir(savedProduct, sddlUserFolder) },
			"saved-settings folder " + savedRoot + " is owned by " + sidBob},
		{"product folder is a junction", func(f *fakeFS) { f.dir(savedRoot, sddlAdminOnly); f.dir(savedProduct, sddlAdminOnly).reparse = true },
			"saved-settings folder " + savedProduct + " is a junction or symbolic link"},
		{"file owned by a user", func(f *fakeFS) {
			f.dir(savedRoot, sddlAdminOnly)
			f.dir(savedProduct, sddlAdminOnly)
			f.file(saved, "O:"+sidBob+"D:(A;;FA;;;"+sidBob+")")
		}, "saved settings " + saved + " is owned by " + sidBob},
		{"file is a link", func(f *fakeFS) {
			f.dir(savedRoot, sddlAdminOnly)
			f.dir(savedProduct, sddlAdminOnly)
			f.file(saved, inheritedFile).reparse = true
		}, "saved settings file " + saved + " is a junction or symbolic link"},
		{"file has a second name", func(f *fakeFS) {
			f.dir(savedRoot, sddlAdminOnly)
			f.dir(savedProduct, sddlAdminOnly)
			f.file(saved, inheritedFile).links = 2
		}, "saved settings " + saved + " has 2 hard links"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := memFiles{installed: baseYAML, saved: evil}
			f := newFake()
			tc.plant(f.fakeFS)
			f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: `"` + dir + `\hellosvc.exe"`, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`}}
			env, _, errb := secEnv(f, files, nil)
			if code := Main(context.Background(), env, []string{"configure", "--restore-config", saved}); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if !strings.Contains(errb.String(), "not restoring saved settings: "+tc.wantErr) {
				t.Errorf("stderr %s\nwant %q", errb, tc.wantErr)
			}
			if files[installed] != baseYAML || strings.Contains(f.svcs["hellosvc"].core.BinaryPath, "host") {
				t.Errorf("the planted settings were applied: %q %+v", files[installed], f.svcs["hellosvc"].core)
			}
			if got := f.changes(savedRoot); len(got) != 0 || files[saved] != evil {
				t.Errorf("planted files touched: %v", got)
			}
			// A save refuses the same folder and writes nothing.
			files[installed] = baseYAML + "  description: mine\n"
			if code := Main(context.Background(), env, []string{"save-config", "--from", installed, "--to", saved}); code != ExitFailure {
				t.Errorf("save-config into a planted folder: exit %d", code)
			}
			if files[saved] != evil || len(f.changes(savedRoot)) != 0 {
				t.Errorf("save-config wrote into a planted folder: %q %v", files[saved], f.changes(savedRoot))
			}
		})
	}
}

// Uninstall removes the folders install created, except the data folder
// unless purged.
func TestUninstallRemovesFolders(t *testing.T) {
	for _, purge := range []bool{false, true} {
		f := newFake()
		files := memFiles{installed: baseYAML}
		env, out, errb := secEnv(f, files, nil)
		if code := Main(context.Background(), env, []string{"install"}); code != ExitOK {
			t.Fatalf("install: %d %s", code, errb)
		}
		f.file(svcLogs+`\hellosvc.log`, inheritedFile)
		f.file(svcData+`\state.db`, inheritedFile)
		args := []string{"uninstall"}
		if purge {
			args = append(args, "--purge")
		}
		if code := Main(context.Background(), env, args); code != ExitOK {
			t.Fatalf("uninstall: %d %s", code, errb)
		}
		_, logs := f.nodes[svcLogs]
		_, data := f.nodes[svcData+`\state.db`]
		_, root := f.nodes[svcRoot]
		if logs || data == purge || root != !purge {
			t.Errorf("purge=%v: logs left %v, data left %v, root left %v\n%s", purge, logs, data, root, out)
		}
	}
}

// A service still starting cannot take a stop request yet; stop waits
// for it, then stops it; one that never finishes starting is ended.
func TestStopWhileStarting(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.svcs["hellosvc"] = &fakeSvc{status: RunStatus{State: svcstate.Stopped}}
	f.startPending = 3
	if err := f.Start("hellosvc"); err != nil {
		t.Fatal(err)
	}
	ctl := &Controller{Sys: f, Poll: time.Millisecond}
	msg, err := ctl.Stop(ctx, "hellosvc", time.Second)
	if err != nil || f.svcs["hellosvc"].status.State != svcstate.Stopped || len(f.killed) != 0 {
		t.Fatalf("stop: %q, %v, state %v, killed %v", msg, err, f.svcs["hellosvc"].status.State, f.killed)
	}
	stops := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, "Stop ") {
			stops++
		}
	}
	if stops < 2 {
		t.Errorf("%d stop requests; the first one must have been refused while starting", stops)
	}

	f.startPending = -1 // never finishes starting
	if err := f.Start("hellosvc"); err != nil {
		t.Fatal(err)
	}
	pid := f.svcs["hellosvc"].status.PID
	msg, err = ctl.Stop(ctx, "hellosvc", 50*time.Millisecond)
	if err != nil || !slices.Equal(f.killed, []uint32{pid}) || !strings.Contains(msg, "did not become ready to stop") {
		t.Fatalf("stuck start: %q, %v, killed %v", msg, err, f.killed)
	}
}

// A service account that cannot read the install folder would fail to
// start; install says so.
func TestWarnsWhenTheServiceCannotReadTheInstallFolder(t *testing.T) {
	for _, tc := range []struct {
		sddl string
		warn bool
	}{
		{sddlUnderProgFiles, false}, // Users read and execute
		{"O:" + sidAdminUser + "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + sidAdminUser + ")", true}, // an administrator's profile
		{"O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;" + helloSID + ")", false},                // granted to the service
	} {
		f := newFake()
		f.nodes[dir].sddl = tc.sddl
		env, _, errb := secEnv(f, memFiles{installed: baseYAML}, nil)
		if code := Main(context.Background(), env, []string{"install"}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if got := strings.Contains(errb.String(), `warning: NT SERVICE\hellosvc may not be allowed to read`); got != tc.warn {
			t.Errorf("%s: warning %v, want %v: %s", tc.sddl, got, tc.warn, errb)
		}
	}
}

// uninstall --folders-only is for an MSI, whose tables remove the service:
// the folders go, the service manager is not asked to delete anything.
func TestUninstallFoldersOnly(t *testing.T) {
	f := newFake()
	env, _, errb := secEnv(f, memFiles{installed: baseYAML}, nil)
	if code := Main(context.Background(), env, []string{"install"}); code != ExitOK {
		t.Fatalf("install: %d %s", code, errb)
	}
	f.calls = nil
	if code := Main(context.Background(), env, []string{"uninstall", "--folders-only"}); code != ExitOK {
		t.Fatalf("uninstall --folders-only: %d %s", code, errb)
	}
	if _, ok := f.nodes[svcLogs]; ok || len(f.mutating()) != 0 || f.svcs["hellosvc"] == nil {
		t.Errorf("logs left %v, service calls %v", ok, f.mutating())
	}
	if _, ok := f.nodes[svcData]; !ok {
		t.Error("the data folder went without --purge")
	}
}
