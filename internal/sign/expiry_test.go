package sign

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/testtool"
)

func TestExpiryWarning(t *testing.T) {
	testtool.Require(t, "osslsigncode", "openssl")
	dir := t.TempDir()
	p := newPKI(t, dir, 200, cmdPassword) // valid 200 days from now
	env := map[string]string{EnvPFX: p.pfx, EnvPassword: cmdPassword}
	tests := []struct {
		name  string
		now   time.Time
		want  string // "" = no warning
		count int
	}{
		{"far from the end", time.Now(), "", 0},
		{"25 days left", time.Now().Add(175 * 24 * time.Hour), "level=WARN msg=\"the signing certificate expires soon: renew it\"", 1},
		{"ended", time.Now().Add(201 * 24 * time.Hour), "level=WARN msg=\"the signing certificate has expired\"", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(nil, func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			s.Log = slog.New(slog.NewTextHandler(&logs, nil))
			s.Now = func() time.Time { return tt.now }
			a, b := script(t, dir, "a.ps1"), script(t, dir, "b.ps1")
			if err := s.Sign(context.Background(), a, b); err != nil {
				t.Fatal(err)
			}
			got := logs.String()
			if tt.want == "" && got != "" {
				t.Fatalf("unexpected output:\n%s", got)
			}
			if !strings.Contains(got, tt.want) || strings.Count(got, "level=WARN") != tt.count {
				t.Fatalf("want %d warning %q, got:\n%s", tt.count, tt.want, got)
			}
			if tt.count > 0 && !strings.Contains(got, `subject="CN=svcship test signing,O=svcship project"`) {
				t.Errorf("the warning does not name the certificate:\n%s", got)
			}
		})
	}
}
