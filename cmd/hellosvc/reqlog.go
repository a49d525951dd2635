package main

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/svcship/svcship/service"
)

// RequestIDHeader carries a request's id in and out.
const RequestIDHeader = "X-Request-ID"

// maxRequestID bounds an incoming id; a longer one is replaced.
const maxRequestID = 128

// validRequestID accepts what proxies and clients commonly send (UUIDs,
// hex, base32/64 tokens): 1 to 128 printable ASCII characters without
// spaces, quotes or backslashes, so the id can never break a log line or
// inject a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
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

// newRequestID is 26 characters of base32 from crypto/rand (128 bits).
func newRequestID() string { return rand.Text() }

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

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRequestLog gives every request an id (the caller's X-Request-ID when
// it is valid, a new one otherwise), returns it in the X-Request-ID
// response header, hands the handler a logger carrying it (through
// service.Logger(r.Context())), and logs one record per request with
// method, path, status, duration and id.
func withRequestLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		begin := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		rl := log.With("request_id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(service.WithLogger(r.Context(), rl)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		rl.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration_ms", float64(time.Since(begin).Microseconds())/1000)
	})
}
