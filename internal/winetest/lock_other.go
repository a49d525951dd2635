//go:build !unix

package winetest

// lockFile is never reached off Unix: New skips before building a template.
func lockFile(string) (func(), error) { return func() {}, nil }
