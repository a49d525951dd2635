// Command hellosvc is the reference service: a tiny HTTP server that runs
// as a Windows service through package service, or in the foreground.
//
//	hellosvc [--listen 127.0.0.1:8080] [--name hellosvc]
//	hellosvc --version
//
// It serves /healthz ("ok") and /version (JSON), logs one record per
// request (method, path, status, duration and the request id, which it
// takes from X-Request-ID or generates and returns in X-Request-ID). On
// stop it logs "hellosvc: shutting down gracefully" and drains open
// requests.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/svcship/svcship/service"
	"github.com/svcship/svcship/service/httplog"
)

// Stamped by the build with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// ShutdownLine is logged when a stop begins; tests look for it.
const ShutdownLine = "hellosvc: shutting down gracefully"

type buildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

func currentBuild() buildInfo {
	return buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hellosvc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve HTTP on")
	name := fs.String("name", "hellosvc", "service name (names the log folder and event source)")
	showVersion := fs.Bool("version", false, "print version, commit, build date and Go version, then exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hellosvc: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *showVersion {
		b := currentBuild()
		fmt.Fprintf(stdout, "hellosvc %s\ncommit: %s\nbuilt: %s\ngo: %s\n", b.Version, b.Commit, b.Date, b.Go)
		return 0
	}
	err := service.Run(ctx, service.Options{Name: *name}, func(ctx context.Context, ready func()) error {
		return serve(ctx, *listen, ready)
	})
	if err != nil {
		fmt.Fprintf(stderr, "hellosvc: %v\n", err)
		return 1
	}
	return 0
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(currentBuild())
	})
	return mux
}

// serve listens on addr, calls ready once the socket is open and shuts
// down gracefully when ctx ends.
func serve(ctx context.Context, addr string, ready func()) error {
	log := service.Logger(ctx)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: httplog.Handler(log, newMux()), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("hellosvc: listening", "addr", ln.Addr().String(), "version", version)
	ready()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info(ShutdownLine)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("hellosvc: stopped")
	return nil
}
