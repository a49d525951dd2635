package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/svcship/svcship/internal/sign"
)

// cmdVerify checks a downloaded signed file against an unsigned build of
// the same tag: the published detached signature attached to the unsigned
// file must give the downloaded file byte for byte, and its signature must
// verify. Nothing is rebuilt here; build the unsigned file first (a
// snapshot of the tag without a signing key).
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("svcship verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sig := fs.String("signature", "", "the published detached signature `F.p7s`")
	unsigned := fs.String("unsigned", "", "the unsigned file built locally from the same tag")
	signed := fs.String("signed", "", "the signed file downloaded from the release")
	ca := fs.String("ca", "", "PEM bundle the signature must chain to (default: the system's trust store)")
	tsaCA := fs.String("tsa-ca", "", "PEM bundle the timestamp must chain to (default: the system's trust store)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: svcship verify --signature F.p7s --unsigned LOCAL --signed DOWNLOADED [--ca CA.pem] [--tsa-ca TSA.pem]\n\n"+
			"Attaches the published signature to the unsigned local build, requires the result to be\n"+
			"the downloaded file byte for byte, then verifies its Authenticode signature (osslsigncode).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "svcship verify: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	for _, f := range []struct{ flag, val string }{{"--signature", *sig}, {"--unsigned", *unsigned}, {"--signed", *signed}} {
		if f.val == "" {
			fmt.Fprintf(stderr, "svcship verify: %s is required\n", f.flag)
			fs.Usage()
			return 2
		}
	}
	_, err := sign.VerifyDetached(ctx, sign.Detached{Signature: *sig, Unsigned: *unsigned, Signed: *signed, CAFile: *ca, TSACAFile: *tsaCA})
	if err != nil {
		fmt.Fprintf(stderr, "svcship %v\n", err)
		return 1
	}
	trust := "the system's trust store"
	if *ca != "" {
		trust = *ca
	}
	fmt.Fprintf(stdout, "ok: %s is %s with the signature %s attached, and its signature verifies against %s\n", *signed, *unsigned, *sig, trust)
	return 0
}
