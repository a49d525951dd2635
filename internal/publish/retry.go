package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-github/v57/github"
)

// RetryPolicy says how transient failures are retried. Zero fields take
// the defaults noted on each.
type RetryPolicy struct {
	// MaxAttempts per operation, first try included (default 8).
	MaxAttempts int
	// BaseDelay is the first backoff; it doubles per attempt (default 1s).
	BaseDelay time.Duration
	// MaxDelay caps the exponential backoff (default 30s).
	MaxDelay time.Duration
	// MaxWait is the longest server-requested wait (Retry-After,
	// X-RateLimit-Reset) honoured; a longer one fails the run (default 15m).
	MaxWait time.Duration
	// Sleep waits d or until ctx ends (default: a timer). Tests inject a
	// fake clock through Sleep and Now.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used with X-RateLimit-Reset (default time.Now).
	Now func() time.Time
	// NoJitter disables the random spread of backoffs (for tests).
	NoJitter bool
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 15 * time.Minute
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is the exponential delay before attempt+1, capped, with "equal
// jitter" (half fixed, half random) so parallel uploads do not retry in
// lockstep.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if p.NoJitter || d < 2 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// verdict is how one failure should be handled.
type verdict struct {
	retry     bool
	wait      time.Duration // 0: use backoff
	rateLimit bool          // wait applies to every request, not just this one
	why       string
}

// secondaryDefaultWait follows GitHub's advice for secondary rate limits
// without Retry-After: wait at least a minute.
const secondaryDefaultWait = time.Minute

// classify decides whether err is worth another attempt.
func (p RetryPolicy) classify(err error) verdict {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return verdict{why: "cancelled"}
	}
	var again *retryNow
	if errors.As(err, &again) {
		return verdict{retry: true, wait: -1, why: again.why}
	}
	var rle *github.RateLimitError
	if errors.As(err, &rle) {
		wait := rle.Rate.Reset.Time.Sub(p.Now()) + time.Second
		return p.rateLimited(max(wait, time.Second), "primary rate limit")
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		// go-github falls back to X-RateLimit-Reset, which on a secondary
		// limit is usually the unrelated primary window (up to an hour).
		// GitHub's guidance: Retry-After if sent, the reset time only if
		// the primary budget is also spent, else at least a minute.
		wait := secondaryDefaultWait
		if abuse.Response != nil {
			h := abuse.Response.Header
			if d, ok := retryAfter(http.Header{"Retry-After": h.Values("Retry-After")}, p.Now()); ok {
				wait = d
			} else if h.Get("X-RateLimit-Remaining") == "0" {
				if d, ok := retryAfter(h, p.Now()); ok {
					wait = d
				}
			}
		}
		return p.rateLimited(wait, "secondary rate limit")
	}
	var accepted *github.AcceptedError
	if errors.As(err, &accepted) {
		return verdict{retry: true, why: "202 accepted, not ready"}
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return p.classifyStatus(er.Response, er.Message)
	}
	var se *statusError
	if errors.As(err, &se) {
		return p.classifyStatus(se.resp, "")
	}
	if transientNetErr(err) {
		return verdict{retry: true, why: "connection failed"}
	}
	return verdict{why: "permanent"}
}

func (p RetryPolicy) classifyStatus(resp *http.Response, msg string) verdict {
	code := resp.StatusCode
	switch {
	case code == http.StatusTooManyRequests, code == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "secondary rate limit"):
		if ra, ok := retryAfter(resp.Header, p.Now()); ok {
			return p.rateLimited(ra, strconv.Itoa(code)+" rate limited")
		}
		return p.rateLimited(secondaryDefaultWait, strconv.Itoa(code)+" rate limited")
	case code == http.StatusForbidden && resp.Header.Get("X-RateLimit-Remaining") == "0":
		if ra, ok := retryAfter(resp.Header, p.Now()); ok {
			return p.rateLimited(ra, "primary rate limit")
		}
	case code == http.StatusInternalServerError, code == http.StatusBadGateway,
		code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		return verdict{retry: true, why: resp.Status}
	}
	return verdict{why: "permanent"}
}

func (p RetryPolicy) rateLimited(wait time.Duration, why string) verdict {
	if wait > p.MaxWait {
		return verdict{why: fmt.Sprintf("%s: server asks to wait %s, more than the %s allowed", why, wait.Round(time.Second), p.MaxWait)}
	}
	return verdict{retry: true, wait: wait, rateLimit: true, why: why}
}

// retryAfter reads Retry-After (seconds) or, failing that, X-RateLimit-Reset.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(s, 0).Sub(now)+time.Second, time.Second), true
		}
	}
	return 0, false
}

// transientNetErr matches connection-level failures worth retrying:
// resets, aborted or refused connections, truncated responses, timeouts.
func transientNetErr(err error) bool {
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// net/http reports some broken connections only as text.
	msg := err.Error()
	for _, s := range []string{"connection reset", "broken pipe", "server closed idle connection", "unexpected EOF", "transport connection broken"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// statusError is an unexpected HTTP status from a request made without
// go-github's decoding (asset downloads).
type statusError struct {
	resp *http.Response
	op   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: unexpected status %s", e.op, e.resp.Status)
}

// retryNow asks for an immediate new attempt: the failure's cause was
// already repaired (e.g. a stale asset deleted after 422 already_exists).
type retryNow struct{ why string }

func (e *retryNow) Error() string { return e.why }

// gate holds back every request after a rate limit, since GitHub limits
// the token, not the single request that tripped it.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *gate) hold(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.until) {
		g.until = t
	}
}

func (g *gate) wait(ctx context.Context, p RetryPolicy) error {
	g.mu.Lock()
	d := g.until.Sub(p.Now())
	g.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	return p.Sleep(ctx, d)
}

// retrier runs operations under a policy, sharing one rate-limit gate.
type retrier struct {
	policy RetryPolicy
	gate   gate
	log    *slog.Logger
}

// do runs fn until it succeeds, fails permanently, or attempts run out.
func (r *retrier) do(ctx context.Context, op string, fn func(ctx context.Context, attempt int) error) error {
	p := r.policy
	for attempt := 1; ; attempt++ {
		if err := r.gate.wait(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		err := fn(ctx, attempt)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		v := p.classify(err)
		if !v.retry {
			if v.why != "permanent" && v.why != "cancelled" {
				return fmt.Errorf("%s: %s: %w", op, v.why, err)
			}
			return fmt.Errorf("%s: %w", op, err)
		}
		if attempt >= p.MaxAttempts {
			return fmt.Errorf("%s: giving up after %d attempts: %w", op, attempt, err)
		}
		wait := v.wait
		switch {
		case wait < 0:
			wait = 0
		case wait == 0:
			wait = p.backoff(attempt)
		}
		r.log.Warn("retrying", "op", op, "attempt", attempt, "reason", v.why, "wait", wait, "err", err)
		if v.rateLimit {
			r.gate.hold(p.Now().Add(wait)) // the loop's gate.wait does the waiting
			continue
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}
