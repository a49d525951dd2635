package msipkg

import (
	"context"
	"time"

	"github.com/svcship/svcship/internal/gitinfo"
)

// BuildTimestamp picks the reproducible build time: SOURCE_DATE_EPOCH when
// set (getenv is os.Getenv in production), else the commit time of HEAD of
// the git repository at dir. It never falls back to the clock. The second
// result names the source for messages.
func BuildTimestamp(ctx context.Context, getenv func(string) string, dir string) (time.Time, string, error) {
	return gitinfo.BuildTime(ctx, getenv, dir)
}
