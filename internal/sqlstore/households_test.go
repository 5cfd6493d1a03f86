package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

func TestHouseholdsSQLite(t *testing.T)   { testHouseholds(t, openSQLite) }
func TestHouseholdsPostgres(t *testing.T) { testHouseholds(t, openPostgres) }

func worker(org, user, team string) caseload.Principal {
	return caseload.Principal{User: user, Org: org, Role: caseload.RoleCaseworker, Team: team}
}

// testHouseholds is the households' part of the conformance suite: what
// the Service does with households, on a real store.
func testHouseholds(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const org = "ngo-h"
	svc := &caseload.Service{Store: open(t), Lookup: reg.Lookup, Now: (&clock{now: at("2026-01-10")}).Now}
	adm := admin(org)
	north, south, west := worker(org, "u_a", "north"), worker(org, "u_b", "south"), worker(org, "u_c", "west")
	// A caseworker's new case is theirs and their team's.
	newCase := func(ref string, who caseload.Principal, rule string) *caseload.Case {
		t.Helper()
		c := &caseload.Case{Reference: ref, History: stay.History{
			Grants: []stay.Grant{{ID: "g", Rule: rule}}, Trips: []stay.Trip{{Entry: day("2026-01-01"), Grant: "g"}}}}
		if err := svc.Create(ctx, who, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a1 := newCase("A1", north, "schengen-short-stay")
	a2 := newCase("A2", north, "uk-standard-visitor")
	b1 := newCase("B1", south, "schengen-short-stay")
	find := func(id string) *caseload.Case {
		t.Helper()
		c, err := svc.Store.FindCase(ctx, org, id)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	refs := func(h *caseload.Household) []string {
		var out []string
		for _, m := range h.Members {
			out = append(out, m.Reference)
		}
		return out
	}

	var h *caseload.Household
	t.Run("create, find and list", func(t *testing.T) {
		for _, tc := range []struct {
			label   string
			members []string
			field   string
		}{
			{"", []string{a1.ID}, "label"},
			{"   ", []string{a1.ID}, "label"},
			{strings.Repeat("x", 41), []string{a1.ID}, "label"},
			{"H-1\x00", []string{a1.ID}, "label"},
			{"H-1", nil, "members"},
			{"H-1", []string{a1.ID, "c_nosuchcase"}, "members[1]"},
		} {
			_, err := svc.CreateHousehold(ctx, adm, tc.label, tc.members)
			var e *caseload.Error
			if !errors.As(err, &e) || e.Field != tc.field {
				t.Errorf("CreateHousehold(%q, %v) = %v, want an error on %s", tc.label, tc.members, err, tc.field)
			}
		}
		if got := find(a1.ID); got.Household != "" || got.Version != 1 {
			t.Fatalf("a refused household changed A1: %+v", got)
		}
		var err error
		h, err = svc.CreateHousehold(ctx, adm, "H-12", []string{a1.ID, a2.ID, b1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := refs(h), []string{"A1", "A2", "B1"}; !slices.Equal(got, want) || h.Version != 1 || h.Label != "H-12" {
			t.Errorf("household %+v, members %v; want H-12 at version 1 with %v", h, got, want)
		}
		for _, m := range h.Members {
			if m.State != stay.StateLawful || m.HouseholdLabel != "H-12" {
				t.Errorf("member %+v, want lawful in H-12", m)
			}
		}
		if c := find(a1.ID); c.Household != h.ID || c.Version != 2 {
			t.Errorf("A1 in %q at version %d, want %s at 2", c.Household, c.Version, h.ID)
		}
		if _, err := svc.CreateHousehold(ctx, adm, "H-12", []string{a1.ID}); caseload.ErrorCode(err) != caseload.EExists {
			t.Errorf("a second H-12: %v, want exists", err)
		}
		items, _, err := svc.List(ctx, adm, caseload.Filter{On: day("2026-01-10")})
		if err != nil {
			t.Fatal(err)
		}
		search, err := svc.Search(ctx, adm, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range append(items, search...) {
			if it.Household != h.ID || it.HouseholdLabel != "H-12" {
				t.Errorf("list row %s: household %q %q, want %s H-12", it.Reference, it.Household, it.HouseholdLabel, h.ID)
			}
		}
		if len(items) != 3 || len(search) != 3 {
			t.Errorf("list %d, search %d rows, want 3 each", len(items), len(search))
		}
	})

	t.Run("a reader sees a household only through the members they may read", func(t *testing.T) {
		for _, tc := range []struct {
			who  caseload.Principal
			want []string // nil: not found
		}{
			{adm, []string{"A1", "A2", "B1"}},
			{north, []string{"A1", "A2"}},
			{south, []string{"B1"}},
			{west, nil},
		} {
			got, err := svc.GetHousehold(ctx, tc.who, h.ID)
			if tc.want == nil {
				if !errors.Is(err, caseload.ErrNoHousehold) {
					t.Errorf("%s: GetHousehold = %v, want not found", tc.who.User, err)
				}
			} else if err != nil || !slices.Equal(refs(got), tc.want) {
				t.Errorf("%s: GetHousehold = %v, %v; want members %v", tc.who.User, refs(got), err, tc.want)
			}
			list, err := svc.Households(ctx, tc.who)
			if err != nil || len(list) != min(len(tc.want), 1) {
				t.Errorf("%s: Households = %+v, %v; want it listed only with members in reach", tc.who.User, list, err)
			}
		}
		// Renaming changes every member's grouping: north cannot reach B1.
		if _, err := svc.RenameHousehold(ctx, north, h.ID, nil, "H-13"); caseload.ErrorCode(err) != caseload.EForbidden {
			t.Errorf("north renames = %v, want forbidden", err)
		}
		if _, err := svc.RenameHousehold(ctx, adm, h.ID, []int64{7}, "H-13"); !errors.Is(err, caseload.ErrConflict) {
			t.Errorf("rename at a stale version = %v, want conflict", err)
		}
		got, err := svc.RenameHousehold(ctx, adm, h.ID, []int64{1}, "H-13")
		if err != nil || got.Label != "H-13" || got.Version != 2 {
			t.Fatalf("rename = %+v, %v; want H-13 at version 2", got, err)
		}
		if _, err := svc.AddMember(ctx, west, h.ID, a1.ID, nil); !errors.Is(err, caseload.ErrNoHousehold) {
			t.Errorf("west adds to a household it cannot see: %v, want not found", err)
		}
	})

	t.Run("a trip recorded once for several members", func(t *testing.T) {
		before := find(b1.ID)
		exit := caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2026-01-08"), Members: []caseload.MemberVersion{{ID: a1.ID}, {ID: a2.ID, Versions: []int64{2}}}}
		got, err := svc.RecordTrip(ctx, north, h.ID, exit)
		if err != nil {
			t.Fatal(err)
		}
		if refs(got)[0] != "A1" || got.Members[0].State != stay.StateAbsent || got.Members[0].Version != 3 {
			t.Errorf("RecordTrip answered %+v, want A1 absent at version 3 first", got.Members)
		}
		for _, id := range []string{a1.ID, a2.ID} {
			stored := find(id)
			if tr := stored.History.Trips; len(tr) != 1 || tr[0].Exit != day("2026-01-08") || stored.Version != 3 || stored.Summary.State != stay.StateAbsent {
				t.Errorf("%s after the exit: %+v at version %d, %s", stored.Reference, tr, stored.Version, stored.Summary.State)
			}
		}
		// B1 could leave, but A2 has no trip to end: neither changes.
		_, err = svc.RecordTrip(ctx, adm, h.ID, caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2026-01-09"),
			Members: []caseload.MemberVersion{{ID: b1.ID}, {ID: a2.ID}}})
		if e := (*caseload.Error)(nil); !errors.As(err, &e) || e.Field != "members[1].exit" || e.Reason != "no_open_trip" || !strings.Contains(e.Msg, "member A2") {
			t.Errorf("an exit with no open trip: %v, want no_open_trip on members[1].exit naming A2", err)
		}
		if after := find(b1.ID); after.Version != before.Version {
			t.Errorf("B1 changed by a refused household trip")
		}
		// Each member keeps its own rules: the UK grant still covers a new
		// entry, the Schengen one too, each with its own answer.
		entry := caseload.HouseholdTrip{Kind: caseload.TripEntry, Date: day("2026-01-09"), Members: []caseload.MemberVersion{{ID: a1.ID}, {ID: a2.ID}}}
		got, err = svc.RecordTrip(ctx, adm, h.ID, entry)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := find(a1.ID), find(a2.ID); a.Summary.AuthorizedUntil == b.Summary.AuthorizedUntil || a.History.Trips[1].Grant != "g" {
			t.Errorf("A1 until %s, A2 until %s: want each its own rule's answer", a.Summary.AuthorizedUntil, b.Summary.AuthorizedUntil)
		}
		if len(got.Members) != 3 {
			t.Errorf("RecordTrip answered %d members, want the household's 3", len(got.Members))
		}

		for _, tc := range []struct {
			name   string
			who    caseload.Principal
			trip   caseload.HouseholdTrip
			code   string
			field  string
			inText string
		}{
			{"an exit before the entry", adm, caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2025-12-20"),
				Members: []caseload.MemberVersion{{ID: b1.ID}, {ID: a1.ID}}}, caseload.EInvalid, "members[0].history.trips[0].exit", "member B1"},
			{"a stale version", adm, caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2026-01-10"),
				Members: []caseload.MemberVersion{{ID: b1.ID, Versions: []int64{1}}}}, caseload.EConflict, "", ""},
			{"a member out of reach", north, caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2026-01-10"),
				Members: []caseload.MemberVersion{{ID: a1.ID}, {ID: b1.ID}}}, caseload.ENotFound, "members[1]", ""},
			{"a kind that is neither", adm, caseload.HouseholdTrip{Kind: "stay", Date: day("2026-01-10"),
				Members: []caseload.MemberVersion{{ID: b1.ID}}}, caseload.EInvalid, "kind", ""},
			{"no date", adm, caseload.HouseholdTrip{Kind: caseload.TripExit, Members: []caseload.MemberVersion{{ID: b1.ID}}}, caseload.EInvalid, "date", ""},
			{"no member", adm, caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2026-01-10")}, caseload.EInvalid, "members", ""},
		} {
			_, err := svc.RecordTrip(ctx, tc.who, h.ID, tc.trip)
			var e *caseload.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field || !strings.Contains(e.Msg, tc.inText) {
				t.Errorf("%s: %v (%+v), want %s on %q naming %q", tc.name, err, e, tc.code, tc.field, tc.inText)
			}
		}
		// The exit that was refused for A1 left B1 as it was.
		if after := find(b1.ID); after.Version != before.Version || after.History.String() != before.History.String() {
			t.Errorf("B1 changed by a refused household trip: version %d, was %d", after.Version, before.Version)
		}
		// A member that is not in the household is named.
		other := newCase("C1", north, "schengen-short-stay")
		_, err = svc.RecordTrip(ctx, adm, h.ID, caseload.HouseholdTrip{Kind: caseload.TripExit, Date: day("2026-01-10"),
			Members: []caseload.MemberVersion{{ID: other.ID}}})
		if e := (*caseload.Error)(nil); !errors.As(err, &e) || e.Field != "members[0]" || e.Reason != "not_member" {
			t.Errorf("a case outside the household: %v, want not_member on members[0]", err)
		}
		entries, err := svc.Store.AuditEntries(ctx, org, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "case.update" && e.Detail == "household trip "+h.ID {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%d audit entries for household trips, want one per member and trip: 4", n)
		}
	})

	t.Run("membership survives edits, and goes with the household", func(t *testing.T) {
		notes := "travels with the household"
		c, err := svc.UpdateCase(ctx, adm, a1.ID, nil, caseload.CaseUpdate{Notes: &notes})
		if err != nil {
			t.Fatal(err)
		}
		if got := find(c.ID); got.Household != h.ID {
			t.Errorf("after a case edit, household %q, want %s", got.Household, h.ID)
		}
		if _, err := svc.RemoveMember(ctx, adm, h.ID, b1.ID, []int64{99}); !errors.Is(err, caseload.ErrConflict) {
			t.Errorf("remove at a stale version = %v, want conflict", err)
		}
		if _, err := svc.RemoveMember(ctx, south, h.ID, b1.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got := find(b1.ID); got.Household != "" {
			t.Errorf("B1 removed but in %q", got.Household)
		}
		if _, err := svc.RemoveMember(ctx, adm, h.ID, b1.ID, nil); caseload.ErrorCode(err) != caseload.EInvalid {
			t.Errorf("removing a non-member = %v, want invalid", err)
		}
		if _, err := svc.GetHousehold(ctx, south, h.ID); !errors.Is(err, caseload.ErrNoHousehold) {
			t.Errorf("south after its member left: %v, want not found", err)
		}
		if _, err := svc.AddMember(ctx, adm, h.ID, b1.ID, nil); err != nil {
			t.Fatal(err)
		}
		// Now north may change every member but B1 again.
		if err := svc.DeleteHousehold(ctx, north, h.ID, nil); caseload.ErrorCode(err) != caseload.EForbidden {
			t.Errorf("north dissolves = %v, want forbidden", err)
		}
		v1 := find(a1.ID).Version
		if err := svc.DeleteHousehold(ctx, adm, h.ID, []int64{2}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a1.ID, a2.ID, b1.ID} {
			if got := find(id); got.Household != "" {
				t.Errorf("%s still in %q after the household was dissolved", got.Reference, got.Household)
			}
		}
		if got := find(a1.ID).Version; got != v1+1 {
			t.Errorf("A1 at version %d after the household went, want %d", got, v1+1)
		}
		if _, err := svc.GetHousehold(ctx, adm, h.ID); !errors.Is(err, caseload.ErrNoHousehold) {
			t.Errorf("a dissolved household: %v, want not found", err)
		}
		if _, err := svc.AddMember(ctx, adm, h.ID, a1.ID, nil); !errors.Is(err, caseload.ErrNoHousehold) {
			t.Errorf("adding to a dissolved household: %v, want not found", err)
		}
		var actions []string
		entries, _ := svc.Store.AuditEntries(ctx, org, 0, 1000)
		for _, e := range entries {
			if strings.HasPrefix(e.Action, "household.") {
				actions = append(actions, e.Action)
			}
		}
		if want := []string{"household.create", "household.rename", "household.delete"}; !slices.Equal(actions, want) {
			t.Errorf("household audit entries %v, want %v", actions, want)
		}
	})
}

func TestHouseholdReevaluationSQLite(t *testing.T)   { testHouseholdReevaluation(t, openSQLite) }
func TestHouseholdReevaluationPostgres(t *testing.T) { testHouseholdReevaluation(t, openPostgres) }

// testHouseholdReevaluation: re-evaluation after a rule change writes a
// member's summary and spans and keeps it in its household.
func testHouseholdReevaluation(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	ctx := context.Background()
	before, after := shortUK(t)
	st := open(t)
	clk := &clock{now: at("2026-03-01")}
	svc1 := &caseload.Service{Store: st, Lookup: before.Lookup, Now: clk.Now}
	p := admin("ngo-reeval-h")
	uk := ukCase("UK-1")
	if err := svc1.Create(ctx, p, uk); err != nil {
		t.Fatal(err)
	}
	h, err := svc1.CreateHousehold(ctx, p, "H-1", []string{uk.ID})
	if err != nil {
		t.Fatal(err)
	}
	svc2, err := caseload.New(caseload.Config{Store: st, Lookup: after.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	re := &caseload.Reevaluator{Service: svc2, Holder: "test"}
	if err := re.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if pr := re.Progress(); pr.Done != 1 {
		t.Fatalf("progress %+v, want the UK case re-evaluated", pr)
	}
	items, _, err := svc2.List(ctx, p, caseload.Filter{On: svc2.Today(), States: []stay.State{stay.StateOverstay}})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Household != h.ID || items[0].HouseholdLabel != "H-1" {
		t.Fatalf("after re-evaluation, overstays %+v, want UK-1 in H-1", items)
	}
	got, err := svc2.GetHousehold(ctx, p, h.ID)
	if err != nil || len(got.Members) != 1 || got.Members[0].State != stay.StateOverstay {
		t.Errorf("household after re-evaluation %+v, %v; want UK-1 overstaying", got, err)
	}
}

func TestHouseholdTripPropertySQLite(t *testing.T)   { testHouseholdTripProperty(t, openSQLite) }
func TestHouseholdTripPropertyPostgres(t *testing.T) { testHouseholdTripProperty(t, openPostgres) }

// testHouseholdTripProperty: recording a trip once for N members gives
// each member what recording it on each case one by one gives; the group
// is refused exactly when some member alone would be, naming the first
// such member, and then no member changes.
func testHouseholdTripProperty(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	today := day("2026-01-10")
	svc := &caseload.Service{Store: open(t), Lookup: reg.Lookup, Now: (&clock{now: at("2026-01-10")}).Now}
	var orgs atomic.Int64
	rules := []string{"schengen-short-stay", "uk-standard-visitor"}
	outcomes := map[string]int{}
	defer func() {
		t.Logf("outcomes: %v", outcomes)
		// A property that never reached one side would prove nothing of it.
		if outcomes["entry refused=false"]+outcomes["exit refused=false"] == 0 || outcomes["entry refused=true"]+outcomes["exit refused=true"] == 0 {
			t.Errorf("the runs were all accepted or all refused: %v", outcomes)
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		// Two organisations a run: one records the trip for the
		// household, the other on each case alone.
		n := orgs.Add(1)
		group, alone := admin(fmt.Sprintf("grp-%d", n)), admin(fmt.Sprintf("one-%d", n))
		members := rapid.IntRange(1, 4).Draw(rt, "members")
		type pair struct{ g, a *caseload.Case }
		var pairs []pair
		for i := range members {
			h := stay.History{Grants: []stay.Grant{{ID: "g", Rule: rapid.SampledFrom(rules).Draw(rt, "rule")}}}
			d := day("2025-03-01").AddDays(rapid.IntRange(0, 120).Draw(rt, "start"))
			for range rapid.IntRange(0, 3).Draw(rt, "trips") {
				tr := stay.Trip{Entry: d, Grant: "g"}
				d = d.AddDays(rapid.IntRange(0, 100).Draw(rt, "stay"))
				if d < today {
					tr.Exit = d
				}
				h.Trips = append(h.Trips, tr)
				d = d.AddDays(rapid.IntRange(1, 60).Draw(rt, "gap"))
				if tr.Exit == 0 || d >= today {
					break
				}
			}
			// A member still abroad has an open last trip, which an exit
			// ends.
			if n := len(h.Trips); n > 0 && rapid.IntRange(0, 4).Draw(rt, "open") > 0 {
				h.Trips[n-1].Exit = 0
			}
			var p pair
			for _, x := range []struct {
				who caseload.Principal
				c   **caseload.Case
			}{{group, &p.g}, {alone, &p.a}} {
				*x.c = &caseload.Case{Reference: fmt.Sprintf("M%d", i), History: h}
				(*x.c).History.Trips = slices.Clone(h.Trips)
				if err := svc.Create(ctx, x.who, *x.c); err != nil {
					rt.Fatalf("create member %d: %v", i, err)
				}
			}
			pairs = append(pairs, p)
		}
		ids := make([]string, len(pairs))
		for i, p := range pairs {
			ids[i] = p.g.ID
		}
		hh, err := svc.CreateHousehold(ctx, group, "H", ids)
		if err != nil {
			rt.Fatal(err)
		}
		trip := caseload.HouseholdTrip{Kind: rapid.SampledFrom([]string{caseload.TripEntry, caseload.TripExit}).Draw(rt, "kind"),
			Date: day("2025-03-01").AddDays(rapid.IntRange(0, 330).Draw(rt, "day"))}
		for _, id := range ids {
			trip.Members = append(trip.Members, caseload.MemberVersion{ID: id})
		}

		// One by one, as the case page records a trip.
		firstBad, badField := -1, ""
		for i, p := range pairs {
			e := caseload.PartEdit{Part: caseload.PartTrips, Index: -1, Trip: &caseload.TripUpdate{Entry: &trip.Date}}
			if trip.Kind == caseload.TripExit {
				last := len(p.a.History.Trips) - 1
				if last < 0 || p.a.History.Trips[last].Exit != 0 {
					if firstBad < 0 {
						firstBad, badField = i, fmt.Sprintf("members[%d].exit", i)
					}
					continue
				}
				e = caseload.PartEdit{Part: caseload.PartTrips, Index: last, Trip: &caseload.TripUpdate{Exit: &trip.Date}}
			} else {
				g := "g"
				e.Trip.Grant = &g
			}
			if _, err := svc.EditPart(ctx, alone, p.a.ID, nil, e); err != nil {
				var fe *caseload.Error
				if !errors.As(err, &fe) || fe.Code != caseload.EInvalid {
					rt.Fatalf("alone, member %d: %v", i, err)
				}
				if firstBad < 0 {
					firstBad, badField = i, fmt.Sprintf("members[%d].%s", i, fe.Field)
				}
			}
		}

		_, err = svc.RecordTrip(ctx, group, hh.ID, trip)
		outcomes[fmt.Sprintf("%s refused=%v", trip.Kind, firstBad >= 0)]++
		if firstBad >= 0 {
			var fe *caseload.Error
			if !errors.As(err, &fe) || fe.Field != badField || !strings.Contains(fe.Msg, fmt.Sprintf("member M%d:", firstBad)) {
				rt.Fatalf("household trip %+v: %v, want refused on %s naming M%d", trip, err, badField, firstBad)
			}
			for _, p := range pairs {
				got, err := svc.Store.FindCase(ctx, group.Org, p.g.ID)
				if err != nil {
					rt.Fatal(err)
				}
				if got.Version != p.g.Version+1 || got.History.String() != p.g.History.String() {
					rt.Fatalf("%s changed by a refused household trip", got.Reference)
				}
			}
			return
		}
		if err != nil {
			rt.Fatalf("household trip %+v: %v, but each member alone accepted it", trip, err)
		}
		for _, p := range pairs {
			g, err1 := svc.Store.FindCase(ctx, group.Org, p.g.ID)
			a, err2 := svc.Store.FindCase(ctx, alone.Org, p.a.ID)
			if err1 != nil || err2 != nil {
				rt.Fatal(err1, err2)
			}
			if g.History.String() != a.History.String() || g.Summary != a.Summary || !slices.Equal(g.Segments, a.Segments) ||
				!slices.Equal(g.Deadlines, a.Deadlines) {
				rt.Fatalf("%s: household %s %+v, alone %s %+v", g.Reference, g.History.String(), g.Summary, a.History.String(), a.Summary)
			}
		}
	})
}
