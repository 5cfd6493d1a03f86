package workdays

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"

	"visaclock/internal/date"
)

// naive is a reference calendar that shares nothing with Calendar but the
// parsed lines: it scans the entries for every question and walks day by
// day.
type naive struct {
	first, last int
	years       []yearData
}

func newNaive(t testing.TB) naive {
	years, err := read(cnText)
	if err != nil {
		t.Fatalf("embedded calendar: %v", err)
	}
	return naive{first: years[0].year, last: years[len(years)-1].year, years: years}
}

func (r naive) isWorkday(d date.Date) (ok, covered bool) {
	if y := d.Year(); y < r.first || y > r.last {
		return false, false
	}
	for _, y := range r.years {
		for _, e := range y.entries {
			if d >= e.from && d <= e.to {
				return e.work, true
			}
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday, true
}

// addWorkdays returns the n-th working day after from, or the year of the
// first uncovered day it had to look at.
func (r naive) addWorkdays(from date.Date, n int) (date.Date, int) {
	d := from
	for count := 0; count < n; {
		d = d.AddDays(1)
		ok, covered := r.isWorkday(d)
		if !covered {
			return 0, d.Year()
		}
		if ok {
			count++
		}
	}
	return d, 0
}

// dayGen draws days from 2012 to 2027, a year on each side of coverage,
// picking the year first so that every year is drawn about as often.
func dayGen() *rapid.Generator[date.Date] {
	return rapid.Custom(func(t *rapid.T) date.Date {
		y := rapid.SampledFrom([]int{2020, 2012, 2027, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2021, 2022, 2023, 2024, 2025, 2026}).Draw(t, "year")
		jan1 := date.MustOf(y, time.January, 1)
		return jan1.AddDays(rapid.IntRange(0, date.MustOf(y, time.December, 31).Sub(jan1)).Draw(t, "day of year"))
	})
}

// countGen draws receipt-sized counts most of the time, and counts up to
// well over a year otherwise.
func countGen() *rapid.Generator[int] {
	return rapid.OneOf(rapid.IntRange(1, 15), rapid.IntRange(1, 600))
}

// Every day from a month before coverage to a month after it, with the
// counts a receipt uses, against the reference.
func TestAddWorkdaysEveryDayMatchesNaiveReference(t *testing.T) {
	c := cal(t)
	ref := newNaive(t)
	for from := date.MustParse("2012-12-01"); from <= date.MustParse("2027-01-31"); from++ {
		okRef, covered := ref.isWorkday(from)
		if ok, err := c.IsWorkday(from); covered != (err == nil) || (covered && ok != okRef) {
			t.Fatalf("IsWorkday(%s) = %v, %v; reference %v (covered %v)", from, ok, err, okRef, covered)
		}
		for _, n := range []int{1, 2, 3, 5, 7, 10} {
			want, wantYear := ref.addWorkdays(from, n)
			got, err := c.AddWorkdays(from, n)
			var ue *UncoveredError
			switch {
			case wantYear != 0 && (!errors.As(err, &ue) || ue.Year != wantYear):
				t.Fatalf("AddWorkdays(%s, %d) = %s, %v; want uncovered year %d", from, n, got, err, wantYear)
			case wantYear == 0 && (err != nil || got != want):
				t.Fatalf("AddWorkdays(%s, %d) = %s, %v; reference %s", from, n, got, err, want)
			}
		}
	}
}

func TestPropertyMatchesNaiveReference(t *testing.T) {
	c := cal(t)
	ref := newNaive(t)
	rapid.Check(t, func(t *rapid.T) {
		from := dayGen().Draw(t, "from")
		n := countGen().Draw(t, "n")

		okRef, covered := ref.isWorkday(from)
		ok, err := c.IsWorkday(from)
		if covered != (err == nil) || (covered && ok != okRef) {
			t.Fatalf("IsWorkday(%s) = %v, %v; reference %v (covered %v)", from, ok, err, okRef, covered)
		}

		want, wantYear := ref.addWorkdays(from, n)
		got, err := c.AddWorkdays(from, n)
		if wantYear != 0 {
			var ue *UncoveredError
			if !errors.As(err, &ue) || ue.Year != wantYear {
				t.Fatalf("AddWorkdays(%s, %d) = %s, %v; want uncovered year %d", from, n, got, err, wantYear)
			}
			return
		}
		if err != nil || got != want {
			t.Fatalf("AddWorkdays(%s, %d) = %s, %v; reference %s", from, n, got, err, want)
		}
	})
}

// Counting a days and then b more lands where counting a+b does, and the
// answer is always a working day after from.
func TestPropertyAddWorkdaysComposes(t *testing.T) {
	c := cal(t)
	rapid.Check(t, func(t *rapid.T) {
		from := dayGen().Draw(t, "from")
		a := rapid.IntRange(1, 300).Draw(t, "a")
		b := rapid.IntRange(1, 300).Draw(t, "b")
		whole, err := c.AddWorkdays(from, a+b)
		if err != nil {
			return
		}
		mid, err := c.AddWorkdays(from, a)
		if err != nil {
			t.Fatalf("AddWorkdays(%s, %d) failed (%v) but %d succeeded", from, a, err, a+b)
		}
		end, err := c.AddWorkdays(mid, b)
		if err != nil || end != whole {
			t.Fatalf("AddWorkdays(AddWorkdays(%s, %d) = %s, %d) = %s, %v; AddWorkdays(%s, %d) = %s", from, a, mid, b, end, err, from, a+b, whole)
		}
		if mid <= from || whole <= mid {
			t.Fatalf("answers do not advance: %s, %s, %s", from, mid, whole)
		}
		if ok, err := c.IsWorkday(whole); err != nil || !ok {
			t.Fatalf("AddWorkdays(%s, %d) = %s, which is not a working day (%v)", from, a+b, whole, err)
		}
	})
}
