package pipeline

import (
	"context"

	"github.com/svcship/svcship/internal/gitinfo"
)

// GitInfo is the state of the repository being released.
type GitInfo = gitinfo.Info

func readGit(ctx context.Context, dir string, snapshot bool) (GitInfo, error) {
	return gitinfo.Read(ctx, dir, snapshot)
}
