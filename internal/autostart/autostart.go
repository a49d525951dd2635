// Package autostart starts a program in a user session without a service:
// either a value under ...\CurrentVersion\Run (HKCU for the current user,
// HKLM for every user; starts at logon) or a Task Scheduler task (at logon
// or at startup, optionally delayed, as a chosen account).
//
// Both are idempotent: adding what is already there changes nothing and
// removing what is absent is not an error. The registry and schtasks.exe sit
// behind small interfaces, so the decisions and the exact task XML and
// command line are tested on any OS.
package autostart

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/svcship/svcship/internal/winargs"
)

// RunKey is the registry key, under HKCU or HKLM, whose values Windows
// runs at logon.
const RunKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// Scope is whose session starts the program.
type Scope string

const (
	ScopeUser    Scope = "user"    // HKCU / the current user
	ScopeMachine Scope = "machine" // HKLM / every user
)

// ParseScope accepts "", "user" and "machine" ("" means user).
func ParseScope(s string) (Scope, error) {
	switch s {
	case "", "user":
		return ScopeUser, nil
	case "machine":
		return ScopeMachine, nil
	}
	return "", fmt.Errorf("autostart: %q is not a scope (expected user or machine)", s)
}

// Entry is the program to start.
type Entry struct {
	// Name is the Run value name or the task name.
	Name string
	// Command is the executable's Windows path.
	Command string
	// Args are passed to it.
	Args []string
}

func (e Entry) validate() error {
	if e.Name == "" || strings.ContainsAny(e.Name, `\/`) {
		return fmt.Errorf("autostart: invalid name %q", e.Name)
	}
	if e.Command == "" {
		return errors.New("autostart: no command")
	}
	return nil
}

// CommandLine is the command as Windows will run it, quoted by the rules
// CommandLineToArgvW reverses.
func (e Entry) CommandLine() string {
	return winargs.Join(append([]string{e.Command}, e.Args...))
}

// Status is what is registered now.
type Status struct {
	Installed bool
	// Command is the registered command line (Run key) or the task's
	// definition summary.
	Command string
	// Current is true when the registration matches the entry asked about.
	Current bool
}

// Registry is the registry access the Run-key mode needs.
type Registry interface {
	// GetString returns a REG_SZ value; ok is false when it does not exist.
	GetString(scope Scope, key, name string) (value string, ok bool, err error)
	SetString(scope Scope, key, name, value string) error
	// Delete removes a value; a missing value is not an error.
	Delete(scope Scope, key, name string) error
}

// RunKeyManager registers entries under the Run key.
type RunKeyManager struct {
	Reg Registry
}

// Add registers e; changed is false when it was already registered as is.
func (m RunKeyManager) Add(scope Scope, e Entry) (changed bool, err error) {
	if err := e.validate(); err != nil {
		return false, err
	}
	want := e.CommandLine()
	cur, ok, err := m.Reg.GetString(scope, RunKey, e.Name)
	if err != nil {
		return false, fmt.Errorf("autostart: read Run value %s: %w", e.Name, err)
	}
	if ok && cur == want {
		return false, nil
	}
	if err := m.Reg.SetString(scope, RunKey, e.Name, want); err != nil {
		return false, fmt.Errorf("autostart: write Run value %s: %w", e.Name, err)
	}
	return true, nil
}

// Remove deletes the entry; changed is false when there was none.
func (m RunKeyManager) Remove(scope Scope, name string) (changed bool, err error) {
	_, ok, err := m.Reg.GetString(scope, RunKey, name)
	if err != nil {
		return false, fmt.Errorf("autostart: read Run value %s: %w", name, err)
	}
	if !ok {
		return false, nil
	}
	if err := m.Reg.Delete(scope, RunKey, name); err != nil {
		return false, fmt.Errorf("autostart: delete Run value %s: %w", name, err)
	}
	return true, nil
}

// Status reports the entry named e.Name; Current compares with e.
func (m RunKeyManager) Status(scope Scope, e Entry) (Status, error) {
	cur, ok, err := m.Reg.GetString(scope, RunKey, e.Name)
	if err != nil {
		return Status{}, fmt.Errorf("autostart: read Run value %s: %w", e.Name, err)
	}
	return Status{Installed: ok, Command: cur, Current: ok && e.Command != "" && cur == e.CommandLine()}, nil
}

// Runner runs a program and returns its combined output. A non-zero exit
// is an error.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) (string, error)
}
