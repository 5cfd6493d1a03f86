package stay

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// Packs for property tests: small but exercising every primitive the oracle
// models.
func propertyPacks() map[string]*rules.Pack {
	r := func(id string) rules.Rule { return rules.Rule{ID: id, Citation: "test"} }
	return map[string]*rules.Pack{
		"window": {ID: "window", Jurisdiction: "W", Source: "law",
			Window:  &rules.Window{Rule: r("w"), Length: 30, Limit: 10},
			Entries: &rules.Entries{Rule: r("e"), Default: rules.Multiple}},
		"stay": {ID: "stay", Jurisdiction: "S", Source: "law",
			Stay: &rules.Stay{Rule: r("s"), Unit: rules.UnitDays, Length: 12, EntryDayCounts: false},
			Extension: &rules.Extension{Rule: r("x"), ClosesDaysBefore: 3, MaxCount: 2,
				Pending: &rules.Rule{ID: "p", Citation: "test"},
				Refusal: &rules.Refusal{Rule: r("rf"), LawfulThrough: rules.LawfulThroughDecision, Retroactive: []string{"frivolous"}}}},
		"both": {ID: "both", Jurisdiction: "B", Source: "law",
			Stay:    &rules.Stay{Rule: r("s2"), Unit: rules.UnitMonths, Length: 1, EntryDayCounts: true, EndOfMonth: rules.EOM(date.Clamp)},
			Window:  &rules.Window{Rule: r("w2"), Length: 60, Limit: 25},
			Entries: &rules.Entries{Rule: r("e2"), Default: 3}},
		"year": {ID: "year", Jurisdiction: "Y", Source: "law",
			YearCap: &rules.YearCap{Rule: r("y"), Limit: 20}},
		// Schengen-like: a grant with valid_until is a visa, bounded by its
		// validity and its stay_days over all entries, within 90/180; one
		// without is a visa-free stay, bounded by 90/180 alone.
		"visa": {ID: "visa", Jurisdiction: "SA", Area: "SA", Source: "law",
			Window:  &rules.Window{Rule: r("w3"), Length: 180, Limit: 90},
			Visa:    &rules.Visa{Rule: r("v"), MaxStayDays: 90},
			Entries: &rules.Entries{Rule: r("e3"), Default: rules.Multiple}},
		// A visa pack whose window binds often on short trips, with two
		// entries by default.
		"visa-small": {ID: "visa-small", Jurisdiction: "V", Source: "law",
			Window:  &rules.Window{Rule: r("w4"), Length: 40, Limit: 20},
			Visa:    &rules.Visa{Rule: r("v2")},
			Entries: &rules.Entries{Rule: r("e4"), Default: 2}},
	}
}

// isVisaPack reports whether the property pack id bounds stays by visas.
func isVisaPack(id string) bool { return id == "visa" || id == "visa-small" }

// genVisaTerms gives g a visa's terms under a visa pack: validity, the
// days of stay (within the pack's max_stay_days) and sometimes its own
// number of entries.
func genVisaTerms(t *rapid.T, g *Grant, start date.Date, label string) {
	g.ValidFrom = start.AddDays(rapid.IntRange(-30, 20).Draw(t, label+"vf"))
	g.ValidUntil = g.ValidFrom.AddDays(rapid.IntRange(0, 150).Draw(t, label+"vu"))
	g.StayDays = rapid.IntRange(1, 90).Draw(t, label+"days")
	g.Entries = rapid.SampledFrom([]rules.Count{0, 1, 2, 3, rules.Multiple}).Draw(t, label+"entries")
}

func lookupIn(packs map[string]*rules.Pack) Lookup {
	return func(id string) (*rules.Pack, bool) { p, ok := packs[id]; return p, ok }
}

