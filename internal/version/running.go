package version

import "runtime/debug"

// Running is the version of the module the running binary was built from,
// as the go command recorded it: svcship's own version for svcship and
// svcship-installer, which are always packages of the svcship module, and
// "(devel)" for a build from a checkout.
func Running() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
