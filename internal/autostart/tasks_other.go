//go:build !windows

package autostart

import "errors"

// schtasksPath: there is no System folder outside Windows; TaskManager is
// driven by a fake Runner there.
func schtasksPath() string { return "schtasks.exe" }

func taskStored(string) (bool, error) {
	return false, errors.New("task definitions exist on Windows only")
}