func genHistory(t *rapid.T) (*History, date.Date) {
	packs := []string{"window", "stay", "both", "year", "visa", "visa-small"}
	pack := rapid.SampledFrom(packs).Draw(t, "pack")
	start := date.MustParse("2024-01-01").AddDays(rapid.IntRange(0, 700).Draw(t, "start"))
	g := Grant{ID: "g", Rule: pack}
	if rapid.Bool().Draw(t, "validity") {
		if isVisaPack(pack) {
			genVisaTerms(t, &g, start, "")
		} else {
			g.ValidFrom = start.AddDays(rapid.IntRange(-5, 10).Draw(t, "vf"))
			g.ValidUntil = g.ValidFrom.AddDays(rapid.IntRange(0, 120).Draw(t, "vu"))
		}
	}
	h := &History{Grants: []Grant{g}}
	maxLen := 25
	if isVisaPack(pack) {
		// A second grant in the same area: another visa, or a visa-free
		// stay. Trips then alternate between grants, also on a shared
		// exit and re-entry day.
		if rapid.Bool().Draw(t, "second") {
			g2 := Grant{ID: "h", Rule: pack}
			if rapid.Bool().Draw(t, "second visa") {
				genVisaTerms(t, &g2, start.AddDays(rapid.IntRange(0, 120).Draw(t, "second start")), "h")
			}
			h.Grants = append(h.Grants, g2)
		}
		if pack == "visa" {
			maxLen = 60 // long enough to reach 90 days in 180
		}
	}
	d := start
	n := rapid.IntRange(0, 8).Draw(t, "trips")
	for i := 0; i < n; i++ {
		if i > 0 && !rapid.Bool().Draw(t, "shared") {
			d = d.AddDays(rapid.IntRange(1, 40).Draw(t, "gap"))
		}
		tr := Trip{Entry: d, Exit: d.AddDays(rapid.IntRange(0, maxLen).Draw(t, "len"))}
		if len(h.Grants) > 1 {
			tr.Grant = rapid.SampledFrom(h.Grants).Draw(t, "grant").ID
		}
		d = tr.Exit
		h.Trips = append(h.Trips, tr)
	}
	if n > 0 && rapid.Bool().Draw(t, "open") {
		h.Trips[n-1].Exit = 0
	}
	if pack == "stay" && n > 0 {
		ti := rapid.IntRange(0, n-1).Draw(t, "exttrip")
		tr := h.Trips[ti]
		end := tr.Exit
		if end == 0 {
			end = tr.Entry.AddDays(30)
		}
		// A filing on a day shared by an exit and a re-entry is ambiguous
		// between the two stays; the engine gives it to the later one, the
		// oracle to both, so keep clear of it here.
		lo, hi := tr.Entry, end
		if ti > 0 && h.Trips[ti-1].Exit == tr.Entry {
			lo++
		}
		if ti+1 < n && h.Trips[ti+1].Entry == tr.Exit {
			hi--
		}
		if lo > hi {
			return h, start.AddDays(rapid.IntRange(-10, 300).Draw(t, "asof"))
		}
		filed := lo.AddDays(rapid.IntRange(0, hi.Sub(lo)).Draw(t, "filed"))
		e := Extension{Filed: filed, RequestedDays: 10}
		switch rapid.IntRange(0, 2).Draw(t, "outcome") {
		case 0:
			e.Outcome = Pending
		case 1:
			e.Outcome, e.Decided, e.GrantedDays = Granted, filed.AddDays(rapid.IntRange(0, 10).Draw(t, "dec")), rapid.IntRange(1, 15).Draw(t, "gd")
		default:
			e.Outcome, e.Decided = Refused, filed.AddDays(rapid.IntRange(0, 10).Draw(t, "dec"))
			if rapid.Bool().Draw(t, "frivolous") {
				e.RefusalReason = "frivolous"
			}
		}
		h.Extensions = append(h.Extensions, e)
	}
	asOf := start.AddDays(rapid.IntRange(-10, 300).Draw(t, "asof"))
	return h, asOf
}

