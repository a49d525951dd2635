// Command pingd is a tiny HTTP server. It knows nothing about Windows
// services: it reads flags, serves until interrupted, and shuts down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"example.com/acme/pingd/internal/ping"
)

var version = "dev"

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	showVersion := flag.Bool("version", false, "print the version")
	flag.Parse()
	if *showVersion {
		fmt.Println("pingd", version)
		return
	}
	srv := &http.Server{Addr: *addr, Handler: ping.Handler(version)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		log.Print("pingd: shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx)
	}()
	log.Printf("pingd %s listening on %s", version, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("pingd: stopped")
}
