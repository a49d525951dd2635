// relay forwards TCP connections from a local address to a backend. On
// Windows it runs as a service when the service manager starts it and as
// a console program otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"time"
)

var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

type options struct {
	listen, backend, status string
}

func main() {
	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:7000", "address to accept connections on")
	flag.StringVar(&o.backend, "backend", "127.0.0.1:7001", "address to forward them to")
	flag.StringVar(&o.status, "status", "127.0.0.1:7080", "address of the HTTP status endpoint")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Printf("relay %s (%s, %s)\n", version, commit, date)
		return
	}
	// runService is the platform's way of running: the Windows service
	// handler when the service manager started us, else until Ctrl-C.
	if err := runService(o); err != nil {
		log.Fatal(err)
	}
}

func runConsole(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return serve(ctx, o)
}

// serve relays connections and answers /status until ctx ends.
func serve(ctx context.Context, o options) error {
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	var relayed sync.WaitGroup
	var count int64
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "relay %s: %d connections to %s\n", version, count, o.backend)
	})
	status := &http.Server{Addr: o.status, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := status.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("status: %v", err)
		}
	}()
	go func() {
		<-ctx.Done()
		ln.Close()
		status.Close()
	}()
	log.Printf("relay %s: %s -> %s", version, o.listen, o.backend)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				relayed.Wait()
				return nil
			}
			return err
		}
		mu.Lock()
		count++
		mu.Unlock()
		relayed.Add(1)
		go func() {
			defer relayed.Done()
			forward(c, o.backend)
		}()
	}
}

func forward(c net.Conn, backend string) {
	defer c.Close()
	b, err := net.DialTimeout("tcp", backend, 5*time.Second)
	if err != nil {
		log.Printf("backend %s: %v", backend, err)
		return
	}
	defer b.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(b, c); done <- struct{}{} }()
	go func() { io.Copy(c, b); done <- struct{}{} }()
	<-done
}