// TestAgreesWithOracle checks the engine against the day-by-day model on
// random histories.
func TestAgreesWithOracle(t *testing.T) {
	packs := propertyPacks()
	lookup := lookupIn(packs)
	rapid.Check(t, func(t *rapid.T) {
		h, asOf := genHistory(t)
		if visaDayLostAcrossGrants(h, packs, "") {
			t.Skip("known disagreement, see TestVisaExitDayUnderAnotherGrant")
		}
		c, err := Prepare(h, lookup)
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		ev := c.Evaluate(asOf)
		want := naiveEvaluate(h, packs, asOf)
		if want.OverstayDays != ev.OverstayDays {
			t.Fatalf("overstay_days = %d, oracle %d\n%s", ev.OverstayDays, want.OverstayDays, h)
		}
		if want.State != string(ev.State) {
			t.Fatalf("state = %s, oracle %s\n%s", ev.State, want.State, h)
		}
		if (ev.State == StateLawful || ev.State == StatePending) && want.AuthorizedUntil != ev.AuthorizedUntil {
			t.Fatalf("authorized_until = %s, oracle %s\n%s", ev.AuthorizedUntil, want.AuthorizedUntil, h)
		}
		if want.WindowUsed >= 0 && want.WindowUsed != ev.Window.Used {
			t.Fatalf("window used = %d, oracle %d\n%s", ev.Window.Used, want.WindowUsed, h)
		}
		if want.PlannedViolation != ev.PlannedViolation.Date {
			t.Fatalf("planned violation = %s, oracle %s\n%s", ev.PlannedViolation.Date, want.PlannedViolation, h)
		}
	})
}

// TestInvariants checks properties any correct engine has.
func TestInvariants(t *testing.T) {
	packs := propertyPacks()
	lookup := lookupIn(packs)
	rapid.Check(t, func(t *rapid.T) {
		h, asOf := genHistory(t)
		c, err := Prepare(h, lookup)
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		ev := c.Evaluate(asOf)
		// overstay_days never falls as as_of moves later, unless a decision
		// made in between cures the past: a late application granted with
		// effect from the old expiry (8 CFR 214.1(c)(4)) does that.
		laterDate := asOf.AddDays(rapid.IntRange(1, 100).Draw(t, "later"))
		later := c.Evaluate(laterDate)
		decidedBetween := false
		for _, e := range h.Extensions {
			decidedBetween = decidedBetween || (e.Decided > asOf && e.Decided <= laterDate)
		}
		if !decidedBetween && later.OverstayDays < ev.OverstayDays {
			t.Fatalf("overstay_days fell from %d to %d\n%s", ev.OverstayDays, later.OverstayDays, h)
		}
		if ev.Window.Remaining < 0 {
			t.Fatalf("window remaining %d < 0", ev.Window.Remaining)
		}
		// An extra day of presence never lowers used.
		if n := len(h.Trips); n > 0 && h.Trips[n-1].Exit != 0 {
			h2 := h.Clone()
			h2.Trips[n-1].Exit++
			c2, err := Prepare(h2, lookup)
			if err != nil {
				t.Fatalf("Prepare longer: %v", err)
			}
			if u2 := c2.Evaluate(asOf).Window.Used; u2 < ev.Window.Used {
				t.Fatalf("one more day lowered used from %d to %d\n%s", ev.Window.Used, u2, h)
			}
		}
		// A granted extension never shortens the authorised stay: compare a
		// history without the application to one where it was granted.
		for i, e := range h.Extensions {
			without := h.Clone()
			without.Extensions = append(without.Extensions[:i:i], without.Extensions[i+1:]...)
			granted := h.Clone()
			granted.Extensions[i] = Extension{Filed: e.Filed, Outcome: Granted, Decided: e.Filed,
				GrantedDays: rapid.IntRange(1, 20).Draw(t, "gd")}
			c0, err0 := Prepare(without, lookup)
			c1, err1 := Prepare(granted, lookup)
			if err0 != nil || err1 != nil {
				t.Fatalf("Prepare: %v, %v", err0, err1)
			}
			ev0, ev1 := c0.Evaluate(asOf), c1.Evaluate(asOf)
			if ev1.OverstayDays > ev0.OverstayDays {
				t.Fatalf("granting added overstay days %d -> %d\n%s", ev0.OverstayDays, ev1.OverstayDays, granted)
			}
			if ev0.State == StateLawful && ev1.State == StateLawful && ev1.AuthorizedUntil < ev0.AuthorizedUntil {
				t.Fatalf("granting shortened the stay from %s to %s\n%s", ev0.AuthorizedUntil, ev1.AuthorizedUntil, granted)
			}
		}
	})
}

