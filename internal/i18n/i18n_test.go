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
// shows untranslated or loses a date or number. A variant is checked as
// its readers get it, overlaid on its base, and its own messages must be
// keys of English that differ from the base.
func TestCatalogueComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en := c.Keys(English)
	if len(en) < 100 {
		t.Fatalf("only %d English keys: is the catalogue loaded?", len(en))
	}
	for v, base := range Variants {
		if !slices.Contains(Choices, v) || !slices.Contains(Langs, base) {
			t.Errorf("variant %s of %s: not a choice, or its base is not a language", v, base)
		}
		for _, k := range c.Overrides(v) {
			got, _ := c.Message(v, k)
			if b, _ := c.Message(base, k); got == b {
				t.Errorf("%s %q is the same as in %s: leave it out of the overlay", v, k, base)
			}
			if !slices.Contains(en, k) {
				t.Errorf("%s overrides %q, which English does not have", v, k)
			}
		}
	}
	for _, l := range Choices[1:] {
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
		{KoreanKP, "2026년 9월 7일", "2026년 9월", "", ""},
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
		// Korean from the DPRK or China gets the northern variant.
		{"ko-KP", KoreanKP},
		{"ko-kp,ko;q=0.9", KoreanKP},
		{"ko-CN,zh-CN;q=0.8", KoreanKP},
		{"ko-Kore-KP", KoreanKP},
		{"zh-CN,ko-KP;q=0.5", Chinese},
		{"ko-KR,ko-KP;q=0.9", Korean},
		{"ko-KP;q=0.5,ko-KR", Korean},
		{"ko-Kore", Korean},
		{"en-KP", English},
	} {
		if got := Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want Lang
		ok   bool
	}{
		{"en", English, true}, {"zh", Chinese, true}, {"ko", Korean, true},
		{"ko-KP", KoreanKP, true}, {"ko-kp", KoreanKP, true},
		{"ko-CN", "", false}, {"fr", "", false}, {"", "", false},
	} {
		if got, ok := Parse(tc.s); got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tc.s, got, ok, tc.want, tc.ok)
		}
	}
}

// TestVariant: a variant's messages overlay its base's, key by key, and a
// variant with no files of its own is its base.
func TestVariant(t *testing.T) {
	fs := fstest.MapFS{
		"l/en/a.json":    {Data: []byte(`{"hi": "Hello", "pp": "Passport {n}", "x.one": "{n} item", "x.other": "{n} items"}`)},
		"l/zh/a.json":    {Data: []byte(`{"hi": "你好", "pp": "护照{n}", "x.one": "{n}项", "x.other": "{n}项"}`)},
		"l/ko/a.json":    {Data: []byte(`{"hi": "안녕하십니까", "pp": "여권 {n}", "x.one": "{n}개", "x.other": "{n}개"}`)},
		"l/ko-KP/a.json": {Data: []byte(`{"pp": "려권 {n}"}`)},
	}
	c, err := LoadFS(fs, "l")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Printer(KoreanKP)
	if p.Lang != KoreanKP || p.T("pp", "n", 7) != "려권 7" || p.T("hi") != "안녕하십니까" || p.N("x", 2) != "2개" {
		t.Errorf("ko-KP printer: %s, %q, %q, %q", p.Lang, p.T("pp", "n", 7), p.T("hi"), p.N("x", 2))
	}
	if got := c.Printer(Korean).T("pp", "n", 7); got != "여권 7" {
		t.Errorf("the overlay changed Korean: %q", got)
	}
	if m, ok := c.Message(KoreanKP, "hi"); !ok || m != "안녕하십니까" {
		t.Errorf("Message(ko-KP, hi) = %q, %v", m, ok)
	}
	if got := c.Overrides(KoreanKP); !slices.Equal(got, []string{"pp"}) {
		t.Errorf("Overrides(ko-KP) = %v", got)
	}
	if got := c.Keys(KoreanKP); !slices.Equal(got, c.Keys(Korean)) {
		t.Errorf("Keys(ko-KP) = %v, want Korean's", got)
	}
	if len(c.Overrides(Korean)) != 0 {
		t.Error("Korean is not a variant, yet has overrides")
	}
	delete(fs, "l/ko-KP/a.json")
	if c, err = LoadFS(fs, "l"); err != nil || c.Printer(KoreanKP).T("pp", "n", 1) != "여권 1" {
		t.Errorf("without its own files, ko-KP should be Korean: %v", err)
	}
	fs["l/ko-KP/a.json"] = &fstest.MapFile{Data: []byte(`{"pp": "려권 {n}"}`)}
	fs["l/ko-KP/b.json"] = &fstest.MapFile{Data: []byte(`{"pp": "려권"}`)}
	if _, err := LoadFS(fs, "l"); err == nil {
		t.Error("a key defined twice in ko-KP was accepted")
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
