package publish

import (
	"context"
	"log/slog"
	"strings"
)

// redactor removes the API token from anything that leaves the package.
// The token is never put into messages on purpose; this is the safety net
// for text we do not control (server error bodies echoed by go-github,
// transport errors, a misconfigured proxy reflecting headers).
type redactor struct {
	token string
}

const redacted = "[REDACTED]"

func (r redactor) string(s string) string {
	if r.token == "" {
		return s
	}
	return strings.ReplaceAll(s, r.token, redacted)
}

// error wraps err so that its text never contains the token. Unwrap keeps
// errors.Is/As working for context and go-github error types.
func (r redactor) error(err error) error {
	if err == nil || r.token == "" {
		return err
	}
	return &redactedError{err: err, msg: r.string(err.Error())}
}

type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactHandler scrubs the token from log records before they reach the
// caller's handler.
type redactHandler struct {
	inner slog.Handler
	r     redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.string(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.r.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.r.attr(a)
	}
	return &redactHandler{inner: h.inner.WithAttrs(clean), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{inner: h.inner.WithGroup(name), r: h.r}
}

func (r redactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.string(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, r.string(err.Error()))
		}
		// Render anything else to text first so nothing slips through a
		// custom formatter.
		return slog.String(a.Key, r.string(v.String()))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
