package workdays

import (
	"time"

	"visaclock/internal/date"
)

// The US federal holidays are not set year by year as the PRC's are: a
// statute fixes them by rule (5 U.S.C. 6103(a)), and Executive Order 11582
// moves one that falls on a weekend to the nearest weekday. So this
// calendar is data of another shape: one row a holiday, each the rule that
// places it in a year, read by one small interpreter.

// usHoliday is one federal holiday: a fixed day of a month, or the n-th
// (-1: last) given weekday of a month, from a year on.
type usHoliday struct {
	name    string
	month   time.Month
	day     int          // a fixed date; 0 for a weekday rule
	weekday time.Weekday // with nth
	nth     int          // 1–4, or -1 for the last
	from    int          // first year it is a holiday; 0 for always
}

// usFederal are the holidays of 5 U.S.C. 6103(a).
var usFederal = []usHoliday{
	{name: "New Year's Day", month: time.January, day: 1},
	{name: "Birthday of Martin Luther King, Jr.", month: time.January, weekday: time.Monday, nth: 3},
	{name: "Washington's Birthday", month: time.February, weekday: time.Monday, nth: 3},
	{name: "Memorial Day", month: time.May, weekday: time.Monday, nth: -1},
	{name: "Juneteenth National Independence Day", month: time.June, day: 19, from: 2021},
	{name: "Independence Day", month: time.July, day: 4},
	{name: "Labor Day", month: time.September, weekday: time.Monday, nth: 1},
	{name: "Columbus Day", month: time.October, weekday: time.Monday, nth: 2},
	{name: "Veterans Day", month: time.November, day: 11},
	{name: "Thanksgiving Day", month: time.November, weekday: time.Thursday, nth: 4},
	{name: "Christmas Day", month: time.December, day: 25},
}

// observed is the day h is observed in year y: a fixed holiday on a
// Saturday is observed on the Friday before, on a Sunday the Monday after.
func (h usHoliday) observed(y int) date.Date {
	if h.day != 0 {
		d := date.MustOf(y, h.month, h.day)
		switch d.Weekday() {
		case time.Saturday:
			return d - 1
		case time.Sunday:
			return d + 1
		}
		return d
	}
	if h.nth < 0 {
		last := date.MustOf(y, h.month, date.DaysIn(y, h.month))
		return last - date.Date((int(last.Weekday())-int(h.weekday)+7)%7)
	}
	first := date.MustOf(y, h.month, 1)
	return first + date.Date((int(h.weekday)-int(first.Weekday())+7)%7+7*(h.nth-1))
}

// USFederalHoliday reports whether d is a US federal holiday as observed.
// New Year's Day of the next year may be observed on 31 December.
func USFederalHoliday(d date.Date) bool {
	y := d.Year()
	for _, yr := range []int{y, y + 1} {
		for _, h := range usFederal {
			if (h.from == 0 || yr >= h.from) && h.observed(yr) == d {
				return true
			}
		}
	}
	return false
}

// NextUSBusinessDay returns d, or the first later day that is neither a
// weekend nor a US federal holiday.
func NextUSBusinessDay(d date.Date) date.Date {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || USFederalHoliday(d) {
		d++
	}
	return d
}
