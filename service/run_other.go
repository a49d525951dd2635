//go:build !windows

package service

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Run runs app in the foreground until it returns or SIGINT/SIGTERM
// arrives, then stops it gracefully within the stop timeout. It returns
// the app's error.
func Run(ctx context.Context, opts Options, app App) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runForeground(ctx, opts, app)
}
