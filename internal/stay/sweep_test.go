package stay

import (
	"testing"

	"pgregory.net/rapid"

	"visaclock/internal/date"
)

// windowBreachScan is the window check before the sweep: for each span it
// walks every earlier span inside the window. It is kept as the reference
// the sweep must agree with.
func windowBreachScan(ar *area, j, length, limit int) date.Date {
	a := ar.spans[j].a
	s0 := a.AddDays(1 - length)
	first := 0
	for first < j && ar.spans[first].b < s0 {
		first++
	}
	before := 0
	for m := first; m < j; m++ {
		sp := ar.spans[m]
		before += sp.b.Sub(max(sp.a, s0)) + 1
	}
	need := limit - before
	if need <= 0 {
		return a
	}
	pos := s0
	for m := first; m < j; m++ {
		sp := ar.spans[m]
		if gap := sp.a.Sub(pos); gap > 0 {
			if gap >= need {
				return pos.AddDays(need - 1 + length)
			}
			need -= gap
		}
		pos = max(pos, sp.b.AddDays(1))
	}
	return pos.AddDays(need - 1 + length)
}

// TestBreachSweepAgreesWithScan: the one-pass sweep gives every span the
// breach day the span-by-span scan gives, on sparse and crowded histories,
// with the last span open or closed.
func TestBreachSweepAgreesWithScan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		length := rapid.IntRange(1, 400).Draw(t, "length")
		limit := rapid.IntRange(1, length).Draw(t, "limit")
		n := rapid.IntRange(1, 60).Draw(t, "spans")
		maxGap := rapid.SampledFrom([]int{1, 3, 20, 200}).Draw(t, "maxGap")
		var ar area
		d := date.MustParse("2020-01-01")
		for k := range n {
			a := d.AddDays(rapid.IntRange(1, maxGap).Draw(t, "gap"))
			b := a.AddDays(rapid.IntRange(0, 40).Draw(t, "len"))
			if k == n-1 && rapid.Bool().Draw(t, "open") {
				b = 0
			}
			ar.spans = append(ar.spans, span{a, b})
			d = b.AddDays(1)
		}
		ar.cum = make([]int, n+1)
		for j, s := range ar.spans {
			if s.b != 0 {
				ar.cum[j+1] = ar.cum[j] + s.b.Sub(s.a) + 1
			}
		}
		sw := newBreachSweep(&ar, length, limit)
		for j := range n {
			if got, want := sw.at(j), windowBreachScan(&ar, j, length, limit); got != want {
				t.Fatalf("span %d of %v: sweep %s, scan %s", j, ar.spans, got, want)
			}
			if got, want := sw.at(j), windowBreachScan(&ar, j, length, limit); got != want {
				t.Fatalf("span %d asked again: sweep %s, scan %s", j, got, want)
			}
		}
	})
}
