// Package installer installs, configures, controls and removes a Windows
// service described by svcship.yaml. It is the engine of the bundled
// svcship-installer.exe.
//
// Every Windows call goes through System, so the decisions (what to
// create, change or delete) are computed and unit-tested on any OS with a
// fake; NewSystem returns the real implementation on Windows.
//
// install is create-or-update: Diff compares the desired Settings with the
// service's current configuration and yields a Plan of operations; a second
// install with the same settings yields an empty plan.
package installer

import (
	"errors"
	"github.com/svcship/svcship/internal/svcstate"
	"time"
)

// Errors a System reports; callers test them with errors.Is.
var (
	// ErrNotInstalled: the service does not exist.
	ErrNotInstalled = errors.New("service is not installed")
	// ErrUnsupported: the service manager rejects an optional setting
	// (wine answers ERROR_INVALID_LEVEL for delayed start, SID type and the
	// non-crash failure flag).
	ErrUnsupported = errors.New("not supported by this service manager")
	// ErrAccessDenied: the caller is not an administrator.
	ErrAccessDenied = errors.New("access denied (run as administrator)")
	// ErrCannotAcceptControl: the service is not ready for a stop request
	// yet (ERROR_SERVICE_CANNOT_ACCEPT_CTRL, e.g. still starting).
	ErrCannotAcceptControl = errors.New("the service cannot accept the control now")
)

// StartMode is the service manager's start type, without the delayed flag.
type StartMode uint32

// Values match SERVICE_*_START.
const (
	StartModeAuto     StartMode = 2
	StartModeManual   StartMode = 3
	StartModeDisabled StartMode = 4
)

func (m StartMode) String() string {
	switch m {
	case StartModeAuto:
		return "auto"
	case StartModeManual:
		return "manual"
	case StartModeDisabled:
		return "disabled"
	case 0:
		return "boot"
	case 1:
		return "system"
	}
	return "unknown"
}

// SID types (SERVICE_SID_TYPE_*).
const (
	SIDTypeNone         uint32 = 0
	SIDTypeUnrestricted uint32 = 1
)

// CoreConfig is what CreateService and ChangeServiceConfig set in one call.
type CoreConfig struct {
	DisplayName string
	BinaryPath  string // the full command line (ImagePath)
	Start       StartMode
	Account     string // ServiceStartName
	Password    string // only sent when creating or changing the account
	// PasswordNull sends lpPassword NULL, as virtual and managed service
	// accounts require (an empty string is for the built-in accounts).
	PasswordNull bool
	Dependencies []string
}

// Action is a recovery action (SC_ACTION_*).
type Action uint32

const (
	ActionNone    Action = 0
	ActionRestart Action = 1
	ActionReboot  Action = 2
	ActionRun     Action = 3
)

func (a Action) String() string {
	switch a {
	case ActionNone:
		return "none"
	case ActionRestart:
		return "restart"
	case ActionReboot:
		return "reboot"
	case ActionRun:
		return "run"
	}
	return "unknown"
}

// FailureStep is one recovery action and its delay.
type FailureStep struct {
	Action Action
	Delay  time.Duration
}

// FailureActions is SERVICE_FAILURE_ACTIONS.
type FailureActions struct {
	Steps         []FailureStep
	ResetPeriod   time.Duration
	Command       string // for ActionRun
	RebootMessage string // for ActionReboot
}

// Known wraps an optional setting that some service managers cannot
// report: OK is false when the query was unsupported.
type Known[T any] struct {
	Value T
	OK    bool
}

// Current is a service's configuration as read back.
type Current struct {
	CoreConfig
	Description      string
	DelayedAutoStart Known[bool]
	SIDType          Known[uint32]
	Failure          Known[FailureActions]
	NonCrashFailures Known[bool]
	Environment      []string // KEY=value lines of the registry Environment value
}

// RunStatus is SERVICE_STATUS_PROCESS in short.
type RunStatus struct {
	State           svcstate.State
	PID             uint32
	Win32ExitCode   uint32
	ServiceExitCode uint32
}

// System is the set of Windows calls the installer makes. Methods take the
// service name and open the service themselves, which keeps the fake
// simple; the cost of reopening is negligible for an installer.
type System interface {
	// Query returns the configuration, or ErrNotInstalled.
	Query(name string) (*Current, error)
	// Status returns the run state, or ErrNotInstalled.
	Status(name string) (RunStatus, error)

	// Create creates the service with the core settings only; optional
	// settings follow one call each, so a rejected optional setting never
	// costs the service just created.
	Create(name string, c CoreConfig) error
	// ChangeCore rewrites the core settings; an empty Account leaves the
	// account and password as they are.
	ChangeCore(name string, c CoreConfig) error
	SetDescription(name, desc string) error
	SetDelayedAutoStart(name string, on bool) error
	SetSIDType(name string, sidType uint32) error
	SetFailureActions(name string, fa FailureActions) error
	SetNonCrashFailures(name string, on bool) error
	// SetEnvironment writes the registry Environment value (REG_MULTI_SZ);
	// an empty list deletes it.
	SetEnvironment(name string, env []string) error

	Start(name string) error
	// Stop sends the stop control; it does not wait.
	Stop(name string) error
	Delete(name string) error
	// KillProcess ends a service process that ignored the stop request.
	KillProcess(pid uint32) error

	EventSourceExists(source string) (bool, error)
	// InstallEventSource registers source in the Application log with
	// EventCreate.exe as message file.
	InstallEventSource(source string) error
	RemoveEventSource(source string) error

	// GrantServiceLogon grants SeServiceLogonRight to a user account.
	GrantServiceLogon(account string) error

	FileSystem
}

// PathInfo describes a file or folder as read without following a
// reparse point.
type PathInfo struct {
	Exists bool
	Dir    bool
	// Reparse: a junction, symbolic link or other reparse point.
	Reparse bool
	// Links is the number of hard links (a file with more than one may be
	// another file's second name).
	Links uint32
	// SDDL holds the owner and the DACL, e.g. O:BAD:PAI(A;OICI;FA;;;SY).
	SDDL string
	// Locked: the descriptor could not be read (access denied), so someone
	// else owns it and shut administrators out; SDDL is empty.
	Locked bool
}

// FileSystem is the folder and file security the installer needs. No
// method follows a reparse point.
type FileSystem interface {
	// Inspect describes path; Exists is false (and no error) when there
	// is nothing there.
	Inspect(path string) (PathInfo, error)
	// CreateDir creates one folder with the security descriptor given as
	// SDDL, in the same call; fs.ErrExist when it exists.
	CreateDir(path, sddl string) error
	// SetSecurity sets the protected DACL of sddl and its owner, if it
	// names one. It refuses a reparse point.
	SetSecurity(path, sddl string) error
	// ReadDir lists the names in a folder.
	ReadDir(path string) ([]string, error)
	// RemovePath deletes a file, an empty folder, or a link itself.
	RemovePath(path string) error
	// AccountSID looks up an account's SID (S-1-5-...).
	AccountSID(account string) (string, error)
	// CurrentUserSID is the account the installer runs as.
	CurrentUserSID() (string, error)
	// ProgramData is the machine's ProgramData folder.
	ProgramData() (string, error)
}
