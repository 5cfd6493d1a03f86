package stay_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

var dt = date.MustParse

func embedded(t *testing.T) *packs.Registry {
	t.Helper()
	r, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// action is a next action as a test states it: kind, date (or "" for
// none) and condition, and for bars the years avoided and already due.
type action struct {
	kind, date, cond string
	bar, barNow      int
}

func (a action) String() string {
	return fmt.Sprintf("%s %s %s bar=%d now=%d", a.kind, a.date, a.cond, a.bar, a.barNow)
}

func actionsOf(ev *stay.Evaluation) []action {
	var out []action
	for _, a := range ev.NextActions {
		d := ""
		if a.Date != 0 {
			d = a.Date.String()
		}
		out = append(out, action{a.Kind, d, a.Condition, a.BarYears, a.BarYearsNow})
	}
	return out
}

// TestAdvice checks the answers a person acts on, each against the source
// that fixes it: the last lawful day, the deadlines with their conditions,
// and the next actions in order.
func TestAdvice(t *testing.T) {
	reg := embedded(t)
	schengenVisa := func(from, until string, days int) stay.Grant {
		return stay.Grant{ID: "c", Rule: "schengen-short-stay", ValidFrom: dt(from), ValidUntil: dt(until), StayDays: days}
	}
	q2 := []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 30}}
	tests := []struct {
		name, source string
		h            stay.History
		state        stay.State
		until        string // authorised until; "" for none
		deadlines    []string
		actions      []action
	}{
		{
			name:   "a Schengen visa's printed duration ends the stay, counting entry and exit days",
			source: "Regulation (EU) 2016/399 Art. 6(1)(b) (a valid visa) and 6(2) (entry and exit days count); Visa Code 810/2009 Art. 24(1): 15 days from 10 March are 10–24 March",
			h:      stay.History{AsOf: dt("2025-03-20"), Grants: []stay.Grant{schengenVisa("2025-03-01", "2025-04-30", 15)}, Trips: []stay.Trip{{Entry: dt("2025-03-10")}}},
			state:  stay.StateLawful, until: "2025-03-24",
			deadlines: []string{"must_leave_by 2025-03-24"},
			actions:   []action{{kind: "leave_by", date: "2025-03-24"}},
		},
		{
			name:   "the day after a Schengen visa's duration is an overstay, though 90/180 has room",
			source: "Regulation (EU) 2016/399 Art. 6(1) chapeau and 6(1)(b); Return Directive 2008/115/EC Art. 3(2) (illegal stay)",
			h:      stay.History{AsOf: dt("2025-03-26"), Grants: []stay.Grant{schengenVisa("2025-03-01", "2025-04-30", 15)}, Trips: []stay.Trip{{Entry: dt("2025-03-10")}}},
			state:  stay.StateOverstay, until: "2025-03-24",
			actions: []action{{kind: "leave_now"}, {kind: "seek_legal_advice"}},
		},
		{
			name:   "a Schengen visa's validity ends the stay before its duration does",
			source: "Visa Code 810/2009 Art. 24(1): the period of validity and the length of stay; presence after the validity is not on a valid visa (Regulation 2016/399 Art. 6(1)(b))",
			h:      stay.History{AsOf: dt("2025-03-12"), Grants: []stay.Grant{schengenVisa("2025-03-01", "2025-03-15", 15)}, Trips: []stay.Trip{{Entry: dt("2025-03-10")}}},
			state:  stay.StateLawful, until: "2025-03-15",
			deadlines: []string{"must_leave_by 2025-03-15"},
		},
		{
			name:   "a multiple-entry visa's duration is counted over all its entries",
			source: "Visa Code 810/2009 Art. 24(1) (duration of stay over the visa's validity); 4 days used 1–4 March leave 6 of 10: 20–25 March",
			h: stay.History{AsOf: dt("2025-03-21"), Grants: []stay.Grant{schengenVisa("2025-03-01", "2025-05-31", 10)},
				Trips: []stay.Trip{{Entry: dt("2025-03-01"), Exit: dt("2025-03-04")}, {Entry: dt("2025-03-20")}}},
			state: stay.StateLawful, until: "2025-03-25",
		},
		{
			name:   "a multiple-entry visa valid two years that states 90 days is bounded by 90/180, not by 90 days over its validity",
			source: "Visa Code 810/2009 Art. 24(2) (multiple-entry visas valid up to five years); Regulation 2016/399 Art. 6(1): 46 days (1 Aug–15 Sep) and 10 (1–10 Dec) in the 180 days to 10 December 2025; staying on, day 90 of the window is 13 January 2026 (46 + 44 days from 1 December)",
			h: stay.History{AsOf: dt("2025-12-10"), Grants: []stay.Grant{{ID: "mev", Rule: "schengen-short-stay", ValidFrom: dt("2025-01-01"), ValidUntil: dt("2026-12-31"), StayDays: 90}},
				Trips: []stay.Trip{{Entry: dt("2025-01-10"), Exit: dt("2025-03-10")}, {Entry: dt("2025-08-01"), Exit: dt("2025-09-15")}, {Entry: dt("2025-12-01")}}},
			state: stay.StateLawful, until: "2026-01-13",
		},
		{
			name:   "an entry after a short visa's days are used up is not covered by it",
			source: "Visa Code 810/2009 Art. 24(1): 5 days used 1–5 March leave none for an entry on 20 March; Regulation 2016/399 Art. 6(1)(b)",
			h: stay.History{AsOf: dt("2025-03-21"), Grants: []stay.Grant{schengenVisa("2025-03-01", "2025-04-30", 5)},
				Trips: []stay.Trip{{Entry: dt("2025-03-01"), Exit: dt("2025-03-05")}, {Entry: dt("2025-03-20")}}},
			state: stay.StateOverstay, until: "",
			actions: []action{{kind: "leave_now"}, {kind: "seek_legal_advice"}},
		},
		{
			name:   "a visa-free stay is still bounded by 90/180 alone",
			source: "Regulation (EU) 2016/399 Art. 6(1); Regulation 2018/1806 Art. 4: entry on 1 March, day 90 is 29 May",
			h:      stay.History{AsOf: dt("2025-03-20"), Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}, Trips: []stay.Trip{{Entry: dt("2025-03-01")}}},
			state:  stay.StateLawful, until: "2025-05-29",
		},
		{
			name:   "a PRC receipt counts 7 working days after acceptance; leaving by the old date holds only if refused",
			source: "Regulations 2013 Art. 13(1),(3) (receipt of at most 7 working days; lawful stay on it) and Art. 36 (working days exclude statutory holidays); Qingming 2018: 5–7 April off, Sunday 8 April worked (国办发明电〔2017〕12号): 9 April + 7 working days = 18 April; EEAL Art. 29(2) (refused: leave on expiry)",
			h:      stay.History{AsOf: dt("2018-04-12"), Grants: q2, Trips: []stay.Trip{{Entry: dt("2018-03-18")}}, Extensions: []stay.Extension{{Filed: dt("2018-04-09"), RequestedDays: 30, Outcome: stay.Pending}}},
			state:  stay.StateLawful, until: "2018-04-17",
			deadlines: []string{"must_leave_by 2018-04-17 if_refused", "receipt_expires 2018-04-18"},
			actions:   []action{{kind: "await_decision", date: "2018-04-18"}, {kind: "leave_by", date: "2018-04-17", cond: "if_refused"}},
		},
		{
			name:   "once the receipt has run out with no decision, go back to the office; the law does not say more",
			source: "Regulations 2013 Art. 13(1) (the office decides within the receipt's validity); nothing in the EEAL or the Regulations says what follows when it does not",
			h:      stay.History{AsOf: dt("2018-04-19"), Grants: q2, Trips: []stay.Trip{{Entry: dt("2018-03-18")}}, Extensions: []stay.Extension{{Filed: dt("2018-04-09"), RequestedDays: 30, Outcome: stay.Pending}}},
			state:  stay.StatePending, until: "2018-04-17",
			deadlines: []string{"receipt_expires 2018-04-18"},
			actions:   []action{{kind: "return_to_office", date: "2018-04-18"}, {kind: "leave_now", cond: "if_refused"}},
		},
		{
			name:   "a receipt across National Day 2025 counts the make-up Sunday and Saturday",
			source: "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号): 1–8 October off, Sunday 28 September and Saturday 11 October worked; Regulations Art. 13(1), 36",
			h: stay.History{AsOf: dt("2025-09-30"), Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 60}}, Trips: []stay.Trip{{Entry: dt("2025-08-20")}},
				Extensions: []stay.Extension{{Filed: dt("2025-09-26"), RequestedDays: 30, Outcome: stay.Pending}}},
			state: stay.StateLawful, until: "2025-10-19",
			deadlines: []string{"receipt_expires 2025-10-13"},
		},
		{
			name:   "a receipt in a year whose holidays are not shipped is not guessed",
			source: "Regulations Art. 36 (working days exclude statutory holidays, set each year by a State Council notice); no 2027 notice in the data",
			h: stay.History{AsOf: dt("2027-03-01"), Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 60}}, Trips: []stay.Trip{{Entry: dt("2027-01-10")}},
				Extensions: []stay.Extension{{Filed: dt("2027-02-28"), RequestedDays: 30, Outcome: stay.Pending}}},
			state: stay.StateLawful, until: "2027-03-11",
			actions: []action{{kind: "await_decision"}, {kind: "leave_by", date: "2027-03-11", cond: "if_refused"}},
		},
		{
			name:   "a refusal after the stay ran out: leave at once",
			source: "EEAL Art. 29(2) (不予延长停留期限的，应当按期离境); no time to leave after a late refusal is given; Regulations Art. 13(3) (lawful on the receipt until the decision)",
			h: stay.History{AsOf: dt("2018-04-22"), Grants: q2, Trips: []stay.Trip{{Entry: dt("2018-03-18")}},
				Extensions: []stay.Extension{{Filed: dt("2018-04-09"), RequestedDays: 30, Outcome: stay.Refused, Decided: dt("2018-04-20")}}},
			state: stay.StateOverstay, until: "2018-04-20",
			actions: []action{{kind: "leave_now"}, {kind: "seek_legal_advice"}},
		},
		{
			name:   "within 180 days of unlawful presence, leaving in time avoids the 3-year bar",
			source: "INA 212(a)(9)(B)(i)(I): more than 180 days; unlawful presence from 2023-03-01 after an I-94 of 2023-02-28: day 180 is 2023-08-27",
			h: stay.History{AsOf: dt("2023-05-01"), Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: dt("2023-02-28")}},
				Trips: []stay.Trip{{Entry: dt("2022-09-01")}}},
			state: stay.StateOverstay, until: "2023-02-28",
			deadlines: []string{"leave_to_avoid_bar 2023-08-27 bar=3"},
			actions:   []action{{kind: "leave_now"}, {kind: "leave_to_avoid_bar", date: "2023-08-27", bar: 3}, {kind: "seek_legal_advice"}},
		},
		{
			name:   "past 180 days, leaving now brings the 3-year bar; leave by the earlier reading of one year to avoid the 10-year bar",
			source: "INA 212(a)(9)(B)(i)(I)-(II); the legal review's unsettled case (I-94 2023-02-28, exit 2024-02-28): 364 days through 2024-02-27 on the 365-day reading, a calendar year from 2023-03-01 runs through 2024-02-29",
			h: stay.History{AsOf: dt("2023-10-01"), Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: dt("2023-02-28")}},
				Trips: []stay.Trip{{Entry: dt("2022-09-01")}}},
			state: stay.StateOverstay, until: "2023-02-28",
			deadlines: []string{"leave_to_avoid_bar 2024-02-27 bar=10 other=2024-02-28"},
			actions:   []action{{kind: "leave_now"}, {kind: "leave_to_avoid_bar", date: "2024-02-27", bar: 10, barNow: 3}, {kind: "seek_legal_advice"}},
		},
		{
			name:   "a timely I-539 pending: leaving by the I-94 date holds only if it is denied",
			source: "8 CFR 214.1(c)(4); USCIS AFM 40.9.2(b)(3) (a timely, nonfrivolous application tolls unlawful presence)",
			h: stay.History{AsOf: dt("2023-11-10"), Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: dt("2023-11-20")}}, Trips: []stay.Trip{{Entry: dt("2023-05-21")}},
				Extensions: []stay.Extension{{Filed: dt("2023-11-01"), RequestedMonths: 6, Outcome: stay.Pending, Filing: stay.Electronic}}},
			state: stay.StateLawful, until: "2023-11-20",
			deadlines: []string{"must_leave_by 2023-11-20 if_refused"},
			actions:   []action{{kind: "await_decision"}, {kind: "leave_by", date: "2023-11-20", cond: "if_refused"}},
		},
		{
			name:   "a UK overstayer aged 17 is told to leave now, not given a date before the ban could reach them",
			source: "Immigration Rules para 320(7B) (the ban only for a person 18 or over at the time of the breach); six months from 10 January 2025 end 9 July 2025 (FB [2006] UKAIT 00030)",
			h: stay.History{AsOf: dt("2025-08-01"), Person: &stay.Person{Born: dt("2008-01-20")}, Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor"}},
				Trips: []stay.Trip{{Entry: dt("2025-01-10")}}},
			state: stay.StateOverstay, until: "2025-07-09",
			actions: []action{{kind: "leave_now"}, {kind: "seek_legal_advice"}},
		},
		{
			name:   "UK: six months from 31 March end on 30 September (no 31 September)",
			source: "Dodds v Walker [1981] 1 WLR 1027 (HL): with no corresponding date, the period ends on the last day of the month; applied in Tanveer ('31st May to 30th June'); SI 2000/1161 Art. 4(2)",
			h:      stay.History{AsOf: dt("2025-09-01"), Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor"}}, Trips: []stay.Trip{{Entry: dt("2025-03-31")}}},
			state:  stay.StateLawful, until: "2025-09-30",
		},
		{
			name:   "UK: six months from 31 August end on 28 February",
			source: "Dodds v Walker [1981] 1 WLR 1027 (HL), corresponding-date rule; no 31 February",
			h:      stay.History{AsOf: dt("2025-12-01"), Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor"}}, Trips: []stay.Trip{{Entry: dt("2025-08-31")}}},
			state:  stay.StateLawful, until: "2026-02-28",
		},
		{
			name:   "UK: six months from 29 August 2023 end on 28 February 2024 (29 February exists)",
			source: "Dodds v Walker; FB and Others [2006] UKAIT 00030 (leave ends the day before the corresponding date)",
			h:      stay.History{AsOf: dt("2023-12-01"), Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor"}}, Trips: []stay.Trip{{Entry: dt("2023-08-29")}}},
			state:  stay.StateLawful, until: "2024-02-28",
		},
		{
			name:   "UK: six months from 10 January end on 9 July",
			source: "FB and Others [2006] UKAIT 00030",
			h:      stay.History{AsOf: dt("2025-07-09"), Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor"}}, Trips: []stay.Trip{{Entry: dt("2025-01-10")}}},
			state:  stay.StateLawful, until: "2025-07-09",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := stay.Prepare(&tt.h, reg.Lookup)
			if err != nil {
				t.Fatal(err)
			}
			ev := c.Evaluate(tt.h.AsOf)
			until := ""
			if ev.AuthorizedUntil != 0 {
				until = ev.AuthorizedUntil.String()
			}
			if ev.State != tt.state || until != tt.until {
				t.Errorf("got %s until %q, want %s until %q (source: %s)", ev.State, until, tt.state, tt.until, tt.source)
			}
			var got []string
			for _, d := range ev.Deadlines {
				s := d.Kind + " " + d.Date.String()
				if d.Condition != "" {
					s += " " + d.Condition
				}
				if d.BarYears != 0 {
					s += fmt.Sprintf(" bar=%d", d.BarYears)
				}
				if d.OtherReading != 0 {
					s += " other=" + d.OtherReading.String()
				}
				got = append(got, s)
			}
			for _, w := range tt.deadlines {
				if !slices.Contains(got, w) {
					t.Errorf("deadline %q missing; got %q (source: %s)", w, got, tt.source)
				}
			}
			if tt.actions != nil {
				if g := actionsOf(ev); !slices.Equal(g, tt.actions) {
					t.Errorf("next actions\n got %v\nwant %v (source: %s)", g, tt.actions, tt.source)
				}
			}
			// Whatever the case, nobody with a timely application pending
			// is told to leave by a date as if it were certain.
			if ev.State == stay.StatePending || slices.ContainsFunc(ev.NextActions, func(a stay.NextAction) bool { return a.Kind == stay.ActAwaitDecision }) {
				for _, a := range ev.NextActions {
					if (a.Kind == stay.ActLeaveBy || a.Kind == stay.ActLeaveNow) && a.Condition == "" {
						t.Errorf("unconditional %s while an application is pending", a.Kind)
					}
				}
			}
			for _, a := range ev.NextActions {
				if a.Citation == "" || strings.HasPrefix(a.Sentence(), a.Kind) {
					t.Errorf("action %+v has no citation or no sentence", a)
				}
			}
		})
	}
}

// TestUKBanOnlyForAdults: the re-entry ban for a breach applies only to a
// person aged 18 or over at the time of the breach.
func TestUKBanOnlyForAdults(t *testing.T) {
	// Source: Immigration Rules para 320(7B) ("18 or over at the time of his
	// most recent breach"), kept in Part Suitability. A 40-day overstay
	// ending 2025-08-18.
	reg := embedded(t)
	for _, tt := range []struct {
		born string
		ban  bool
	}{
		{"", true},            // age unknown: the ban is shown, with its condition
		{"2010-01-01", false}, // 15 at the breach
		{"2007-08-01", true},  // turned 18 during the overstay
		{"2007-08-19", false}, // turns 18 the day after leaving
	} {
		h := stay.History{AsOf: dt("2025-09-01"), Grants: []stay.Grant{{ID: "v", Rule: "uk-standard-visitor"}},
			Trips: []stay.Trip{{Entry: dt("2025-01-10"), Exit: dt("2025-08-18")}}}
		if tt.born != "" {
			h.Person = &stay.Person{Born: dt(tt.born)}
		}
		c, err := stay.Prepare(&h, reg.Lookup)
		if err != nil {
			t.Fatal(err)
		}
		ev := c.Evaluate(h.AsOf)
		got := slices.ContainsFunc(ev.Consequences, func(c stay.Consequence) bool { return c.Kind == stay.KindReentryBar && c.Years > 0 })
		if got != tt.ban {
			t.Errorf("born %q: ban %v, want %v; %+v", tt.born, got, tt.ban, ev.Consequences)
		}
		minor := slices.ContainsFunc(ev.Explanation, func(s stay.Step) bool { return s.Kind == stay.StepBarMinor })
		if !minor && tt.born != "2007-08-01" {
			t.Errorf("born %q: the explanation does not say the ban is for adults only", tt.born)
		}
	}
}

// TestVisaFieldErrors: a Schengen visa needs its validity and its printed
// duration together; the error names the field.
func TestVisaFieldErrors(t *testing.T) {
	reg := embedded(t)
	for _, tt := range []struct {
		g    stay.Grant
		path string
	}{
		{stay.Grant{ID: "c", Rule: "schengen-short-stay", ValidUntil: dt("2025-05-01")}, "grants[0].stay_days"},
		{stay.Grant{ID: "c", Rule: "schengen-short-stay", StayDays: 10}, "grants[0].valid_until"},
		{stay.Grant{ID: "c", Rule: "schengen-short-stay", ValidUntil: dt("2025-05-01"), StayDays: 91}, "grants[0].stay_days"},
	} {
		h := stay.History{Grants: []stay.Grant{tt.g}}
		_, err := stay.Prepare(&h, reg.Lookup)
		var fe *stay.FieldError
		if !errors.As(err, &fe) || fe.Path != tt.path {
			t.Errorf("%+v: got %v, want an error at %s", tt.g, err, tt.path)
		}
	}
}

// TestRefusalReasonBounded: a reason for refusal is at most
// MaxRefusalReason characters, counted as characters, not bytes, so that a
// Chinese reason of 500 characters passes and 501 do not.
func TestRefusalReasonBounded(t *testing.T) {
	reg := embedded(t)
	for _, tt := range []struct {
		reason string
		code   string
	}{
		{strings.Repeat("拒", stay.MaxRefusalReason), ""},
		{strings.Repeat("a", stay.MaxRefusalReason+1), "refusal_reason_too_long"},
		{strings.Repeat("拒", stay.MaxRefusalReason+1), "refusal_reason_too_long"},
	} {
		h := stay.History{
			AsOf:   dt("2026-06-01"),
			Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 60}},
			Trips:  []stay.Trip{{Entry: dt("2026-03-01")}},
			Extensions: []stay.Extension{{Filed: dt("2026-04-10"), RequestedDays: 30, Outcome: stay.Refused,
				Decided: dt("2026-04-20"), RefusalReason: tt.reason}},
		}
		_, err := stay.Prepare(&h, reg.Lookup)
		var fe *stay.FieldError
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%d characters: %v, want none", len([]rune(tt.reason)), err)
		case tt.code != "" && (!errors.As(err, &fe) || fe.Code != tt.code || fe.Path != "extensions[0].refusal_reason"):
			t.Errorf("%d characters: %v, want %s at extensions[0].refusal_reason", len([]rune(tt.reason)), err, tt.code)
		}
	}
}
