package host

import (
	"slices"
	"time"
)

// Restart policy defaults, matching svcship.yaml's documented defaults.
const (
	DefaultRestartDelay    = time.Second
	DefaultRestartMaxDelay = time.Minute
	DefaultMaxFailures     = 5
	DefaultFailureWindow   = 10 * time.Minute
	DefaultStopTimeout     = 15 * time.Second
)

// RestartPolicy throttles restarts of a child that exits unexpectedly.
type RestartPolicy struct {
	// Delay is the first back-off (default 1s); it doubles with every
	// consecutive failure.
	Delay time.Duration
	// MaxDelay caps the back-off (default 1m). A child that ran at least
	// MaxDelay before failing starts the back-off over at Delay.
	MaxDelay time.Duration
	// MaxFailures failures within Window make Run return an error, so that
	// the service stops as failed and the service manager's recovery
	// actions apply (default 5; negative: never give up).
	MaxFailures int
	// Window is the span MaxFailures is counted in (default 10m).
	Window time.Duration
}

func (r RestartPolicy) withDefaults() RestartPolicy {
	if r.Delay <= 0 {
		r.Delay = DefaultRestartDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = DefaultRestartMaxDelay
	}
	if r.MaxDelay < r.Delay {
		r.MaxDelay = r.Delay
	}
	if r.MaxFailures == 0 {
		r.MaxFailures = DefaultMaxFailures
	}
	if r.Window <= 0 {
		r.Window = DefaultFailureWindow
	}
	return r
}

// backoff is the wait before the restart that follows the n-th consecutive
// failure (n >= 1): Delay, 2*Delay, 4*Delay, ... capped at MaxDelay.
func (r RestartPolicy) backoff(n int) time.Duration {
	d := r.Delay
	for i := 1; i < n; i++ {
		if d >= r.MaxDelay/2 {
			return r.MaxDelay
		}
		d *= 2
	}
	return min(d, r.MaxDelay)
}

// failureWindow counts failures in a sliding time window.
type failureWindow struct {
	span  time.Duration
	max   int // <= 0: unlimited
	times []time.Time
}

// add records a failure at t and reports how many failures fall within the
// window ending at t, and whether that reaches the limit.
func (f *failureWindow) add(t time.Time) (count int, exhausted bool) {
	f.times = append(f.times, t)
	cut := 0
	for cut < len(f.times) && t.Sub(f.times[cut]) >= f.span {
		cut++
	}
	f.times = f.times[cut:]
	return len(f.times), f.max > 0 && len(f.times) >= f.max
}

// isSuccess tells whether code means the child stopped on purpose.
func isSuccess(code int, success []int) bool {
	if success == nil {
		return code == 0
	}
	return slices.Contains(success, code)
}
