//go:build windows

package installer

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/windows"
)

// consolePrompt returns a password prompt when stdin is a console, nil
// otherwise (a service, a pipe, an MSI custom action).
func consolePrompt() func(string) (string, error) {
	h := windows.Handle(os.Stdin.Fd())
	var mode uint32
	if windows.GetConsoleMode(h, &mode) != nil {
		return nil
	}
	return func(prompt string) (string, error) {
		fmt.Fprint(os.Stderr, prompt)
		// Echo off while the password is typed.
		if err := windows.SetConsoleMode(h, mode&^windows.ENABLE_ECHO_INPUT); err != nil {
			return "", fmt.Errorf("console: %w", err)
		}
		defer windows.SetConsoleMode(h, mode)
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Fprintln(os.Stderr)
		if err != nil && line == "" {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
}
