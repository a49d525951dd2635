package msi

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/svcship/svcship/internal/testtool"
)

// These tests check the Writer's output with msitools (libmsi), an
// independent implementation of the format.

// runTool runs an external tool in a fresh temporary directory (msidump
// writes binary cells relative to its working directory).
func runTool(t testing.TB, name string, args ...string) string {
	t.Helper()
	return runToolIn(t, t.TempDir(), name, args...)
}

func runToolIn(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	path := testtool.Path(t, name)
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func writeTemp(t testing.TB, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "test.msi")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// idtCell formats a value as msidump writes it.
func idtCell(table string, keys []any, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		parts := []string{table}
		for _, k := range keys {
			parts = append(parts, fmt.Sprint(k))
		}
		return strings.Join(parts, ".")
	default:
		return fmt.Sprint(x)
	}
}

func TestMsitoolsServicePackage(t *testing.T) {
	testtool.Path(t, "msiinfo")
	testtool.Path(t, "msidump")
	f := serviceFixture(t)
	path := writeTemp(t, f.write(t))

	// msiinfo tables: every table we declared, plus libmsi's two virtual ones.
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(runTool(t, "msiinfo", "tables", path)), "\n") {
		if l != "_SummaryInformation" && l != "_ForceCodepage" {
			got = append(got, l)
		}
	}
	slices.Sort(got)
	if want := StandardTableNames(); !slices.Equal(got, want) {
		t.Errorf("msiinfo tables = %v\nwant %v", got, want)
	}

	// msiinfo suminfo.
	sum := runTool(t, "msiinfo", "suminfo", path)
	for _, want := range []string{
		"Title: Installation Database", "Subject: Example Service",
		// msiinfo prints summary strings as raw bytes: é is 0xE9 in 1252.
		"Author: Example Caf\xe9",
		"Keywords: Installer", "Comments: built by svcship", "Template: x64;1033",
		"Revision number (UUID): {C0FFEE00-0000-5000-8000-000000000001}",
		"Created: Sat Jun  1 12:30:00 2024", "Last saved: Sat Jun  1 12:30:00 2024",
		"Version: 200 (c8)", "Source: 2 (2)", "Application: svcship", "Security: 2 (2)",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("msiinfo suminfo lacks %q:\n%s", want, sum)
		}
	}

	// msidump -t -s: compare every table's header and rows, and the streams.
	dir := t.TempDir()
	runToolIn(t, dir, "msidump", "-t", "-s", "-d", dir, path)
	cp, err := os.ReadFile(filepath.Join(dir, "_ForceCodepage.idt"))
	if err != nil || !strings.Contains(string(cp), "1252\t_ForceCodepage") {
		t.Errorf("_ForceCodepage.idt = %q, %v", cp, err)
	}
	for _, tb := range f.tables {
		data, err := os.ReadFile(filepath.Join(dir, tb.Name+".idt"))
		if err != nil {
			t.Fatalf("table %s not dumped: %v", tb.Name, err)
		}
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
		var names, types, keys []string
		for _, c := range tb.Columns {
			names = append(names, c.Name)
			types = append(types, c.Type)
			if c.Key {
				keys = append(keys, c.Name)
			}
		}
		if lines[0] != strings.Join(names, "\t") || lines[1] != strings.Join(types, "\t") ||
			lines[2] != tb.Name+"\t"+strings.Join(keys, "\t") {
			t.Errorf("%s.idt header:\n%q\nwant\n%q\n%q", tb.Name, lines[:3], names, types)
		}
		var wantRows []string
		for _, r := range f.rows[tb.Name] {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = idtCell(tb.Name, r[:len(keys)], v)
			}
			wantRows = append(wantRows, strings.Join(cells, "\t"))
		}
		gotRows := slices.Clone(lines[3:])
		slices.Sort(gotRows)
		slices.Sort(wantRows)
		if !slices.Equal(gotRows, wantRows) {
			t.Errorf("%s rows via msidump:\n got %q\nwant %q", tb.Name, gotRows, wantRows)
		}
	}
	for name, want := range map[string][]byte{
		"app.cab":       f.streams["app.cab"],
		"Binary.Helper": f.rows["Binary"][0][1].([]byte),
		"Icon.app.ico":  f.rows["Icon"][0][1].([]byte),
	} {
		got, err := os.ReadFile(filepath.Join(dir, "_Streams", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("stream %s via msidump: %d bytes, err %v; want %d bytes", name, len(got), err, len(want))
		}
		// Binary cells are also written per table, named by the row key.
		if table, _, ok := strings.Cut(name, "."); ok && table != "app" {
			got, err := os.ReadFile(filepath.Join(dir, table, name))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("binary cell %s via msidump: %d bytes, err %v", name, len(got), err)
			}
		}
	}

	// _Columns as libmsi sees it: numbers and type bits.
	cols := runTool(t, "msiinfo", "export", path, "_Columns")
	for _, want := range []string{"Property\t1\tProperty\t11592", "Property\t2\tValue\t3840", "File\t8\tSequence\t260", "Binary\t2\tData\t2304"} {
		if !strings.Contains(cols, want) {
			t.Errorf("_Columns lacks %q", want)
		}
	}
}

