package service

import (
	"context"
	"errors"
	"fmt"
	"github.com/svcship/svcship/internal/svcstate"
	"log/slog"
	"time"
)

// State is a service state as reported to the service manager: the
// Windows SERVICE_* values, so the Windows adapter converts them directly.
// The installer reads the same states (internal/svcstate).
type State = svcstate.State

// The states a service reports.
const (
	Stopped      = svcstate.Stopped
	StartPending = svcstate.StartPending
	StopPending  = svcstate.StopPending
	Running      = svcstate.Running
)

// Accepts is the set of controls accepted, as SERVICE_ACCEPT_* bits.
type Accepts uint32

const (
	AcceptStop        Accepts = 0x1
	AcceptShutdown    Accepts = 0x4
	AcceptPreShutdown Accepts = 0x100
)

// Status is one report to the service manager.
type Status struct {
	State      State
	Accepts    Accepts
	CheckPoint uint32
	WaitHint   time.Duration
}

// Control is a request from the service manager (or a console signal).
type Control int

const (
	ControlInterrogate Control = iota
	ControlStop
	ControlShutdown
	ControlPreShutdown
)

func (c Control) String() string {
	switch c {
	case ControlInterrogate:
		return "interrogate"
	case ControlStop:
		return "stop"
	case ControlShutdown:
		return "shutdown"
	case ControlPreShutdown:
		return "preshutdown"
	}
	return fmt.Sprintf("Control(%d)", int(c))
}

// Service-specific exit codes reported when the service stops on its own
// with an error, so that the service manager's recovery actions fire (with
// the "actions on non-crash failures" flag set, as the installer does).
const (
	ExitAppFailed    uint32 = 1 // the app returned an error
	ExitStartTimeout uint32 = 2 // the app did not call ready in time
	ExitSetupFailed  uint32 = 3 // logging or working directory setup failed
)

// events receives the few lines that also go to the Windows Event Log.
type events interface {
	Info(msg string)
	Error(msg string)
}

type noEvents struct{}

func (noEvents) Info(string)  {}
func (noEvents) Error(string) {}

// machine drives an App and reports status. It is independent of Windows:
// the Windows handler and the console runner feed it controls and forward
// its statuses.
type machine struct {
	app          App
	log          *slog.Logger
	ev           events
	tick         time.Duration // checkpoint interval while pending
	waitHint     time.Duration // wait hint sent with each pending status
	startTimeout time.Duration // app must call ready within this
	stopTimeout  time.Duration // app must return within this after a stop
}

// result is how the run ended.
type result struct {
	SvcSpecific bool   // ExitCode is service specific
	ExitCode    uint32 // 0 when the service stopped cleanly
	Err         error  // the app's error, if it failed
}

// execute runs the app until it returns or a stop control arrives. It does
// not send the final Stopped status: the caller (svc.Run) does that with the
// returned exit code.
func (m *machine) execute(ctx context.Context, controls <-chan Control, send func(Status)) result {
	appCtx, cancel := context.WithCancel(WithLogger(ctx, m.log))
	defer cancel()
	readyCh := make(chan struct{})
	readyOnce := make(chan struct{}, 1)
	readyOnce <- struct{}{}
	ready := func() {
		select {
		case <-readyOnce:
			close(readyCh)
		default:
		}
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- m.app(appCtx, ready)
	}()

	cur := Status{State: StartPending, CheckPoint: 1, WaitHint: m.waitHint}
	send(cur)
	ticker := time.NewTicker(m.tick)
	defer ticker.Stop()
	startDeadline := time.NewTimer(m.startTimeout)
	defer startDeadline.Stop()
	startedAt := time.Now()

	var stopDeadline <-chan time.Time
	var stopReason Control
	stopping := false
	beginStop := func(c Control) {
		stopping = true
		stopReason = c
		cur = Status{State: StopPending, CheckPoint: 1, WaitHint: m.waitHint}
		send(cur)
		cancel()
		t := time.NewTimer(m.stopTimeout)
		stopDeadline = t.C
	}

	for {
		select {
		case <-readyCh:
			readyCh = nil
			if stopping {
				continue
			}
			startDeadline.Stop()
			cur = Status{State: Running, Accepts: AcceptStop | AcceptShutdown | AcceptPreShutdown}
			send(cur)
			m.log.Info("service running", "start_ms", time.Since(startedAt).Milliseconds())
			m.ev.Info("service started")

		case <-ticker.C:
			if cur.State == StartPending || cur.State == StopPending {
				cur.CheckPoint++
				send(cur)
			}

		case <-startDeadline.C:
			if cur.State != StartPending || stopping {
				continue
			}
			msg := fmt.Sprintf("service did not become ready within %s", m.startTimeout)
			m.log.Error(msg)
			m.ev.Error(msg)
			beginStop(ControlStop)
			err := m.waitStopped(done, stopDeadline, ticker.C, &cur, send)
			return result{SvcSpecific: true, ExitCode: ExitStartTimeout, Err: errors.Join(errors.New(msg), err)}

		case c := <-controls:
			switch c {
			case ControlInterrogate:
				send(cur)
			case ControlStop, ControlShutdown, ControlPreShutdown:
				if stopping {
					send(cur)
					continue
				}
				m.log.Info("service stopping", "control", c.String())
				beginStop(c)
			}

		case <-stopDeadline:
			msg := fmt.Sprintf("service did not stop within %s; exiting anyway", m.stopTimeout)
			m.log.Error(msg, "control", stopReason.String())
			m.ev.Error(msg)
			return result{}

		case err := <-done:
			if stopping {
				if err != nil && !errors.Is(err, context.Canceled) {
					m.log.Warn("app returned an error while stopping", "err", err)
				}
				m.log.Info("service stopped", "control", stopReason.String())
				m.ev.Info("service stopped")
				return result{}
			}
			if err == nil {
				m.log.Info("service stopped: the app returned")
				m.ev.Info("service stopped")
				return result{}
			}
			m.log.Error("service failed", "err", err)
			m.ev.Error("service failed: " + err.Error())
			return result{SvcSpecific: true, ExitCode: ExitAppFailed, Err: err}
		}
	}
}

// waitStopped waits for the app after a stop that the runtime itself
// initiated, still bumping the checkpoint.
func (m *machine) waitStopped(done <-chan error, deadline <-chan time.Time, tick <-chan time.Time, cur *Status, send func(Status)) error {
	for {
		select {
		case err := <-done:
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		case <-tick:
			cur.CheckPoint++
			send(*cur)
		case <-deadline:
			return fmt.Errorf("app did not stop within %s", m.stopTimeout)
		}
	}
}
