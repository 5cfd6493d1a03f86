package caseload

import (
	"cmp"
	"slices"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Timeline works out the state of a case on every day from from on, as a
// few spans: it evaluates on the days something can change (an entry, an
// exit, the end of the authorised stay, a deadline passing, a filing or a
// decision becoming known, a new calendar year) rather than on every day.
// The last span runs to date.Max. It also collects every deadline those
// evaluations give, for calendars; a deadline to leave before a re-entry
// bar is kept only when the person overstays already on from, not for an
// overstay that has not happened.
func Timeline(c *stay.Case, from, horizon date.Date) ([]Segment, []Deadline) {
	h := c.History
	var segs []Segment
	var deadlines []Deadline
	var ev stay.Evaluation
	for t := from; ; {
		c.EvaluateInto(&ev, t)
		seg := Segment{From: t, Until: date.Max, State: ev.State, Since: ev.Since, AuthorizedUntil: ev.AuthorizedUntil}
		for _, d := range ev.Deadlines {
			if d.Date < t || (d.Kind == stay.LeaveToAvoidBar && t > from) {
				continue
			}
			dl := Deadline{Kind: d.Code(), Date: d.Date}
			if !slices.Contains(deadlines, dl) {
				deadlines = append(deadlines, dl)
			}
		}
		for _, d := range ev.Deadlines {
			if d.Date >= t {
				seg.Deadline, seg.DeadlineKind = d.Date, d.Code()
				break
			}
		}
		if seg.Deadline == 0 {
			// A receipt that ran out with no decision stays the thing to
			// act on: go back to the office.
			for _, d := range ev.Deadlines {
				if d.Kind == stay.ReceiptExpires {
					seg.Deadline, seg.DeadlineKind = d.Date, receiptExpired
				}
			}
		}
		next := date.Max
		consider := func(d date.Date) {
			if d > t && d < next {
				next = d
			}
		}
		if ev.State == stay.StateLawful && ev.AuthorizedUntil != 0 {
			consider(ev.AuthorizedUntil + 1)
		}
		if seg.Deadline != 0 {
			consider(seg.Deadline + 1)
		}
		for _, tr := range h.Trips {
			consider(tr.Entry)
			if tr.Exit != 0 {
				consider(tr.Exit + 1)
			}
		}
		for _, e := range h.Extensions {
			consider(e.Filed)
			consider(e.Decided)
			consider(e.Decided + 1)
		}
		consider(date.MustOf(t.Year()+1, time.January, 1))
		if n := len(segs); n > 0 && sameSegment(segs[n-1], seg) {
			segs[n-1].Until = date.Max
		} else {
			if n > 0 {
				segs[n-1].Until = t - 1
			}
			segs = append(segs, seg)
		}
		// Each step moves to a later day, so within the horizon the loop ends;
		// the guard only bounds a history with an event on every day.
		if next > horizon || next == date.Max || len(segs) > 5000 {
			break
		}
		t = next
	}
	slices.SortFunc(deadlines, func(a, b Deadline) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Kind, b.Kind))
	})
	return segs, deadlines
}

// receiptExpired is the list's kind for a receipt that has run out.
const receiptExpired = "receipt_expired"

func sameSegment(a, b Segment) bool {
	return a.State == b.State && a.Since == b.Since && a.AuthorizedUntil == b.AuthorizedUntil && a.Deadline == b.Deadline && a.DeadlineKind == b.DeadlineKind
}

// At returns the segment in force on d.
func At(segs []Segment, d date.Date) (Segment, bool) {
	for _, s := range segs {
		if s.From <= d && d <= s.Until {
			return s, true
		}
	}
	return Segment{}, false
}
