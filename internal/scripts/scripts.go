// Package scripts holds the PowerShell wrappers that every svcship zip
// carries beside svcship-installer.exe, for admins who prefer PowerShell.
// A project's own scripts/install.ps1 and scripts/uninstall.ps1 take their
// place.
package scripts

import "embed"

// FS holds install.ps1 and uninstall.ps1.
//
//go:embed install.ps1 uninstall.ps1
var FS embed.FS
