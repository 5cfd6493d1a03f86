package stay

import (
	"fmt"
	"slices"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

var d = date.MustParse

func testRule(id string) rules.Rule { return rules.Rule{ID: id, Citation: "test"} }

// usLike is the shape of the us-visitor pack: admit-until stays, I-539
// extensions with a paper-filing rollover, pending protection, and bars by
// days of one stay or of all stays.
func usLike(basis string) *rules.Pack {
	three := 3
	return &rules.Pack{ID: "us", Jurisdiction: "US", Source: "law",
		Stay: &rules.Stay{Rule: testRule("i94"), Unit: rules.UnitAdmitUntil},
		Extension: &rules.Extension{Rule: testRule("i539"), MaxLength: rules.Length{Months: 6}, EndOfMonth: rules.EOM(date.Clamp),
			Rollover: &rules.Rollover{Rule: testRule("roll"), Calendar: "us-federal", Filing: "paper", From: d("2023-03-29")},
			Pending:  &rules.Rule{ID: "pending", Citation: "test"},
			Refusal:  &rules.Refusal{Rule: testRule("denied"), LawfulThrough: rules.LawfulThroughDecision, Retroactive: []string{"frivolous", "unauthorized_work"}}},
		Overstay: &rules.Overstay{Rule: testRule("up"), Bars: []rules.Bar{
			{Rule: testRule("3y"), Basis: basis, MinDays: 181, MaxDays: 364, Years: 3, ExcludeUnderAge: 18, CountFrom: d("1997-04-01")},
			{Rule: testRule("10y"), Basis: basis, MinDays: 365, Years: 10, YearsMin: &three, ExcludeUnderAge: 18, CountFrom: d("1997-04-01")},
		}},
	}
}

func mustPrepare(t *testing.T, h *History, packs ...*rules.Pack) *Case {
	t.Helper()
	c, err := Prepare(h, func(id string) (*rules.Pack, bool) {
		i := slices.IndexFunc(packs, func(p *rules.Pack) bool { return p.ID == id })
		if i < 0 {
			return nil, false
		}
		return packs[i], true
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bars(ev *Evaluation) []string {
	var out []string
	for _, c := range ev.Consequences {
		if c.Kind == KindReentryBar {
			out = append(out, c.Rule+" "+c.From.String()+" "+c.Until.String())
		}
	}
	return out
}

func TestEngineCases(t *testing.T) {
	tests := []struct {
		name  string
		pack  *rules.Pack
		h     History
		asOf  string
		state State
		until string // authorized_until, "" for null
		over  int
		bars  []string
	}{
		{
			// INA 212(a)(9)(B)(i)(I): days are counted per stay; two stays of
			// 100 days bring no per-stay bar.
			name: "per-stay bars do not add stays up", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2020-01-10")}, {ID: "b", Rule: "us", AdmitUntil: d("2021-01-10")}},
				Trips: []Trip{{Entry: d("2019-12-01"), Exit: d("2020-04-19"), Grant: "a"}, {Entry: d("2020-12-01"), Exit: d("2021-04-20"), Grant: "b"}}},
			asOf: "2021-06-01", state: StateAbsent, over: 200,
		},
		{
			// A cumulative pack adds them: 200 days, band 181–364.
			name: "cumulative bars add stays up", pack: usLike(rules.Cumulative),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2020-01-10")}, {ID: "b", Rule: "us", AdmitUntil: d("2021-01-10")}},
				Trips: []Trip{{Entry: d("2019-12-01"), Exit: d("2020-04-19"), Grant: "a"}, {Entry: d("2020-12-01"), Exit: d("2021-04-20"), Grant: "b"}}},
			asOf: "2021-06-01", state: StateAbsent, over: 200, bars: []string{"3y 2021-04-20 2024-04-20"},
		},
		{
			// INA 212(a)(9)(B)(iii)(I): 300 days over, of which 150 after the
			// 18th birthday (2020-06-01): no bar.
			name: "days under 18 are left out", pack: usLike(rules.PerStay),
			h: History{Person: &Person{Born: d("2002-06-01")}, Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2020-01-03")}},
				Trips: []Trip{{Entry: d("2019-10-01"), Exit: d("2020-10-28")}}},
			asOf: "2021-01-01", state: StateAbsent, over: 299,
		},
		{
			// The 10-year band runs from 365 days; years_min makes a range.
			name: "ten-year band", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2019-12-31")}},
				Trips: []Trip{{Entry: d("2019-06-01"), Exit: d("2020-12-30")}}},
			asOf: "2021-01-01", state: StateAbsent, over: 365, bars: []string{"10y 2020-12-30 2030-12-30"},
		},
		{
			// A timely application denied as frivolous loses its protection back
			// to the I-94 date (AFM 40.9.2(b)(3)).
			name: "frivolous denial is retroactive", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2024-03-01")}},
				Trips:      []Trip{{Entry: d("2023-09-01")}},
				Extensions: []Extension{{Filed: d("2024-02-20"), Outcome: Refused, Decided: d("2024-04-01"), RefusalReason: "frivolous"}}},
			asOf: "2024-04-10", state: StateOverstay, until: "2024-03-01", over: 40,
		},
		{
			// Any other denial: lawful through the day of the decision.
			name: "ordinary denial counts from the decision", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2024-03-01")}},
				Trips:      []Trip{{Entry: d("2023-09-01")}},
				Extensions: []Extension{{Filed: d("2024-02-20"), Outcome: Refused, Decided: d("2024-04-01")}}},
			asOf: "2024-04-10", state: StateOverstay, until: "2024-04-01", over: 9,
		},
		{
			// 2024-11-28 was Thanksgiving: a paper filing due then is timely on
			// Friday 2024-11-29 (USCIS, 2023-03-29 update; 5 U.S.C. 6103).
			name: "paper filing rolls over a federal holiday", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2024-11-28")}},
				Trips:      []Trip{{Entry: d("2024-06-01")}},
				Extensions: []Extension{{Filed: d("2024-11-29"), Outcome: Pending, Filing: Paper}}},
			asOf: "2024-12-15", state: StatePending, until: "2024-11-28", over: 0,
		},
		{
			name: "a granted extension is retroactive to the old expiry", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2024-03-01")}},
				Trips:      []Trip{{Entry: d("2023-09-01")}},
				Extensions: []Extension{{Filed: d("2024-02-01"), Outcome: Granted, Decided: d("2024-05-01"), GrantedMonths: 6}}},
			asOf: "2024-05-02", state: StateLawful, until: "2024-09-01", over: 0,
		},
		{
			// Before the decision, the same case was pending.
			name: "the same case before the decision", pack: usLike(rules.PerStay),
			h: History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2024-03-01")}},
				Trips:      []Trip{{Entry: d("2023-09-01")}},
				Extensions: []Extension{{Filed: d("2024-02-01"), Outcome: Granted, Decided: d("2024-05-01"), GrantedMonths: 6}}},
			asOf: "2024-04-30", state: StatePending, until: "2024-03-01", over: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustPrepare(t, &tt.h, tt.pack)
			ev := c.Evaluate(d(tt.asOf))
			if ev.State != tt.state || ev.AuthorizedUntil.String() != tt.until || ev.OverstayDays != tt.over {
				t.Errorf("got %s until %q over %d; want %s until %q over %d", ev.State, ev.AuthorizedUntil, ev.OverstayDays, tt.state, tt.until, tt.over)
			}
			if got := bars(ev); !slices.Equal(got, tt.bars) {
				t.Errorf("bars = %q, want %q", got, tt.bars)
			}
		})
	}
}

