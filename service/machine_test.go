package service

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type recEvents struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recEvents) Info(m string)  { r.add("info: " + m) }
func (r *recEvents) Error(m string) { r.add("error: " + m) }
func (r *recEvents) add(m string) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}
func (r *recEvents) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

// harness runs a machine with a fake status channel, as svc.Run would.
type harness struct {
	controls chan Control
	statuses chan Status
	res      chan result
	ev       *recEvents
	logs     *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func start(t *testing.T, app App, startTimeout, stopTimeout time.Duration) *harness {
	t.Helper()
	h := &harness{
		controls: make(chan Control),
		statuses: make(chan Status, 10000),
		res:      make(chan result, 1),
		ev:       &recEvents{},
		logs:     &syncBuf{},
	}
	m := &machine{
		app:          app,
		log:          slog.New(slog.NewTextHandler(h.logs, nil)),
		ev:           h.ev,
		tick:         5 * time.Millisecond,
		waitHint:     time.Second,
		startTimeout: startTimeout,
		stopTimeout:  stopTimeout,
	}
	go func() { h.res <- m.execute(context.Background(), h.controls, func(s Status) { h.statuses <- s }) }()
	return h
}

// waitState reads statuses until state s arrives and returns those seen.
func (h *harness) waitState(t *testing.T, s State) []Status {
	t.Helper()
	var seen []Status
	timeout := time.After(5 * time.Second)
	for {
		select {
		case st := <-h.statuses:
			seen = append(seen, st)
			if st.State == s {
				return seen
			}
		case <-timeout:
			t.Fatalf("state %v never reported; saw %v", s, seen)
		}
	}
}

func (h *harness) result(t *testing.T) result {
	t.Helper()
	select {
	case r := <-h.res:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("machine did not return")
	}
	return result{}
}

// drain returns statuses still queued.
func (h *harness) drain() []Status {
	var out []Status
	for {
		select {
		case s := <-h.statuses:
			out = append(out, s)
		default:
			return out
		}
	}
}

// serveApp becomes ready after delay and stops when asked; it records
// whether its context was cancelled.
func serveApp(delay time.Duration, stopped *bool) App {
	return func(ctx context.Context, ready func()) error {
		time.Sleep(delay)
		ready()
		ready() // a second call is harmless
		<-ctx.Done()
		*stopped = true
		return ctx.Err()
	}
}

func TestStartPendingCheckpointsThenRunningThenGracefulStop(t *testing.T) {
	for _, c := range []Control{ControlStop, ControlShutdown, ControlPreShutdown} {
		t.Run(c.String(), func(t *testing.T) {
			var stopped bool
			h := start(t, serveApp(40*time.Millisecond, &stopped), time.Minute, time.Minute)
			seen := h.waitState(t, Running)
			if seen[0].State != StartPending || seen[0].CheckPoint != 1 || seen[0].WaitHint != time.Second {
				t.Fatalf("first status %+v, want StartPending checkpoint 1 with wait hint", seen[0])
			}
			pending := seen[:len(seen)-1]
			if len(pending) < 3 {
				t.Fatalf("only %d StartPending reports during a 40ms start with 5ms ticks", len(pending))
			}
			for i, st := range pending {
				if st.State != StartPending || st.CheckPoint != uint32(i+1) {
					t.Fatalf("status %d = %+v, want StartPending checkpoint %d", i, st, i+1)
				}
			}
			run := seen[len(seen)-1]
			if want := AcceptStop | AcceptShutdown | AcceptPreShutdown; run.Accepts != want || run.CheckPoint != 0 {
				t.Fatalf("running status %+v, want accepts %#x and checkpoint 0", run, want)
			}
			h.controls <- c
			sp := h.waitState(t, StopPending)
			if last := sp[len(sp)-1]; last.Accepts != 0 || last.CheckPoint != 1 {
				t.Fatalf("stop pending %+v", last)
			}
			r := h.result(t)
			if r.ExitCode != 0 || r.SvcSpecific || r.Err != nil {
				t.Fatalf("result %+v, want clean stop", r)
			}
			if !stopped {
				t.Fatal("app context was not cancelled")
			}
			if got := h.ev.all(); got != "info: service started\ninfo: service stopped" {
				t.Fatalf("events %q", got)
			}
			if !strings.Contains(h.logs.String(), "control="+c.String()) {
				t.Fatalf("log lacks the control: %s", h.logs.String())
			}
		})
	}
}

func TestAppFailureExitsWithServiceSpecificCode(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		app  App
	}{
		{"before-ready", func(ctx context.Context, ready func()) error { return boom }},
		{"after-ready", func(ctx context.Context, ready func()) error {
			ready()
			time.Sleep(20 * time.Millisecond)
			return boom
		}},
		{"panic", func(ctx context.Context, ready func()) error { panic("boom") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.app, time.Minute, time.Minute)
			r := h.result(t)
			if !r.SvcSpecific || r.ExitCode != ExitAppFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "boom") {
				t.Fatalf("result %+v, want service-specific %d with the app error", r, ExitAppFailed)
			}
			if !strings.Contains(h.ev.all(), "error: service failed: ") {
				t.Fatalf("no failure event: %q", h.ev.all())
			}
		})
	}
}

