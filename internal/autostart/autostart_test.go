package autostart

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// fakeRegistry is an in-memory registry that records writes.
type fakeRegistry struct {
	vals   map[string]string
	writes []string
	fail   error
}

func (f *fakeRegistry) k(scope Scope, key, name string) string {
	return string(scope) + `|` + key + `|` + name
}

func (f *fakeRegistry) GetString(scope Scope, key, name string) (string, bool, error) {
	if f.fail != nil {
		return "", false, f.fail
	}
	v, ok := f.vals[f.k(scope, key, name)]
	return v, ok, nil
}

func (f *fakeRegistry) SetString(scope Scope, key, name, value string) error {
	f.writes = append(f.writes, "set "+f.k(scope, key, name)+"="+value)
	f.vals[f.k(scope, key, name)] = value
	return nil
}

func (f *fakeRegistry) Delete(scope Scope, key, name string) error {
	f.writes = append(f.writes, "delete "+f.k(scope, key, name))
	delete(f.vals, f.k(scope, key, name))
	return nil
}

func TestRunKeyIsIdempotent(t *testing.T) {
	reg := &fakeRegistry{vals: map[string]string{}}
	m := RunKeyManager{Reg: reg}
	e := Entry{Name: "hello", Command: `C:\Program Files\Hello\hello.exe`, Args: []string{"--tray", "a b"}}
	want := `"C:\Program Files\Hello\hello.exe" --tray "a b"`

	steps := []struct {
		name        string
		do          func() (bool, error)
		wantChanged bool
		wantWrites  int
	}{
		{"add", func() (bool, error) { return m.Add(ScopeUser, e) }, true, 1},
		{"add again", func() (bool, error) { return m.Add(ScopeUser, e) }, false, 1},
		{"add machine scope separately", func() (bool, error) { return m.Add(ScopeMachine, e) }, true, 2},
		{"change args", func() (bool, error) {
			e2 := e
			e2.Args = []string{"--other"}
			return m.Add(ScopeUser, e2)
		}, true, 3},
		{"remove", func() (bool, error) { return m.Remove(ScopeUser, "hello") }, true, 4},
		{"remove again", func() (bool, error) { return m.Remove(ScopeUser, "hello") }, false, 4},
	}
	for _, s := range steps {
		changed, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if changed != s.wantChanged || len(reg.writes) != s.wantWrites {
			t.Errorf("%s: changed=%v writes=%d, want %v and %d (%q)", s.name, changed, len(reg.writes), s.wantChanged, s.wantWrites, reg.writes)
		}
	}
	if reg.writes[0] != `set user|`+RunKey+`|hello=`+want {
		t.Errorf("first write = %q", reg.writes[0])
	}
	st, err := m.Status(ScopeMachine, e)
	if err != nil || !st.Installed || !st.Current || st.Command != want {
		t.Errorf("machine status = %+v, %v", st, err)
	}
	st, err = m.Status(ScopeUser, e)
	if err != nil || st.Installed {
		t.Errorf("user status after remove = %+v, %v", st, err)
	}
}

func TestRunKeyErrors(t *testing.T) {
	reg := &fakeRegistry{vals: map[string]string{}, fail: errors.New("access denied")}
	m := RunKeyManager{Reg: reg}
	if _, err := m.Add(ScopeMachine, Entry{Name: "x", Command: `C:\x.exe`}); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("Add = %v, want the registry error", err)
	}
	for _, e := range []Entry{{Name: "", Command: "x"}, {Name: `a\b`, Command: "x"}, {Name: "a"}} {
		if _, err := (RunKeyManager{Reg: &fakeRegistry{vals: map[string]string{}}}).Add(ScopeUser, e); err == nil {
			t.Errorf("Add(%+v) accepted", e)
		}
	}
}

func TestTaskXML(t *testing.T) {
	base := Entry{Name: "HelloTray", Command: `C:\Program Files\Hello\hello.exe`, Args: []string{"--tray"}}
	tests := []struct {
		name    string
		task    Task
		want    []string
		notWant []string
	}{
		{"user logon", Task{Entry: base, Description: "Hello & co"}, []string{
			`<LogonTrigger>`, `<UserId>PC\alice</UserId>`, `<LogonType>InteractiveToken</LogonType>`,
			`<Command>C:\Program Files\Hello\hello.exe</Command>`, `<Arguments>--tray</Arguments>`,
			`<URI>\HelloTray</URI>`, `<Description>Hello &amp; co</Description>`, `<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>`,
		}, []string{`<Delay>`, `BootTrigger`, `GroupId`}},
		{"machine logon delayed", Task{Entry: base, Scope: ScopeMachine, Delay: 90 * time.Second}, []string{
			`<LogonTrigger>`, `<Delay>PT1M30S</Delay>`, `<GroupId>S-1-5-32-545</GroupId>`,
		}, []string{`<UserId>`}},
		{"startup as system", Task{Entry: base, Scope: ScopeMachine, Trigger: TriggerStartup, Delay: time.Hour}, []string{
			`<BootTrigger>`, `<Delay>PT1H</Delay>`, `<UserId>S-1-5-18</UserId>`,
		}, []string{`LogonTrigger`, `LogonType`}},
		{"startup as user", Task{Entry: base, Trigger: TriggerStartup, Account: `DOM\svc`}, []string{
			`<UserId>DOM\svc</UserId>`, `<LogonType>S4U</LogonType>`,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := tt.task.XML(`PC\alice`)
			if err != nil {
				t.Fatal(err)
			}
			s := string(x)
			if !strings.HasPrefix(s, `<?xml version="1.0" encoding="UTF-16"?>`) || !strings.Contains(s, `<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">`) {
				t.Errorf("header wrong:\n%s", s)
			}
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("XML lacks %s:\n%s", w, s)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(s, w) {
					t.Errorf("XML has %s:\n%s", w, s)
				}
			}
			again, _ := tt.task.XML(`PC\alice`)
			if string(again) != s {
				t.Error("XML not reproducible")
			}
		})
	}
	if _, err := (Task{Entry: base}).XML(""); err == nil {
		t.Error("user scope without an account accepted")
	}
	if _, err := (Task{Entry: base, Trigger: "hourly"}).XML("u"); err == nil {
		t.Error("unknown trigger accepted")
	}
}

