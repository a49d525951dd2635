package publish

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/svcship/svcship/internal/fakegithub"
)

// BenchmarkPublish publishes 20 assets of 256 KiB to a fresh fake GitHub
// per iteration, fault-free and with 10% of all requests failing with a
// 5xx. Retries use real (scaled-down: 1ms base, 8ms cap) backoff so the
// cost of waiting shows up in the time. Reported: requests/op, injected
// faults/op and, for the faulty run, time relative to the fault-free run
// measured in the same process (x-faultfree).
func BenchmarkPublish(b *testing.B) {
	const n, size = 20, 256 << 10
	files := newEnv(b, envConfig{n: n, size: size, seed: 7})
	policy := RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 8 * time.Millisecond, MaxAttempts: 12}

	// once publishes to a new server and returns the server's records.
	once := func(b *testing.B, faults fakegithub.FaultFunc) []fakegithub.Record {
		b.StopTimer()
		srv := fakegithub.New(fakegithub.Config{Token: testToken, Repos: []string{owner + "/" + repo}})
		defer srv.Close()
		srv.Expect(owner, repo, files.tag, files.want)
		srv.SetFaults(faults)
		opts := files.options()
		opts.BaseURL, opts.UploadURL = srv.BaseURL(), srv.UploadURL()
		opts.Logger = nil
		opts.Retry = policy
		b.StartTimer()
		res, err := Publish(context.Background(), opts)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		rels := srv.Releases(owner, repo)
		if !res.Published || len(rels) != 1 || rels[0].Draft || len(rels[0].Assets) != n || len(srv.Violations()) > 0 {
			b.Fatalf("bad end state: %+v violations %v", res, srv.Violations())
		}
		recs := srv.Records()
		b.StartTimer()
		return recs
	}
	fiveXX := func(seed uint64) fakegithub.FaultFunc {
		rng := rand.New(rand.NewPCG(seed, 1))
		codes := []int{500, 502, 503}
		// The server calls fault hooks under its lock, so rng needs no other.
		return func(fakegithub.Request) *fakegithub.Fault {
			if rng.Float64() < 0.10 {
				return &fakegithub.Fault{Status: codes[rng.IntN(len(codes))]}
			}
			return nil
		}
	}
	measure := func(b *testing.B, faults func(i int) fakegithub.FaultFunc) (reqs, injected int) {
		for i := 0; b.Loop(); i++ {
			for _, r := range once(b, faults(i)) {
				reqs++
				if r.Fault != "" {
					injected++
				}
			}
		}
		return reqs, injected
	}

	var baseline time.Duration // fault-free time per op, this process
	b.Run("faultfree", func(b *testing.B) {
		reqs, _ := measure(b, func(int) fakegithub.FaultFunc { return nil })
		baseline = b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
	})
	b.Run("5xx-10pct", func(b *testing.B) {
		if baseline == 0 {
			// Run on its own (-bench filter): measure the baseline here.
			start := time.Now()
			const k = 5
			for range k {
				once(b, nil)
			}
			baseline = time.Since(start) / k
			b.ResetTimer()
		}
		reqs, injected := measure(b, func(i int) fakegithub.FaultFunc { return fiveXX(uint64(i)) })
		perOp := b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
		b.ReportMetric(float64(injected)/float64(b.N), "injected/op")
		b.ReportMetric(float64(perOp)/float64(baseline), "x-faultfree")
		b.Logf("5xx-10pct: %v/op vs fault-free %v/op = %.2fx", perOp, baseline, float64(perOp)/float64(baseline))
	})
}
