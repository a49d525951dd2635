package cab

import (
	"bytes"
	"io"
	"runtime"
	"testing"
)

// BenchmarkWrite compresses a 16 MiB payload (half random, half text-like)
// with all cores and with GOMAXPROCS=1, in the same run, so the MB/s
// columns compare directly.
func BenchmarkWrite(b *testing.B) {
	data := payload(16<<20, 42)
	cases := []struct {
		name  string
		procs int // 0 = leave GOMAXPROCS alone
		opts  Options
	}{
		{"mszip/parallel", 0, Options{SingleFolder: true}},
		{"mszip/sequential", 1, Options{SingleFolder: true}},
		{"mszip-level1/parallel", 0, Options{SingleFolder: true, Level: 1}},
		{"none", 0, Options{Compression: None, SingleFolder: true}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.procs > 0 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.procs))
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var size int
			for b.Loop() {
				var cw countWriter
				w := NewWriter(&cw, c.opts)
				if err := w.Add(FileHeader{Name: "filbench"}, bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				size = int(cw)
			}
			b.ReportMetric(float64(size)/float64(len(data)), "ratio")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
		})
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countWriter)(nil)