// TestMsitoolsLongStringRefs: libmsi must read 3-byte string references.
func TestMsitoolsLongStringRefs(t *testing.T) {
	testtool.Path(t, "msiinfo")
	path := writeTemp(t, longStringDB(t, 70000))
	out := strings.ReplaceAll(runTool(t, "msiinfo", "export", path, "Property"), "\r\n", "\n")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3+70000 {
		t.Fatalf("msiinfo exported %d lines, want %d", len(lines), 3+70000)
	}
	seen := map[string]bool{}
	for _, l := range lines[3:] {
		k, v, _ := strings.Cut(l, "\t")
		if "v"+strings.TrimPrefix(k, "P") != v {
			t.Fatalf("row %q: value does not match key", l)
		}
		seen[k] = true
	}
	if len(seen) != 70000 {
		t.Fatalf("%d distinct keys", len(seen))
	}
}

// TestMsitoolsLargeStream embeds a 20 MB cabinet-sized stream, which needs
// DIFAT sectors, and extracts it with msiinfo.
func TestMsitoolsLargeStream(t *testing.T) {
	testtool.Path(t, "msiinfo")
	big := make([]byte, 20<<20)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetValidation(ValidationOptions{Disabled: true}) // file-format test, not an installer package
	if err := w.CreateTable(std(t, "Media")); err != nil {
		t.Fatal(err)
	}
	if err := w.AddRow("Media", 1, 1, nil, "#product.cab", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.AddStreamReader("product.cab", bytes.NewReader(big), int64(len(big))); err != nil {
		t.Fatal(err)
	}
	w.SetSummary(testSummary())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if nDIFAT := buf.Bytes()[0x48]; nDIFAT == 0 {
		t.Fatal("20 MB file has no DIFAT sectors")
	}
	path := writeTemp(t, buf.Bytes())
	streams := runTool(t, "msiinfo", "streams", path)
	if !strings.Contains(streams, "product.cab") {
		t.Fatalf("msiinfo streams: %q", streams)
	}
	out := runTool(t, "msiinfo", "extract", path, "product.cab")
	if sha256.Sum256([]byte(out)) != sha256.Sum256(big) {
		t.Fatalf("extracted %d bytes differ from the %d written", len(out), len(big))
	}
	if got := runTool(t, "msiinfo", "export", path, "Media"); !strings.Contains(got, "1\t1\t\t#product.cab") {
		t.Errorf("Media export %q", got)
	}
}

// TestOsslsigncodeRoundTrip signs a package with osslsigncode (a third,
// independent CFB/MSI implementation), verifies the signature, and reads
// the signed file back with this package's Reader.
func TestOsslsigncodeRoundTrip(t *testing.T) {
	testtool.Path(t, "openssl")
	testtool.Path(t, "osslsigncode")
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	runTool(t, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=svcship msi test")
	f := serviceFixture(t)
	in := writeTemp(t, f.write(t))
	out := filepath.Join(dir, "signed.msi")
	runTool(t, "osslsigncode", "sign", "-certs", cert, "-key", key, "-add-msi-dse", "-in", in, "-out", out)
	if v := runTool(t, "osslsigncode", "verify", "-in", out, "-CAfile", cert); !strings.Contains(v, "Signature verification: ok") {
		t.Fatalf("osslsigncode verify:\n%s", v)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatalf("reading the signed package: %v", err)
	}
	for _, s := range []string{"\x05DigitalSignature", "\x05MsiDigitalSignatureEx", "app.cab"} {
		if _, err := r.Stream(s); err != nil {
			t.Errorf("signed package: %v", err)
		}
	}
	rows, err := r.Rows("Property")
	if err != nil || !slices.Equal(canon(rows), canon(f.rows["Property"])) {
		t.Errorf("Property rows after signing: %v %v", rows, err)
	}
}
