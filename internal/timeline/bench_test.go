package timeline

import (
	"testing"

	"visaclock/internal/stay"
)

// threeYears is a frequent Schengen visitor: a month in, five weeks out, for
// three years, so that the visible range is the full MaxDays and every day
// is evaluated against the 90/180 window.
func threeYears() *stay.History {
	h := &stay.History{AsOf: dt("2027-12-20"), Grants: []stay.Grant{{ID: "sv", Rule: "schengen-short-stay"}}}
	for at := dt("2025-01-06"); at < h.AsOf; at = at.AddDays(65) {
		h.Trips = append(h.Trips, stay.Trip{Entry: at, Exit: at.AddDays(29)})
	}
	return h
}

func BenchmarkRender(b *testing.B) {
	h := threeYears()
	c := prepare(b, h)
	opt := Options{Today: h.AsOf, Labels: english}
	if n := visibleRangeDays(c, opt); n != MaxDays {
		b.Fatalf("visible range is %d days, want %d", n, MaxDays)
	}
	b.ReportAllocs()
	for b.Loop() {
		Render(c, opt)
	}
}

func visibleRangeDays(c *stay.Case, opt Options) int {
	now := c.Evaluate(opt.Today)
	return visibleRange(c, now, opt, opt.Today).days()
}
