package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/winetest"
)

// TestWineConsoleMode runs hellosvc.exe from a console under wine: svc.Run
// fails with ERROR_FAILED_SERVICE_CONTROLLER_CONNECT and the runtime falls
// back to the foreground, so the server answers.
func TestWineConsoleMode(t *testing.T) {
	p := winetest.New(t)
	exe := winetest.BuildGo(t, "github.com/svcship/svcship/cmd/hellosvc")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := p.Run(ctx, exe, "--version")
	if err != nil || !strings.Contains(res.Stdout, "hellosvc dev") || !strings.Contains(res.Stdout, "go: go1.") {
		t.Fatalf("--version: %v\n%s", err, res.Stdout)
	}
	addr := freeAddr(t)
	if _, err := p.Start(exe, "--listen", addr); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHTTP(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
		t.Fatal(err)
	}
}
