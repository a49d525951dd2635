package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/svcship/svcship/sign"
)

// cmdSign Authenticode-signs exes and MSIs in place with osslsigncode. The
// key comes from SVCSHIP_SIGN_PFX / SVCSHIP_SIGN_PASSWORD (never flags, so
// it stays out of shell history and process lists).
func cmdSign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "product name shown by Windows (-n)")
	url := fs.String("url", "", "product URL (-i)")
	at := fs.Int64("time", 0, "signing time as Unix seconds (default: SOURCE_DATE_EPOCH, else now)")
	require := fs.Bool("require", false, "fail instead of skipping when no key is configured")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: svcship sign [--name N] [--url U] [--time unix] [--require] FILE...\n\nenvironment: %s (PKCS#12 file), %s, %s (optional RFC 3161 server)\n",
			sign.EnvPFX, sign.EnvPassword, sign.EnvTimestampURL)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	s, err := sign.FromEnv(os.Getenv)
	if errors.Is(err, sign.ErrNotConfigured) && !*require {
		fmt.Fprintf(stderr, "svcship sign: not signing: no key configured (set %s and %s)\n", sign.EnvPFX, sign.EnvPassword)
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	s.Description, s.URL = *name, *url
	if *at != 0 {
		s.Time = time.Unix(*at, 0)
	} else if t, ok, err := sourceDateEpoch(); err != nil {
		fmt.Fprintf(stderr, "svcship sign: %v\n", err)
		return 2
	} else if ok {
		s.Time = t
	}
	for _, f := range fs.Args() {
		if err := s.Sign(ctx, f); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "signed %s\n", f)
	}
	return 0
}
