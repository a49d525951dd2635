package installer

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbeGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			if r.URL.RawQuery != "deep=1" || r.Header.Get("Connection") != "close" {
				http.Error(w, "bad request line", http.StatusBadRequest)
				return
			}
			w.Write([]byte("ok"))
		case "/down":
			http.Error(w, "starting", http.StatusServiceUnavailable)
		case "/moved":
			http.Redirect(w, r, "/healthz?deep=1", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/healthz?deep=1", 200},
		{"/down", 503},
		{"/moved", 302}, // not followed
		{"/nope", 404},
	} {
		got, err := probeGet(context.Background(), srv.URL+tc.path)
		if err != nil || got != tc.want {
			t.Errorf("probeGet(%s) = %d, %v; want %d", tc.path, got, err, tc.want)
		}
	}
}

// rawServer answers every connection with reply (nil: reads and stays
// silent) and returns its http:// base URL.
func rawServer(t *testing.T, reply []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.Read(buf)
				if reply == nil {
					time.Sleep(3 * time.Second)
					return
				}
				c.Write(reply)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestProbeGetRawAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
		want        int
		wantErr     string
	}{
		{"interim 100 then 204", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204, ""},
		{"HTTP/1.0", "HTTP/1.0 500 Internal Server Error\r\n\r\n", 500, ""},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", 200, ""},
		{"not http", "SSH-2.0-OpenSSH_9.6\r\n", 0, "not an HTTP/1.x status line"},
		{"bad code", "HTTP/1.1 2000 OK\r\n\r\n", 0, "not an HTTP status code"},
		{"closed at once", "", 0, "connection closed before a status line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := probeGet(context.Background(), rawServer(t, []byte(tc.reply))+"/healthz")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("probeGet = %d, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("probeGet = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestProbeGetSilentServerEndsWithContext(t *testing.T) {
	base := rawServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := probeGet(ctx, base+"/healthz")
	if err == nil || !strings.Contains(err.Error(), "no answer in time") {
		t.Fatalf("probeGet on a silent server: %v; want a timeout error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("probeGet returned after %s; the context allowed 200ms", d)
	}
}

func TestProbeGetRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://192.0.2.1/healthz", "https://127.0.0.1/healthz", "http://user@127.0.0.1/"} {
		if _, err := probeGet(context.Background(), u); err == nil {
			t.Errorf("probeGet(%s): no error; want a refusal before any connection", u)
		}
	}
}
