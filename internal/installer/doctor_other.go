//go:build !windows

package installer

import "errors"

// NewInspector returns the Windows Inspector; elsewhere there is none.
func NewInspector() (Inspector, error) {
	return nil, errors.New("svcship-installer doctor examines Windows services and runs on Windows only")
}
