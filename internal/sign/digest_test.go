package sign

import (
	"strings"
	"testing"
)

// Excerpts of osslsigncode 2.9's verify reports.
func TestDigestProblem(t *testing.T) {
	tests := []struct {
		name, report, want string
	}{
		{"pe ok, stale PE checksum", `Current PE checksum   : 00000000
Calculated PE checksum: 001BE444
Message digest algorithm  : SHA256
Current message digest    : 9D4C2FD042F62A96D2EA41FE25EE210843DFFB2C7D50469B155D6A2A70BAF34E 
Calculated message digest : 9D4C2FD042F62A96D2EA41FE25EE210843DFFB2C7D50469B155D6A2A70BAF34E 
Signature verification: failed
`, ""},
		{"msi ok", `Message digest algorithm         : SHA256
Current DigitalSignature         : 28E5C1670937A20CCE8679A751EF5A3109193ADFB7CBA569A058D6ED13ED13C0 
Calculated DigitalSignature      : 28E5C1670937A20CCE8679A751EF5A3109193ADFB7CBA569A058D6ED13ED13C0 
Calculated message digest        : F4B525DABA8719E6FC97E3753852653DC31D05A56914B94DC25B1162EFA1910D 
`, ""},
		{"script changed", `Current message digest    : D5B6D3C2343A9E2F4EBBC05EF3F1AA6466B9F7F8168F83BDD577E2CD21219A86 
Calculated message digest : 14A0705234CD3BECE18D866F16B2D5FD03847BAFC6E1AFBEF6296D3577B191A5     MISMATCH!!!
`, "the file's signature does not match its content: digest d5b6d3c2343a9e2f4ebbc05ef3f1aa6466b9f7f8168f83bdd577e2cd21219a86 recorded, 14a0705234cd3bece18d866f16b2d5fd03847bafc6e1afbef6296d3577b191a5 computed"},
		{"unsigned pe", "Current PE checksum   : 00000000\nCalculated PE checksum: 001BE444\nNo signature found\nUnable to extract existing signature\n", "the file carries no Authenticode signature (osslsigncode verify: No signature found; Unable to extract existing signature)"},
		{"unsigned msi", "MSI file has no signature\nUnable to extract existing signature\n", "the file carries no Authenticode signature"},
		{"digest line missing", "Current message digest    : D5B6D3C2343A9E2F4EBBC05EF3F1AA6466B9F7F8168F83BDD577E2CD21219A86 \n", "the file's signature is not well-formed"},
		{"not a signed file at all", "Initialization error or unsupported input file type.\nFailed\n", "the file carries no Authenticode signature (osslsigncode verify: Initialization error or unsupported input file type.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := digestProblem(tt.report)
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("digestProblem = %q\nwant prefix     %q", got, tt.want)
			}
		})
	}
}
