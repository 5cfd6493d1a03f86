// Package synth makes synthetic stay histories, a realistic mix of the
// regimes, for seeding a store (visaclock dev seed) and for benchmarks.
package synth

import (
	"math/rand/v2"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// History draws a plausible history around today: visits under each
// shipped regime, some over, some pending, most lawful or gone.
func History(r *rand.Rand, today date.Date) stay.History {
	ago := func(lo, hi int) date.Date { return today.AddDays(-(lo + r.IntN(hi-lo+1))) }
	switch k := r.IntN(10); {
	case k < 4:
		h := stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}}
		d := ago(120, 400)
		for range 1 + r.IntN(5) {
			t := stay.Trip{Entry: d, Exit: d.AddDays(3 + r.IntN(40))}
			d = t.Exit.AddDays(5 + r.IntN(60))
			h.Trips = append(h.Trips, t)
		}
		if last := &h.Trips[len(h.Trips)-1]; last.Entry <= today && r.IntN(3) == 0 {
			last.Exit = 0
		}
		return h
	case k < 7:
		days := 30 + r.IntN(4)*30
		entry := ago(5, days+40)
		h := stay.History{Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: days}}, Trips: []stay.Trip{{Entry: entry}}}
		if r.IntN(3) == 0 && entry.AddDays(days-10) < today {
			h.Extensions = []stay.Extension{{Filed: entry.AddDays(days - 10), RequestedDays: 30, Outcome: stay.Pending}}
		}
		return h
	case k < 9:
		entry := ago(10, 300)
		return stay.History{Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: entry.AddDays(180)}}, Trips: []stay.Trip{{Entry: entry}}}
	default:
		entry := ago(10, 250)
		return stay.History{Grants: []stay.Grant{{ID: "visit", Rule: "uk-standard-visitor"}}, Trips: []stay.Trip{{Entry: entry}}}
	}
}
