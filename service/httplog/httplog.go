// Package httplog logs one record per HTTP request, tied to a request id,
// for services built with package service:
//
//	srv := &http.Server{Handler: httplog.Handler(service.Logger(ctx), mux)}
//
// Every request gets an id: the caller's X-Request-ID when it is a
// reasonable token (1 to 128 printable ASCII characters without spaces,
// quotes or backslashes), otherwise 26 base32 characters from crypto/rand.
// The id is returned in the X-Request-ID response header, so a user's
// report can be matched with the log, and it is an attribute of the
// logger the handler gets from service.Logger(r.Context()), so every
// record the handler writes carries it. After the handler returns, one
// record is written at level info:
//
//	{"level":"INFO","msg":"request","service":"hellosvc","request_id":"wine-req-0042","method":"GET","path":"/version","status":200,"duration_ms":0.05}
package httplog

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/svcship/svcship/service"
)

// Header carries a request's id in and out.
const Header = "X-Request-ID"

// MaxIDLength bounds an incoming id; a longer one is replaced.
const MaxIDLength = 128

// ValidID reports whether an incoming id is kept: it can then never break
// a log line or smuggle a header.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// NewID returns 26 characters of base32 from crypto/rand (128 bits).
func NewID() string { return rand.Text() }

type idKey struct{}

// ID is the request id Handler gave the request whose context is ctx
// ("" outside Handler).
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (Flush,
// deadlines, hijacking).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Handler wraps next: it assigns the request id, sets the X-Request-ID
// response header, passes next a context whose service.Logger carries the
// id, and logs method, path, status and duration when next returns.
func Handler(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		begin := time.Now()
		id := r.Header.Get(Header)
		if !ValidID(id) {
			id = NewID()
		}
		w.Header().Set(Header, id)
		rl := log.With("request_id", id)
		ctx := context.WithValue(service.WithLogger(r.Context(), rl), idKey{}, id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		rl.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", float64(time.Since(begin).Microseconds())/1000)
	})
}
