package workdays

import (
	"errors"
	"strings"
	"testing"
	"time"

	"visaclock/internal/date"
)

// A small well-formed file; the malformed cases below each break it in
// one place.
const validText = `# test calendar
year 2025
notice 2024-11-12 国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知 https://example.gov.cn/2025
off  2025-01-01 元旦
off  2025-01-28..2025-02-04 春节
work 2025-01-26 春节

year 2026
notice 2025-11-04 国办发明电〔2025〕7号 国务院办公厅关于2026年部分节假日安排的通知 https://example.gov.cn/2026
notice 2026-03-01 国办发明电〔2026〕1号 国务院办公厅关于调整2026年某节假期安排的通知 https://example.gov.cn/2026b
off	2026-01-01..2026-01-03	元旦
work	2026-01-04	元旦
`

func TestParseValid(t *testing.T) {
	c, err := parse(validText)
	if err != nil {
		t.Fatal(err)
	}
	if f, l := c.Years(); f != 2025 || l != 2026 {
		t.Errorf("Years() = %d, %d", f, l)
	}
	if got, want := c.Citation(2026), "国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, 2025-11-04); 国务院办公厅关于调整2026年某节假期安排的通知 (国办发明电〔2026〕1号, 2026-03-01)"; got != want {
		t.Errorf("Citation(2026) = %s", got)
	}
	for day, want := range map[string]bool{"2025-01-26": true, "2025-01-28": false, "2026-01-02": false, "2026-01-04": true, "2026-01-05": true} {
		if got, err := c.IsWorkday(date.MustParse(day)); err != nil || got != want {
			t.Errorf("IsWorkday(%s) = %v, %v; want %v", day, got, err, want)
		}
	}
	// A file without its final newline reads the same.
	if _, err := parse(strings.TrimSuffix(validText, "\n")); err != nil {
		t.Errorf("without the final newline: %v", err)
	}
}

func TestParseMalformed(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(validText, old) {
			panic("test case does not match validText: " + old)
		}
		return strings.Replace(validText, old, new, 1)
	}
	tests := []struct {
		name, src string
		line      int
		field     int
		want      string
	}{
		{"empty", "", 1, 0, "no year line"},
		{"comments only", "# nothing\n\n", 3, 0, "no year line"},
		{"unknown kind", replace("work 2025-01-26", "wrok 2025-01-26"), 6, 1, "not one of"},
		{"missing name", replace("off  2025-01-01 元旦", "off  2025-01-01"), 4, 0, "off takes 3 fields, found 2"},
		{"extra field", replace("work 2025-01-26 春节", "work 2025-01-26 春节 extra"), 6, 0, "work takes 3 fields, found 4"},
		{"trailing comment", replace("work 2025-01-26 春节", "work 2025-01-26 春节 # note"), 6, 0, "found 5"},
		{"bad date", replace("off  2025-01-01 元旦", "off  2025-13-01 元旦"), 4, 2, "month 13"},
		{"short date", replace("off  2025-01-01 元旦", "off  2025-1-1 元旦"), 4, 2, "YYYY-MM-DD"},
		{"bad range end", replace("2025-01-28..2025-02-04", "2025-01-28..2025-02-30"), 5, 2, "does not exist"},
		{"empty range end", replace("2025-01-28..2025-02-04", "2025-01-28.."), 5, 2, "YYYY-MM-DD"},
		{"backward range", replace("2025-01-28..2025-02-04", "2025-02-04..2025-01-28"), 5, 2, "ends on or before"},
		{"long range", replace("2025-01-28..2025-02-04", "2025-01-28..2025-03-04"), 5, 2, "more than 14"},
		{"work range", replace("work 2025-01-26", "work 2025-01-25..2025-01-26"), 6, 2, "one day"},
		{"weekday worked", replace("work 2025-01-26", "work 2025-01-27"), 6, 2, "is a Monday"},
		{"date in another year", replace("off  2025-01-01 元旦", "off  2026-01-01 元旦"), 4, 2, "outside year 2025"},
		{"date two Decembers back", replace("off  2025-01-01 元旦", "off  2024-11-30 元旦"), 4, 2, "outside year 2025"},
		{"duplicate date", replace("work 2025-01-26 春节", "work 2025-02-01 春节"), 6, 2, "already listed on line 5"},
		{"duplicate across years", strings.Replace(replace("off  2025-01-01 元旦", "off  2025-12-31 元旦"), "off\t2026-01-01..2026-01-03", "off\t2025-12-31..2026-01-03", 1), 11, 2, "2025-12-31 is already listed on line 4"},
		{"entry before year", "off 2025-01-01 元旦\n", 1, 0, "before the first year line"},
		{"entry before notice", "year 2025\noff 2025-01-01 元旦\n", 2, 0, "before any notice"},
		{"notice after entries", replace("work\t2026-01-04\t元旦\n", "work\t2026-01-04\t元旦\nnotice 2026-05-01 国办发明电〔2026〕2号 某通知 https://x\n"), 13, 0, "notices come first"},
		{"year without days", replace("off  2025-01-01 元旦\noff  2025-01-28..2025-02-04 春节\nwork 2025-01-26 春节\n", ""), 2, 0, "year 2025 lists no days"},
		{"year without notice", "year 2025\nyear 2026\n", 1, 0, "year 2025 has no notice"},
		{"gap in years", replace("year 2026", "year 2027"), 8, 2, "without gaps"},
		{"years descending", replace("year 2026", "year 2024"), 8, 2, "without gaps"},
		{"bad year", replace("year 2025", "year 25"), 2, 2, "not a year"},
		{"year with sign", replace("year 2025", "year +202"), 2, 2, "not a year"},
		{"bad issue date", replace("notice 2024-11-12", "notice 2024-11-31"), 3, 2, "does not exist"},
		{"annual notice wrong title", replace("国务院办公厅关于2025年部分节假日安排的通知", "国务院办公厅关于2024年部分节假日安排的通知"), 3, 4, "must be 国务院办公厅关于2025年部分节假日安排的通知"},
		{"annual notice issued late", replace("notice 2024-11-12 国办发明电〔2024〕12号", "notice 2025-01-02 国办发明电〔2025〕12号"), 3, 2, "issued in 2024"},
		{"number and issue disagree", replace("国办发明电〔2024〕12号", "国办发明电〔2023〕12号"), 3, 3, "numbered in 2023 but issued in 2024"},
		{"bad document number", replace("国办发明电〔2024〕12号", "国办发明电2024-12"), 3, 3, "not of the form"},
		{"leading zero number", replace("国办发明电〔2024〕12号", "国办发明电〔2024〕012号"), 3, 3, "not of the form"},
		{"annual notice not 国办发明电", replace("国办发明电〔2024〕12号", "国发明电〔2024〕12号"), 3, 3, "is a 国办发明电"},
		{"later notice out of order", replace("notice 2026-03-01 国办发明电〔2026〕1号", "notice 2025-10-01 国办发明电〔2025〕1号"), 10, 2, "issued after 2025-11-04"},
		{"later notice after the year", replace("notice 2026-03-01 国办发明电〔2026〕1号", "notice 2027-03-01 国办发明电〔2027〕1号"), 10, 2, "within 2026"},
		{"bad url", replace("https://example.gov.cn/2025", "example.gov.cn/2025"), 3, 5, "not an http(s) URL"},
		{"carriage return", strings.ReplaceAll(validText, "\n", "\r\n"), 1, 0, "LF line endings"},
		{"invalid UTF-8", replace("元旦", "\xff"), 4, 0, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(tt.src)
			if err == nil {
				t.Fatalf("parse succeeded (years %v)", c.notices)
			}
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *parseError", err, err)
			}
			if pe.line != tt.line || pe.field != tt.field {
				t.Errorf("error at line %d field %d, want line %d field %d: %v", pe.line, pe.field, tt.line, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			prefix := "line "
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
		})
	}
}

