package caseload_test

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

// randomHistory draws a history under one of the shipped packs, with planned
// trips and undecided or future decisions, so that states change over time.
func randomHistory(t *rapid.T) *stay.History {
	rule := rapid.SampledFrom([]string{"schengen-short-stay", "cn-family-visit", "us-visitor", "uk-standard-visitor", "cn-family-visit-2019-report"}).Draw(t, "rule")
	start := date.MustParse("2025-01-01").AddDays(rapid.IntRange(0, 300).Draw(t, "start"))
	g := stay.Grant{ID: "g", Rule: rule, Entries: -1}
	switch rule {
	case "cn-family-visit":
		g.StayDays = rapid.IntRange(10, 90).Draw(t, "stay")
	case "us-visitor":
		g.AdmitUntil = start.AddDays(rapid.IntRange(10, 200).Draw(t, "admit"))
	}
	h := &stay.History{Grants: []stay.Grant{g}}
	d := start
	for i := rapid.IntRange(1, 5).Draw(t, "trips"); i > 0; i-- {
		tr := stay.Trip{Entry: d, Exit: d.AddDays(rapid.IntRange(0, 150).Draw(t, "len"))}
		h.Trips = append(h.Trips, tr)
		d = tr.Exit.AddDays(rapid.IntRange(1, 90).Draw(t, "gap"))
	}
	if rapid.Bool().Draw(t, "open") {
		h.Trips[len(h.Trips)-1].Exit = 0
	}
	if rule != "schengen-short-stay" && rule != "uk-standard-visitor" {
		tr := h.Trips[0]
		filed := tr.Entry.AddDays(rapid.IntRange(0, 20).Draw(t, "filed"))
		if tr.Exit == 0 || filed <= tr.Exit {
			e := stay.Extension{Filed: filed, Outcome: stay.Pending}
			if rapid.Bool().Draw(t, "decided") {
				e.Outcome, e.Decided, e.GrantedDays = stay.Granted, filed.AddDays(rapid.IntRange(0, 60).Draw(t, "dec")), 10
			}
			h.Extensions = append(h.Extensions, e)
		}
	}
	return h
}

// TestSegmentsMatchDailyEvaluation is what makes the working list right on
// any day without a nightly job: the stored spans give, for every day, the
// state, authorised date and next deadline that evaluating on that day
// gives.
func TestSegmentsMatchDailyEvaluation(t *testing.T) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(t *rapid.T) {
		h := randomHistory(t)
		c, err := stay.Prepare(h, reg.Lookup)
		if err != nil {
			t.Skip(err) // e.g. an extension the drawn pack does not allow
		}
		from := date.MustParse("2025-01-01").AddDays(rapid.IntRange(-30, 400).Draw(t, "from"))
		horizon := from.AddDays(3 * 366)
		segs, deadlines := caseload.Timeline(c, from, horizon)
		if segs[0].From != from || segs[len(segs)-1].Until != date.Max {
			t.Fatalf("segments do not cover [%s, max]: %+v", from, segs)
		}
		for i := 1; i < len(segs); i++ {
			if segs[i].From != segs[i-1].Until+1 {
				t.Fatalf("gap or overlap between segments %d and %d: %+v", i-1, i, segs)
			}
		}
		for d := from; d <= horizon; d++ {
			seg, _ := caseload.At(segs, d)
			ev := c.Evaluate(d)
			want := ""
			var wantDate date.Date
			for _, dl := range ev.Deadlines {
				if dl.Date >= d {
					want, wantDate = dl.Code(), dl.Date
					break
				}
			}
			if wantDate == 0 {
				for _, dl := range ev.Deadlines {
					if dl.Kind == stay.ReceiptExpires {
						want, wantDate = "receipt_expired", dl.Date
					}
				}
			}
			for _, dl := range ev.Deadlines {
				if dl.Date >= d && (dl.Kind != stay.LeaveToAvoidBar || d == from) && !slices.Contains(deadlines, caseload.Deadline{Kind: dl.Code(), Date: dl.Date}) {
					t.Fatalf("on %s the deadline %s %s is missing from %v\n%s", d, dl.Kind, dl.Date, deadlines, h)
				}
			}
			if seg.State != ev.State || seg.Since != ev.Since || seg.AuthorizedUntil != ev.AuthorizedUntil || seg.Deadline != wantDate || seg.DeadlineKind != want {
				t.Fatalf("on %s: segment says %s until %s, next %s %s; evaluation says %s until %s, next %s %s\n%s",
					d, seg.State, seg.AuthorizedUntil, seg.DeadlineKind, seg.Deadline, ev.State, ev.AuthorizedUntil, want, wantDate, h)
			}
		}
	})
}

func TestTodayIsTheServicesZone(t *testing.T) {
	// 2026-01-10 20:00 UTC is already 2026-01-11 in Shanghai.
	now := func() time.Time { return time.Date(2026, 1, 10, 20, 0, 0, 0, time.UTC) }
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if got := (&caseload.Service{Now: now}).Today(); got != date.MustParse("2026-01-10") {
		t.Errorf("UTC today = %s", got)
	}
	if got := (&caseload.Service{Now: now, Location: sh}).Today(); got != date.MustParse("2026-01-11") {
		t.Errorf("Shanghai today = %s", got)
	}
}

// TestLongTimelines: a history with many planned trips gives hundreds of
// spans, all of which must be kept, or the list goes wrong years ahead.
func TestLongTimelines(t *testing.T) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	h := &stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}}
	for i := range 150 {
		e := date.MustParse("2027-01-01").AddDays(20 * i)
		h.Trips = append(h.Trips, stay.Trip{Entry: e, Exit: e.AddDays(5)})
	}
	c, err := stay.Prepare(h, reg.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	from := date.MustParse("2026-11-26")
	horizon := from.AddDays(10 * 366)
	segs, _ := caseload.Timeline(c, from, horizon)
	if len(segs) <= 200 {
		t.Fatalf("%d spans; the history should need more than 200", len(segs))
	}
	for d := from; d <= horizon; d += 7 {
		seg, _ := caseload.At(segs, d)
		if ev := c.Evaluate(d); seg.State != ev.State || seg.AuthorizedUntil != ev.AuthorizedUntil {
			t.Fatalf("on %s: span says %s until %s, evaluation %s until %s", d, seg.State, seg.AuthorizedUntil, ev.State, ev.AuthorizedUntil)
		}
	}
}
