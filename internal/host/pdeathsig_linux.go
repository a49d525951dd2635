package host

import "syscall"

// setDeathSignal kills the child if the host dies, the closest Linux has to
// a job object's kill-on-close.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
