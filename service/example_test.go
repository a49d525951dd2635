package service_test

import (
	"context"
	"errors"
	"net/http"
	"os"

	"github.com/svcship/svcship/service"
	"github.com/svcship/svcship/service/httplog"
)

// A native service: started by the service manager it reports StartPending
// until ready is called, Running after, and StopPending while the app
// winds down when ctx ends; in a console it runs until Ctrl-C.
func ExampleRun() {
	err := service.Run(context.Background(), service.Options{Name: "myapp"},
		func(ctx context.Context, ready func()) error {
			// One JSON line per request (method, path, status, duration,
			// request id from X-Request-ID or generated), at the level
			// svcship.yaml's service.logs.level sets.
			srv := &http.Server{Addr: "127.0.0.1:8080",
				Handler: httplog.Handler(service.Logger(ctx), http.DefaultServeMux)}
			go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
			ready()
			if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	if err != nil {
		os.Exit(1)
	}
}
