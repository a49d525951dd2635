package installer

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/svcship/svcship/internal/winargs"
)

// OpKind names a change.
type OpKind string

const (
	OpCreate         OpKind = "create"
	OpChangeCore     OpKind = "change"
	OpDescription    OpKind = "description"
	OpDelayedStart   OpKind = "delayed-auto-start"
	OpSIDType        OpKind = "sid-type"
	OpFailureActions OpKind = "failure-actions"
	OpNonCrashFlag   OpKind = "failure-actions-on-non-crash"
	OpEnvironment    OpKind = "environment"
	OpEventSource    OpKind = "event-source"
	OpLogonRight     OpKind = "logon-right"
)

// Op is one change to make.
type Op struct {
	Kind   OpKind
	Detail string // human description; never contains the password
	// Optional: a service manager that rejects it (ErrUnsupported) yields
	// a warning, not a failure.
	Optional bool
	apply    func(System) error
}

// Plan is the ordered list of changes that turns the current service into
// the desired one.
type Plan struct {
	Name   string
	Create bool
	Ops    []Op
	// Skipped lists settings that could not be compared because the service
	// manager cannot report them (wine); they are left as they are.
	Skipped []string
}

// Empty reports whether nothing needs to change.
func (p *Plan) Empty() bool { return len(p.Ops) == 0 }

// Scope selects which settings a plan covers.
type Scope int

const (
	// ScopeAll: create or update everything (install).
	ScopeAll Scope = iota
	// ScopeOptional: what an MSI ServiceInstall table cannot set
	// (configure): description, delayed start, SID type, recovery,
	// environment, event source, logon right; and the core settings where
	// svcship.yaml differs from what ServiceInstall wrote, except a user
	// account (configure never has its password).
	ScopeOptional
)

