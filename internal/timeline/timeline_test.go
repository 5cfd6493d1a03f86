package timeline

import (
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var english = Labels{
	Grant: "Grant", Trip: "Trips", Lawful: "Lawful", Pending: "Pending", Overstay: "Overstay", Absent: "Absent",
	Today: "Today", FilingWindow: "Filing window", Extension: "Extension", Granted: "granted", Refused: "refused",
	PendingDecision: "pending decision", Planned: "Planned", Violation: "Breaks a rule",
	Title: "Stay timeline", Summary: "The person's grants, trips and legal state day by day.",
}

func registry(t testing.TB) *packs.Registry {
	t.Helper()
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatalf("packs.Embedded: %v", err)
	}
	return reg
}

func prepare(t testing.TB, h *stay.History) *stay.Case {
	t.Helper()
	c, err := stay.Prepare(h, registry(t).Lookup)
	if err != nil {
		t.Fatalf("Prepare(%s): %v", h, err)
	}
	return c
}

var dt = date.MustParse

// familyVisit is a 60-day family visit under the reported practice, extended
// twice: by three months, then by two.
func familyVisit() *stay.History {
	return &stay.History{
		AsOf:   dt("2026-08-15"),
		Grants: []stay.Grant{{ID: "visit", Rule: "cn-family-visit-2019-report"}},
		Trips:  []stay.Trip{{Entry: dt("2026-03-01")}},
		Extensions: []stay.Extension{
			{Filed: dt("2026-04-20"), RequestedMonths: 3, Outcome: stay.Granted, Decided: dt("2026-04-25"), GrantedMonths: 3},
			{Filed: dt("2026-07-20"), RequestedMonths: 3, Outcome: stay.Granted, Decided: dt("2026-07-27"), GrantedMonths: 2},
		},
	}
}

// refusedOverstay is a 30-day statutory stay whose timely extension was
// refused: lawful through the decision, an overstay from the day after.
func refusedOverstay() *stay.History {
	return &stay.History{
		AsOf:   dt("2026-03-06"),
		Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 30, ValidUntil: dt("2026-06-30")}},
		Trips:  []stay.Trip{{Entry: dt("2026-01-10")}},
		Extensions: []stay.Extension{
			{Filed: dt("2026-01-30"), RequestedDays: 30, Outcome: stay.Refused, Decided: dt("2026-02-20")},
		},
	}
}

// schengen is examples/schengen.yaml: two trips, then a planned one that
// breaks 90/180 in January.
func schengen() *stay.History {
	return &stay.History{
		AsOf:   dt("2026-11-26"),
		Grants: []stay.Grant{{ID: "visa-free", Rule: "schengen-short-stay"}},
		Trips: []stay.Trip{
			{Entry: dt("2026-06-10"), Exit: dt("2026-07-20")},
			{Entry: dt("2026-09-01"), Exit: dt("2026-10-15")},
			{Entry: dt("2026-12-20"), Exit: dt("2027-02-20")},
		},
	}
}

// noTrips is a visa issued but not yet used.
func noTrips() *stay.History {
	return &stay.History{
		AsOf:   dt("2026-11-10"),
		Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 60, ValidFrom: dt("2026-10-01"), ValidUntil: dt("2027-03-31")}},
	}
}

type goldenCase struct {
	name string
	h    func() *stay.History
	plan func(t *testing.T, h *stay.History) *stay.Plan
}

var goldens = []goldenCase{
	{name: "family-visit-extended", h: familyVisit},
	{name: "refused-overstay", h: refusedOverstay},
	{name: "schengen-planned-breach", h: schengen, plan: func(t *testing.T, h *stay.History) *stay.Plan {
		pl, err := stay.PlanEntry(h, registry(t).Lookup, dt("2027-04-10"), "")
		if err != nil {
			t.Fatalf("PlanEntry: %v", err)
		}
		return pl
	}},
	{name: "no-trips", h: noTrips},
}

func renderGolden(t *testing.T, g goldenCase) string {
	h := g.h()
	opt := Options{Today: h.AsOf, Labels: english}
	if g.plan != nil {
		opt.Plan = g.plan(t, h)
	}
	return render(prepare(t, h), opt, "tl")
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			got := renderGolden(t, g)
			path := filepath.Join("testdata", g.name+".svg")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("drawing differs from %s (run go test -update if the change is intended)\ngot:\n%s", path, got)
			}
		})
	}
}