func ExamplePrepare() {
	packs := propertyPacks()
	h := &History{
		Grants: []Grant{{ID: "v", Rule: "window"}},
		Trips:  []Trip{{Entry: date.MustParse("2025-01-01"), Exit: date.MustParse("2025-01-08")}},
	}
	c, err := Prepare(h, lookupIn(packs))
	if err != nil {
		panic(err)
	}
	ev := c.Evaluate(date.MustParse("2025-01-05"))
	fmt.Println(ev.State, ev.AuthorizedUntil, ev.Window.Used)
	// Output: lawful 2025-01-10 5
}

// TestPlanAgreesWithOracle checks plans against the day-by-day model: a stay
// from the planned entry to latest_exit adds no unlawful day, one more day
// adds one, and when no stay is possible the earliest entry is the first day
// that allows one.
func TestPlanAgreesWithOracle(t *testing.T) {
	packs := propertyPacks()
	lookup := lookupIn(packs)
	rapid.Check(t, func(t *rapid.T) {
		h, _ := genHistory(t)
		last := date.MustParse("2024-01-01")
		for _, tr := range h.Trips {
			if tr.Exit == 0 {
				t.Skip("plans need a closed history")
			}
			last = max(last, tr.Exit)
		}
		enter := last.AddDays(rapid.IntRange(1, 60).Draw(t, "after"))
		grant := rapid.SampledFrom(h.Grants).Draw(t, "plan grant").ID
		if visaDayLostAcrossGrants(h, packs, grant) {
			t.Skip("known disagreement, see TestVisaExitDayUnderAnotherGrant")
		}
		pl, err := PlanEntry(h, lookup, enter, grant)
		if err != nil {
			t.Fatalf("PlanEntry: %v", err)
		}
		// added is how many unlawful days a trip from entry to exit adds,
		// judged on its exit day.
		added := func(entry, exit date.Date) int {
			h2 := h.Clone()
			h2.Trips = append(h2.Trips, Trip{Entry: entry, Exit: exit, Grant: grant})
			return naiveEvaluate(h2, packs, exit).OverstayDays - naiveEvaluate(h, packs, exit).OverstayDays
		}
		if pl.MaxStayDays > 0 {
			if got := added(enter, pl.LatestExit); got != 0 {
				t.Fatalf("a stay to latest_exit %s adds %d unlawful days\n%s", pl.LatestExit, got, h)
			}
			if got := added(enter, pl.LatestExit+1); got != 1 {
				t.Fatalf("one day past latest_exit %s adds %d unlawful days, want 1\n%s", pl.LatestExit, got, h)
			}
			if pl.MaxStayDays != pl.LatestExit.Sub(enter)+1 {
				t.Fatalf("max_stay_days %d for %s to %s", pl.MaxStayDays, enter, pl.LatestExit)
			}
			return
		}
		if got := added(enter, enter); got == 0 {
			t.Fatalf("max_stay_days 0 but entering on %s alone is lawful\n%s", enter, h)
		}
		if e := pl.EarliestEntry; e != 0 {
			if got := added(e, e.AddDays(pl.EarliestStayDays-1)); got != 0 {
				t.Fatalf("the earliest stay %s for %d days adds unlawful days\n%s", e, pl.EarliestStayDays, h)
			}
			if e > enter {
				if got := added(e-1, e-1); got == 0 {
					t.Fatalf("earliest entry %s, but %s is lawful too\n%s", e, e-1, h)
				}
			}
		}
	})
}

