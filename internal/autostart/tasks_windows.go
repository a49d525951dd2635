//go:build windows

package autostart

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows"
)

// schtasksPath is schtasks.exe in the System folder (GetSystemDirectory,
// learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsystemdirectoryw),
// so a schtasks.exe earlier in PATH or in the working folder is never run.
func schtasksPath() string {
	dir, err := windows.GetSystemDirectory()
	if err != nil || dir == "" {
		// GetSystemDirectory does not fail in practice; an absolute
		// default still avoids the PATH search.
		dir = `C:\Windows\System32`
	}
	return dir + `\schtasks.exe`
}

// taskStored looks for the task's definition file, which Task Scheduler
// keeps under the System folder's Tasks (one file per task, named by its
// path). The answer comes from the error code of GetFileAttributes.
func taskStored(name string) (bool, error) {
	dir, err := windows.GetSystemDirectory()
	if err != nil {
		return false, fmt.Errorf("system folder: %w", err)
	}
	p, err := windows.UTF16PtrFromString(dir + `\Tasks\` + strings.TrimLeft(name, `\`))
	if err != nil {
		return false, err
	}
	_, err = windows.GetFileAttributes(p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, windows.ERROR_FILE_NOT_FOUND), errors.Is(err, windows.ERROR_PATH_NOT_FOUND):
		return false, nil
	}
	return false, fmt.Errorf("look for the definition of task %s: %w", name, err)
}
