//go:build !windows

package installer

import "errors"

// NewSystem returns the real Windows system; elsewhere there is none.
func NewSystem() (System, error) {
	return nil, errors.New("svcship-installer manages Windows services and runs on Windows only")
}
