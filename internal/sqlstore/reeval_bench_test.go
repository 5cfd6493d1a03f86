package sqlstore_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

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
	b.Run("sqlite", func(b *testing.B) { benchReevaluate(b, sqlstoretest.SQLite(b), shortUK, "") })
	b.Run("postgres", func(b *testing.B) { benchReevaluate(b, sqlstoretest.Postgres(b, "vc_bench_"), shortUK, "") })
}

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
	for _, mode := range []string{"same-day", "next-day"} {
		b.Run(mode+"/sqlite", func(b *testing.B) { benchReevaluate(b, sqlstoretest.SQLite(b), bumpedUK, mode) })
		b.Run(mode+"/postgres", func(b *testing.B) { benchReevaluate(b, sqlstoretest.Postgres(b, "vc_bench_"), bumpedUK, mode) })
	}
}

// benchReevaluate seeds the store under the first of packs' two
// registries and re-evaluates the whole caseload under each in turn; with
// mode "next-day" the service's day moves on by one each iteration.
func benchReevaluate(b *testing.B, st *sqlstore.Store, packsFor func(testing.TB) (*packs.Registry, *packs.Registry), mode string) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("VISACLOCK_BENCH_REEVAL")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	before, after := packsFor(b)
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
	for i := 0; i < b.N; i++ {
		if mode == "next-day" {
			clk.now = clk.now.AddDate(0, 0, 1)
		}
		w := workers[regs[i%2]]
		if err := w.Run(ctx); err != nil {
			b.Fatal(err)
		}
		if p := w.Progress(); p.Done != n {
			b.Fatalf("re-evaluated %d of %d", p.Done, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
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
