package workdays

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/date"
)

// The calendar file is line-based so that a reviewer can hold each line
// against the notice it transcribes:
//
//	# a comment (the whole line)
//	year   2025
//	notice 2024-11-12 国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知 https://…
//	off    2025-01-28..2025-02-04 春节
//	work   2025-01-26 春节
//
// Fields are separated by spaces or tabs, so no field contains either.
// Years come in ascending order without gaps. Each year opens with its
// notices, the year's own annual notice first and any later notice that
// changed that year after it; then come its entries, listed as they stand
// after every notice. An entry's dates lie in its year or in the December
// before (a New Year arrangement can start there). Parsing is strict: any
// line that breaks these rules is an error naming the line and field,
// because a silently skipped line would be a wrong deadline.

// maxOffSpan bounds one off range. The longest so far is 10 days (the
// Spring Festival of 2020 as extended); a longer range is more likely a
// typo in a date than a real break.
const maxOffSpan = 14

// fieldCount is how many fields each kind of line has.
var fieldCount = map[string]int{"year": 2, "notice": 5, "off": 3, "work": 3}

// notice is one State Council document that set days of a year.
type notice struct {
	issued date.Date
	number string // 国办发明电〔2024〕12号
	title  string
	url    string
}

// entry is one off range or one make-up working day, as read.
type entry struct {
	from, to date.Date // inclusive; equal for a single day
	work     bool      // a weekend day worked (调休上班), else days off
	name     string
	line     int
}

// yearData is one year's block.
type yearData struct {
	year    int
	line    int // of the year line
	notices []notice
	entries []entry
}

// parseError names the line, and the field when one is to blame, of a
// malformed calendar file.
type parseError struct {
	line  int
	field int    // 1-based; 0 for the line as a whole
	name  string // what the field holds
	msg   string
}

func (e *parseError) Error() string {
	if e.field == 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return fmt.Sprintf("line %d, field %d (%s): %s", e.line, e.field, e.name, e.msg)
}

// read parses the calendar text into year blocks and checks every rule
// that a single line, or the order of lines, can break.
func read(src string) ([]yearData, error) {
	var (
		years  []yearData
		cur    *yearData
		listed = map[date.Date]int{} // date -> line that listed it
		lineNo int
	)
	lines := strings.Split(src, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the final newline ends the last line
	}
	for i, line := range lines {
		lineNo = i + 1
		lineErr := func(format string, args ...any) error {
			return &parseError{line: lineNo, msg: fmt.Sprintf(format, args...)}
		}
		if !utf8.ValidString(line) {
			return nil, lineErr("not valid UTF-8")
		}
		if strings.ContainsRune(line, '\r') {
			return nil, lineErr("carriage return: the file must use LF line endings")
		}
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		fieldErr := func(field int, name, format string, args ...any) error {
			return &parseError{line: lineNo, field: field, name: name, msg: fmt.Sprintf(format, args...)}
		}
		n, known := fieldCount[f[0]]
		if !known {
			return nil, fieldErr(1, "kind", "%q is not one of year, notice, off, work", f[0])
		}
		if len(f) != n {
			return nil, lineErr("%s takes %d fields, found %d", f[0], n, len(f))
		}

		if f[0] == "year" {
			y, ok := yearNumber(f[1])
			if !ok {
				return nil, fieldErr(2, "year", "%q is not a year from %d to %d", f[1], date.ParseMinYear+1, date.ParseMaxYear)
			}
			if cur != nil {
				if err := complete(cur); err != nil {
					return nil, err
				}
				if y != cur.year+1 {
					return nil, fieldErr(2, "year", "year %d follows year %d; years must ascend without gaps", y, cur.year)
				}
			}
			years = append(years, yearData{year: y, line: lineNo})
			cur = &years[len(years)-1]
			continue
		}
		if cur == nil {
			return nil, lineErr("%s before the first year line", f[0])
		}

		if f[0] == "notice" {
			if len(cur.entries) > 0 {
				return nil, lineErr("notice after the entries of year %d; a year's notices come first", cur.year)
			}
			nt, err := readNotice(f, cur, fieldErr)
			if err != nil {
				return nil, err
			}
			cur.notices = append(cur.notices, nt)
			continue
		}

		// off or work
		if len(cur.notices) == 0 {
			return nil, lineErr("%s before any notice of year %d", f[0], cur.year)
		}
		e := entry{work: f[0] == "work", name: f[2], line: lineNo}
		lo, hi, isRange := strings.Cut(f[1], "..")
		var err error
		if e.from, err = date.Parse(lo); err != nil {
			return nil, fieldErr(2, "dates", "%v", err)
		}
		e.to = e.from
		if isRange {
			if e.work {
				return nil, fieldErr(2, "dates", "a work line names one day, not a range")
			}
			if e.to, err = date.Parse(hi); err != nil {
				return nil, fieldErr(2, "dates", "%v", err)
			}
			if e.to <= e.from {
				return nil, fieldErr(2, "dates", "range %s ends on or before it starts", f[1])
			}
			if e.to.Sub(e.from)+1 > maxOffSpan {
				return nil, fieldErr(2, "dates", "range %s is %d days, more than %d", f[1], e.to.Sub(e.from)+1, maxOffSpan)
			}
		}
		earliest := date.MustOf(cur.year-1, time.December, 1)
		latest := date.MustOf(cur.year, time.December, 31)
		if e.from < earliest || e.to > latest {
			return nil, fieldErr(2, "dates", "%s is outside year %d (and the December before it)", f[1], cur.year)
		}
		if e.work {
			if wd := e.from.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return nil, fieldErr(2, "dates", "%s is a %s; a make-up working day is a Saturday or Sunday", e.from, wd)
			}
		}
		for d := e.from; d <= e.to; d++ {
			if prev, dup := listed[d]; dup {
				return nil, fieldErr(2, "dates", "%s is already listed on line %d", d, prev)
			}
			listed[d] = lineNo
		}
		cur.entries = append(cur.entries, e)
	}
	end := lineNo + 1
	if cur == nil {
		return nil, &parseError{line: end, msg: "end of file: no year line"}
	}
	if err := complete(cur); err != nil {
		return nil, err
	}
	return years, nil
}

