//go:build !windows

package main

func runService(o options) error { return runConsole(o) }
