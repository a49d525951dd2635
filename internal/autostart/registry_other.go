//go:build !windows

package autostart

import "errors"

// NewRegistry fails off Windows: there is no registry to change.
func NewRegistry() (Registry, error) {
	return nil, errors.New("autostart: the Windows registry is only available on Windows")
}
