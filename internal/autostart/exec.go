package autostart

import (
	"context"
	"os/exec"
)

// ExecRunner runs programs with os/exec.
type ExecRunner struct{}

// Run runs name and returns its combined output.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}