func TestStayPrimitives(t *testing.T) {
	months := func(eom date.EndOfMonth, entryCounts bool) *rules.Pack {
		return &rules.Pack{ID: "m", Jurisdiction: "M", Source: "law",
			Stay:    &rules.Stay{Rule: testRule("s"), Unit: rules.UnitMonths, Length: 1, EndOfMonth: rules.EOM(eom), EntryDayCounts: entryCounts, EndsByValidity: true},
			Entries: &rules.Entries{Rule: testRule("e"), Default: 2}}
	}
	tests := []struct {
		name  string
		pack  *rules.Pack
		grant Grant
		trips []Trip
		asOf  string
		state State
		until string
	}{
		{"one month from 31 January, clamped", months(date.Clamp, false), Grant{}, []Trip{{Entry: d("2025-01-31")}}, "2025-02-01", StateLawful, "2025-02-28"},
		{"one month from 31 January, next day", months(date.NextDay, false), Grant{}, []Trip{{Entry: d("2025-01-31")}}, "2025-02-01", StateLawful, "2025-03-01"},
		{"entry day counts", months(date.Clamp, true), Grant{}, []Trip{{Entry: d("2025-01-10")}}, "2025-02-01", StateLawful, "2025-02-09"},
		{"the stay ends with the grant", months(date.Clamp, false), Grant{ValidUntil: d("2025-02-05")}, []Trip{{Entry: d("2025-01-10")}}, "2025-02-01", StateLawful, "2025-02-05"},
		{"a third entry on a two-entry grant", months(date.Clamp, false), Grant{},
			[]Trip{{Entry: d("2025-01-01"), Exit: d("2025-01-02")}, {Entry: d("2025-02-01"), Exit: d("2025-02-02")}, {Entry: d("2025-03-01")}},
			"2025-03-03", StateOverstay, ""},
		{"entry before the grant is valid", months(date.Clamp, false), Grant{ValidFrom: d("2025-01-05")}, []Trip{{Entry: d("2025-01-01")}}, "2025-01-02", StateOverstay, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.grant
			g.ID, g.Rule = "g", "m"
			c := mustPrepare(t, &History{Grants: []Grant{g}, Trips: tt.trips}, tt.pack)
			ev := c.Evaluate(d(tt.asOf))
			if ev.State != tt.state || ev.AuthorizedUntil.String() != tt.until {
				t.Errorf("got %s until %q, want %s until %q", ev.State, ev.AuthorizedUntil, tt.state, tt.until)
			}
		})
	}
}

