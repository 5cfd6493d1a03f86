package sqlstore_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
)

// BenchmarkReevaluateUnchanged is BenchmarkReevaluate after a pack change
// that leaves every case's spans as they were: each iteration loads the
// other of two versions of uk-standard-visitor that differ only in their
// version, so that every case is stale but only its digest and summary
// change. "same-day" re-evaluates on the day the cases were written;
// "next-day" a day later each iteration, so that each case's first span
// starts a day later (one row of its spans differs).
//
//	VISACLOCK_BENCH_REEVAL=100000 go test ./internal/sqlstore -run '^$' -bench 'Reevaluate' -benchtime 2x
func BenchmarkReevaluateUnchanged(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchReevaluateUnchanged(b, sqlstoretest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchReevaluateUnchanged(b, sqlstoretest.Postgres(b, "vc_bench_")) })
}

func benchReevaluateUnchanged(b *testing.B, st *sqlstore.Store) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("VISACLOCK_BENCH_REEVAL")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	before, bumped := bumpedUK(b)
	clk := &clock{now: at("2026-03-01")}
	seedStale(b, st, before, clk, "ngo-bench", n)
	if err := st.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	workers := map[*packs.Registry]*caseload.Reevaluator{}
	for _, reg := range []*packs.Registry{before, bumped} {
		svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
		if err != nil {
			b.Fatal(err)
		}
		workers[reg] = &caseload.Reevaluator{Service: svc, Holder: "bench"}
	}
	regs := []*packs.Registry{bumped, before}
	pass := 0
	for _, mode := range []string{"same-day", "next-day"} {
		b.Run(mode, func(b *testing.B) {
			var took time.Duration
			for i := 0; i < b.N; i++ {
				if mode == "next-day" {
					clk.now = clk.now.AddDate(0, 0, 1)
				}
				w := workers[regs[pass%2]]
				pass++
				start := time.Now()
				if err := w.Run(ctx); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				if p := w.Progress(); p.Done != n {
					b.Fatalf("re-evaluated %d of %d", p.Done, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/took.Seconds(), "cases/s")
		})
	}
}

// bumpedUK returns the embedded packs, and the same with
// uk-standard-visitor at another version but otherwise unchanged.
func bumpedUK(t testing.TB) (before, bumped *packs.Registry) {
	t.Helper()
	before, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../packs/data/uk-standard-visitor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := strings.Cut(string(data), "\ntests:")
	if !strings.Contains(s, `version: "2026.1"`) {
		t.Fatal(`uk-standard-visitor has no version: "2026.1"`)
	}
	f, err := packs.Parse([]byte(strings.Replace(s, `version: "2026.1"`, `version: "2026.1-r3"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return before, before.With(f)
}
