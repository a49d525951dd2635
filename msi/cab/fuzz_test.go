package cab

import (
	"bytes"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// randomFiles derives a file set from the fuzz input, biased towards
// sizes around block boundaries where straddling bugs would hide.
func randomFiles(seed []byte, count uint8) []testFile {
	h := fnv.New64a()
	h.Write(seed)
	s := h.Sum64()
	rng := rand.New(rand.NewPCG(s, s>>7|1))
	n := 1 + int(count)%9
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEF0123456789._-é€"
	letters := []rune(alphabet)
	var files []testFile
	names := map[string]bool{}
	for range n {
		var size int
		switch rng.IntN(4) {
		case 0:
			size = rng.IntN(64)
		case 1:
			size = (1+rng.IntN(3))*BlockSize + rng.IntN(5) - 2
		case 2:
			size = rng.IntN(3 * BlockSize)
		default:
			size = len(seed)
		}
		size = max(size, 0)
		var name strings.Builder
		for name.Len() == 0 || names[name.String()] {
			for range 1 + rng.IntN(20) {
				name.WriteRune(letters[rng.IntN(len(letters))])
			}
		}
		names[name.String()] = true
		data := payload(size, rng.Uint64())
		if size == len(seed) {
			data = bytes.Clone(seed)
		}
		files = append(files, testFile{
			h: FileHeader{
				Name:     name.String(),
				Modified: time.Date(1980+rng.IntN(128), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, time.UTC),
				Attr:     Attr(rng.IntN(0x80)) & (AttrReadOnly | AttrHidden | AttrSystem | AttrArchive | AttrExec),
			},
			data: data,
		})
	}
	return files
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), uint8(0), uint8(0))
	f.Add(bytes.Repeat([]byte{0xAB}, 100), uint8(5), uint8(0xFF))
	f.Add([]byte{}, uint8(8), uint8(0x02))
	f.Add(payload(BlockSize+1, 9), uint8(3), uint8(0x05))
	f.Fuzz(func(t *testing.T, seed []byte, count, flags uint8) {
		files := randomFiles(seed, count)
		opts := Options{
			SingleFolder: flags&0x02 != 0,
			FolderSize:   int64(flags>>4) * 20000,
			Concurrency:  1 + int(flags>>2&3),
			Level:        1 + int(count)%9,
		}
		if flags&0x01 != 0 {
			opts.Compression = None
		}
		cab := writeCab(t, opts, files)
		checkCab(t, cab, opts, files)
		// Output must not depend on the degree of parallelism.
		opts.Concurrency = 5 - opts.Concurrency
		if again := writeCab(t, opts, files); !bytes.Equal(again, cab) {
			t.Fatal("output changed with concurrency")
		}
	})
}

// FuzzReader feeds arbitrary bytes to the Reader: it must return errors,
// never panic or hang.
func FuzzReader(f *testing.F) {
	f.Add(specCabinet)
	f.Add(writeCab(f, Options{}, sizedFiles(100, 40000)))
	f.Add(writeCab(f, Options{Compression: None, FolderSize: 1}, sizedFiles(3, 0, 5)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, file := range r.Files {
			if rc, err := file.Open(); err == nil {
				rc.Close()
			}
		}
	})
}