// Diff computes the plan. cur is nil when the service does not exist;
// sourceExists says whether the event source is registered.
func Diff(s *Settings, cur *Current, sourceExists bool, scope Scope) (*Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{Name: s.Name}
	name := s.Name
	want := s.core()
	kind, _ := accountKind(s.Account)
	create := cur == nil
	if create && scope == ScopeOptional {
		return nil, fmt.Errorf("%s: %w", name, ErrNotInstalled)
	}
	accountChanged := false

	if create {
		p.Create = true
		p.add(Op{Kind: OpCreate, Detail: fmt.Sprintf("create service %s: %s, start %s, account %s", name, want.BinaryPath, s.Start, want.Account),
			apply: func(sys System) error { return sys.Create(name, want) }})
	} else {
		// install sets everything; configure (the MSI's step, after
		// ServiceInstall) also corrects what svcship.yaml says otherwise
		// (a restored copy, --msi-property), except a user account, whose
		// password only ServiceInstall has.
		var changes []string
		if cur.DisplayName != want.DisplayName {
			changes = append(changes, fmt.Sprintf("display name %q -> %q", cur.DisplayName, want.DisplayName))
		}
		switch {
		case cur.BinaryPath == want.BinaryPath:
		case scope == ScopeOptional && unquotedProgramPath(cur.BinaryPath, want.BinaryPath):
			// Some MSI engines (wine's) write the program path without
			// quotes; with a space in it the service manager may run
			// C:\Program.exe.
			changes = append(changes, fmt.Sprintf("quote the program path: %s -> %s", cur.BinaryPath, want.BinaryPath))
		default:
			changes = append(changes, fmt.Sprintf("command line %s -> %s", cur.BinaryPath, want.BinaryPath))
		}
		if cur.Start != want.Start {
			changes = append(changes, fmt.Sprintf("start %s -> %s", cur.Start, want.Start))
		}
		if !strings.EqualFold(cur.Account, want.Account) {
			if scope == ScopeOptional && kind == accountUser {
				p.Skipped = append(p.Skipped, fmt.Sprintf("account %s is kept: a user account (%s) is set by the MSI with its password (the SERVICE_PASSWORD property), or by install", cur.Account, want.Account))
			} else {
				accountChanged = true
				changes = append(changes, fmt.Sprintf("account %s -> %s", cur.Account, want.Account))
			}
		}
		if !equalFoldSlices(cur.Dependencies, want.Dependencies) {
			changes = append(changes, fmt.Sprintf("dependencies %v -> %v", cur.Dependencies, want.Dependencies))
		}
		if len(changes) > 0 {
			c := want
			if !accountChanged {
				// The password cannot be read back; only send it with a new
				// account so that a re-install stays a no-op.
				c.Account, c.Password = "", ""
			}
			p.add(Op{Kind: OpChangeCore, Detail: strings.Join(changes, "; "),
				apply: func(sys System) error { return sys.ChangeCore(name, c) }})
		}
	}

	if create || cur.Description != s.Description {
		if !(create && s.Description == "") {
			d := s.Description
			p.add(Op{Kind: OpDescription, Detail: fmt.Sprintf("description %q", d),
				apply: func(sys System) error { return sys.SetDescription(name, d) }})
		}
	}

	delayed := s.Start == "delayed-auto"
	switch {
	case create:
		if delayed {
			p.add(Op{Kind: OpDelayedStart, Detail: "delayed automatic start on", Optional: true,
				apply: func(sys System) error { return sys.SetDelayedAutoStart(name, true) }})
		}
	case !cur.DelayedAutoStart.OK:
		if delayed {
			p.Skipped = append(p.Skipped, "delayed automatic start (cannot be read back)")
		}
	case cur.DelayedAutoStart.Value != delayed:
		p.add(Op{Kind: OpDelayedStart, Detail: fmt.Sprintf("delayed automatic start %v", onOff(delayed)), Optional: true,
			apply: func(sys System) error { return sys.SetDelayedAutoStart(name, delayed) }})
	}

	sid := s.sidType()
	switch {
	case create:
		if sid != SIDTypeNone {
			p.add(Op{Kind: OpSIDType, Detail: "service SID type unrestricted", Optional: true,
				apply: func(sys System) error { return sys.SetSIDType(name, sid) }})
		}
	case !cur.SIDType.OK:
		if sid != SIDTypeNone {
			p.Skipped = append(p.Skipped, "service SID type (cannot be read back)")
		}
	case cur.SIDType.Value != sid:
		p.add(Op{Kind: OpSIDType, Detail: fmt.Sprintf("service SID type %d -> %d", cur.SIDType.Value, sid), Optional: true,
			apply: func(sys System) error { return sys.SetSIDType(name, sid) }})
	}

	fa := s.failureActions()
	switch {
	case create:
		if len(fa.Steps) > 0 {
			p.add(Op{Kind: OpFailureActions, Detail: "recovery " + describeFailure(fa), Optional: true,
				apply: func(sys System) error { return sys.SetFailureActions(name, fa) }})
		}
	case !cur.Failure.OK:
		p.Skipped = append(p.Skipped, "recovery actions (cannot be read back)")
	case !equalFailure(cur.Failure.Value, fa):
		p.add(Op{Kind: OpFailureActions, Detail: fmt.Sprintf("recovery %s -> %s", describeFailure(cur.Failure.Value), describeFailure(fa)), Optional: true,
			apply: func(sys System) error { return sys.SetFailureActions(name, fa) }})
	}

	nc := s.nonCrash()
	switch {
	case create:
		if nc {
			p.add(Op{Kind: OpNonCrashFlag, Detail: "recovery also on non-crash failures", Optional: true,
				apply: func(sys System) error { return sys.SetNonCrashFailures(name, true) }})
		}
	case !cur.NonCrashFailures.OK:
		p.Skipped = append(p.Skipped, "recovery on non-crash failures (cannot be read back)")
	case cur.NonCrashFailures.Value != nc:
		p.add(Op{Kind: OpNonCrashFlag, Detail: fmt.Sprintf("recovery on non-crash failures %s", onOff(nc)), Optional: true,
			apply: func(sys System) error { return sys.SetNonCrashFailures(name, nc) }})
	}

	env := s.EnvironmentLines()
	var curEnv []string
	if cur != nil {
		curEnv = slices.Sorted(slices.Values(cur.Environment))
	}
	if !slices.Equal(curEnv, env) {
		p.add(Op{Kind: OpEnvironment, Detail: fmt.Sprintf("environment %s", envNames(env)),
			apply: func(sys System) error { return sys.SetEnvironment(name, env) }})
	}

	if !sourceExists {
		src := s.eventSource()
		p.add(Op{Kind: OpEventSource, Detail: fmt.Sprintf("register event source %s", src),
			apply: func(sys System) error { return sys.InstallEventSource(src) }})
	}

	if (kind == accountUser || kind == accountManaged) && (create || accountChanged || scope == ScopeOptional) {
		acct := s.Account
		p.add(Op{Kind: OpLogonRight, Detail: fmt.Sprintf("grant %s the right to log on as a service", acct),
			apply: func(sys System) error { return sys.GrantServiceLogon(acct) }})
	}
	return p, nil
}

