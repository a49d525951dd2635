package msipkg

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/richardlehane/mscfb"
	"github.com/svcship/svcship/internal/version"
	"github.com/svcship/svcship/msi"
	"github.com/svcship/svcship/msi/cab"
)

// FuzzBuild feeds arbitrary names, versions and file sets to the builder:
// it either refuses them with an input error, or produces an MSI that
// both compound-file readers open and whose files come back intact.
func FuzzBuild(f *testing.F) {
	f.Add("Hello Service", "Hello Service", "hellosvc", "1.2.3", "README.txt", []byte("hi"), "notes.md", []byte{}, uint8(1))
	f.Add("Ünïcødé Ltd", "Prog Files", "svc-1", "255.255.65535", "a b c.txt", bytes.Repeat([]byte{0}, 70000), "LICENSE", []byte("MIT"), uint8(2))
	f.Add("x", "CON", "s", "0.0.1-rc.1+meta", "x|y", []byte("z"), "", []byte(""), uint8(0))
	f.Add("[brackets]", "dir.", "svc", "256.1.1", "svcship.yaml", []byte("dup"), "ok.txt", []byte("ok"), uint8(2))
	f.Add("名前", "Folder", "svc", "1.0.0", "file.txt", []byte("a"), "FILE.TXT", []byte("b"), uint8(2))
	f.Fuzz(func(t *testing.T, product, installDir, service, ver, name1 string, data1 []byte, name2 string, data2 []byte, nExtra uint8) {
		if strings.ContainsAny(name1+name2, "/\x00") || len(data1)+len(data2) > 1<<20 {
			t.Skip() // not representable as a file on this system
		}
		fx := newFixture(t, testYAML, "amd64")
		v, err := version.Parse(ver)
		if err != nil {
			return
		}
		fx.spec.Version = v
		c := fx.spec.Config
		c.Product.DisplayName = product
		c.Packaging.InstallDir = installDir
		c.Service.Name = service
		c.Service.EventSource = service
		var extras []string
		var datas [][]byte
		for i, e := range []struct {
			name string
			data []byte
		}{{name1, data1}, {name2, data2}} {
			if i >= int(nExtra%3) || e.name == "" || e.name == "." || e.name == ".." {
				continue
			}
			sub := filepath.Join(fx.dir, "extra", string(rune('a'+i)))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(sub, e.name)
			if err := os.WriteFile(p, e.data, 0o644); err != nil {
				t.Skip()
			}
			extras = append(extras, p)
			datas = append(datas, e.data)
		}
		fx.spec.ExtraFiles = extras
		if extras == nil {
			fx.spec.ExtraFiles = []string{}
		}
		var buf bytes.Buffer
		if err := Build(&buf, fx.spec); err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("non-input error: %v", err)
			}
			if buf.Len() != 0 {
				t.Fatalf("refused input but wrote %d bytes", buf.Len())
			}
			return
		}
		data := buf.Bytes()
		doc, err := mscfb.New(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("mscfb: %v", err)
		}
		n := 0
		for e, err := doc.Next(); err == nil; e, err = doc.Next() {
			if _, err := io.Copy(io.Discard, e); err != nil {
				t.Fatalf("mscfb read: %v", err)
			}
			n++
		}
		if n < 10 {
			t.Fatalf("mscfb saw only %d entries", n)
		}
		r, err := msi.Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("msi.Open: %v", err)
		}
		props := rowsByKey(t, r, "Property")
		if props["ProductName"][1] != product {
			t.Fatalf("ProductName %q, want %q", props["ProductName"][1], product)
		}
		files, err := r.Rows("File")
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 3+len(extras) {
			t.Fatalf("%d File rows, want %d", len(files), 3+len(extras))
		}
		cabData, err := r.Stream(cabStream)
		if err != nil {
			t.Fatal(err)
		}
		cr, err := cab.NewReader(bytes.NewReader(cabData), int64(len(cabData)))
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range datas {
			cf := cr.Files[3+i]
			rc, err := cf.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, d) {
				t.Fatalf("extra file %d differs after the round trip", i)
			}
		}
		for _, row := range files {
			long := row[2].(string)
			if i := strings.IndexByte(long, '|'); i >= 0 {
				if !isShortName(long[:i]) {
					t.Fatalf("bad short name in %q", long)
				}
				long = long[i+1:]
			}
			if err := checkLongName(long); err != nil {
				t.Fatalf("File row carries an invalid name: %v", err)
			}
		}
	})
}
