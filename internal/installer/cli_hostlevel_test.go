package installer

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/svcship/svcship/config"
)

// The host's log level comes from service.logs.level of --config.
func TestHostedOptionsLogLevel(t *testing.T) {
	const doc = `product: {name: app, company: c, description: d}
packaging: {upgrade_code: 8f1c2a6e-5b7d-4e3a-9c21-0d4b6a7e9f10}
service:
  name: app
  mode: hosted
`
	for _, tc := range []struct {
		edit string
		want slog.Level
	}{
		{"", slog.LevelInfo},
		{"  logs: {level: debug}\n", slog.LevelDebug},
		{"  logs: {level: error}\n", slog.LevelError},
	} {
		cfg, err := config.Parse("svcship.yaml", []byte(doc+tc.edit))
		if err != nil {
			t.Fatal(err)
		}
		sopts, _, err := hostedOptions(cfg, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		if sopts.Logs.Level == nil || sopts.Logs.Level.Level() != tc.want {
			t.Errorf("%q: level %v, want %v", strings.TrimSpace(tc.edit), sopts.Logs.Level, tc.want)
		}
	}
}
