package cab_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/svcship/svcship/msi/cab"
)

func Example() {
	var buf bytes.Buffer
	w := cab.NewWriter(&buf, cab.Options{SingleFolder: true})
	mod := time.Date(2025, 1, 2, 3, 4, 6, 0, time.UTC) // e.g. the commit time
	// Names are MSI File table keys, added in File.Sequence order.
	if err := w.AddBytes(cab.FileHeader{Name: "filapp", Modified: mod, Attr: cab.AttrArchive}, []byte("MZ...")); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}

	r, err := cab.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		panic(err)
	}
	for _, f := range r.Files {
		fmt.Println(f.Name, f.Size, f.Modified.Format(time.DateTime), r.Folders[f.Folder].Compression)
	}
	// Output: filapp 5 2025-01-02 03:04:06 MSZIP
}
