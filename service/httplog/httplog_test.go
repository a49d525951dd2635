package httplog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/svcship/svcship/service"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// records parses the JSON lines logged so far whose msg is "request".
func records(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

var generatedID = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// testMux answers /healthz and /version, and 404 otherwise.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") })
	return mux
}

func TestRequestIDRoundTripsAndIsLogged(t *testing.T) {
	var logs lockedBuf
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	srv := httptest.NewServer(Handler(log, testMux()))
	defer srv.Close()

	long := strings.Repeat("a", 129)
	tests := []struct {
		name, sent, path string
		wantStatus       int
		keep             bool // the sent id comes back
	}{
		{"caller id kept", "req-42.abc:7", "/healthz", 200, true},
		{"uuid kept", "0f8fad5b-d9cb-469f-a165-70867728950e", "/version", 200, true},
		{"128 characters kept", strings.Repeat("b", 128), "/healthz", 200, true},
		{"none: generated", "", "/healthz", 200, false},
		{"space: replaced", "a b", "/healthz", 200, false},
		{"quote: replaced", `a"b`, "/healthz", 200, false},
		{"too long: replaced", long, "/healthz", 200, false},
		{"not found logged", "nf-1", "/nope", 404, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.sent != "" {
				req.Header.Set("X-Request-ID", tt.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			got := resp.Header.Get("X-Request-ID")
			if tt.keep && got != tt.sent {
				t.Fatalf("X-Request-ID = %q, want %q", got, tt.sent)
			}
			if !tt.keep && !generatedID.MatchString(got) {
				t.Fatalf("X-Request-ID = %q, want 26 base32 characters", got)
			}
			recs := records(t, logs.String())
			if len(recs) != i+1 {
				t.Fatalf("%d request records, want %d", len(recs), i+1)
			}
			r := recs[i]
			if r["request_id"] != got || r["method"] != "GET" || r["path"] != tt.path || r["status"] != float64(tt.wantStatus) || r["level"] != "INFO" {
				t.Fatalf("record %v (id %q)", r, got)
			}
			if d, ok := r["duration_ms"].(float64); !ok || d < 0 {
				t.Fatalf("duration_ms %v", r["duration_ms"])
			}
		})
	}
	// Generated ids differ.
	ids := map[any]bool{}
	for _, r := range records(t, logs.String()) {
		ids[r["request_id"]] = true
	}
	if len(ids) != len(tests) {
		t.Errorf("%d distinct ids for %d requests", len(ids), len(tests))
	}
}

// A handler's own records carry the request's id.
func TestHandlerLoggerCarriesRequestID(t *testing.T) {
	var logs lockedBuf
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := Handler(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ID(r.Context()) != "pot-1" {
			t.Errorf("ID = %q", ID(r.Context()))
		}
		service.Logger(r.Context()).Info("inside")
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(context.Background(), "POST", "/brew", nil)
	req.Header.Set("X-Request-ID", "pot-1")
	h.ServeHTTP(rec, req)
	want := []string{`"msg":"inside","request_id":"pot-1"`, `"msg":"request","request_id":"pot-1","method":"POST","path":"/brew","status":418,"duration_ms":`}
	for _, w := range want {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("logs lack %s:\n%s", w, logs.String())
		}
	}
}
