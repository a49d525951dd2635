package resources

import (
	"errors"
	"fmt"
	"os"

	"github.com/svcship/svcship/internal/ico"
)

// ErrNotIcon marks a file given as an icon that is not a .ico file.
var ErrNotIcon = errors.New("not a .ico file")

// CheckIcon reports whether path is a Windows icon file. The error names
// the file and says what was expected; it wraps ErrNotIcon when the file
// is readable but no icon.
func CheckIcon(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("resources: icon: %w", err)
	}
	if err := ico.Check(data); err != nil {
		return fmt.Errorf("resources: icon %s is %w (%v)", path, ErrNotIcon, err)
	}
	return nil
}