func TestTaskXMLUTF16(t *testing.T) {
	b, err := Task{Entry: Entry{Name: "n", Command: `C:\ä.exe`}}.XMLUTF16("u")
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0xFF || b[1] != 0xFE || len(b)%2 != 0 {
		t.Fatalf("no UTF-16LE BOM: % x", b[:4])
	}
	u := make([]uint16, (len(b)-2)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2+2*i:])
	}
	s := string(utf16.Decode(u))
	if !strings.Contains(s, `<Command>C:\ä.exe</Command>`) || !strings.Contains(s, "\r\n") {
		t.Errorf("decoded XML wrong:\n%s", s)
	}
}

// fakeRunner records commands and answers from a script.
type fakeRunner struct {
	calls   [][]string
	answer  func(args []string) (string, error)
	xmlSeen string
}

func (f *fakeRunner) Run(_ context.Context, name string, args ...string) (string, error) {
	f.calls = append(f.calls, append([]string{name}, args...))
	if i := slices.Index(args, "/XML"); i >= 0 {
		b, err := os.ReadFile(args[i+1])
		if err != nil {
			return "", err
		}
		f.xmlSeen = string(b)
	}
	return f.answer(args)
}

func TestTaskManagerCommands(t *testing.T) {
	installed := false
	r := &fakeRunner{answer: func(args []string) (string, error) {
		switch args[0] {
		case "/Query":
			if !installed {
				return "ERROR: The system cannot find the file specified.", fmt.Errorf("exit status 1")
			}
			return "TaskName: \\HelloTray\nStatus: Ready", nil
		case "/Create":
			installed = true
		case "/Delete":
			installed = false
		}
		return "SUCCESS", nil
	}}
	m := TaskManager{Run: r, TempDir: t.TempDir(), CurrentUser: `PC\bob`, Schtasks: "schtasks.exe",
		TaskStored: func(string) (bool, error) { return installed, nil }}
	ctx := context.Background()
	task := Task{Entry: Entry{Name: "HelloTray", Command: `C:\h.exe`}}

	if st, err := m.Status(ctx, "HelloTray"); err != nil || st.Installed {
		t.Fatalf("status before = %+v, %v", st, err)
	}
	if err := m.Add(ctx, task); err != nil {
		t.Fatal(err)
	}
	create := r.calls[len(r.calls)-1]
	if want := []string{"schtasks.exe", "/Create", "/TN", "HelloTray", "/XML"}; !slices.Equal(create[:5], want) || create[6] != "/F" {
		t.Errorf("create command = %q", create)
	}
	if len(r.xmlSeen) < 2 || r.xmlSeen[0] != '\xff' || r.xmlSeen[1] != '\xfe' {
		t.Error("schtasks did not get a UTF-16 XML file")
	}
	if _, err := os.Stat(create[5]); !os.IsNotExist(err) {
		t.Errorf("task XML file left behind: %v", err)
	}
	if st, err := m.Status(ctx, "HelloTray"); err != nil || !st.Installed {
		t.Errorf("status after add = %+v, %v", st, err)
	}
	for i, want := range []bool{true, false} {
		changed, err := m.Remove(ctx, "HelloTray")
		if err != nil || changed != want {
			t.Errorf("remove #%d = %v, %v; want %v", i+1, changed, err, want)
		}
	}
	deletes := 0
	for _, c := range r.calls {
		if c[1] == "/Delete" {
			deletes++
			if !slices.Equal(c, []string{"schtasks.exe", "/Delete", "/TN", "HelloTray", "/F"}) {
				t.Errorf("delete command = %q", c)
			}
		}
	}
	if deletes != 1 {
		t.Errorf("%d deletes, want 1 (second remove is a no-op)", deletes)
	}

	broken := TaskManager{Run: &fakeRunner{answer: func([]string) (string, error) {
		return "ERROR: Access is denied.", fmt.Errorf("exit status 1")
	}}, CurrentUser: "u", TaskStored: func(string) (bool, error) { return true, nil }}
	if _, err := broken.Status(ctx, "x"); err == nil || !strings.Contains(err.Error(), "Access is denied") {
		t.Errorf("status error = %v, want access denied passed on", err)
	}
}

func TestParseScope(t *testing.T) {
	for in, want := range map[string]Scope{"": ScopeUser, "user": ScopeUser, "machine": ScopeMachine} {
		if got, err := ParseScope(in); err != nil || got != want {
			t.Errorf("ParseScope(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseScope("global"); err == nil {
		t.Error("bad scope accepted")
	}
}