// readNotice checks a notice line: f is its five fields.
func readNotice(f []string, cur *yearData, fieldErr func(int, string, string, ...any) error) (notice, error) {
	issued, err := date.Parse(f[1])
	if err != nil {
		return notice{}, fieldErr(2, "issued", "%v", err)
	}
	nt := notice{issued: issued, number: f[2], title: f[3], url: f[4]}
	numYear, ok := documentYear(nt.number)
	if !ok {
		return notice{}, fieldErr(3, "document number", "%q is not of the form 国办发明电〔YYYY〕N号", nt.number)
	}
	if numYear != issued.Year() {
		return notice{}, fieldErr(3, "document number", "%s is numbered in %d but issued in %d", nt.number, numYear, issued.Year())
	}
	if len(cur.notices) == 0 {
		// The year's own notice, issued in the autumn or December before.
		if want := fmt.Sprintf("国务院办公厅关于%d年部分节假日安排的通知", cur.year); nt.title != want {
			return notice{}, fieldErr(4, "title", "the first notice of %d must be %s, found %s", cur.year, want, nt.title)
		}
		if !strings.HasPrefix(nt.number, "国办发明电〔") {
			return notice{}, fieldErr(3, "document number", "the annual notice is a 国办发明电, found %s", nt.number)
		}
		if issued.Year() != cur.year-1 {
			return notice{}, fieldErr(2, "issued", "the notice for %d was issued in %d, not in %d", cur.year, cur.year-1, issued.Year())
		}
	} else {
		prev := cur.notices[len(cur.notices)-1]
		if issued <= prev.issued || issued.Year() > cur.year {
			return notice{}, fieldErr(2, "issued", "a later notice for %d is issued after %s and within %d", cur.year, prev.issued, cur.year)
		}
	}
	if !strings.HasPrefix(nt.url, "https://") && !strings.HasPrefix(nt.url, "http://") {
		return notice{}, fieldErr(5, "url", "%q is not an http(s) URL", nt.url)
	}
	return nt, nil
}

// complete checks that a finished year block has a notice and an entry;
// the error names the block's year line.
func complete(y *yearData) error {
	switch {
	case len(y.notices) == 0:
		return &parseError{line: y.line, msg: fmt.Sprintf("year %d has no notice", y.year)}
	case len(y.entries) == 0:
		return &parseError{line: y.line, msg: fmt.Sprintf("year %d lists no days", y.year)}
	}
	return nil
}

// yearNumber reads four ASCII digits naming a year whose December before
// is still a parseable date.
func yearNumber(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	y, err := strconv.Atoi(s)
	if err != nil || y <= date.ParseMinYear || y > date.ParseMaxYear {
		return 0, false
	}
	return y, true
}

// documentYear reads the year out of a document number such as
// 国办发明电〔2024〕12号: an issuer with no digits or brackets, the year
// in 〔〕, then a number without a leading zero and 号.
func documentYear(s string) (int, bool) {
	issuer, rest, ok := strings.Cut(s, "〔")
	if !ok || issuer == "" || strings.ContainsAny(issuer, "0123456789〔〕号") {
		return 0, false
	}
	yr, rest, ok := strings.Cut(rest, "〕")
	if !ok {
		return 0, false
	}
	num, ok := strings.CutSuffix(rest, "号")
	if !ok || num == "" || num[0] == '0' || len(num) > 4 {
		return 0, false
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, false
		}
	}
	y, ok := yearNumber(yr)
	return y, ok
}

// parse reads a calendar file and builds the Calendar it describes.
func parse(src string) (*Calendar, error) {
	years, err := read(src)
	if err != nil {
		return nil, err
	}
	return build(years), nil
}
