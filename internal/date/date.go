// Package date provides Date, a civil calendar date with no time of day and
// no time zone, and the day and month arithmetic that stay rules need.
//
// Visa law counts days on the calendar, not instants: a border stamp says
// "2024-03-01", never a time. Modelling such dates with time.Time invites
// time-zone and daylight-saving bugs, and time.AddDate silently rolls
// 31 January plus one month into 3 March. Date is a day number instead, and
// every month operation names its end-of-month rule.
//
// The zero Date is "no date", which lets optional fields stay plain values.
package date

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Date is a day on the proleptic Gregorian calendar, stored as the number of
// days since 0000-12-31, so that 0001-01-01 is 1 and the zero value means
// "no date". Dates compare with the ordinary integer operators.
type Date int32

// MinYear and MaxYear bound the years that Of accepts.
const (
	MinYear = 1
	MaxYear = 9999
)

// Max is the last representable day, 9999-12-31, used as "no end".
const Max Date = 3652059

// Of returns the date y-m-d. It reports an error for a day that does not
// exist, such as 2023-02-29, rather than normalising it.
func Of(y int, m time.Month, d int) (Date, error) {
	if y < MinYear || y > MaxYear {
		return 0, fmt.Errorf("year %d is outside %d–%d", y, MinYear, MaxYear)
	}
	if m < time.January || m > time.December {
		return 0, fmt.Errorf("month %d is not 1–12", int(m))
	}
	if d < 1 || d > DaysIn(y, m) {
		return 0, fmt.Errorf("day %d does not exist in %04d-%02d", d, y, int(m))
	}
	return fromCivil(y, int(m), d), nil
}

// MustOf is Of for dates written in code, such as table tests. It panics on a
// date that does not exist, which is a programming error there.
func MustOf(y int, m time.Month, d int) Date {
	dt, err := Of(y, m, d)
	if err != nil {
		panic(err)
	}
	return dt
}

// ErrSyntax is wrapped by Parse errors for text that is not YYYY-MM-DD.
var ErrSyntax = errors.New("not a date in the form YYYY-MM-DD")

// ParseMinYear and ParseMaxYear bound the years Parse accepts: far wider
// than any stay record, and far enough inside the type's limits that rule
// arithmetic on a parsed date (a 180-day window, a 10-year bar) stays
// printable as YYYY-MM-DD.
const (
	ParseMinYear = 1600
	ParseMaxYear = 9000
)

// Parse reads a date written exactly as YYYY-MM-DD, the form ISO 8601 and
// RFC 3339 call full-date, with a year from ParseMinYear to ParseMaxYear.
// Anything else is an error: no other layouts are guessed at.
func Parse(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	if y < ParseMinYear || y > ParseMaxYear {
		return 0, fmt.Errorf("%q: year %d is outside %d–%d", s, y, ParseMinYear, ParseMaxYear)
	}
	dt, err := Of(y, time.Month(m), d)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return dt, nil
}

// MustParse is Parse for literals in code and tests; it panics on bad text.
func MustParse(s string) Date {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// IsZero reports whether d is the zero "no date" value.
func (d Date) IsZero() bool { return d == 0 }

// YMD returns the year, month and day of d.
func (d Date) YMD() (year int, month time.Month, day int) {
	y, m, dd := toCivil(d)
	return y, time.Month(m), dd
}

// Year returns the year of d.
func (d Date) Year() int { y, _, _ := toCivil(d); return y }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 0001-01-01 (day 1) was a Monday in the proleptic Gregorian calendar.
	return time.Weekday((int(d)%7 + 7) % 7)
}

// AddDays returns d plus n days (n may be negative).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Sub returns the number of days from e to d, so that e.AddDays(d.Sub(e)) == d.
func (d Date) Sub(e Date) int { return int(d) - int(e) }

// EndOfMonth says what adding months does when the target month is shorter
// than the start day, as in 31 January plus one month. Rules differ, so the
// caller must choose: there is no default.
type EndOfMonth uint8

const (
	// Clamp ends on the last day of the target month (31 Jan + 1 month =
	// 28 or 29 Feb). PRC Civil Code Art. 202, Japanese Civil Code Art. 143
	// and most common-law "calendar month" readings work this way.
	Clamp EndOfMonth = iota + 1
	// NextDay ends on the first day of the following month (31 Jan + 1 month
	// = 1 Mar), for rules that count the missing days forward.
	NextDay
)

// String names the rule as rule packs spell it.
func (e EndOfMonth) String() string {
	switch e {
	case Clamp:
		return "clamp"
	case NextDay:
		return "next_day"
	}
	return fmt.Sprintf("EndOfMonth(%d)", uint8(e))
}

// ParseEndOfMonth reads "clamp" or "next_day".
func ParseEndOfMonth(s string) (EndOfMonth, error) {
	switch s {
	case "clamp":
		return Clamp, nil
	case "next_day":
		return NextDay, nil
	}
	return 0, fmt.Errorf("%q is not an end-of-month rule; accepted: clamp, next_day", s)
}

// AddMonths returns the date n calendar months after d (before it when n is
// negative), resolving a missing day with eom. An unknown eom counts as Clamp
// so that the result is always a real date.
func (d Date) AddMonths(n int, eom EndOfMonth) Date {
	y, m, day := toCivil(d)
	total := y*12 + (m - 1) + n
	ty, tm := total/12, total%12+1
	if total < 0 {
		ty, tm = (total-11)/12, (total%12+12)%12+1
	}
	last := DaysIn(ty, time.Month(tm))
	if day <= last {
		return fromCivil(ty, tm, day)
	}
	if eom == NextDay {
		return fromCivil(ty, tm, last).AddDays(1)
	}
	return fromCivil(ty, tm, last)
}

// AddYears returns the date n years after d; 29 February resolves by eom.
func (d Date) AddYears(n int, eom EndOfMonth) Date { return d.AddMonths(12*n, eom) }

// DaysIn returns the number of days in month m of year y.
func DaysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if IsLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// IsLeap reports whether y is a Gregorian leap year.
func IsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

func (d Date) appendTo(b []byte) []byte {
	y, m, dd := toCivil(d)
	if y < 0 || y > 9999 {
		// Only arithmetic far outside ParseMinYear–ParseMaxYear gets here;
		// print the year whole rather than wrap it.
		b = strconv.AppendInt(b, int64(y), 10)
		return append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10))
	}
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+m/10), byte('0'+m%10), '-')
	return append(b, byte('0'+dd/10), byte('0'+dd%10))
}

// AppendText implements encoding.TextAppender.
func (d Date) AppendText(b []byte) ([]byte, error) {
	if d == 0 {
		return b, nil
	}
	return d.appendTo(b), nil
}

// MarshalText implements encoding.TextMarshaler. The zero Date marshals as
// empty text; use a pointer or omitzero to leave it out.
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// fromCivil and toCivil use Howard Hinnant's days_from_civil algorithms,
// shifted so that 0001-01-01 is day 1.
const epochShift = 719162 + 1 // days from 0001-01-01 to 1970-01-01, plus one

func fromCivil(y, m, d int) Date {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days1970 := era*146097 + doe - 719468
	return Date(days1970 + epochShift)
}

func toCivil(dt Date) (y, m, d int) {
	z := int(dt) - epochShift + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