func TestUSFederalHolidays(t *testing.T) {
	// 5 U.S.C. 6103 and OPM's observed dates.
	for _, s := range []string{"2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25",
		"2021-12-31", "2022-12-26", "2023-06-19", "2026-07-03"} {
		if !usFederalHoliday(d(s)) {
			t.Errorf("%s is a federal holiday (as observed)", s)
		}
	}
	for _, s := range []string{"2024-06-18", "2020-06-19", "2024-11-29", "2024-03-29", "2026-07-04"} {
		if usFederalHoliday(d(s)) {
			t.Errorf("%s is not a federal holiday", s)
		}
	}
	if got := nextBusinessDay(d("2024-11-28")); got != d("2024-11-29") {
		t.Errorf("next business day after Thanksgiving 2024 = %s", got)
	}
	if got := nextBusinessDay(d("2024-06-15")); got != d("2024-06-17") {
		t.Errorf("next business day from Saturday 2024-06-15 = %s", got)
	}
}

func TestExplainsRequestsOutsideTheLimits(t *testing.T) {
	p := &rules.Pack{ID: "r", Jurisdiction: "R", Source: "law",
		Stay: &rules.Stay{Rule: testRule("s"), Unit: rules.UnitDays, Length: 60},
		Extension: &rules.Extension{Rule: testRule("x"), MinLength: rules.Length{Months: 1}, MaxLength: rules.Length{Months: 3},
			EndOfMonth: rules.EOM(date.Clamp), Pending: &rules.Rule{ID: "p", Citation: "test"}}}
	for _, tt := range []struct {
		ext  Extension
		want int // -1 too short, +1 too long, 0 within
	}{
		{Extension{Filed: d("2025-02-01"), RequestedMonths: 4, Outcome: Pending}, 1},
		{Extension{Filed: d("2025-02-01"), RequestedDays: 20, Outcome: Pending}, -1},
		{Extension{Filed: d("2025-02-01"), RequestedDays: 45, Outcome: Pending}, 0},
		{Extension{Filed: d("2025-02-01"), RequestedMonths: 3, Outcome: Pending}, 0},
		{Extension{Filed: d("2025-02-01"), RequestedDays: 95, Outcome: Pending}, 1},
	} {
		c := mustPrepare(t, &History{Grants: []Grant{{ID: "g", Rule: "r"}}, Trips: []Trip{{Entry: d("2025-01-01")}}, Extensions: []Extension{tt.ext}}, p)
		ev := c.Evaluate(d("2025-02-10"))
		i := slices.IndexFunc(ev.Explanation, func(s Step) bool { return s.Kind == StepExtLength })
		switch {
		case tt.want == 0 && i >= 0:
			t.Errorf("%+v: unexpected step %q", tt.ext, ev.Explanation[i].Sentence())
		case tt.want != 0 && (i < 0 || ev.Explanation[i].N1 != tt.want):
			t.Errorf("%+v: want a length step %d, got %v", tt.ext, tt.want, ev.Explanation)
		}
	}
}

