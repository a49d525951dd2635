//go:build mage

// The repository's own magefile: svcship ships hellosvc with its own
// pipeline. `go tool mage -l` lists the targets.
package main

import (
	//mage:import
	_ "github.com/svcship/svcship/targets"
)
