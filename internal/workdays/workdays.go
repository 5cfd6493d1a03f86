// Package workdays holds the business-day calendars the rules count in, as
// data: the People's Republic of China statutory working-day calendar,
// transcribed year by year from its notices, with the working-day
// arithmetic built on it; and the US federal holidays (us.go), which a
// statute fixes by rule rather than by notice.
//
// An exit-entry acceptance receipt (受理回执) "is valid for no more than 7
// working days" (外国人入境出境管理条例, Regulations 2013, Art. 13(1)), and
// working days exclude the statutory holidays (法定节假日) while including
// the weekend days declared working days (调休) (Art. 36, last paragraph).
// Neither can be computed: the State Council General Office fixes each
// year's days off and make-up days in a notice (国务院办公厅关于YYYY年部分
// 节假日安排的通知), issued late in the year before and now and then
// amended. So the calendar is a table transcribed from those notices,
// embedded in the binary (cn.txt, which cites every notice), and a date in
// a year without a notice is an error, never a guess from the weekday.
//
// A notice can also reach back into the December before its year (the
// 2019 notice gave 30 and 31 December 2018 off and made Saturday 29
// December a working day). So the last days of the last covered year are
// as the notices on file leave them; when the next year's notice is
// added, its New Year arrangement may change them.
//
// The package is pure: it reads no clock, file or network, and a Calendar
// never changes once built, so it is safe for concurrent use.
package workdays

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"visaclock/internal/date"
)

// Calendar says which days are working days over a run of whole years.
type Calendar struct {
	first, last int       // the years covered, inclusive
	start       date.Date // 1 January of first
	work        []bool    // work[i]: is start+i a working day
	cum         []int32   // cum[i]: working days from start through start+i
	notices     [][]notice
	err         error // set only when the embedded data failed to parse
}

//go:embed cn.txt
var cnText string

var cn = sync.OnceValue(func() *Calendar {
	c, err := parse(cnText)
	if err != nil {
		// A test parses the embedded file, so this cannot ship; answer
		// every question with the error rather than panic or guess.
		return &Calendar{err: fmt.Errorf("workdays: embedded cn.txt: %w", err)}
	}
	return c
})

// CN returns the PRC calendar embedded in the package, parsed on first use.
func CN() *Calendar { return cn() }

// UncoveredError reports a date in a year for which the calendar has no
// notice. A receipt deadline there cannot be computed until the notice is
// transcribed; weekends alone would miss the holidays and make-up days.
type UncoveredError struct {
	Year        int // the year asked about
	First, Last int // the years the calendar covers (both 0 if none)
}

func (e *UncoveredError) Error() string {
	if e.First == 0 {
		return fmt.Sprintf("workdays: the PRC working-day calendar for %d is not known (no year is covered)", e.Year)
	}
	return fmt.Sprintf("workdays: the PRC working-day calendar for %d is not known (the holiday notices on file cover %d–%d)", e.Year, e.First, e.Last)
}

// ErrCount is wrapped by AddWorkdays for a count below 1.
var ErrCount = errors.New("workdays: the number of working days must be at least 1")

// build lays the year blocks out as a day-by-day table. read has checked
// them, so every entry date is in range and listed once.
func build(years []yearData) *Calendar {
	first, last := years[0].year, years[len(years)-1].year
	c := &Calendar{
		first: first,
		last:  last,
		start: date.MustOf(first, time.January, 1),
	}
	end := date.MustOf(last, time.December, 31)
	n := end.Sub(c.start) + 1
	c.work = make([]bool, n)
	for i := range c.work {
		wd := c.start.AddDays(i).Weekday()
		c.work[i] = wd != time.Saturday && wd != time.Sunday
	}
	for _, y := range years {
		c.notices = append(c.notices, y.notices)
		for _, e := range y.entries {
			for d := e.from; d <= e.to; d++ {
				if i := d.Sub(c.start); i >= 0 { // the December before first is not covered
					c.work[i] = e.work
				}
			}
		}
	}
	c.cum = make([]int32, n)
	var total int32
	for i, w := range c.work {
		if w {
			total++
		}
		c.cum[i] = total
	}
	return c
}

// Covers reports whether the calendar holds the notices for year.
func (c *Calendar) Covers(year int) bool {
	return c.err == nil && year >= c.first && year <= c.last
}

// Years returns the first and last years covered; every year between is
// covered too. Both are 0 if the calendar failed to load.
func (c *Calendar) Years() (first, last int) { return c.first, c.last }

// index returns d's position in the table, or an UncoveredError.
func (c *Calendar) index(d date.Date) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	i := d.Sub(c.start)
	if i < 0 || i >= len(c.work) {
		return 0, &UncoveredError{Year: d.Year(), First: c.first, Last: c.last}
	}
	return i, nil
}

// IsWorkday reports whether d is a working day: Monday to Friday unless a
// notice gives it off, Saturday or Sunday only when a notice makes it a
// make-up working day. It returns an *UncoveredError when d's year has no
// notice on file.
func (c *Calendar) IsWorkday(d date.Date) (bool, error) {
	i, err := c.index(d)
	if err != nil {
		return false, err
	}
	return c.work[i], nil
}

// AddWorkdays returns the n-th working day after from. from itself never
// counts, whether or not it is a working day: a receipt issued on a
// Monday and valid for 7 working days runs to the 7th working day after
// it. n below 1 is an error wrapping ErrCount. Every day after from up to
// the answer must be covered, or the result is an *UncoveredError naming
// the first year that is not.
func (c *Calendar) AddWorkdays(from date.Date, n int) (date.Date, error) {
	if c.err != nil {
		return 0, c.err
	}
	if n < 1 {
		return 0, fmt.Errorf("%w (got %d)", ErrCount, n)
	}
	next := from.AddDays(1)
	i, err := c.index(next)
	if err != nil {
		return 0, err
	}
	before := 0 // working days from start through from
	if i > 0 {
		before = int(c.cum[i-1])
	}
	if n > int(c.cum[len(c.cum)-1])-before {
		return 0, &UncoveredError{Year: c.last + 1, First: c.first, Last: c.last}
	}
	target := int32(before + n)
	j := i + sort.Search(len(c.cum)-i, func(k int) bool { return c.cum[i+k] >= target })
	return c.start.AddDays(j), nil
}

// Citation names the notice (or notices, separated by "; ") that fixed
// year's days, as "title (document number, date of issue)"; it is "" for
// a year that is not covered. Deadlines built on the calendar can quote
// it as their authority.
func (c *Calendar) Citation(year int) string {
	if !c.Covers(year) {
		return ""
	}
	var parts []string
	for _, nt := range c.notices[year-c.first] {
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", nt.title, nt.number, nt.issued))
	}
	return strings.Join(parts, "; ")
}
