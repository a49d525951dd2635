package autostart

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/svcship/svcship/internal/winargs"
)

// Trigger is when a task starts.
type Trigger string

const (
	TriggerLogon   Trigger = "logon"   // when a user logs on
	TriggerStartup Trigger = "startup" // when Windows boots, before any logon
)

// Well-known principals.
const (
	sidSystem = "S-1-5-18"     // LocalSystem
	sidUsers  = "S-1-5-32-545" // BUILTIN\Users
)

// Task describes a Task Scheduler task that starts Entry.
type Task struct {
	Entry
	// Scope user: the task runs for the account that registers it (or
	// Account) at its logon. Scope machine: at any user's logon as that
	// user, or at startup as LocalSystem.
	Scope   Scope
	Trigger Trigger
	// Delay postpones the start after the trigger.
	Delay time.Duration
	// Account runs the task as this account (DOMAIN\user, or a SID).
	// Default: the current user (scope user), BUILTIN\Users (machine,
	// logon) or LocalSystem (startup).
	Account string
	// Description is shown in Task Scheduler.
	Description string
	// WorkingDirectory for the program (default: none, Task Scheduler's).
	WorkingDirectory string
}

// task XML, Task Scheduler schema 1.2.
type xmlTask struct {
	XMLName      xml.Name       `xml:"Task"`
	Version      string         `xml:"version,attr"`
	NS           string         `xml:"xmlns,attr"`
	Registration xmlRegInfo     `xml:"RegistrationInfo"`
	Triggers     xmlTriggers    `xml:"Triggers"`
	Principals   []xmlPrincipal `xml:"Principals>Principal"`
	Settings     xmlSettings    `xml:"Settings"`
	Actions      xmlActions     `xml:"Actions"`
}

type xmlRegInfo struct {
	Description string `xml:"Description,omitempty"`
	URI         string `xml:"URI"`
}

type xmlTriggers struct {
	Logon *xmlTrigger `xml:"LogonTrigger,omitempty"`
	Boot  *xmlTrigger `xml:"BootTrigger,omitempty"`
}

// xmlTrigger is a LogonTrigger or BootTrigger. The schema's types are
// sequences, so the field order is the element order: triggerBaseType's
// Enabled, then logonTriggerType's UserId before Delay
// (learn.microsoft.com/windows/win32/taskschd/taskschedulerschema-logontriggertype-complextype).
type xmlTrigger struct {
	Enabled bool   `xml:"Enabled"`
	UserID  string `xml:"UserId,omitempty"`
	Delay   string `xml:"Delay,omitempty"`
}

type xmlPrincipal struct {
	ID        string `xml:"id,attr"`
	UserID    string `xml:"UserId,omitempty"`
	GroupID   string `xml:"GroupId,omitempty"`
	LogonType string `xml:"LogonType,omitempty"`
	RunLevel  string `xml:"RunLevel"`
}

type xmlSettings struct {
	MultipleInstancesPolicy    string `xml:"MultipleInstancesPolicy"`
	DisallowStartIfOnBatteries bool   `xml:"DisallowStartIfOnBatteries"`
	StopIfGoingOnBatteries     bool   `xml:"StopIfGoingOnBatteries"`
	ExecutionTimeLimit         string `xml:"ExecutionTimeLimit"`
	Enabled                    bool   `xml:"Enabled"`
}

type xmlActions struct {
	Context string  `xml:"Context,attr"`
	Exec    xmlExec `xml:"Exec"`
}

type xmlExec struct {
	Command          string `xml:"Command"`
	Arguments        string `xml:"Arguments,omitempty"`
	WorkingDirectory string `xml:"WorkingDirectory,omitempty"`
}