// The goldens are only as good as what they show; these pin the facts each
// one is there for, so that an -update cannot quietly lose them.
func TestGoldenContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"family-visit-extended", []string{
			"<title>Lawful: 2026-03-01 – 2026-04-30 (61 days)</title>",
			"<title>Extension granted: 2026-04-25 → 2026-07-30</title>",
			"<title>Extension granted: 2026-07-27 → 2026-09-30</title>",
			"<title>Lawful → 2026-09-30</title>",
			"<title>Filing window: 2026-07-27 – 2026-09-23 (59 days)</title>",
			"<title>Today: 2026-08-15</title>",
		}},
		{"refused-overstay", []string{
			"<title>Extension refused: 2026-02-20 · Lawful → 2026-02-20</title>",
			"<title>Overstay: 2026-02-21 – 2026-03-06 (14 days)</title>",
			`class="band band-overstay band-future"`,
		}},
		{"schengen-planned-breach", []string{
			`<g class="violation"><title>Breaks a rule: 2027-02-03 (91 days) · sbc-art-6-90-180`,
			"<title>Planned · Trips: 2026-12-20 – 2027-02-20 (63 days)</title>",
			`class="plan"`,
		}},
		{"no-trips", []string{
			"<title>Grant q2 (cn-family-visit): 2026-10-01 – 2027-03-31</title>",
			"<title>Absent: 2026-09-24 – 2026-11-10 (48 days)</title>",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderGolden(t, golden(tc.name))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("drawing lacks %q", w)
				}
			}
		})
	}
}

func golden(name string) goldenCase {
	for _, g := range goldens {
		if g.name == name {
			return g
		}
	}
	panic("no golden " + name)
}

// checkSafe fails unless svg is well-formed XML with nothing a strict
// Content-Security-Policy would block or a browser would run.
func checkSafe(t *testing.T, svg string) {
	t.Helper()
	for _, bad := range []string{"<script", "style=", "<style", "javascript:"} {
		if strings.Contains(strings.ToLower(svg), bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	dec := xml.NewDecoder(strings.NewReader(svg))
	depth, roots := 0, 0
	var open []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("output is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if tok.Name.Local != "svg" {
					t.Errorf("root element is <%s>, want <svg>", tok.Name.Local)
				}
			}
			depth++
			open = append(open, tok.Name.Local)
			switch strings.ToLower(tok.Name.Local) {
			case "script", "style", "foreignobject", "a", "use", "image":
				t.Errorf("output has a <%s> element", tok.Name.Local)
			}
			for _, a := range tok.Attr {
				name := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(name, "on") || name == "style" || name == "href" {
					t.Errorf("<%s> has attribute %s=%q", tok.Name.Local, a.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			depth--
			open = open[:len(open)-1]
		case xml.CharData:
			// Words belong in text, title and desc; anything else is
			// stray markup that a browser would ignore or show.
			if len(open) > 0 && strings.TrimSpace(string(tok)) != "" {
				switch open[len(open)-1] {
				case "text", "title", "desc":
				default:
					t.Errorf("stray text %q inside <%s>", tok, open[len(open)-1])
				}
			}
		}
	}
	if roots != 1 {
		t.Errorf("output has %d root elements, want 1", roots)
	}
}

func TestSafeMarkup(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) { checkSafe(t, renderGolden(t, g)) })
	}
}

func TestEscapesUserStrings(t *testing.T) {
	hostile := []string{`<script>alert(1)</script>`, `"&'`, `]]><x onload="alert(1)">`, "\x00bad\xffutf8"}
	for _, s := range hostile {
		t.Run(s, func(t *testing.T) {
			h := &stay.History{
				AsOf: dt("2026-03-06"),
				Grants: []stay.Grant{
					{ID: s, Rule: "cn-family-visit", StayDays: 30},
					{ID: "other", Rule: "schengen-short-stay"},
				},
				Trips: []stay.Trip{{Entry: dt("2026-01-10"), Grant: s}},
			}
			lb := english
			lb.Grant, lb.Trip, lb.Overstay, lb.Today, lb.Title, lb.Summary = s, s, s, s, s, s
			opt := Options{Today: h.AsOf, Labels: lb,
				FormatDate: func(x date.Date) string { return s + x.String() },
				MonthLabel: func(int, time.Month) string { return s },
				FormatDays: func(n int) string { return strconv.Itoa(n) + s },
			}
			got := string(Render(prepare(t, h), opt))
			checkSafe(t, got)
			if strings.Contains(got, "<x") || strings.Contains(got, `="alert`) {
				t.Errorf("hostile string reached the markup unescaped:\n%s", got)
			}
			// The escaped text must still say what it said: the title reads
			// back as the label given.
			var root struct {
				Title string `xml:"title"`
			}
			if err := xml.Unmarshal([]byte(got), &root); err != nil {
				t.Fatal(err)
			}
			if want := strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD"); root.Title != want {
				t.Errorf("title reads back as %q, want %q", root.Title, want)
			}
		})
	}
}

