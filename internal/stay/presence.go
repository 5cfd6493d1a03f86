package stay

import (
	"time"

	"visaclock/internal/date"
	"visaclock/internal/workdays"
)

// maxDate stands for "no limit" in date comparisons.
const maxDate = date.Date(1 << 30)

// end resolves the last day of span j: an open span (a trip without exit)
// lasts until asOf, or only its first day if the trip starts later.
func (ar *area) end(j int, openEntry, asOf date.Date) date.Date {
	if b := ar.spans[j].b; b != 0 {
		return b
	}
	return max(openEntry, asOf)
}

// upTo returns the days present in the area on or before y.
func (c *Case) upTo(ar *area, y, asOf date.Date) int {
	// k = number of spans starting on or before y.
	lo, hi := 0, len(ar.spans)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ar.spans[m].a <= y {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	j := lo - 1
	return ar.cum[j] + min(ar.end(j, c.openEntry(), asOf), y).Sub(ar.spans[j].a) + 1
}

// present returns the days present in the area within [x, y].
func (c *Case) present(ar *area, x, y, asOf date.Date) int {
	if y < x {
		return 0
	}
	return c.upTo(ar, y, asOf) - c.upTo(ar, x-1, asOf)
}

func (c *Case) openEntry() date.Date {
	if n := len(c.trips); n > 0 && c.trips[n-1].Exit == 0 {
		return c.trips[n-1].Entry
	}
	return 0
}

// breachSweep answers, for the spans of one area in order, the first day on
// which presence, continuous from the start of span j onwards, would exceed
// limit days in a window of length days.
//
// Within a run of presence the window count never falls (each day adds one
// and drops at most one), so the unlawful days of a run are a suffix and one
// breach day describes them all. The breach comes when the need-th absent
// day of the window before span j has left it, need being the days the
// window still has room for. The answer never decreases with j (a later run
// assumes less presence), so the span before which that absent day lies
// never moves back: two pointers, the first span reaching into the window
// and that span, walk the spans once for all j, and the days present come
// from the area's running sums. The cost per span is constant whatever the
// number of spans in a window.
type breachSweep struct {
	ar            *area
	length, limit int
	first, m      int // the two pointers
	j             int // the span last answered, and its answer
	b             date.Date
}

func newBreachSweep(ar *area, length, limit int) breachSweep {
	return breachSweep{ar: ar, length: length, limit: limit, j: -1}
}

// at returns the breach day of span j; j must not decrease between calls.
func (s *breachSweep) at(j int) date.Date {
	if j == s.j {
		return s.b
	}
	sp, cum := s.ar.spans, s.ar.cum
	a := sp[j].a
	s0 := a.AddDays(1 - s.length)
	// Spans before j are closed, sorted and disjoint, so their ends are
	// sorted too.
	for s.first < j && sp[s.first].b < s0 {
		s.first++
	}
	clip := 0 // days of the first span before the window
	if s.first < j {
		clip = max(0, s0.Sub(sp[s.first].a))
	}
	// absent counts the days absent in [s0, start of span m), m ≤ j.
	absent := func(m int) int {
		if m == s.first {
			return max(0, sp[m].a.Sub(s0))
		}
		return sp[m].a.Sub(s0) - (cum[m] - cum[s.first] - clip)
	}
	s.j, s.b = j, a
	need := s.limit - (cum[j] - cum[s.first] - clip)
	if need <= 0 {
		return a
	}
	s.m = max(s.m, s.first)
	for s.m < j && absent(s.m) < need {
		s.m++
	}
	// The need-th absent day lies before span m (or, for m = j, is a day
	// of the run itself, which the window then drops in turn); the breach
	// comes length days after it.
	s.b = sp[s.m].a.AddDays(s.length - 1 - (absent(s.m) - need))
	return s.b
}

func yearStart(y int) date.Date { return date.MustOf(y, time.January, 1) }

// yearBreach returns the first day in [x, y] on which the days present in
// its calendar year would exceed limit, with presence continuous over [x, y]
// and as recorded before x; 0 if there is none.
func (c *Case) yearBreach(ar *area, x, y date.Date, limit int, asOf date.Date) date.Date {
	for yr := x.Year(); yr < date.MaxYear; yr++ {
		start := max(x, yearStart(yr))
		end := min(y, yearStart(yr+1)-1)
		if start > end {
			return 0
		}
		prior := c.present(ar, yearStart(yr), start-1, asOf)
		if prior+end.Sub(start)+1 > limit {
			return start.AddDays(max(0, limit-prior))
		}
	}
	return 0
}

// yearExcess counts the days in [x, y] over the yearly limit, presence being
// as recorded.
func (c *Case) yearExcess(ar *area, x, y date.Date, limit int, asOf date.Date) int {
	n := 0
	for yr := x.Year(); x <= y && yr < date.MaxYear; yr++ {
		start := max(x, yearStart(yr))
		end := min(y, yearStart(yr+1)-1)
		if start > end {
			break
		}
		prior := c.present(ar, yearStart(yr), start-1, asOf)
		n += max(0, end.Sub(start)+1-max(0, limit-prior))
		x = end + 1
	}
	return n
}

// usFederalHoliday and nextBusinessDay read the US federal calendar, which
// is data in package workdays like the PRC's.
func usFederalHoliday(d date.Date) bool { return workdays.USFederalHoliday(d) }

func nextBusinessDay(d date.Date) date.Date { return workdays.NextUSBusinessDay(d) }
