//go:build windows

package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
)

// Run runs app as a Windows service when the service manager started the
// process, and in the foreground otherwise (Ctrl-C stops it). It returns
// the app's error.
func Run(ctx context.Context, opts Options, app App) error {
	o, err := prepare(opts)
	if err != nil {
		return err
	}
	h := &handler{ctx: ctx, opts: o, app: app}
	err = svc.Run(o.Name, h)
	if err == nil {
		return h.err
	}
	if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
		// Not started by the service manager: a console, a container
		// entrypoint or a test.
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runForeground(ctx, o, app)
	}
	return fmt.Errorf("service: connect to the service manager: %w", err)
}

type handler struct {
	ctx  context.Context
	opts Options
	app  App
	err  error // the app's error, read by Run after svc.Run returns
}

// Execute is called by svc.Run on the service's own goroutine.
func (h *handler) Execute(_ []string, r <-chan svc.ChangeRequest, s chan<- svc.Status) (bool, uint32) {
	ev := openEvents(h.opts.EventSource)
	defer ev.close()
	// Report StartPending before any setup so the service manager sees
	// progress at once.
	s <- svc.Status{State: svc.StartPending, CheckPoint: 1, WaitHint: 10000}

	wd, err := chdir(h.opts.WorkDir)
	if err != nil {
		h.err = err
		ev.Error(err.Error())
		return true, ExitSetupFailed
	}
	dir := h.opts.Logs.Dir
	if dir == "" {
		dir = DefaultLogDir(h.opts.Name, os.Getenv)
	}
	level, err := h.opts.level(false, os.Getenv)
	if err != nil {
		h.err = err
		ev.Error(err.Error())
		return true, ExitSetupFailed
	}
	h.opts.Logs.Level = level
	log, closeLog, err := newLogger(h.opts, dir, nil)
	if err != nil {
		h.err = err
		ev.Error(err.Error())
		return true, ExitSetupFailed
	}
	defer closeLog()
	log.Info("service starting", "workdir", wd, "log_dir", dir, "pid", os.Getpid())
	logSettings(log, h.opts, dir, level)

	controls := make(chan Control)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case req := <-r:
				var c Control
				switch req.Cmd {
				case svc.Interrogate:
					c = ControlInterrogate
				case svc.Stop:
					c = ControlStop
				case svc.Shutdown:
					c = ControlShutdown
				case svc.PreShutdown:
					c = ControlPreShutdown
				default:
					continue
				}
				select {
				case controls <- c:
				case <-done:
					return
				}
			}
		}
	}()
	send := func(st Status) {
		s <- svc.Status{
			State:      svc.State(st.State),
			Accepts:    svc.Accepted(st.Accepts),
			CheckPoint: st.CheckPoint,
			WaitHint:   uint32(st.WaitHint / time.Millisecond),
		}
	}
	res := newMachine(h.opts, h.app, log, ev).execute(h.ctx, controls, send)
	h.err = res.Err
	return res.SvcSpecific, res.ExitCode
}

// eventLog writes to the Windows Event Log; failures to write are ignored
// because the file log has the same lines.
type eventLog struct{ l *eventlog.Log }

// Event IDs: the source is registered with EventCreate.exe as message file,
// which accepts IDs 1..1000 and prints the message as is.
const (
	eventInfo  = 1
	eventError = 3
)

func openEvents(source string) eventLog {
	l, err := eventlog.Open(source)
	if err != nil {
		return eventLog{}
	}
	return eventLog{l: l}
}

func (e eventLog) Info(msg string) {
	if e.l != nil {
		e.l.Info(eventInfo, msg)
	}
}

func (e eventLog) Error(msg string) {
	if e.l != nil {
		e.l.Error(eventError, msg)
	}
}

func (e eventLog) close() {
	if e.l != nil {
		e.l.Close()
	}
}