// visaDayLostAcrossGrants reports whether h has the shape of the
// disagreement TestVisaExitDayUnderAnotherGrant pins down: a trip on a visa
// leaves on the day a trip on another grant enters, and the visa is used
// again later (by a later trip, or by a planned entry on grant planned).
// The engine does not count that exit day against the visa; the oracle
// does. The properties skip such histories so that they keep checking
// everything else; remove this once the engine and the oracle agree.
func visaDayLostAcrossGrants(h *History, packs map[string]*rules.Pack, planned string) bool {
	for _, a := range h.Trips {
		g := h.Grants[0]
		for _, x := range h.Grants {
			if x.ID == a.Grant {
				g = x
			}
		}
		if p := packs[g.Rule]; p.Visa == nil || g.ValidUntil == 0 || a.Exit == 0 {
			continue
		}
		shared, later := false, planned == g.ID
		for _, b := range h.Trips {
			shared = shared || (b.Entry == a.Exit && b.Grant != a.Grant)
			later = later || (b.Grant == a.Grant && b.Entry >= a.Exit && b != a)
		}
		if shared && later {
			return true
		}
	}
	return false
}

// TestVisaExitDayUnderAnotherGrant: a day on which a stay under visa g
// ends and a stay under another grant begins is a day of stay under g
// (Regulation (EU) 2016/399 Art. 6(2): the date of exit is the last day of
// stay; Visa Code Art. 24(1): the visa's duration counts its days of stay),
// though the 90/180 window counts it once. So a one-day visa used on 1
// January leaves nothing for 2 January. The engine gives the shared day to
// the entering grant only and lets g be used again.
func TestVisaExitDayUnderAnotherGrant(t *testing.T) {
	packs := propertyPacks()
	lookup := lookupIn(packs)
	h := &History{
		Grants: []Grant{
			{ID: "g", Rule: "visa", ValidFrom: date.MustParse("2024-01-01"), ValidUntil: date.MustParse("2024-01-02"), StayDays: 1},
			{ID: "h", Rule: "visa"},
		},
		Trips: []Trip{
			{Entry: date.MustParse("2024-01-01"), Exit: date.MustParse("2024-01-01"), Grant: "g"},
			{Entry: date.MustParse("2024-01-01"), Exit: date.MustParse("2024-01-01"), Grant: "h"},
			{Entry: date.MustParse("2024-01-02"), Exit: date.MustParse("2024-01-02"), Grant: "g"},
		},
	}
	asOf := date.MustParse("2024-01-02")
	want := naiveEvaluate(h, packs, asOf)
	if want.State != "overstay" || want.OverstayDays != 1 {
		t.Fatalf("oracle: %+v, want an overstay of 1 day", want)
	}
	c, err := Prepare(h, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if ev := c.Evaluate(asOf); string(ev.State) != want.State || ev.OverstayDays != want.OverstayDays {
		t.Errorf("on %s: state %s, overstay_days %d; oracle %s, %d\n%s", asOf, ev.State, ev.OverstayDays, want.State, want.OverstayDays, h)
	}
	// The same as a plan: entering on g on 2 January allows no stay.
	base := h.Clone()
	base.Trips = base.Trips[:2]
	pl, err := PlanEntry(base, lookup, asOf, "g")
	if err != nil {
		t.Fatal(err)
	}
	if pl.MaxStayDays != 0 {
		t.Errorf("plan on g from %s: max_stay_days %d (latest exit %s), want 0: g's one day was 1 January\n%s", asOf, pl.MaxStayDays, pl.LatestExit, base)
	}
}
