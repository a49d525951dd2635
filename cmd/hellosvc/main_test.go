package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/service"
)

func TestVersionFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"hellosvc dev", "commit: none", "built: unknown", "go: " + runtime.Version()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--version output %q lacks %q", out.String(), want)
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"extra"}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeHealthVersionAndGracefulShutdown(t *testing.T) {
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(service.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil))))
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
	get := func(path string) (string, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", path, resp.Status)
		}
		return string(b), resp.Header.Get("Content-Type")
	}
	if body, _ := get("/healthz"); body != "ok" {
		t.Fatalf("/healthz = %q", body)
	}
	body, ct := get("/version")
	var bi buildInfo
	if err := json.Unmarshal([]byte(body), &bi); err != nil || ct != "application/json" {
		t.Fatalf("/version = %q (%s): %v", body, ct, err)
	}
	if bi != currentBuild() {
		t.Fatalf("/version = %+v", bi)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"`+ShutdownLine+`"`) {
		t.Fatalf("no shutdown line in %s", logs.String())
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestServeFailsOnBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = serve(context.Background(), ln.Addr().String(), func() { t.Error("ready called") })
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("err %v", err)
	}
}