func (p *Plan) add(o Op) { p.Ops = append(p.Ops, o) }

// Result is what Apply did.
type Result struct {
	Done     []string
	Warnings []string
}

// Apply runs the plan in order. An optional setting the service manager
// does not support becomes a warning; any other failure stops the run and
// leaves what was done (the service is never deleted here).
func Apply(sys System, p *Plan) (Result, error) {
	var r Result
	for _, o := range p.Ops {
		err := o.apply(sys)
		switch {
		case err == nil:
			r.Done = append(r.Done, o.Detail)
		case o.Optional && errors.Is(err, ErrUnsupported):
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %v (skipped)", o.Detail, err))
		default:
			return r, fmt.Errorf("%s: %s: %w", p.Name, o.Kind, err)
		}
	}
	return r, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func equalFoldSlices(a, b []string) bool {
	return slices.EqualFunc(a, b, strings.EqualFold)
}

func equalFailure(a, b FailureActions) bool {
	if a.ResetPeriod != b.ResetPeriod || !slices.Equal(a.Steps, b.Steps) {
		return false
	}
	// Command and message only matter when an action uses them.
	uses := func(act Action) bool {
		return slices.ContainsFunc(b.Steps, func(s FailureStep) bool { return s.Action == act })
	}
	if uses(ActionRun) && a.Command != b.Command {
		return false
	}
	if uses(ActionReboot) && a.RebootMessage != b.RebootMessage {
		return false
	}
	return true
}

func describeFailure(fa FailureActions) string {
	var parts []string
	for _, s := range fa.Steps {
		parts = append(parts, fmt.Sprintf("%s after %s", s.Action, s.Delay))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ") + fmt.Sprintf(" (reset after %s)", fa.ResetPeriod)
}

// envNames lists variable names only: values may be secrets.
func envNames(lines []string) string {
	if len(lines) == 0 {
		return "(none)"
	}
	var names []string
	for _, l := range lines {
		k, _, _ := strings.Cut(l, "=")
		names = append(names, k)
	}
	return strings.Join(names, ", ")
}

// unquotedProgramPath reports whether cur is want with its program path
// (which contains a space) left unquoted.
func unquotedProgramPath(cur, want string) bool {
	args := winargs.Split(want)
	if len(args) == 0 || !strings.ContainsAny(args[0], " \t") || strings.HasPrefix(cur, `"`) {
		return false
	}
	exe := args[0]
	if len(cur) < len(exe) || !strings.EqualFold(cur[:len(exe)], exe) {
		return false
	}
	rest := cur[len(exe):]
	if rest != "" && rest[0] != ' ' {
		return false
	}
	return slices.Equal(winargs.Split(rest), args[1:])
}
