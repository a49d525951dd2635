//go:build !windows

package installer

// consolePrompt: the installer prompts only on a Windows console.
func consolePrompt() func(string) (string, error) { return nil }
