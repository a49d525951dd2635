// statusd serves a status page for a list of HTTP endpoints it probes at a
// fixed interval.
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
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

var version = "dev"

type prober struct {
	mu      sync.Mutex
	results map[string]string
	client  *http.Client
}

func (p *prober) probe(ctx context.Context, targets []string) {
	for _, t := range targets {
		state := "down"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t, nil)
		if err == nil {
			if resp, err := p.client.Do(req); err == nil {
				resp.Body.Close()
				state = fmt.Sprintf("%d", resp.StatusCode)
			}
		}
		p.mu.Lock()
		p.results[t] = state
		p.mu.Unlock()
	}
}

func (p *prober) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.results))
	for k := range p.results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "statusd %s\n", version)
	for _, k := range keys {
		fmt.Fprintf(w, "%s %s\n", p.results[k], k)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "address of the status page")
	targets := flag.String("targets", "", "comma-separated URLs to probe")
	every := flag.Duration("interval", 30*time.Second, "time between probes")
	flag.Parse()

	p := &prober{results: map[string]string{}, client: &http.Client{Timeout: 5 * time.Second}}
	var list []string
	for _, t := range strings.Split(*targets, ",") {
		if t = strings.TrimSpace(t); t != "" {
			list = append(list, t)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		tick := time.NewTicker(*every)
		defer tick.Stop()
		for {
			p.probe(ctx, list)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	srv := &http.Server{Addr: *addr, Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Printf("statusd %s on %s, probing %d targets", version, *addr, len(list))
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
