package msipkg

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// BuildTimestamp picks the reproducible build time: SOURCE_DATE_EPOCH when
// set (getenv is os.Getenv in production), else the commit time of HEAD of
// the git repository at dir. It never falls back to the clock. The second
// result names the source for messages.
func BuildTimestamp(ctx context.Context, getenv func(string) string, dir string) (time.Time, string, error) {
	if s := strings.TrimSpace(getenv("SOURCE_DATE_EPOCH")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 315532800 { // 1980-01-01, the MS-DOS epoch of cabinets
			return time.Time{}, "", fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a Unix time after 1980", s)
		}
		return time.Unix(n, 0).UTC(), "SOURCE_DATE_EPOCH", nil
	}
	cmd := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct", "HEAD")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.Output()
	if err != nil {
		return time.Time{}, "", fmt.Errorf("no build time: SOURCE_DATE_EPOCH is not set and %s has no git commit (%v); set SOURCE_DATE_EPOCH", dir, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("no build time: git printed %q for the commit time; set SOURCE_DATE_EPOCH", strings.TrimSpace(string(out)))
	}
	return time.Unix(n, 0).UTC(), "git commit time", nil
}