// Regressions found in review.
func TestReviewRegressions(t *testing.T) {
	schengen := &rules.Pack{ID: "sch", Jurisdiction: "S", Area: "Schengen", Source: "law",
		Window: &rules.Window{Rule: testRule("w"), Length: 180, Limit: 90}}
	uk := &rules.Pack{ID: "uk", Jurisdiction: "UK", Source: "law",
		Stay: &rules.Stay{Rule: testRule("s"), Unit: rules.UnitMonths, Length: 6, EntryDayCounts: true, EndOfMonth: rules.EOM(date.Clamp)}}

	t.Run("a late pending application leaves an on-time one's protection", func(t *testing.T) {
		c := mustPrepare(t, &History{Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2023-11-20")}},
			Trips: []Trip{{Entry: d("2023-05-21")}},
			Extensions: []Extension{
				{Filed: d("2023-11-01"), Outcome: Pending},
				{Filed: d("2024-01-10"), Outcome: Pending},
			}}, usLike(rules.PerStay))
		ev := c.Evaluate(d("2024-01-15"))
		if ev.State != StatePending || ev.OverstayDays != 0 {
			t.Errorf("got %s with %d overstay days, want pending with 0", ev.State, ev.OverstayDays)
		}
	})

	t.Run("days under 18 push back the last day to leave before a bar", func(t *testing.T) {
		c := mustPrepare(t, &History{Person: &Person{Born: d("2008-01-01")},
			Grants: []Grant{{ID: "a", Rule: "us", AdmitUntil: d("2025-05-31")}},
			Trips:  []Trip{{Entry: d("2025-01-10")}}}, usLike(rules.PerStay))
		for _, on := range []string{"2025-07-01", "2025-07-02", "2026-02-01"} {
			ev := c.Evaluate(d(on))
			i := slices.IndexFunc(ev.Deadlines, func(dl Deadline) bool { return dl.Kind == LeaveToAvoidBar })
			// Counting starts on the 18th birthday, 2026-01-01; the 180th
			// counted day is 2026-06-29.
			if i < 0 || ev.Deadlines[i].Date != d("2026-06-29") {
				t.Errorf("on %s: deadlines %v, want leave_to_avoid_bar on 2026-06-29", on, ev.Deadlines)
			}
		}
	})

	t.Run("moving to another area on the exit day keeps that day in both", func(t *testing.T) {
		c := mustPrepare(t, &History{Grants: []Grant{{ID: "s", Rule: "sch"}, {ID: "u", Rule: "uk"}},
			Trips: []Trip{{Entry: d("2025-01-01"), Exit: d("2025-04-01"), Grant: "s"}, {Entry: d("2025-04-01"), Grant: "u"}}}, schengen, uk)
		// 2025-04-01 is the 91st Schengen day: unlawful there (Art. 6(2): the exit day counts).
		if ev := c.Evaluate(d("2025-04-10")); ev.OverstayDays != 1 {
			t.Errorf("overstay days %d, want 1", ev.OverstayDays)
		}
	})
}

func TestPlanReviewRegressions(t *testing.T) {
	sch := &rules.Pack{ID: "sch", Jurisdiction: "S", Source: "law",
		Window: &rules.Window{Rule: testRule("w"), Length: 180, Limit: 90}}
	lookup := func(id string) (*rules.Pack, bool) { return sch, id == "sch" }
	t.Run("a grant not yet valid on a full window", func(t *testing.T) {
		h := &History{Grants: []Grant{{ID: "v1", Rule: "sch"}, {ID: "v2", Rule: "sch", ValidFrom: d("2025-04-10")}},
			Trips: []Trip{{Entry: d("2025-01-01"), Exit: d("2025-03-31"), Grant: "v1"}}}
		pl, err := PlanEntry(h, lookup, d("2025-04-05"), "v2")
		if err != nil {
			t.Fatal(err)
		}
		// 90 days used 01-01..03-31: a stay is possible again once 01-01
		// leaves the window, on 06-30, for 90 days.
		if pl.MaxStayDays != 0 || pl.EarliestEntry != d("2025-06-30") || pl.EarliestStayDays != 90 {
			t.Errorf("plan = %v, want earliest 2025-06-30 for 90 days", pl)
		}
	})
	t.Run("the default grant is the latest trip's, whatever the order", func(t *testing.T) {
		h := &History{Grants: []Grant{{ID: "old", Rule: "sch", ValidUntil: d("2024-06-30")}, {ID: "new", Rule: "sch"}},
			Trips: []Trip{{Entry: d("2024-10-01"), Exit: d("2024-10-05"), Grant: "new"}, {Entry: d("2024-01-01"), Exit: d("2024-01-05"), Grant: "old"}}}
		pl, err := PlanEntry(h, lookup, d("2024-12-01"), "")
		if err != nil {
			t.Fatal(err)
		}
		if pl.Grant != "new" || pl.MaxStayDays == 0 {
			t.Errorf("plan = %+v, want grant new", pl)
		}
	})
}

// TestTripOrderDoesNotMatter: the same trips in any order give the same
// answer, ties on the entry day included.
func TestTripOrderDoesNotMatter(t *testing.T) {
	p := &rules.Pack{ID: "sch", Jurisdiction: "S", Source: "law", Window: &rules.Window{Rule: testRule("w"), Length: 180, Limit: 90}}
	a := []Trip{{Entry: d("2026-10-05"), Exit: d("2026-10-05")}, {Entry: d("2026-10-05"), Exit: d("2026-10-10")}}
	b := []Trip{a[1], a[0]}
	var got []string
	for _, trips := range [][]Trip{a, b} {
		c := mustPrepare(t, &History{Grants: []Grant{{ID: "g", Rule: "sch"}}, Trips: trips}, p)
		ev := c.Evaluate(d("2026-10-20"))
		got = append(got, fmt.Sprintf("%s %d", ev.State, ev.Window.Used))
	}
	if got[0] != got[1] || got[0] != "absent 6" {
		t.Errorf("answers %q, want both \"absent 6\"", got)
	}
}