func TestIDsAreUniquePerRender(t *testing.T) {
	c := prepare(t, familyVisit())
	opt := Options{Today: dt("2026-08-15"), Labels: english}
	a, b := string(Render(c, opt)), string(Render(c, opt))
	ida, idb := rootAttr(t, a, "aria-labelledby"), rootAttr(t, b, "aria-labelledby")
	if ida == idb {
		t.Fatalf("two renders share aria-labelledby %q", ida)
	}
	for _, svg := range []string{a, b} {
		ids := strings.Fields(rootAttr(t, svg, "aria-labelledby"))
		if len(ids) != 2 {
			t.Fatalf("aria-labelledby names %d ids, want the title and the description", len(ids))
		}
		for _, id := range ids {
			if !strings.Contains(svg, `id="`+id+`"`) {
				t.Errorf("aria-labelledby names %q, which no element has", id)
			}
		}
		if rootAttr(t, svg, "role") != "img" {
			t.Errorf("role is not img")
		}
	}
	if strings.Contains(b, strings.Fields(ida)[0]) {
		t.Errorf("second render mentions the first render's id %q", ida)
	}
}

func rootAttr(t *testing.T, svg, name string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no root element: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
	}
}

func visible(t *testing.T, svg string) span {
	t.Helper()
	return span{dt(rootAttr(t, svg, "data-from")), dt(rootAttr(t, svg, "data-to"))}
}

func TestRange(t *testing.T) {
	for _, tc := range []struct {
		name     string
		h        *stay.History
		today    date.Date
		from, to string
	}{
		{
			// A week before the entry, and AheadDays after today, which is
			// later than a week after the authorised end.
			name: "short stay", h: &stay.History{
				Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 30}},
				Trips:  []stay.Trip{{Entry: dt("2026-01-10")}},
			},
			today: dt("2026-01-20"), from: "2026-01-03", to: "2026-03-21",
		},
		{
			// The grant's validity began earlier than the first trip.
			name: "valid from first", h: &stay.History{
				Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 30, ValidFrom: dt("2025-12-01")}},
				Trips:  []stay.Trip{{Entry: dt("2026-01-10"), Exit: dt("2026-01-20")}},
			},
			today: dt("2026-01-25"), from: "2025-11-24", to: "2026-03-26",
		},
		{
			// A planned exit far ahead reaches past AheadDays.
			name: "planned exit", h: &stay.History{
				Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: dt("2026-12-01")}},
				Trips:  []stay.Trip{{Entry: dt("2026-06-01"), Exit: dt("2026-11-30")}},
			},
			today: dt("2026-06-10"), from: "2026-05-25", to: "2026-12-08",
		},
		{
			// A ten-year visa: its first day is years back, so the last
			// MaxDays up to AheadDays after today show.
			name: "clamped past", h: &stay.History{
				Grants: []stay.Grant{{ID: "sv", Rule: "schengen-short-stay", ValidFrom: dt("2018-01-01")}},
				Trips:  []stay.Trip{{Entry: dt("2018-02-01"), Exit: dt("2018-02-10")}, {Entry: dt("2026-05-01"), Exit: dt("2026-05-10")}},
			},
			today: dt("2026-06-01"), from: date.MustParse("2026-07-31").AddDays(1 - MaxDays).String(), to: "2026-07-31",
		},
		{
			// Planned far ahead from a long past: today and AheadDays stay in
			// view, the far future is cut.
			name: "clamped both", h: &stay.History{
				Grants: []stay.Grant{{ID: "sv", Rule: "schengen-short-stay", ValidFrom: dt("2020-01-01")}},
				Trips:  []stay.Trip{{Entry: dt("2020-02-01"), Exit: dt("2020-02-10")}, {Entry: dt("2030-05-01"), Exit: dt("2030-05-10")}},
			},
			today: dt("2026-06-01"), from: date.MustParse("2026-07-31").AddDays(1 - MaxDays).String(), to: "2026-07-31",
		},
		{
			// Recent past, long planned future: the range keeps its start
			// and ends MaxDays later.
			name: "clamped future", h: &stay.History{
				Grants: []stay.Grant{{ID: "sv", Rule: "schengen-short-stay"}},
				Trips:  []stay.Trip{{Entry: dt("2026-05-01"), Exit: dt("2026-05-10")}, {Entry: dt("2031-05-01"), Exit: dt("2031-05-10")}},
			},
			today: dt("2026-06-01"), from: "2026-04-24", to: date.MustParse("2026-04-24").AddDays(MaxDays - 1).String(),
		},
		{
			name: "nothing dated", h: &stay.History{Grants: []stay.Grant{{ID: "sv", Rule: "schengen-short-stay"}}},
			today: dt("2026-06-01"), from: "2026-05-25", to: "2026-07-31",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svg := render(prepare(t, tc.h), Options{Today: tc.today, Labels: english}, "tl")
			got := visible(t, svg)
			if got.from.String() != tc.from || got.to.String() != tc.to {
				t.Errorf("range %s – %s, want %s – %s", got.from, got.to, tc.from, tc.to)
			}
			if n := got.days(); n > MaxDays {
				t.Errorf("range is %d days, more than %d", n, MaxDays)
			}
			if got.to < tc.today.AddDays(AheadDays) {
				t.Errorf("range ends %s, before %d days after today", got.to, AheadDays)
			}
			checkTiling(t, prepare(t, tc.h), svg, tc.today)
		})
	}
}