// XML returns the task definition as UTF-8 XML (see XMLUTF16 for what
// schtasks reads). currentUser names the registering user for scope user.
func (t Task) XML(currentUser string) ([]byte, error) {
	if err := t.Entry.validate(); err != nil {
		return nil, err
	}
	if t.Delay < 0 {
		return nil, fmt.Errorf("autostart: negative delay %v", t.Delay)
	}
	scope := t.Scope
	if scope == "" {
		scope = ScopeUser
	}
	trig := t.Trigger
	if trig == "" {
		trig = TriggerLogon
	}
	p := xmlPrincipal{ID: "Author", RunLevel: "LeastPrivilege"}
	tr := &xmlTrigger{Enabled: true, Delay: isoDuration(t.Delay)}
	var triggers xmlTriggers
	switch {
	case trig == TriggerStartup:
		// Nobody is logged on at boot: run as a service-like account.
		p.UserID = firstNonEmpty(t.Account, sidSystem)
		if p.UserID != sidSystem {
			p.LogonType = "S4U" // no stored password; no network credentials
		}
		triggers.Boot = tr
	case trig == TriggerLogon && scope == ScopeUser:
		user := firstNonEmpty(t.Account, currentUser)
		if user == "" {
			return nil, fmt.Errorf("autostart: task %s: scope user needs an account", t.Name)
		}
		tr.UserID = user
		p.UserID = user
		p.LogonType = "InteractiveToken"
		triggers.Logon = tr
	case trig == TriggerLogon && scope == ScopeMachine:
		if t.Account != "" {
			p.UserID = t.Account
			p.LogonType = "InteractiveToken"
		} else {
			p.GroupID = sidUsers // whoever logs on, as themselves
		}
		triggers.Logon = tr
	default:
		return nil, fmt.Errorf("autostart: task %s: unknown trigger %q or scope %q", t.Name, trig, scope)
	}
	doc := xmlTask{
		Version:      "1.2",
		NS:           "http://schemas.microsoft.com/windows/2004/02/mit/task",
		Registration: xmlRegInfo{Description: t.Description, URI: `\` + t.Name},
		Triggers:     triggers,
		Principals:   []xmlPrincipal{p},
		Settings: xmlSettings{
			MultipleInstancesPolicy: "IgnoreNew",
			ExecutionTimeLimit:      "PT0S", // a long-running program, no limit
			Enabled:                 true,
		},
		Actions: xmlActions{Context: "Author", Exec: xmlExec{
			Command:          t.Command,
			Arguments:        winargs.Join(t.Args),
			WorkingDirectory: t.WorkingDirectory,
		}},
	}
	body, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("autostart: task XML: %w", err)
	}
	return append([]byte(`<?xml version="1.0" encoding="UTF-16"?>`+"\n"), append(body, '\n')...), nil
}

// XMLUTF16 is XML encoded as UTF-16LE with a byte-order mark, the form
// schtasks /Create /XML reliably accepts.
func (t Task) XMLUTF16(currentUser string) ([]byte, error) {
	x, err := t.XML(currentUser)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(strings.ReplaceAll(string(x), "\n", "\r\n"))) {
		_ = binary.Write(&buf, binary.LittleEndian, u)
	}
	return buf.Bytes(), nil
}

// isoDuration writes d as an XML schema duration (PT1M30S); "" for 0.
func isoDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	d = d.Round(time.Second)
	if d == 0 {
		d = time.Second
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	out := "PT"
	if h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	if s > 0 {
		out += fmt.Sprintf("%dS", s)
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// TaskManager registers tasks with schtasks.exe.
type TaskManager struct {
	Run Runner
	// Schtasks is the program run (default: schtasks.exe in the System
	// folder, never a schtasks.exe found through PATH).
	Schtasks string
	// TaskStored reports whether Task Scheduler keeps a definition for the
	// task (default: its file under the System folder's Tasks, looked up by
	// error code). It decides "not installed" instead of schtasks'
	// localized text.
	TaskStored func(name string) (bool, error)
	// TempDir holds the XML file handed to schtasks (default os.TempDir()).
	TempDir string
	// CurrentUser is the account registering (for scope user).
	CurrentUser string
}

// Add creates or replaces the task.
func (m TaskManager) Add(ctx context.Context, t Task) error {
	x, err := t.XMLUTF16(m.CurrentUser)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(m.TempDir, "svcship-task-")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "task.xml")
	if err := os.WriteFile(file, x, 0o600); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if out, err := m.Run.Run(ctx, m.schtasks(), "/Create", "/TN", t.Name, "/XML", file, "/F"); err != nil {
		return fmt.Errorf("autostart: schtasks /Create %s: %w: %s", t.Name, err, strings.TrimSpace(out))
	}
	return nil
}

// Remove deletes the task; changed is false when there was none.
func (m TaskManager) Remove(ctx context.Context, name string) (changed bool, err error) {
	st, err := m.Status(ctx, name)
	if err != nil {
		return false, err
	}
	if !st.Installed {
		return false, nil
	}
	if out, err := m.Run.Run(ctx, m.schtasks(), "/Delete", "/TN", name, "/F"); err != nil {
		return false, fmt.Errorf("autostart: schtasks /Delete %s: %w: %s", name, err, strings.TrimSpace(out))
	}
	return true, nil
}

// Status reports whether the task exists. Task Scheduler keeps one
// definition file per task; when it is missing the task is not
// registered, whatever schtasks would print in the system's language
// (wine's schtasks /Query even succeeds for any name). When the file
// cannot be checked (a standard user may not look into the Tasks folder),
// schtasks' exit code decides, and a failure stays an error.
func (m TaskManager) Status(ctx context.Context, name string) (Status, error) {
	stored := m.TaskStored
	if stored == nil {
		stored = taskStored
	}
	ok, serr := stored(name)
	if serr == nil && !ok {
		return Status{}, nil
	}
	out, err := m.Run.Run(ctx, m.schtasks(), "/Query", "/TN", name, "/FO", "LIST")
	if err != nil {
		if serr != nil {
			return Status{}, fmt.Errorf("autostart: schtasks /Query %s: %w: %s (and %v)", name, err, strings.TrimSpace(out), serr)
		}
		return Status{}, fmt.Errorf("autostart: schtasks /Query %s: %w: %s", name, err, strings.TrimSpace(out))
	}
	return Status{Installed: true, Command: strings.TrimSpace(out)}, nil
}

func (m TaskManager) schtasks() string {
	if m.Schtasks != "" {
		return m.Schtasks
	}
	return schtasksPath()
}
