package stay_test

import (
	"fmt"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// densityHistory makes n Schengen trips of stay days each, gap days apart
// (exit to next entry), never over the 90/180 limit when stay/(stay+gap)
// ≤ 1/2, so that only the count of spans inside each window changes.
func densityHistory(n, stay1, gap int) *stay.History {
	h := &stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}}
	d := date.MustParse("2014-01-06")
	for range n {
		exit := d.AddDays(stay1 - 1)
		h.Trips = append(h.Trips, stay.Trip{Entry: d, Exit: exit})
		d = exit.AddDays(gap + 1)
	}
	h.AsOf = d
	return h
}

// BenchmarkDensity evaluates 1,000-trip histories whose trips are ever more
// crowded: about 3, 12, 36 and 60 merged spans in each 180-day window. Its
// figure of merit is ns/trip, which a sweep keeps flat.
func BenchmarkDensity(b *testing.B) {
	for _, d := range []struct{ stay, gap int }{{2, 58}, {2, 13}, {2, 3}, {1, 2}} {
		h := densityHistory(1000, d.stay, d.gap)
		b.Run(fmt.Sprintf("spans=%d", 180/(d.stay+d.gap)), func(b *testing.B) {
			r := registry(b)
			c, err := stay.Prepare(h, r.Lookup)
			if err != nil {
				b.Fatal(err)
			}
			var ev stay.Evaluation
			c.EvaluateInto(&ev, h.AsOf)
			if ev.OverstayDays != 0 {
				b.Fatalf("%d days overstayed; the curve is meant to be lawful", ev.OverstayDays)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.EvaluateInto(&ev, h.AsOf)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(h.Trips)), "ns/trip")
		})
	}
}

// BenchmarkDensityPrepare is BenchmarkDensity with Prepare in the loop,
// which is where the window sweep runs.
func BenchmarkDensityPrepare(b *testing.B) {
	for _, d := range []struct{ stay, gap int }{{2, 58}, {2, 13}, {2, 3}, {1, 2}} {
		h := densityHistory(1000, d.stay, d.gap)
		b.Run(fmt.Sprintf("spans=%d", 180/(d.stay+d.gap)), func(b *testing.B) {
			r := registry(b)
			var ev stay.Evaluation
			for b.Loop() {
				c, err := stay.Prepare(h, r.Lookup)
				if err != nil {
					b.Fatal(err)
				}
				c.EvaluateInto(&ev, h.AsOf)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(h.Trips)), "ns/trip")
		})
	}
}

// BenchmarkMarshalSchengen20 encodes the evaluation of a 20-trip history in
// the full format (check --json, POST /v1/evaluate).
func BenchmarkMarshalSchengen20(b *testing.B) {
	r := registry(b)
	h := schengen20()
	c, err := stay.Prepare(h, r.Lookup)
	if err != nil {
		b.Fatal(err)
	}
	ev := c.Evaluate(h.AsOf)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ev.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendJSONSchengen20 encodes the same evaluation into a reused
// buffer at each explanation level, as check --batch does.
func BenchmarkAppendJSONSchengen20(b *testing.B) {
	r := registry(b)
	h := schengen20()
	c, err := stay.Prepare(h, r.Lookup)
	if err != nil {
		b.Fatal(err)
	}
	ev := c.Evaluate(h.AsOf)
	for _, x := range []stay.Explain{stay.ExplainFull, stay.ExplainCompact, stay.ExplainNone} {
		b.Run(x.String(), func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = ev.AppendJSON(buf[:0], x)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
