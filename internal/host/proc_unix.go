//go:build unix

package host

import (
	"errors"
	"log/slog"
	"os/exec"
	"syscall"
)

type unixPlatform struct{}

func newPlatform() platform { return unixPlatform{} }

func (unixPlatform) prepare(*slog.Logger) error { return nil }

func (unixPlatform) configure(cmd *exec.Cmd, _ Signal) {
	// Own process group, so a stop reaches grandchildren and a Ctrl-C
	// typed at the host's terminal does not reach the child directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
}

func (unixPlatform) adopt(cmd *exec.Cmd) (tree, error) {
	return unixTree{pgid: cmd.Process.Pid}, nil
}

type unixTree struct{ pgid int }

func (t unixTree) interrupt(sig Signal) error {
	s := syscall.SIGTERM
	if sig == CtrlC {
		s = syscall.SIGINT
	}
	return syscall.Kill(-t.pgid, s)
}

func (t unixTree) kill() error {
	err := syscall.Kill(-t.pgid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil // the group is already gone
	}
	return err
}

func (unixTree) close() error { return nil }
