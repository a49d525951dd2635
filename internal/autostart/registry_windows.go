//go:build windows

package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// NewRegistry returns the Windows registry.
func NewRegistry() (Registry, error) { return winRegistry{}, nil }

type winRegistry struct{}

func root(scope Scope) (registry.Key, error) {
	switch scope {
	case ScopeUser, "":
		return registry.CURRENT_USER, nil
	case ScopeMachine:
		return registry.LOCAL_MACHINE, nil
	}
	return 0, fmt.Errorf("unknown scope %q", scope)
}

func (winRegistry) GetString(scope Scope, key, name string) (string, bool, error) {
	r, err := root(scope)
	if err != nil {
		return "", false, err
	}
	k, err := registry.OpenKey(r, key, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

func (winRegistry) SetString(scope Scope, key, name, value string) error {
	r, err := root(scope)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(r, key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(name, value)
}

func (winRegistry) Delete(scope Scope, key, name string) error {
	r, err := root(scope)
	if err != nil {
		return err
	}
	k, err := registry.OpenKey(r, key, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}