func TestTodayDefaultsToAsOf(t *testing.T) {
	h := familyVisit()
	c := prepare(t, h)
	got := render(c, Options{Labels: english}, "tl")
	want := render(c, Options{Today: h.AsOf, Labels: english}, "tl")
	if got != want {
		t.Errorf("with no Today, the drawing differs from one with Today = AsOf")
	}
	h.AsOf = 0
	got = render(prepare(t, h), Options{Labels: english}, "tl")
	checkSafe(t, got)
	if strings.Contains(got, `class="today"`) {
		t.Errorf("a drawing with no today has a today line")
	}
	// Nothing dated at all: no axis, but still a titled image.
	empty := &stay.History{Grants: []stay.Grant{{ID: "sv", Rule: "schengen-short-stay"}}}
	got = render(prepare(t, empty), Options{Labels: english}, "tl")
	checkSafe(t, got)
	if !strings.Contains(got, `<title id="tl-title">Stay timeline</title>`) {
		t.Errorf("an undated drawing lacks its title:\n%s", got)
	}
}

func TestLocalisedWords(t *testing.T) {
	lb := Labels{Grant: "签证", Trip: "行程", Lawful: "合法", Pending: "待定", Overstay: "逾期", Absent: "不在境内",
		Today: "今天", FilingWindow: "申请期", Extension: "延期", Granted: "批准", Refused: "拒绝",
		PendingDecision: "待决", Planned: "计划", Violation: "违规", Title: "时间线", Summary: "概要"}
	opt := Options{Today: dt("2026-03-06"), Labels: lb,
		FormatDate: func(x date.Date) string {
			y, m, dd := x.YMD()
			return strconv.Itoa(y) + "年" + strconv.Itoa(int(m)) + "月" + strconv.Itoa(dd) + "日"
		},
		MonthLabel: func(y int, m time.Month) string { return strconv.Itoa(int(m)) + "月" },
		FormatDays: func(n int) string { return strconv.Itoa(n) + "天" },
	}
	got := render(prepare(t, refusedOverstay()), opt, "tl")
	checkSafe(t, got)
	for _, w := range []string{"<title>逾期: 2026年2月21日 – 2026年3月6日 (14天)</title>", ">3月</text>", "今天 2026年3月6日"} {
		if !strings.Contains(got, w) {
			t.Errorf("drawing lacks %q", w)
		}
	}
	if strings.Contains(got, " days)") || strings.Contains(got, "Mar 2026") {
		t.Errorf("English words leak into a localised drawing")
	}
}
