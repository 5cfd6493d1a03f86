package workdays

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"visaclock/internal/date"
)

// cal returns the embedded calendar and fails the test if it did not load.
func cal(t testing.TB) *Calendar {
	t.Helper()
	c := CN()
	if c.err != nil {
		t.Fatalf("embedded calendar: %v", c.err)
	}
	return c
}

func TestEmbeddedCalendarLoads(t *testing.T) {
	c := cal(t)
	if first, last := c.Years(); first != 2013 || last != 2026 {
		t.Errorf("Years() = %d, %d; want 2013, 2026", first, last)
	}
	for y := 2013; y <= 2026; y++ {
		if !c.Covers(y) {
			t.Errorf("Covers(%d) = false", y)
		}
	}
	// No notice for 2027 was found in the sources; it must not be guessed.
	for _, y := range []int{2012, 2027, 0, 9999} {
		if c.Covers(y) {
			t.Errorf("Covers(%d) = true", y)
		}
	}
}

// Each row's answer is read off the notice for its year (see cn.txt for
// the document numbers). The weekday column guards the table itself.
func TestIsWorkday(t *testing.T) {
	c := cal(t)
	const (
		Mon = time.Monday
		Tue = time.Tuesday
		Wed = time.Wednesday
		Thu = time.Thursday
		Fri = time.Friday
		Sat = time.Saturday
		Sun = time.Sunday
	)
	tests := []struct {
		day  string
		wd   time.Weekday
		want bool
		why  string
	}{
		// 2013, 国办发明电〔2012〕33号
		{"2013-01-04", Fri, true, "ordinary Friday"},
		{"2013-02-12", Tue, false, "春节 2月9日至15日"},
		{"2013-02-16", Sat, true, "2月16日（星期六）上班"},
		{"2013-04-27", Sat, true, "4月27日（星期六）上班"},
		{"2013-10-07", Mon, false, "国庆节 10月1日至7日"},
		{"2013-10-12", Sat, true, "10月12日（星期六）上班"},
		{"2013-10-13", Sun, false, "ordinary Sunday"},
		// 2014, 国办发明电〔2013〕28号
		{"2014-01-26", Sun, true, "1月26日（星期日）上班"},
		{"2014-01-30", Thu, true, "除夕 was not a day off in 2014"},
		{"2014-01-31", Fri, false, "春节 1月31日至2月6日"},
		{"2014-04-07", Mon, false, "清明节 4月7日（星期一）补休"},
		{"2014-06-02", Mon, false, "端午节 6月2日"},
		{"2014-09-08", Mon, false, "中秋节 9月8日"},
		{"2014-10-11", Sat, true, "10月11日（星期六）上班"},
		// 2015, 国办发明电〔2014〕28号 and 国发明电〔2015〕1号
		{"2015-02-15", Sun, true, "2月15日（星期日）上班"},
		{"2015-02-18", Wed, false, "春节 2月18日至24日"},
		{"2015-06-22", Mon, false, "端午节 6月22日（星期一）补休"},
		{"2015-09-03", Thu, false, "抗战胜利70周年纪念日 9月3日放假"},
		{"2015-09-04", Fri, false, "9月4日（星期五）调休"},
		{"2015-09-06", Sun, true, "9月6日（星期日）上班"},
		{"2015-09-28", Mon, true, "中秋节 9月27日 was a Sunday, with no day in lieu"},
		{"2015-10-10", Sat, true, "10月10日（星期六）上班"},
		// 2016, 国办发明电〔2015〕18号
		{"2016-02-06", Sat, true, "2月6日（星期六）上班"},
		{"2016-02-12", Fri, false, "春节 2月7日至13日"},
		{"2016-05-02", Mon, false, "劳动节 5月2日（星期一）补休"},
		{"2016-06-12", Sun, true, "6月12日（星期日）上班"},
		{"2016-09-18", Sun, true, "9月18日（星期日）上班"},
		{"2016-10-07", Fri, false, "国庆节 10月1日至7日"},
		{"2016-10-09", Sun, true, "10月9日（星期日）上班"},
		// 2017, 国办发明电〔2016〕17号
		{"2017-01-02", Mon, false, "元旦 1月2日（星期一）补休"},
		{"2017-01-22", Sun, true, "1月22日（星期日）上班"},
		{"2017-04-01", Sat, true, "4月1日（星期六）上班"},
		{"2017-04-03", Mon, false, "清明节 4月2日至4日"},
		{"2017-05-27", Sat, true, "5月27日（星期六）上班"},
		{"2017-09-30", Sat, true, "9月30日（星期六）上班"},
		{"2017-10-06", Fri, false, "中秋节、国庆节 10月1日至8日"},
		// 2018, 国办发明电〔2017〕12号; December from 国办发明电〔2018〕15号
		{"2018-02-11", Sun, true, "2月11日（星期日）上班"},
		{"2018-02-21", Wed, false, "春节 2月15日至21日"},
		{"2018-04-05", Thu, false, "清明节 4月5日至7日"},
		{"2018-04-06", Fri, false, "清明节 4月5日至7日"},
		{"2018-04-08", Sun, true, "4月8日（星期日）上班"},
		{"2018-04-28", Sat, true, "4月28日（星期六）上班"},
		{"2018-04-30", Mon, false, "劳动节 4月29日至5月1日"},
		{"2018-09-30", Sun, true, "9月30日（星期日）上班"},
		{"2018-12-29", Sat, true, "2019 notice: 2018年12月29日（星期六）上班"},
		{"2018-12-31", Mon, false, "2019 notice: 2018年12月30日至2019年1月1日"},
		// 2019, 国办发明电〔2018〕15号 and 国办发明电〔2019〕3号
		{"2019-01-01", Tue, false, "元旦"},
		{"2019-02-02", Sat, true, "2月2日（星期六）上班"},
		{"2019-04-28", Sun, true, "amended: 4月28日（星期日）上班"},
		{"2019-05-02", Thu, false, "amended: 5月1日至4日"},
		{"2019-05-03", Fri, false, "amended: 5月1日至4日"},
		{"2019-05-05", Sun, true, "amended: 5月5日（星期日）上班"},
		{"2019-09-13", Fri, false, "中秋节 9月13日"},
		{"2019-10-12", Sat, true, "10月12日（星期六）上班"},
		// 2020, 国办发明电〔2019〕16号 and 国办发明电〔2020〕1号
		{"2020-01-19", Sun, true, "1月19日（星期日）上班"},
		{"2020-01-31", Fri, false, "extended: 春节 to 2月2日"},
		{"2020-02-01", Sat, false, "the make-up Saturday fell inside the extended break"},
		{"2020-02-03", Mon, true, "extended: 2月3日（星期一）起正常上班"},
		{"2020-04-26", Sun, true, "4月26日（星期日）上班"},
		{"2020-05-05", Tue, false, "劳动节 5月1日至5日"},
		{"2020-10-08", Thu, false, "国庆节、中秋节 10月1日至8日"},
		{"2020-10-10", Sat, true, "10月10日（星期六）上班"},
		// 2021, 国办发明电〔2020〕27号
		{"2021-02-07", Sun, true, "2月7日（星期日）上班"},
		{"2021-02-17", Wed, false, "春节 2月11日至17日"},
		{"2021-04-05", Mon, false, "清明节 4月3日至5日"},
		{"2021-05-08", Sat, true, "5月8日（星期六）上班"},
		{"2021-06-14", Mon, false, "端午节 6月12日至14日"},
		{"2021-09-18", Sat, true, "9月18日（星期六）上班"},
		{"2021-09-20", Mon, false, "中秋节 9月19日至21日"},
		{"2021-10-09", Sat, true, "10月9日（星期六）上班"},
		// 2022, 国办发明电〔2021〕11号
		{"2022-01-03", Mon, false, "元旦 1月1日至3日"},
		{"2022-01-29", Sat, true, "1月29日（星期六）上班"},
		{"2022-04-02", Sat, true, "4月2日（星期六）上班"},
		{"2022-04-04", Mon, false, "清明节 4月3日至5日"},
		{"2022-05-04", Wed, false, "劳动节 4月30日至5月4日"},
		{"2022-05-07", Sat, true, "5月7日（星期六）上班"},
		{"2022-09-12", Mon, false, "中秋节 9月10日至12日"},
		{"2022-10-08", Sat, true, "10月8日（星期六）上班"},
		// 2023, 国办发明电〔2022〕16号
		{"2023-01-02", Mon, false, "元旦 2022年12月31日至2023年1月2日"},
		{"2023-01-28", Sat, true, "1月28日（星期六）上班"},
		{"2023-04-05", Wed, false, "清明节 4月5日"},
		{"2023-04-23", Sun, true, "4月23日（星期日）上班"},
		{"2023-06-23", Fri, false, "端午节 6月22日至24日"},
		{"2023-06-25", Sun, true, "6月25日（星期日）上班"},
		{"2023-09-29", Fri, false, "中秋节、国庆节 9月29日至10月6日"},
		{"2023-10-07", Sat, true, "10月7日（星期六）上班"},
		// 2024, 国办发明电〔2023〕7号
		{"2024-02-04", Sun, true, "2月4日（星期日）上班"},
		{"2024-02-09", Fri, true, "除夕 leave was only encouraged"},
		{"2024-02-16", Fri, false, "春节 2月10日至17日"},
		{"2024-02-18", Sun, true, "2月18日（星期日）上班"},
		{"2024-04-07", Sun, true, "4月7日（星期日）上班"},
		{"2024-05-11", Sat, true, "5月11日（星期六）上班"},
		{"2024-09-14", Sat, true, "9月14日（星期六）上班"},
		{"2024-09-16", Mon, false, "中秋节 9月15日至17日"},
		{"2024-10-12", Sat, true, "10月12日（星期六）上班"},
		// 2025, 国办发明电〔2024〕12号 (the first year under Decree No. 795)
		{"2025-01-26", Sun, true, "1月26日（周日）上班"},
		{"2025-01-28", Tue, false, "春节 from 除夕 1月28日"},
		{"2025-02-04", Tue, false, "春节 to 2月4日"},
		{"2025-02-08", Sat, true, "2月8日（周六）上班"},
		{"2025-04-27", Sun, true, "4月27日（周日）上班"},
		{"2025-05-01", Thu, false, "劳动节 5月1日至5日"},
		{"2025-05-02", Fri, false, "劳动节 5月1日至5日"},
		{"2025-05-05", Mon, false, "劳动节 5月1日至5日"},
		{"2025-05-06", Tue, true, "ordinary Tuesday after 劳动节"},
		{"2025-06-02", Mon, false, "端午节 5月31日至6月2日"},
		{"2025-09-28", Sun, true, "9月28日（周日）上班"},
		{"2025-10-01", Wed, false, "国庆节、中秋节 10月1日至8日"},
		{"2025-10-08", Wed, false, "国庆节、中秋节 10月1日至8日"},
		{"2025-10-11", Sat, true, "10月11日（周六）上班"},
		{"2025-10-12", Sun, false, "ordinary Sunday"},
		// 2026, 国办发明电〔2025〕7号
		{"2026-01-02", Fri, false, "元旦 1月1日至3日"},
		{"2026-01-04", Sun, true, "1月4日（周日）上班"},
		{"2026-02-14", Sat, true, "2月14日（周六）上班"},
		{"2026-02-16", Mon, false, "春节 2月15日至23日"},
		{"2026-02-23", Mon, false, "春节 2月15日至23日"},
		{"2026-02-28", Sat, true, "2月28日（周六）上班"},
		{"2026-05-05", Tue, false, "劳动节 5月1日至5日"},
		{"2026-05-09", Sat, true, "5月9日（周六）上班"},
		{"2026-06-19", Fri, false, "端午节 6月19日至21日"},
		{"2026-09-20", Sun, true, "9月20日（周日）上班"},
		{"2026-09-25", Fri, false, "中秋节 9月25日至27日"},
		{"2026-10-07", Wed, false, "国庆节 10月1日至7日"},
		{"2026-10-10", Sat, true, "10月10日（周六）上班"},
		{"2026-12-31", Thu, true, "the last covered day"},
	}
	for _, tt := range tests {
		d := date.MustParse(tt.day)
		if wd := d.Weekday(); wd != tt.wd {
			t.Errorf("table row %s says %s but it is a %s", tt.day, tt.wd, wd)
			continue
		}
		got, err := c.IsWorkday(d)
		if err != nil {
			t.Errorf("IsWorkday(%s): %v", tt.day, err)
			continue
		}
		if got != tt.want {
			t.Errorf("IsWorkday(%s %s) = %v, want %v (%s)", tt.day, tt.wd, got, tt.want, tt.why)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := cal(t)
	tests := []struct {
		from string
		n    int
		want string
		why  string
	}{
		{"2018-04-09", 7, "2018-04-18", "filed Monday after 清明 2018: an ordinary week and a half"},
		{"2018-04-04", 7, "2018-04-16", "across 清明 2018: 5–7 April off, Sunday 8 April worked"},
		{"2025-09-30", 7, "2025-10-16", "across 国庆 2025: 1–8 October off, Saturday 11 October worked"},
		{"2025-01-24", 7, "2025-02-10", "across 春节 2025: Sunday 26 January and Saturday 8 February worked"},
		{"2025-04-25", 7, "2025-05-08", "across 劳动节 2025: Sunday 27 April worked, 1–5 May off"},
		{"2018-12-25", 7, "2019-01-04", "across the year: 29 Dec worked, 30 Dec–1 Jan off (2019 notice)"},
		{"2025-12-26", 7, "2026-01-07", "across the year: 1–3 Jan off, Sunday 4 January worked"},
		{"2020-01-23", 3, "2020-02-05", "the extended 春节 2020 cancels the make-up Saturday 1 February"},
		{"2025-10-10", 1, "2025-10-11", "a make-up Saturday counts as a working day"},
		{"2025-10-01", 1, "2025-10-09", "from a holiday: from itself never counts"},
		{"2025-10-09", 1, "2025-10-10", "from a working day: from itself never counts"},
		{"2012-12-31", 1, "2013-01-04", "from the day before coverage: only the days after it count"},
		{"2026-12-24", 5, "2026-12-31", "the last covered day"},
	}
	for _, tt := range tests {
		got, err := c.AddWorkdays(date.MustParse(tt.from), tt.n)
		if err != nil {
			t.Errorf("AddWorkdays(%s, %d): %v (%s)", tt.from, tt.n, err, tt.why)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s (%s)", tt.from, tt.n, got, tt.want, tt.why)
		}
	}
}

func TestUncoveredYears(t *testing.T) {
	c := cal(t)
	check := func(what string, err error, year int) {
		t.Helper()
		var ue *UncoveredError
		if !errors.As(err, &ue) {
			t.Errorf("%s: error %v, want *UncoveredError", what, err)
			return
		}
		if ue.Year != year || ue.First != 2013 || ue.Last != 2026 {
			t.Errorf("%s: %+v, want Year %d, First 2013, Last 2026", what, *ue, year)
		}
		msg := err.Error()
		for _, s := range []string{"2013–2026", "not known"} {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: message %q does not contain %q", what, msg, s)
			}
		}
	}
	for _, d := range []string{"2012-12-31", "2027-01-01", "2027-01-04", "1949-10-01", "2100-01-01"} {
		_, err := c.IsWorkday(date.MustParse(d))
		check("IsWorkday("+d+")", err, date.MustParse(d).Year())
	}
	_, err := c.AddWorkdays(date.MustParse("2026-12-24"), 6)
	check("AddWorkdays(2026-12-24, 6)", err, 2027)
	_, err = c.AddWorkdays(date.MustParse("2026-12-31"), 1)
	check("AddWorkdays(2026-12-31, 1)", err, 2027)
	_, err = c.AddWorkdays(date.MustParse("2012-12-30"), 1)
	check("AddWorkdays(2012-12-30, 1)", err, 2012)
	_, err = c.AddWorkdays(date.MustParse("2013-06-01"), math.MaxInt)
	check("AddWorkdays(2013-06-01, math.MaxInt)", err, 2027)
	_, err = c.AddWorkdays(date.Max, 1)
	check("AddWorkdays(date.Max, 1)", err, 10000)
	if got := c.Citation(2027); got != "" {
		t.Errorf("Citation(2027) = %q, want empty", got)
	}
}

func TestAddWorkdaysCount(t *testing.T) {
	c := cal(t)
	for _, n := range []int{0, -1, -7} {
		if _, err := c.AddWorkdays(date.MustParse("2025-01-02"), n); !errors.Is(err, ErrCount) {
			t.Errorf("AddWorkdays(_, %d) error = %v, want ErrCount", n, err)
		}
	}
}

func TestCitation(t *testing.T) {
	c := cal(t)
	want := map[int]string{
		2013: "国务院办公厅关于2013年部分节假日安排的通知 (国办发明电〔2012〕33号, 2012-12-08)",
		2014: "国务院办公厅关于2014年部分节假日安排的通知 (国办发明电〔2013〕28号, 2013-12-11)",
		2015: "国务院办公厅关于2015年部分节假日安排的通知 (国办发明电〔2014〕28号, 2014-12-16); " +
			"国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知 (国发明电〔2015〕1号, 2015-05-13)",
		2016: "国务院办公厅关于2016年部分节假日安排的通知 (国办发明电〔2015〕18号, 2015-12-10)",
		2017: "国务院办公厅关于2017年部分节假日安排的通知 (国办发明电〔2016〕17号, 2016-12-01)",
		2018: "国务院办公厅关于2018年部分节假日安排的通知 (国办发明电〔2017〕12号, 2017-11-30)",
		2019: "国务院办公厅关于2019年部分节假日安排的通知 (国办发明电〔2018〕15号, 2018-12-04); " +
			"国务院办公厅关于调整2019年劳动节假期安排的通知 (国办发明电〔2019〕3号, 2019-03-22)",
		2020: "国务院办公厅关于2020年部分节假日安排的通知 (国办发明电〔2019〕16号, 2019-11-21); " +
			"国务院办公厅关于延长2020年春节假期的通知 (国办发明电〔2020〕1号, 2020-01-26)",
		2021: "国务院办公厅关于2021年部分节假日安排的通知 (国办发明电〔2020〕27号, 2020-11-25)",
		2022: "国务院办公厅关于2022年部分节假日安排的通知 (国办发明电〔2021〕11号, 2021-10-25)",
		2023: "国务院办公厅关于2023年部分节假日安排的通知 (国办发明电〔2022〕16号, 2022-12-08)",
		2024: "国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号, 2023-10-25)",
		2025: "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12)",
		2026: "国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, 2025-11-04)",
	}
	for y := 2013; y <= 2026; y++ {
		if got := c.Citation(y); got != want[y] {
			t.Errorf("Citation(%d) =\n  %s\nwant\n  %s", y, got, want[y])
		}
	}
}

// The number of working days in each year, counted from the data and
// matching the count from github.com/NateScarlet/holiday-cn: a tripwire
// for an accidental edit to cn.txt rather than a figure from the notices.
func TestWorkdaysPerYear(t *testing.T) {
	c := cal(t)
	want := map[int]int{
		2013: 250, 2014: 250, 2015: 249, 2016: 250, 2017: 249, 2018: 250, 2019: 250,
		2020: 249, 2021: 250, 2022: 249, 2023: 249, 2024: 251, 2025: 248, 2026: 248,
	}
	for y, w := range want {
		n := 0
		for d := date.MustOf(y, time.January, 1); d.Year() == y; d++ {
			ok, err := c.IsWorkday(d)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				n++
			}
		}
		if n != w {
			t.Errorf("%d has %d working days, want %d", y, n, w)
		}
	}
}

// A calendar whose data failed to load answers every question with the
// load error instead of panicking or guessing.
func TestFailedCalendar(t *testing.T) {
	loadErr := errors.New("bad data")
	c := &Calendar{err: loadErr}
	if _, err := c.IsWorkday(date.MustParse("2025-01-02")); !errors.Is(err, loadErr) {
		t.Errorf("IsWorkday error = %v", err)
	}
	if _, err := c.AddWorkdays(date.MustParse("2025-01-02"), 1); !errors.Is(err, loadErr) {
		t.Errorf("AddWorkdays error = %v", err)
	}
	if c.Covers(2025) || c.Citation(2025) != "" {
		t.Error("a failed calendar covers a year")
	}
	if f, l := c.Years(); f != 0 || l != 0 {
		t.Errorf("Years() = %d, %d", f, l)
	}
}
