package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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

// hellosvc's server returns the caller's X-Request-ID and logs the
// request with it as one JSON line.
func TestServeLogsRequestWithID(t *testing.T) {
	var logs lockedBuf
	ctx, cancel := context.WithCancel(service.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil))))
	defer cancel()
	addr := freeAddr(t)
	readyc := make(chan struct{})
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, addr, func() { close(readyc) }) }()
	select {
	case <-readyc:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Request-ID", "user-report-17")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "user-report-17" {
		t.Fatalf("X-Request-ID = %q", got)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	want := `"msg":"request","request_id":"user-report-17","method":"GET","path":"/healthz","status":200,"duration_ms":`
	if !strings.Contains(logs.String(), want) {
		t.Fatalf("log lacks %s:\n%s", want, logs.String())
	}
}
