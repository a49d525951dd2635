// Command slowstart is a service that takes a while to become ready, for
// the real-Windows test of stopping a service that is still starting
// (the service manager refuses a stop request with
// ERROR_SERVICE_CANNOT_ACCEPT_CTRL until it runs).
//
//	slowstart -name NAME -ready-after 8s
//
// -ready-after 0 never becomes ready.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/svcship/svcship/service"
)

func main() {
	fs := flag.NewFlagSet("slowstart", flag.ContinueOnError)
	name := fs.String("name", "svcshipslow", "service name")
	after := fs.Duration("ready-after", 8*time.Second, "time until the service reports running (0: never)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	err := service.Run(context.Background(), service.Options{Name: *name, StartTimeout: 10 * time.Minute},
		func(ctx context.Context, ready func()) error {
			if *after > 0 {
				// Deliberately deaf to ctx: a slow initialisation that
				// cannot be interrupted.
				time.Sleep(*after)
				ready()
			} else {
				select {} // never ready; ended by the installer
			}
			<-ctx.Done()
			return nil
		})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