func TestAppReturningNilStopsCleanly(t *testing.T) {
	h := start(t, func(ctx context.Context, ready func()) error { ready(); return nil }, time.Minute, time.Minute)
	if r := h.result(t); r.ExitCode != 0 || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
}

func TestStartTimeout(t *testing.T) {
	var cancelled bool
	h := start(t, func(ctx context.Context, ready func()) error {
		<-ctx.Done()
		cancelled = true
		return ctx.Err()
	}, 30*time.Millisecond, time.Second)
	r := h.result(t)
	if !r.SvcSpecific || r.ExitCode != ExitStartTimeout {
		t.Fatalf("result %+v, want start timeout", r)
	}
	if !cancelled {
		t.Fatal("app was not asked to stop")
	}
	for _, st := range h.drain() {
		if st.State == Running {
			t.Fatal("reported Running without ready")
		}
	}
}

func TestStopTimeoutBoundsAStuckApp(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := start(t, func(ctx context.Context, ready func()) error {
		ready()
		<-release // ignores ctx
		return nil
	}, time.Minute, 60*time.Millisecond)
	h.waitState(t, Running)
	began := time.Now()
	h.controls <- ControlStop
	r := h.result(t)
	took := time.Since(began)
	if took < 60*time.Millisecond || took > 2*time.Second {
		t.Fatalf("stop took %s, want about the 60ms stop timeout", took)
	}
	if r.ExitCode != 0 {
		t.Fatalf("result %+v: a requested stop must not trigger recovery", r)
	}
	var maxCP uint32
	for _, st := range h.drain() {
		if st.State == StopPending && st.CheckPoint > maxCP {
			maxCP = st.CheckPoint
		}
	}
	if maxCP < 3 {
		t.Fatalf("StopPending checkpoint only reached %d", maxCP)
	}
	if !strings.Contains(h.ev.all(), "did not stop within") {
		t.Fatalf("events %q", h.ev.all())
	}
}

func TestInterrogateRepeatsCurrentStatus(t *testing.T) {
	var stopped bool
	h := start(t, serveApp(0, &stopped), time.Minute, time.Minute)
	h.waitState(t, Running)
	h.controls <- ControlInterrogate
	if st := h.waitState(t, Running); len(st) != 1 {
		t.Fatalf("interrogate answered %v", st)
	}
	h.controls <- ControlStop
	h.result(t)
}

func TestForegroundStopsOnContextCancel(t *testing.T) {
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var stopped bool
	m := newMachine(Options{StartTimeout: time.Minute, StopTimeout: time.Minute}, serveApp(0, &stopped), log, noEvents{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- foreground(ctx, m, log) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("foreground: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("foreground did not stop")
	}
	if !stopped || !strings.Contains(logs.String(), "service stopped") {
		t.Fatalf("stopped=%v logs=%s", stopped, logs.String())
	}
}

func TestLoggerReachesApp(t *testing.T) {
	h := start(t, func(ctx context.Context, ready func()) error {
		Logger(ctx).Info("hello from app")
		return nil
	}, time.Minute, time.Minute)
	h.result(t)
	if !strings.Contains(h.logs.String(), "hello from app") {
		t.Fatalf("logs %s", h.logs.String())
	}
}
