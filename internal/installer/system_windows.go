//go:build windows

package installer

import (
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"math"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc/eventlog"
)

// NewSystem returns the real Windows implementation.
func NewSystem() (System, error) { return winSystem{}, nil }

type winSystem struct{}

const (
	servicesKey = `SYSTEM\CurrentControlSet\Services\`
	eventLogKey = `SYSTEM\CurrentControlSet\Services\EventLog\Application\`
)

// mapErr turns Windows errors into the package's sentinel errors, keeping
// the original for the message.
func mapErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST):
		return fmt.Errorf("%s: %w", what, ErrNotInstalled)
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return fmt.Errorf("%s: %w (%w)", what, ErrAccessDenied, err)
	case errors.Is(err, windows.ERROR_INVALID_LEVEL):
		return fmt.Errorf("%s: %w (%w)", what, ErrUnsupported, err)
	case errors.Is(err, windows.ERROR_SERVICE_CANNOT_ACCEPT_CTRL):
		return fmt.Errorf("%s: %w (%w)", what, ErrCannotAcceptControl, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func utf16(s string) *uint16 {
	p, err := windows.UTF16PtrFromString(s)
	if err != nil {
		// Strings with NUL never reach here: Validate rejects them.
		p, _ = windows.UTF16PtrFromString(strings.ReplaceAll(s, "\x00", ""))
	}
	return p
}

// multiSZ encodes a list as a double-NUL-terminated block; an empty list
// is an empty block (which clears dependencies, unlike nil).
func multiSZ(list []string) *uint16 {
	var b []uint16
	for _, s := range list {
		u, _ := windows.UTF16FromString(s)
		b = append(b, u...)
	}
	b = append(b, 0)
	if len(list) == 0 {
		b = append(b, 0)
	}
	return &b[0]
}

func parseMultiSZ(p *uint16) []string {
	var out []string
	if p == nil {
		return nil
	}
	for {
		s := windows.UTF16PtrToString(p)
		if s == "" {
			return out
		}
		out = append(out, s)
		p = (*uint16)(unsafe.Add(unsafe.Pointer(p), (len(windows.StringToUTF16(s)))*2))
	}
}

func withService(name string, access uint32, f func(h windows.Handle) error) error {
	scm, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		return mapErr("open the service manager", err)
	}
	defer windows.CloseServiceHandle(scm)
	h, err := windows.OpenService(scm, utf16(name), access)
	if err != nil {
		return mapErr("open service "+name, err)
	}
	defer windows.CloseServiceHandle(h)
	return f(h)
}

func queryConfig2(h windows.Handle, level uint32) ([]byte, error) {
	n := uint32(1024)
	for {
		b := make([]byte, n)
		err := windows.QueryServiceConfig2(h, level, &b[0], n, &n)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) || n <= uint32(len(b)) {
			return nil, err
		}
	}
}

func (winSystem) Query(name string) (*Current, error) {
	var cur Current
	err := withService(name, windows.SERVICE_QUERY_CONFIG, func(h windows.Handle) error {
		n := uint32(2048)
		var qc *windows.QUERY_SERVICE_CONFIG
		for {
			b := make([]byte, n)
			qc = (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&b[0]))
			err := windows.QueryServiceConfig(h, qc, n, &n)
			if err == nil {
				break
			}
			if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) || n <= uint32(len(b)) {
				return mapErr("query "+name, err)
			}
		}
		cur.DisplayName = windows.UTF16PtrToString(qc.DisplayName)
		cur.BinaryPath = windows.UTF16PtrToString(qc.BinaryPathName)
		cur.Start = StartMode(qc.StartType)
		cur.Account = windows.UTF16PtrToString(qc.ServiceStartName)
		if cur.Account == "" {
			cur.Account = "LocalSystem"
		}
		cur.Dependencies = parseMultiSZ(qc.Dependencies)

		if b, err := queryConfig2(h, windows.SERVICE_CONFIG_DESCRIPTION); err == nil {
			cur.Description = windows.UTF16PtrToString((*windows.SERVICE_DESCRIPTION)(unsafe.Pointer(&b[0])).Description)
		} else {
			return mapErr("query description of "+name, err)
		}
		// The rest is optional: a service manager that cannot report it
		// (wine) leaves it unknown.
		if b, err := queryConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO); err == nil {
			cur.DelayedAutoStart = Known[bool]{(*windows.SERVICE_DELAYED_AUTO_START_INFO)(unsafe.Pointer(&b[0])).IsDelayedAutoStartUp != 0, true}
		}
		if b, err := queryConfig2(h, windows.SERVICE_CONFIG_SERVICE_SID_INFO); err == nil {
			cur.SIDType = Known[uint32]{*(*uint32)(unsafe.Pointer(&b[0])), true}
		}
		if b, err := queryConfig2(h, windows.SERVICE_CONFIG_FAILURE_ACTIONS); err == nil {
			p := (*windows.SERVICE_FAILURE_ACTIONS)(unsafe.Pointer(&b[0]))
			fa := FailureActions{
				ResetPeriod:   time.Duration(p.ResetPeriod) * time.Second,
				Command:       windows.UTF16PtrToString(p.Command),
				RebootMessage: windows.UTF16PtrToString(p.RebootMsg),
			}
			if p.ResetPeriod == windows.INFINITE {
				fa.ResetPeriod = 0
			}
			if p.ActionsCount > 0 && p.Actions != nil {
				for _, a := range unsafe.Slice(p.Actions, p.ActionsCount) {
					fa.Steps = append(fa.Steps, FailureStep{Action: Action(a.Type), Delay: time.Duration(a.Delay) * time.Millisecond})
				}
			}
			cur.Failure = Known[FailureActions]{fa, true}
		}
		if b, err := queryConfig2(h, windows.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG); err == nil {
			cur.NonCrashFailures = Known[bool]{(*windows.SERVICE_FAILURE_ACTIONS_FLAG)(unsafe.Pointer(&b[0])).FailureActionsOnNonCrashFailures != 0, true}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, servicesKey+name, registry.QUERY_VALUE)
	if err == nil {
		defer k.Close()
		env, _, err := k.GetStringsValue("Environment")
		if err != nil && !errors.Is(err, registry.ErrNotExist) {
			return nil, fmt.Errorf("read environment of %s: %w", name, err)
		}
		cur.Environment = env
	}
	return &cur, nil
}

func (winSystem) Status(name string) (RunStatus, error) {
	var rs RunStatus
	err := withService(name, windows.SERVICE_QUERY_STATUS, func(h windows.Handle) error {
		var t windows.SERVICE_STATUS_PROCESS
		var needed uint32
		if err := windows.QueryServiceStatusEx(h, windows.SC_STATUS_PROCESS_INFO, (*byte)(unsafe.Pointer(&t)), uint32(unsafe.Sizeof(t)), &needed); err != nil {
			return mapErr("query status of "+name, err)
		}
		rs = RunStatus{State: svcstate.State(t.CurrentState), PID: t.ProcessId, Win32ExitCode: t.Win32ExitCode, ServiceExitCode: t.ServiceSpecificExitCode}
		return nil
	})
	return rs, err
}

// accountPtrs returns the ServiceStartName and password arguments. The
// built-in accounts take an empty password; virtual and managed service
// accounts must get NULL (ChangeServiceConfig, lpPassword:
// learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-changeserviceconfigw).
// LocalSystem is passed by name so that switching back from a user works.
func accountPtrs(c CoreConfig) (*uint16, *uint16) {
	if c.Account == "" {
		return nil, nil
	}
	if c.PasswordNull {
		return utf16(c.Account), nil
	}
	return utf16(c.Account), utf16(c.Password)
}

func (winSystem) Create(name string, c CoreConfig) error {
	scm, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT|windows.SC_MANAGER_CREATE_SERVICE)
	if err != nil {
		return mapErr("open the service manager", err)
	}
	defer windows.CloseServiceHandle(scm)
	acct, pw := accountPtrs(c)
	// Core settings only: mgr.CreateService would delete the new service
	// when an optional setting fails afterwards.
	h, err := windows.CreateService(scm, utf16(name), utf16(c.DisplayName), windows.SERVICE_ALL_ACCESS,
		windows.SERVICE_WIN32_OWN_PROCESS, uint32(c.Start), windows.SERVICE_ERROR_NORMAL,
		utf16(c.BinaryPath), nil, nil, multiSZ(c.Dependencies), acct, pw)
	if err != nil {
		return mapErr("create service "+name, err)
	}
	return windows.CloseServiceHandle(h)
}

func (winSystem) ChangeCore(name string, c CoreConfig) error {
	return withService(name, windows.SERVICE_CHANGE_CONFIG, func(h windows.Handle) error {
		acct, pw := accountPtrs(c)
		err := windows.ChangeServiceConfig(h, windows.SERVICE_NO_CHANGE, uint32(c.Start), windows.SERVICE_NO_CHANGE,
			utf16(c.BinaryPath), nil, nil, multiSZ(c.Dependencies), acct, pw, utf16(c.DisplayName))
		return mapErr("change service "+name, err)
	})
}

func changeConfig2(name string, level uint32, info unsafe.Pointer, what string) error {
	return withService(name, windows.SERVICE_CHANGE_CONFIG|windows.SERVICE_START, func(h windows.Handle) error {
		return mapErr(fmt.Sprintf("set %s of %s", what, name), windows.ChangeServiceConfig2(h, level, (*byte)(info)))
	})
}

func (winSystem) SetDescription(name, desc string) error {
	d := windows.SERVICE_DESCRIPTION{Description: utf16(desc)}
	return changeConfig2(name, windows.SERVICE_CONFIG_DESCRIPTION, unsafe.Pointer(&d), "description")
}

func (winSystem) SetDelayedAutoStart(name string, on bool) error {
	var d windows.SERVICE_DELAYED_AUTO_START_INFO
	if on {
		d.IsDelayedAutoStartUp = 1
	}
	return changeConfig2(name, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, unsafe.Pointer(&d), "delayed automatic start")
}

func (winSystem) SetSIDType(name string, sidType uint32) error {
	return changeConfig2(name, windows.SERVICE_CONFIG_SERVICE_SID_INFO, unsafe.Pointer(&sidType), "SID type")
}

func (winSystem) SetFailureActions(name string, fa FailureActions) error {
	acts := make([]windows.SC_ACTION, 0, len(fa.Steps)+1)
	reboot := false
	for _, s := range fa.Steps {
		acts = append(acts, windows.SC_ACTION{Type: uint32(s.Action), Delay: uint32(s.Delay / time.Millisecond)})
		reboot = reboot || s.Action == ActionReboot
	}
	if reboot {
		// A reboot action is refused unless the caller holds an enabled
		// shutdown privilege.
		if err := enablePrivilege("SeShutdownPrivilege"); err != nil {
			return fmt.Errorf("set recovery of %s: enable SeShutdownPrivilege: %w", name, err)
		}
	}
	reset := uint32(min(fa.ResetPeriod/time.Second, math.MaxUint32-1))
	info := windows.SERVICE_FAILURE_ACTIONS{
		ResetPeriod:  reset,
		RebootMsg:    utf16(fa.RebootMessage),
		Command:      utf16(fa.Command),
		ActionsCount: uint32(len(acts)),
		// Non-nil even when empty: a zero count with a non-nil array
		// deletes the actions, a nil array changes nothing.
		Actions: unsafe.SliceData(acts),
	}
	return changeConfig2(name, windows.SERVICE_CONFIG_FAILURE_ACTIONS, unsafe.Pointer(&info), "recovery actions")
}

func (winSystem) SetNonCrashFailures(name string, on bool) error {
	var f windows.SERVICE_FAILURE_ACTIONS_FLAG
	if on {
		f.FailureActionsOnNonCrashFailures = 1
	}
	return changeConfig2(name, windows.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, unsafe.Pointer(&f), "recovery on non-crash failures")
}

func (winSystem) SetEnvironment(name string, env []string) error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, servicesKey+name, registry.SET_VALUE)
	if err != nil {
		return mapErr("open registry key of "+name, err)
	}
	defer k.Close()
	if len(env) == 0 {
		if err := k.DeleteValue("Environment"); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return mapErr("clear environment of "+name, err)
		}
		return nil
	}
	return mapErr("set environment of "+name, k.SetStringsValue("Environment", env))
}

func (winSystem) Start(name string) error {
	return withService(name, windows.SERVICE_START, func(h windows.Handle) error {
		err := windows.StartService(h, 0, nil)
		if errors.Is(err, windows.ERROR_SERVICE_ALREADY_RUNNING) {
			return nil
		}
		return mapErr("start "+name, err)
	})
}

func (winSystem) Stop(name string) error {
	return withService(name, windows.SERVICE_STOP, func(h windows.Handle) error {
		var st windows.SERVICE_STATUS
		err := windows.ControlService(h, windows.SERVICE_CONTROL_STOP, &st)
		if errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
			return nil
		}
		return mapErr("stop "+name, err)
	})
}

func (winSystem) Delete(name string) error {
	return withService(name, windows.DELETE, func(h windows.Handle) error {
		err := windows.DeleteService(h)
		if errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE) {
			return nil
		}
		return mapErr("delete "+name, err)
	})
}

func (winSystem) KillProcess(pid uint32) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, pid)
	if err != nil {
		return mapErr(fmt.Sprintf("open process %d", pid), err)
	}
	defer windows.CloseHandle(h)
	return mapErr(fmt.Sprintf("end process %d", pid), windows.TerminateProcess(h, 1))
}

func (winSystem) EventSourceExists(source string) (bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, eventLogKey+source, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("open event source "+source, err)
	}
	k.Close()
	return true, nil
}

func (winSystem) InstallEventSource(source string) error {
	return mapErr("register event source "+source,
		eventlog.InstallAsEventCreate(source, eventlog.Error|eventlog.Warning|eventlog.Info))
}

func (winSystem) RemoveEventSource(source string) error {
	return mapErr("remove event source "+source, eventlog.Remove(source))
}

func enablePrivilege(name string) error {
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok); err != nil {
		return err
	}
	defer tok.Close()
	var luid windows.LUID
	if err := windows.LookupPrivilegeValue(nil, utf16(name), &luid); err != nil {
		return err
	}
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
	// AdjustTokenPrivileges succeeds with ERROR_NOT_ALL_ASSIGNED when the
	// token lacks the privilege
	// (learn.microsoft.com/windows/win32/api/securitybaseapi/nf-securitybaseapi-adjusttokenprivileges);
	// x/sys drops that last error, so the call is made here and the error
	// read at once.
	r, _, lastErr := procAdjustTokenPrivileges.Call(uintptr(tok), 0, uintptr(unsafe.Pointer(&tp)), 0, 0, 0)
	if r == 0 {
		return fmt.Errorf("enable %s: %w", name, lastErr)
	}
	if errors.Is(lastErr, windows.ERROR_NOT_ALL_ASSIGNED) {
		return fmt.Errorf("enable %s: this account does not hold the privilege (%w)", name, lastErr)
	}
	return nil
}

var procAdjustTokenPrivileges = windows.NewLazySystemDLL("advapi32.dll").NewProc("AdjustTokenPrivileges")
