package workdays

import (
	"testing"
	"time"

	"visaclock/internal/date"
)

// TestUSFederalHolidays checks the observed federal holidays against the
// Office of Personnel Management's published lists (opm.gov, "Federal
// Holidays", 2020–2028), including the days a weekend holiday moves to.
func TestUSFederalHolidays(t *testing.T) {
	holidays := []string{
		"2021-01-18", "2021-06-18", "2021-07-05", "2021-12-24", "2021-12-31", // Juneteenth's first year, observed on Friday; New Year 2022 on 31 Dec
		"2022-06-20", "2022-12-26", "2023-01-02", "2023-11-10", // Sunday and Saturday holidays moved
		"2024-05-27", "2024-10-14", "2024-11-28", "2025-01-20", "2025-02-17",
		"2025-05-26", "2025-09-01", "2026-07-03", "2026-09-07", "2026-11-26",
		"2027-12-31", // New Year's Day 2028 is a Saturday
	}
	for _, s := range holidays {
		if !USFederalHoliday(date.MustParse(s)) {
			t.Errorf("%s is a federal holiday (observed)", s)
		}
	}
	for _, s := range []string{"2020-06-19", "2021-07-04", "2022-06-19", "2024-11-21", "2026-07-04", "2025-05-19"} {
		if USFederalHoliday(date.MustParse(s)) {
			t.Errorf("%s is not an observed federal holiday", s)
		}
	}
}

// TestUSHolidaysAgreeWithAWalk: each weekday rule is checked against a naive
// walk that counts the weekday from the month's start (or back from its
// end), for every year 1990–2060; each year has its eleven holidays (ten
// before 2021).
func TestUSHolidaysAgreeWithAWalk(t *testing.T) {
	for y := 1990; y <= 2060; y++ {
		for _, h := range usFederal {
			if h.day != 0 {
				continue
			}
			var want date.Date
			seen := 0
			n := date.DaysIn(y, h.month)
			for i := 1; i <= n; i++ {
				d := date.MustOf(y, h.month, i)
				if h.nth < 0 {
					d = date.MustOf(y, h.month, n+1-i)
				}
				if d.Weekday() == h.weekday {
					seen++
					if seen == max(h.nth, 1) {
						want = d
						break
					}
				}
			}
			if got := h.observed(y); got != want {
				t.Errorf("%s %d: %s, want %s", h.name, y, got, want)
			}
		}
		count := 0
		for d := date.MustOf(y, time.January, 1); d.Year() == y; d++ {
			if USFederalHoliday(d) && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				count++
			}
		}
		// A year may gain New Year's Day of the next one on 31 December, or
		// lose its own to the year before.
		want := 10
		if y >= 2021 {
			want = 11
		}
		if count < want-1 || count > want+1 {
			t.Errorf("%d has %d observed holidays on weekdays, want about %d", y, count, want)
		}
	}
}