// FuzzParse holds the parser to two promises: it never panics, and what it
// accepts is a usable calendar agreeing with its own lines.
//
//	go test -fuzz FuzzParse ./internal/workdays/
func FuzzParse(f *testing.F) {
	f.Add(cnText)
	f.Add(validText)
	f.Add("year 2025\nnotice 2024-11-12 国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知 https://x\noff 2024-12-31..2025-01-01 元旦\n")
	f.Add("year 9000\nnotice 8999-01-01 国办发明电〔8999〕1号 国务院办公厅关于9000年部分节假日安排的通知 http://x\nwork 9000-12-31 x\n")
	f.Add("year 1601\n")
	f.Add("off 2025-01-01..2025-01-01 x\n")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := parse(src)
		if err != nil {
			var pe *parseError
			if !errors.As(err, &pe) || pe.line < 1 {
				t.Fatalf("error %v (%T) does not name a line", err, err)
			}
			return
		}
		years, err := read(src)
		if err != nil {
			t.Fatalf("parse succeeded but read failed: %v", err)
		}
		first, last := c.Years()
		if first != years[0].year || last != years[len(years)-1].year || first > last {
			t.Fatalf("Years() = %d, %d for blocks %d..%d", first, last, years[0].year, years[len(years)-1].year)
		}
		for y := first; y <= last; y++ {
			if !c.Covers(y) || c.Citation(y) == "" {
				t.Fatalf("year %d in %d..%d is not covered or has no citation", y, first, last)
			}
		}
		if c.Covers(first-1) || c.Covers(last+1) {
			t.Fatalf("covers a year outside %d..%d", first, last)
		}
		for _, y := range years {
			for _, e := range y.entries {
				for d := e.from; d <= e.to; d++ {
					got, err := c.IsWorkday(d)
					if d.Year() < first {
						if err == nil {
							t.Fatalf("IsWorkday(%s) before coverage succeeded", d)
						}
						continue
					}
					if err != nil || got != e.work {
						t.Fatalf("IsWorkday(%s) = %v, %v; line %d says work=%v", d, got, err, e.line, e.work)
					}
				}
			}
		}
		// Counting from the day before coverage reaches the first working
		// day, or runs out of calendar with an UncoveredError.
		start := date.MustOf(first, time.January, 1)
		got, err := c.AddWorkdays(start.AddDays(-1), 1)
		if err != nil {
			var ue *UncoveredError
			if !errors.As(err, &ue) || ue.Year != last+1 {
				t.Fatalf("AddWorkdays from the day before coverage: %v", err)
			}
		} else if ok, _ := c.IsWorkday(got); !ok {
			t.Fatalf("AddWorkdays gave %s, not a working day", got)
		}
	})
}
