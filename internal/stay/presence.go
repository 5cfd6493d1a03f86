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

// windowBreach returns the first day on which presence, continuous from the
// start of span j onwards, would exceed limit days in a window of length
// days. Within a run of presence the window count never falls (each day adds
// one and drops at most one), so the unlawful days of a run are a suffix and
// one breach day describes them all. The search walks the gaps before the
// run rather than the days.
func (c *Case) windowBreach(ar *area, j, length, limit int) date.Date {
	a := ar.spans[j].a
	s0 := a.AddDays(1 - length)
	// The first earlier span that reaches into the window; spans are sorted
	// and disjoint, so their ends are sorted too.
	first, hi := 0, j
	for first < hi {
		m := int(uint(first+hi) >> 1)
		if ar.spans[m].b < s0 {
			first = m + 1
		} else {
			hi = m
		}
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
	// The count grows by one for each absent day that leaves the window; the
	// breach comes when the need-th absent day after s0 has left.
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
