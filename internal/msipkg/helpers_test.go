package msipkg

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/svcship/svcship/config"
	"github.com/svcship/svcship/internal/version"
)

// fakePE returns a minimal PE image for machine followed by payload, enough
// for debug/pe to read its machine type.
func fakePE(machine uint16, payload []byte) []byte {
	var b bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	fh := pe.FileHeader{Machine: machine, Characteristics: 0x0102}
	binary.Write(&b, binary.LittleEndian, fh)
	b.Write(payload)
	return b.Bytes()
}

// pseudoRandom gives deterministic, mostly incompressible test content.
func pseudoRandom(n int, seed uint64) []byte {
	out := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = byte(x)
	}
	return out
}

const testYAML = `product:
  name: hellosvc
  display_name: Hello Service
  company: Example Corp
  description: A tiny HTTP service used by svcship's tests
  homepage: https://example.com/hello
  icon: app.ico
service:
  name: hellosvc
  arguments: ["--listen", "127.0.0.1:18123", "--name", "hellosvc"]
  dependencies: [Tcpip]
packaging:
  upgrade_code: "{6D3C1E55-2B1F-4C8A-9E0D-7A1B2C3D4E5F}"
  extra_files: [README.txt]
`

// testIcon is a 1x1 .ico header with a tiny fake image.
func testIcon() []byte {
	b := []byte{0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 32, 0, 4, 0, 0, 0, 22, 0, 0, 0}
	return append(b, 1, 2, 3, 4)
}

// fixture writes a config, binaries and extra files to a temp dir and
// returns a Spec for them.
type fixture struct {
	dir  string
	spec Spec
	app  []byte
	inst []byte
	yaml []byte
	read []byte
}

func newFixture(t testing.TB, yaml string, arch string) *fixture {
	t.Helper()
	dir := t.TempDir()
	machine := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "386": pe.IMAGE_FILE_MACHINE_I386, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[arch]
	f := &fixture{
		dir:  dir,
		app:  fakePE(machine, append(bytes.Repeat([]byte("hello service code "), 5000), pseudoRandom(70000, 1)...)),
		inst: fakePE(machine, append(bytes.Repeat([]byte("installer code "), 3000), pseudoRandom(50000, 2)...)),
		yaml: []byte(yaml),
		read: []byte("Read me.\r\n"),
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("app.ico", testIcon())
	write("README.txt", f.read)
	cfgPath := write("svcship.yaml", f.yaml)
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	v, err := version.Parse("1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	f.spec = Spec{
		Config:    c,
		Arch:      arch,
		Version:   v,
		AppBinary: write("hellosvc.exe", f.app),
		Installer: write("svcship-installer.exe", f.inst),
		Timestamp: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC),
	}
	return f
}

func (f *fixture) build(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Build(&buf, f.spec); err != nil {
		t.Fatalf("Build: %v", err)
	}
	return buf.Bytes()
}
