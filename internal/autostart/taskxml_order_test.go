package autostart

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// A user-scope logon task with a delay carries both UserId and Delay in
// its LogonTrigger; the schema's logonTriggerType is a sequence, so UserId
// must come first. The whole document is written out.
func TestTaskXMLLogonTriggerElementOrder(t *testing.T) {
	task := Task{Entry: Entry{Name: "HelloTray", Command: `C:\Program Files\Hello\hello.exe`, Args: []string{"--tray"}},
		Delay: 45 * time.Second, Description: "Hello tray"}
	got, err := task.XML(`PC\alice`)
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Hello tray</Description>
    <URI>\HelloTray</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>PC\alice</UserId>
      <Delay>PT45S</Delay>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>PC\alice</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>C:\Program Files\Hello\hello.exe</Command>
      <Arguments>--tray</Arguments>
    </Exec>
  </Actions>
</Task>
`
	if string(got) != want {
		t.Errorf("task XML:\n%s\nwant:\n%s", got, want)
	}
}

// schtasks /Query fails the same way (exit 1, localized text) for a
// missing task and for a real error; the stored definition decides, and
// schtasks is not even asked when there is none.
func TestTaskStatusDecidesMissingByDefinition(t *testing.T) {
	fails := &fakeRunner{answer: func([]string) (string, error) {
		return "FEHLER: Das System kann die angegebene Datei nicht finden.", fmt.Errorf("exit status 1")
	}}
	ctx := context.Background()
	tests := []struct {
		name      string
		stored    func(string) (bool, error)
		installed bool
		wantErr   string
	}{
		{"no definition: not installed", func(string) (bool, error) { return false, nil }, false, ""},
		{"definition present: a real failure", func(string) (bool, error) { return true, nil }, false, "FEHLER"},
		{"cannot tell: a real failure", func(string) (bool, error) { return false, errors.New("access denied") }, false, "access denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := TaskManager{Run: fails, Schtasks: `C:\Windows\System32\schtasks.exe`, TaskStored: tt.stored}
			st, err := m.Status(ctx, "HelloTray")
			if tt.wantErr == "" {
				if err != nil || st.Installed != tt.installed {
					t.Fatalf("status = %+v, %v", st, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("status error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
	if len(fails.calls) != 2 {
		t.Errorf("schtasks ran %d times, want 2 (not when the definition is missing)", len(fails.calls))
	}
	if c := fails.calls[0]; !slices.Equal(c[:2], []string{`C:\Windows\System32\schtasks.exe`, "/Query"}) {
		t.Errorf("ran %q, want the absolute schtasks path", c)
	}
}
