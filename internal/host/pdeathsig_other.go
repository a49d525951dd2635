//go:build unix && !linux

package host

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
