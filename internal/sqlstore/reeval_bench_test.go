package sqlstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
)

// BenchmarkReevaluate measures the background re-evaluation of a whole
// caseload after a rule change: $VISACLOCK_BENCH_REEVAL cases (default
// 20,000) of one pack, seeded once; each iteration loads the other version
// of the pack, so that every case is stale, and re-evaluates them all.
// cases/s is the figure docs/benchmarks.md records.
//
//	VISACLOCK_BENCH_REEVAL=100000 go test ./internal/sqlstore -run '^$' -bench Reevaluate -benchtime 3x
func BenchmarkReevaluate(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchReevaluate(b, sqlstoretest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchReevaluate(b, sqlstoretest.Postgres(b, "vc_bench_")) })
}

func benchReevaluate(b *testing.B, st *sqlstore.Store) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("VISACLOCK_BENCH_REEVAL")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	before, after := shortUK(b)
	clk := &clock{now: at("2026-03-01")}
	seedStale(b, st, before, clk, "ngo-bench", n)
	if err := st.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	workers := map[*packs.Registry]*caseload.Reevaluator{}
	for _, reg := range []*packs.Registry{before, after} {
		svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
		if err != nil {
			b.Fatal(err)
		}
		workers[reg] = &caseload.Reevaluator{Service: svc, Holder: "bench"}
	}
	regs := []*packs.Registry{after, before}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		w := workers[regs[i%2]]
		if err := w.Run(ctx); err != nil {
			b.Fatal(err)
		}
		if p := w.Progress(); p.Done != n {
			b.Fatalf("re-evaluated %d of %d", p.Done, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "cases/s")
}
