package i18n

import (
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"visaclock/internal/date"
)

// TestCatalogueComplete: every language has every key of every other, and
// each translation keeps the message's placeholders, so that nothing
// shows untranslated or loses a date or number.
func TestCatalogueComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en := c.Keys(English)
	if len(en) < 100 {
		t.Fatalf("only %d English keys: is the catalogue loaded?", len(en))
	}
	for _, l := range Langs[1:] {
		keys := c.Keys(l)
		for _, k := range en {
			if !slices.Contains(keys, k) {
				t.Errorf("%s lacks %q", l, k)
			}
		}
		for _, k := range keys {
			if !slices.Contains(en, k) {
				t.Errorf("%s has %q, which English does not", l, k)
			}
		}
		for _, k := range en {
			want, _ := c.Message(English, k)
			got, ok := c.Message(l, k)
			if !ok {
				continue
			}
			wantPH, gotPH := Placeholders(want), Placeholders(got)
			// A date pattern may write the month as a name ({mon}) or a
			// number ({m}): Chinese and Korean use numbers.
			if k == "format.date" || k == "format.month" {
				month := func(p string) bool { return p == "{mon}" || p == "{m}" }
				if !slices.ContainsFunc(gotPH, month) {
					t.Errorf("%s %q has no month", l, k)
				}
				wantPH = slices.DeleteFunc(wantPH, month)
				gotPH = slices.DeleteFunc(gotPH, month)
			}
			if !slices.Equal(wantPH, gotPH) {
				t.Errorf("%s %q uses %v, English uses %v", l, k, gotPH, wantPH)
			}
			if got == "" && k != "format.sentence_sep" { // Chinese joins sentences with nothing
				t.Errorf("%s %q is empty", l, k)
			}
		}
	}
}

// TestDates is the date format of each language, from the catalogue.
func TestDates(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	d := date.MustParse("2026-09-07")
	for _, tc := range []struct {
		l          Lang
		date, mon  string
		dayOne, n3 string
	}{
		{English, "7 Sep 2026", "Sep 2026", "1 day", "3 days"},
		{Chinese, "2026年9月7日", "2026年9月", "", ""},
		{Korean, "2026년 9월 7일", "2026년 9월", "", ""},
	} {
		p := c.Printer(tc.l)
		if got := p.Date(d); got != tc.date {
			t.Errorf("%s: Date = %q, want %q", tc.l, got, tc.date)
		}
		if got := p.Month(2026, time.September); got != tc.mon {
			t.Errorf("%s: Month = %q, want %q", tc.l, got, tc.mon)
		}
		if tc.dayOne != "" {
			if got := p.N("days", 1); got != tc.dayOne {
				t.Errorf("%s: N(days, 1) = %q, want %q", tc.l, got, tc.dayOne)
			}
			if got := p.N("days", 3); got != tc.n3 {
				t.Errorf("%s: N(days, 3) = %q, want %q", tc.l, got, tc.n3)
			}
		}
		if p.Date(0) != "" {
			t.Errorf("%s: no date should render as nothing", tc.l)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Lang
	}{
		{"", English},
		{"zh-CN,zh;q=0.9,en;q=0.8", Chinese},
		{"ko-KR,ko;q=0.9", Korean},
		{"fr-FR,fr;q=0.9", English},
		{"fr;q=0.9, ko;q=0.5, zh;q=0.7", Chinese},
		{"en;q=0, ko", Korean},
		{"zh-Hant-TW", Chinese},
		{"ko;q=abc, zh;q=0.2", Chinese},
		{"*", English},
	} {
		if got := Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestPrinter(t *testing.T) {
	fs := fstest.MapFS{
		"l/en/a.json": {Data: []byte(`{"hi": "Hello {name}, {n} left", "x.one": "{n} item", "x.other": "{n} items"}`)},
		"l/zh/a.json": {Data: []byte(`{"hi": "{name}你好，剩{n}", "x.one": "{n} 项", "x.other": "{n} 项"}`)},
		"l/ko/a.json": {Data: []byte(`{"hi": "{name}님, {n} 남음", "x.one": "{n}개", "x.other": "{n}개"}`)},
	}
	c, err := LoadFS(fs, "l")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Printer(English).T("hi", "name", "Ann", "n", 3); got != "Hello Ann, 3 left" {
		t.Errorf("T = %q", got)
	}
	if got := c.Printer(Korean).N("x", 1); got != "1개" {
		t.Errorf("N = %q", got)
	}
	if got := c.Printer(English).T("missing"); got != "[missing]" {
		t.Errorf("a missing key renders %q, want it visible", got)
	}
	if got := c.Printer("fr").Lang; got != English {
		t.Errorf("an unknown language prints in %s", got)
	}
	fs["l/en/b.json"] = &fstest.MapFile{Data: []byte(`{"hi": "again"}`)}
	if _, err := LoadFS(fs, "l"); err == nil {
		t.Error("a key defined twice was accepted")
	}
}
