package installer

import (
	"context"
	"strings"
	"testing"
)

const commentedYAML = `# hellosvc, as shipped
product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
service:
  name: hellosvc
  # started by hand on test machines
  start: auto # the default
`

// The MSI passes SERVICE_ACCOUNT, SERVICE_START and SERVICE_ARGUMENTS as
// --msi-property; configure writes them into svcship.yaml (comments kept)
// and applies them; an upgrade without them keeps them, through the saved
// copy.
func TestMSIPropertiesOverrideAndSurviveUpgrade(t *testing.T) {
	files := memFiles{installed: commentedYAML}
	f := newFake()
	f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", BinaryPath: `"` + dir + `\hellosvc.exe"`, Start: StartModeAuto, Account: `NT SERVICE\hellosvc`}}
	env, _, errb := secEnv(f, files, nil)
	args := []string{"configure",
		"--msi-property", "SERVICE_ACCOUNT=LocalService",
		"--msi-property", "SERVICE_START=manual",
		"--msi-property", `SERVICE_ARGUMENTS=--listen 127.0.0.1:9000 --name "Hello World"`,
	}
	if code := Main(context.Background(), env, args); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	want := `# hellosvc, as shipped
product:
  name: hellosvc
  company: Example Ltd
  description: A small HTTP service
packaging:
  upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10
service:
  name: hellosvc
  # started by hand on test machines
  start: manual # the default
  account: LocalService
  arguments: [--listen, '127.0.0.1:9000', --name, Hello World]
`
	if files[installed] != want {
		t.Errorf("svcship.yaml after configure:\n%s\nwant:\n%s", files[installed], want)
	}
	s := f.svcs["hellosvc"]
	if s.core.Account != `NT AUTHORITY\LocalService` || s.core.Start != StartModeManual ||
		s.core.BinaryPath != `"C:\Program Files\Hello\hellosvc.exe" --listen 127.0.0.1:9000 --name "Hello World"` {
		t.Errorf("service after configure: %+v", s.core)
	}

	// Upgrade: the removal saves svcship.yaml, the new version's own
	// file comes without the overrides, and configure runs without them
	// (an empty value is "not passed").
	if code := Main(context.Background(), env, []string{"save-config", "--from", installed, "--to", saved}); code != ExitOK {
		t.Fatalf("save: %s", errb)
	}
	files[installed] = commentedYAML
	s.core.Start, s.core.Account = StartModeAuto, `NT SERVICE\hellosvc` // ServiceInstall's values
	args = []string{"configure", "--restore-config", saved,
		"--msi-property", "SERVICE_ACCOUNT=", "--msi-property", "SERVICE_START=", "--msi-property", "SERVICE_ARGUMENTS="}
	if code := Main(context.Background(), env, args); code != ExitOK {
		t.Fatalf("upgrade configure: exit %d: %s", code, errb)
	}
	if files[installed] != want || s.core.Start != StartModeManual || s.core.Account != `NT AUTHORITY\LocalService` {
		t.Errorf("after the upgrade: %+v\n%s", s.core, files[installed])
	}
}

func TestMSIPropertiesBadInputWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--msi-property", "SERVICE_START=sometimes"}, `SERVICE_START: start type "sometimes" is not a start type`},
		{[]string{"--msi-property", "SERVICE_ACCOUNT=bob"}, `SERVICE_ACCOUNT: account "bob" is not an account`},
		{[]string{"--msi-property", "SERVICE_COLOR=red"}, "--msi-property SERVICE_COLOR: unknown property"},
		{[]string{"--msi-property", "SERVICE_START"}, `--msi-property "SERVICE_START" is not NAME=VALUE`},
		{[]string{"--msi-property", "SERVICE_START=manual", "--msi-property", "SERVICE_START=auto"}, "given twice"},
	} {
		files := memFiles{installed: commentedYAML}
		f := newFake()
		f.svcs["hellosvc"] = &fakeSvc{core: CoreConfig{DisplayName: "hellosvc", Account: `NT SERVICE\hellosvc`}}
		env, _, errb := secEnv(f, files, nil)
		code := Main(context.Background(), env, append([]string{"configure"}, tc.args...))
		if code != ExitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %s; want %q", tc.args, code, errb, tc.want)
		}
		if files[installed] != commentedYAML || len(f.mutating()) != 0 {
			t.Errorf("%v: changed %q %v", tc.args, files[installed], f.mutating())
		}
	}
}
