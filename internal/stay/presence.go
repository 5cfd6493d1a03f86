package stay

import (
	"time"

	"visaclock/internal/date"
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

// usFederalHoliday reports whether d is a US federal holiday as observed
// (5 U.S.C. 6103): a holiday on Saturday is observed on Friday, on Sunday on
// Monday.
func usFederalHoliday(d date.Date) bool {
	y, m, day := d.YMD()
	wd := d.Weekday()
	fixed := func(fm time.Month, fd int) bool {
		h := date.MustOf(y, fm, fd)
		switch h.Weekday() {
		case time.Saturday:
			h = h - 1
		case time.Sunday:
			h = h + 1
		}
		return h == d
	}
	nth := func(fm time.Month, wday time.Weekday, n int) bool {
		return m == fm && wd == wday && (day-1)/7 == n-1
	}
	last := func(fm time.Month, wday time.Weekday) bool {
		return m == fm && wd == wday && day+7 > date.DaysIn(y, fm)
	}
	// New Year's Day of the next year may be observed on 31 December.
	if m == time.December && day == 31 && wd == time.Friday {
		return true
	}
	return fixed(time.January, 1) ||
		nth(time.January, time.Monday, 3) || // Birthday of Martin Luther King, Jr.
		nth(time.February, time.Monday, 3) || // Washington's Birthday
		last(time.May, time.Monday) || // Memorial Day
		(y >= 2021 && fixed(time.June, 19)) || // Juneteenth, from 2021
		fixed(time.July, 4) ||
		nth(time.September, time.Monday, 1) || // Labor Day
		nth(time.October, time.Monday, 2) || // Columbus Day
		fixed(time.November, 11) ||
		nth(time.November, time.Thursday, 4) || // Thanksgiving
		fixed(time.December, 25)
}

// nextBusinessDay returns d, or the first later day that is neither a
// weekend nor a US federal holiday.
func nextBusinessDay(d date.Date) date.Date {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || usFederalHoliday(d) {
		d++
	}
	return d
}
