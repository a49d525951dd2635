//go:build windows

package host

import (
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                  = windows.NewLazySystemDLL("kernel32.dll")
	ntdll                     = windows.NewLazySystemDLL("ntdll.dll")
	procAttachConsole         = kernel32.NewProc("AttachConsole")
	procFreeConsole           = kernel32.NewProc("FreeConsole")
	procGetConsoleWindow      = kernel32.NewProc("GetConsoleWindow")
	procSetConsoleCtrlHandler = kernel32.NewProc("SetConsoleCtrlHandler")
	procNtResumeProcess       = ntdll.NewProc("NtResumeProcess")
)

// attachParentProcess is ATTACH_PARENT_PROCESS ((DWORD)-1).
const attachParentProcess = ^uint32(0)

// swallowFor is how long after sending Ctrl-C to the shared console the
// host ignores that Ctrl-C itself.
const swallowFor = 5 * time.Second

type winPlatform struct {
	log *slog.Logger
	// hadConsole: the host was started on a console (a terminal), which
	// it re-attaches to after borrowing the child's.
	hadConsole bool
	// consoleMu serialises borrowing a child's console, which is
	// process-wide state.
	consoleMu sync.Mutex
	// swallowUntil (unix nanoseconds) makes the host's console handler eat
	// the control event it just sent to its child.
	swallowUntil atomic.Int64
}

func newPlatform() platform { return &winPlatform{} }

// prepare looks at the host's console and installs the handler that keeps
// the host alive when it broadcasts a control event to its child.
func (p *winPlatform) prepare(log *slog.Logger) error {
	p.log = log
	hwnd, _, _ := procGetConsoleWindow.Call()
	p.hadConsole = hwnd != 0
	// Registered after the Go runtime's handler, so it runs first.
	cb := windows.NewCallback(func(ctrlType uint32) uintptr {
		if (ctrlType == windows.CTRL_C_EVENT || ctrlType == windows.CTRL_BREAK_EVENT) &&
			time.Now().UnixNano() < p.swallowUntil.Load() {
			return 1 // meant for the child
		}
		return 0
	})
	if r, _, err := procSetConsoleCtrlHandler.Call(cb, 1); r == 0 {
		return fmt.Errorf("set console control handler: %w", err)
	}
	return nil
}

func (p *winPlatform) configure(cmd *exec.Cmd, sig Signal) {
	// Suspended until it is inside the job, so nothing it spawns escapes.
	// Control events travel only within a console, and a service has
	// none, so the child always gets a hidden console of its own; a stop
	// borrows it (as nssm does). That also keeps a Ctrl-C broadcast away
	// from whatever else shares the host's terminal.
	flags := uint32(windows.CREATE_SUSPENDED | windows.CREATE_NO_WINDOW)
	if sig == CtrlBreak {
		// Its own group lets Ctrl-Break target the child's tree alone. (A
		// new group has Ctrl-C disabled, so ctrl-c children keep the
		// default group and get a console-wide Ctrl-C.)
		flags |= windows.CREATE_NEW_PROCESS_GROUP
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags}
}

func (p *winPlatform) adopt(cmd *exec.Cmd) (tree, error) {
	pid := uint32(cmd.Process.Pid)
	proc, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE|
		windows.PROCESS_SUSPEND_RESUME|windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.SYNCHRONIZE, false, pid)
	if err != nil {
		return nil, fmt.Errorf("open child process %d: %w", pid, err)
	}
	t := &winTree{p: p, pid: pid, proc: proc}
	if err := t.makeJob(); err != nil {
		// Without a job the child still runs; only its descendants may
		// outlive a stop. Say so rather than refuse to run.
		p.log.Warn("host: no job object for the child; grandchildren may survive a stop", "pid", pid, "err", err)
	}
	if err := resume(proc, pid); err != nil {
		_ = t.kill()
		_ = t.close()
		return nil, fmt.Errorf("resume child %d: %w", pid, err)
	}
	return t, nil
}

type winTree struct {
	p    *winPlatform
	pid  uint32
	proc windows.Handle
	job  windows.Handle
}

func (t *winTree) makeJob() error {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return fmt.Errorf("create job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("set kill-on-close: %w", err)
	}
	if err := windows.AssignProcessToJobObject(job, t.proc); err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("assign child to job: %w", err)
	}
	t.job = job
	return nil
}

// resume starts the main thread of a process created suspended. Go's
// os/exec closes the thread handle, so resume the whole process.
func resume(proc windows.Handle, pid uint32) error {
	if err := procNtResumeProcess.Find(); err == nil {
		if st, _, _ := procNtResumeProcess.Call(uintptr(proc)); st == 0 {
			return nil
		}
	}
	// Fallback: resume each thread of the process.
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("thread snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("open thread %d: %w", te.ThreadID, err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("resume thread %d: %w", te.ThreadID, err)
		}
		resumed++
	}
	if resumed == 0 {
		return errors.New("no thread found")
	}
	return nil
}

func (t *winTree) interrupt(sig Signal) error {
	ev, group := uint32(windows.CTRL_BREAK_EVENT), t.pid
	if sig == CtrlC {
		// Ctrl-C cannot target a group: it goes to every process on the
		// console, and the host's handler swallows its own copy.
		ev, group = windows.CTRL_C_EVENT, 0
	}
	t.p.consoleMu.Lock()
	defer t.p.consoleMu.Unlock()
	t.p.swallowUntil.Store(time.Now().Add(swallowFor).UnixNano())
	_, _, _ = procFreeConsole.Call()
	defer func() {
		_, _, _ = procFreeConsole.Call()
		if t.p.hadConsole {
			_, _, _ = procAttachConsole.Call(uintptr(attachParentProcess))
		}
	}()
	if r, _, err := procAttachConsole.Call(uintptr(t.pid)); r == 0 {
		return fmt.Errorf("attach to the console of child %d: %w", t.pid, err)
	}
	return windows.GenerateConsoleCtrlEvent(ev, group)
}

func (t *winTree) kill() error {
	if t.job != 0 {
		return windows.TerminateJobObject(t.job, 1)
	}
	err := windows.TerminateProcess(t.proc, 1)
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return nil // already exited
	}
	return err
}

func (t *winTree) close() error {
	var errs []error
	if t.job != 0 {
		errs = append(errs, windows.CloseHandle(t.job)) // kill-on-close ends stragglers
		t.job = 0
	}
	if t.proc != 0 {
		errs = append(errs, windows.CloseHandle(t.proc))
		t.proc = 0
	}
	return errors.Join(errs...)
}
