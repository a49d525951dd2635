package service_test

import (
	"context"
	"errors"
	"net/http"
	"os"

	"github.com/svcship/svcship/service"
)

// A native service: started by the service manager it reports StartPending
// until ready is called, Running after, and StopPending while the app
// winds down when ctx ends; in a console it runs until Ctrl-C.
func ExampleRun() {
	err := service.Run(context.Background(), service.Options{Name: "myapp"},
		func(ctx context.Context, ready func()) error {
			srv := &http.Server{Addr: "127.0.0.1:8080"}
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
