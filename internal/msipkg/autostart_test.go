package msipkg

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/svcship/svcship/msi"
)

func autostartYAML(kind, scope string) string {
	return strings.Replace(testYAML, "service:\n  name: hellosvc\n", "service:\n  name: hellosvc\n  mode: autostart\n", 1) +
		"autostart:\n  kind: " + kind + "\n  scope: " + scope + "\n  arguments: [\"--tray\", \"two words\"]\n"
}

func readMSI(t *testing.T, b []byte) *msi.Reader {
	t.Helper()
	r, err := msi.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// service.mode autostart: no service at all; a Run value for every user
// that Windows Installer removes on uninstall, with the command line that
// `svcship-installer autostart add` would write.
func TestAutostartRunKeyInsteadOfService(t *testing.T) {
	f := newFixture(t, autostartYAML("run-key", "machine"), "amd64")
	r := readMSI(t, f.build(t))
	if rows, _ := r.Rows("ServiceInstall"); len(rows) != 0 {
		t.Errorf("ServiceInstall rows in autostart mode: %v", rows)
	}
	if rows, _ := r.Rows("ServiceControl"); len(rows) != 0 {
		t.Errorf("ServiceControl rows in autostart mode: %v", rows)
	}
	reg := rowsByKey(t, r, "Registry")["AutostartRun"]
	want := []any{"AutostartRun", 2, `Software\Microsoft\Windows\CurrentVersion\Run`, "hellosvc", `"[INSTALLDIR]hellosvc.exe" --tray "two words"`, "App"}
	for i, w := range want {
		if reg == nil || asAny(reg[i]) != asAny(w) {
			t.Fatalf("Run value row %v, want %v", reg, want)
		}
	}
	cas := rowsByKey(t, r, "CustomAction")
	if cas[actionConfigure] != nil || cas[actionRestore] == nil || cas[actionAutoAdd] != nil {
		t.Errorf("custom actions %v: want restore only", keysOf(cas))
	}
	if seq := rowsByKey(t, r, "InstallExecuteSequence"); seq[actionRestore] == nil || asInt(seq[actionRestore][2]) != 5840 || seq[actionConfigure] != nil {
		t.Errorf("sequence: restore %v, configure %v", seq[actionRestore], seq[actionConfigure])
	}
}

// A scheduled task is registered and removed by the bundled installer.
func TestAutostartTaskCustomActions(t *testing.T) {
	f := newFixture(t, autostartYAML("task", "machine"), "amd64")
	r := readMSI(t, f.build(t))
	cas := rowsByKey(t, r, "CustomAction")
	add, del := cas[actionAutoAdd], cas[actionAutoDel]
	if add == nil || add[3] != `autostart add --config "[INSTALLDIR]svcship.yaml"` || asInt(add[1]) != 3090 {
		t.Errorf("add action %v", add)
	}
	if del == nil || del[3] != `autostart remove --config "[INSTALLDIR]svcship.yaml"` || asInt(del[1]) != 3090|0x40 {
		t.Errorf("remove action %v", del)
	}
	seq := rowsByKey(t, r, "InstallExecuteSequence")
	if asInt(seq[actionRestore][2]) >= asInt(seq[actionAutoAdd][2]) || asInt(seq[actionAutoDel][2]) >= asInt(seq["RemoveFiles"][2]) {
		t.Errorf("order: restore %v, add %v, remove %v, RemoveFiles %v", seq[actionRestore], seq[actionAutoAdd], seq[actionAutoDel], seq["RemoveFiles"])
	}
	if reg := rowsByKey(t, r, "Registry")["AutostartRun"]; reg != nil {
		t.Errorf("a task also wrote a Run value: %v", reg)
	}
}

func TestAutostartUserScopeRefused(t *testing.T) {
	f := newFixture(t, autostartYAML("run-key", "user"), "amd64")
	var buf bytes.Buffer
	err := Build(&buf, f.spec)
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "autostart.scope") || !strings.Contains(err.Error(), "machine") {
		t.Fatalf("err = %v", err)
	}
}

func keysOf(m map[string][]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func asAny(v any) any {
	if n, ok := v.(int32); ok {
		return int(n)
	}
	if n, ok := v.(int16); ok {
		return int(n)
	}
	return v
}
