// Package timeline draws a case's stays as an SVG timeline, on the server,
// for the case page of the web UI.
//
// The drawing is a set of horizontal rows on a shared day axis: the
// validity of each grant, the trips, the legal state of every day, the
// authorised stays and extensions, the extension filing windows, and a
// planned entry when one is given, with a line for today. Every state comes
// from the engine (stay.Case.EvaluateInto), one evaluation per visible day,
// so that the picture cannot disagree with the answers shown beside it.
//
// The markup uses no script, no style attribute and no style element, so a
// page with a strict Content-Security-Policy can embed it as is. Colour is
// never the only signal: overstay is hatched, pending is dotted, and every
// coloured shape carries a <title> naming what it is and when.
package timeline

import (
	"html/template"
	"strconv"
	"sync/atomic"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Labels are the translated words the drawing uses (the UI passes them in
// English, Chinese or Korean). An empty label draws as nothing, so the
// caller should fill them all.
type Labels struct {
	Grant, Trip, Lawful, Pending, Overstay, Absent, Today, FilingWindow, Extension, Granted, Refused, PendingDecision, Planned, Violation string
	// Title is the SVG's accessible title; Summary its description (one or
	// two sentences the caller writes).
	Title, Summary string
}

// Options says how and as of when to draw.
type Options struct {
	// Today is the day the today line marks and the day whose evaluation
	// supplies the authorised end, the extensions and any planned violation.
	// The zero Date means the history's AsOf; when that is zero too, the
	// drawing has no today line and is evaluated at its last day.
	Today  date.Date
	Labels Labels
	// FormatDate renders a date for tick labels and tooltips (<title>
	// elements), in the page's language; nil means YYYY-MM-DD.
	FormatDate func(date.Date) string
	// MonthLabel renders a month tick label (year, month) in the page's
	// language; nil means "Jan 2026"-style English.
	MonthLabel func(year int, month time.Month) string
	// FormatDays renders a number of days for tooltips, as in "14 days", in
	// the page's language; nil means English.
	FormatDays func(n int) string
	// Plan, when set, is a planned entry (from stay.PlanEntry) to draw
	// dashed, with its latest exit.
	Plan *stay.Plan
}

// MaxDays is the longest visible range: three years, one with a leap day.
// Longer histories show their last three years, so that a 1,000-day
// overstay a decade ago does not squeeze today's stay into a sliver.
const MaxDays = 3*365 + 1

// AheadDays is how far past today the visible range reaches at least, so
// that the next deadline or planned trip is in view.
const AheadDays = 60

// margin is the padding, in days, around the first and last days worth
// showing, so that a bar starting on the first day does not touch the edge.
const margin = 7

// renders numbers the ids of each drawing, so that two timelines on one
// page do not share ids (aria-labelledby and the fill patterns refer to
// them).
var renders atomic.Uint64

// Render draws c's timeline. The visible range is from a little before the
// first day worth showing (earliest of: first trip entry, grant valid_from,
// first filing) to a little after the latest (today, last exit, the
// authorised end, any deadline, planned exit), clamped to at most MaxDays
// ending no earlier than AheadDays after today. It returns markup safe to
// put in an HTML page as is: every string from the history or the options
// is escaped.
func Render(c *stay.Case, opt Options) template.HTML {
	id := "timeline-" + strconv.FormatUint(renders.Add(1), 10)
	return template.HTML(render(c, opt, id))
}

// span is an inclusive range of days.
type span struct{ from, to date.Date }

func (s span) days() int { return s.to.Sub(s.from) + 1 }

// visibleRange works out the days to draw; now is the evaluation on today.
func visibleRange(c *stay.Case, now *stay.Evaluation, opt Options, today date.Date) span {
	h := c.History
	first, last := date.Date(0), today
	early := func(d date.Date) {
		if d != 0 && (first == 0 || d < first) {
			first = d
		}
	}
	late := func(d date.Date) {
		if d > last {
			last = d
		}
	}
	for _, t := range h.Trips {
		early(t.Entry)
		late(t.Entry) // a planned trip with no exit yet
		late(t.Exit)
	}
	for _, g := range h.Grants {
		early(g.ValidFrom)
	}
	for _, e := range h.Extensions {
		early(e.Filed)
		late(e.Decided)
	}
	late(now.AuthorizedUntil)
	for _, d := range now.Deadlines {
		late(d.Date)
	}
	late(now.PlannedViolation.Date)
	if p := opt.Plan; p != nil {
		late(p.Enter)
		late(p.LatestExit)
		late(p.LatestExitWithExtensions)
		if p.EarliestEntry != 0 {
			late(p.EarliestEntry.AddDays(max(p.EarliestStayDays, 1) - 1))
		}
	}
	if first == 0 || today < first {
		first = today
	}
	r := span{first.AddDays(-margin), max(last.AddDays(margin), today.AddDays(AheadDays))}
	if r.days() > MaxDays {
		// Keep today in view: cut the far past first, then the far future,
		// but never end before AheadDays after today.
		r.to = max(today.AddDays(AheadDays), min(r.to, r.from.AddDays(MaxDays-1)))
		r.from = r.to.AddDays(1 - MaxDays)
	}
	return r
}
