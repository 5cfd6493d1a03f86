package stay

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

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
	g.ValidFrom = start.AddDays(rapid.IntRange(-30, 5).Draw(t, label+"vf"))
	g.ValidUntil = g.ValidFrom.AddDays(rapid.IntRange(0, 150).Draw(t, label+"vu"))
	g.StayDays = rapid.IntRange(1, 90).Draw(t, label+"days")
	g.Entries = rapid.SampledFrom([]rules.Count{0, 1, 2, 3, rules.Multiple, rules.Multiple}).Draw(t, label+"entries")
}

func lookupIn(packs map[string]*rules.Pack) Lookup {
	return func(id string) (*rules.Pack, bool) { p, ok := packs[id]; return p, ok }
}

func genHistory(t *rapid.T) (*History, date.Date) {
	// The visa packs twice: a visa's days hold more cases.
	packs := []string{"window", "stay", "both", "year", "visa", "visa-small", "visa", "visa-small"}
	pack := rapid.SampledFrom(packs).Draw(t, "pack")
	start := date.MustParse("2024-01-01").AddDays(rapid.IntRange(0, 700).Draw(t, "start"))
	g := Grant{ID: "g", Rule: pack}
	if rapid.Bool().Draw(t, "validity") || (isVisaPack(pack) && rapid.Bool().Draw(t, "visa")) {
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
		// In an overstay that began after some lawful days of the present
		// stay, the last of them. (When the stay had none, the engine
		// gives the last day the grant allowed, or nothing if the entry
		// was not allowed; the oracle, the day before entry.) Not under a
		// calendar-year cap: a stay that crosses a new year is lawful
		// again until the new count passes the cap, and the engine reports
		// the last lawful day before the present overstay, the oracle the
		// last before the stay's first unlawful day
		// (TestYearCapOverstayBegins checks the engine's reading).
		if ev.State == StateOverstay && want.AuthorizedUntil >= subjectEntry(h, asOf) && packs[ev.Rule].YearCap == nil &&
			want.AuthorizedUntil != ev.AuthorizedUntil {
			t.Fatalf("overstay: authorized_until = %s, oracle %s\n%s", ev.AuthorizedUntil, want.AuthorizedUntil, h)
		}
		// The days a visa has left at each entry, as the explanation
		// states them: its duration less the days already spent under it.
		for _, s := range ev.Explanation {
			if s.Kind != StepVisaStay {
				continue
			}
			tr := h.Trips[s.Trip]
			g := h.Grants[0]
			for _, x := range h.Grants {
				if x.ID == tr.Grant {
					g = x
				}
			}
			if left := max(0, g.StayDays-naiveVisaDaysBefore(h, g.ID, tr.Entry, asOf)); s.N2 != left {
				t.Fatalf("trips[%d] entering %s on visa %s: %d days left, oracle %d\n%s", s.Trip, tr.Entry, g.ID, s.N2, left, h)
			}
		}
		if want.WindowUsed >= 0 && want.WindowUsed != ev.Window.Used {
			t.Fatalf("window used = %d, oracle %d\n%s", ev.Window.Used, want.WindowUsed, h)
		}
		if want.PlannedViolation != ev.PlannedViolation.Date {
			t.Fatalf("planned violation = %s, oracle %s\n%s", ev.PlannedViolation.Date, want.PlannedViolation, h)
		}
	})
}

// subjectEntry is the entry day of the trip present on asOf (the one
// entering, on a shared day); 0 when none is.
func subjectEntry(h *History, asOf date.Date) date.Date {
	e := date.Date(0)
	for _, tr := range h.Trips {
		if tr.Entry <= asOf && (tr.Exit == 0 || asOf <= tr.Exit) {
			e = max(e, tr.Entry)
		}
	}
	return e
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
		// While a timely application is pending, no leaving is due
		// unless it is refused.
		pending := ev.State == StatePending ||
			(ev.State == StateLawful && naiveEvaluate(h, packs, asOf).PendingFiled != 0)
		checkPendingAdvice(t, ev, pending, h)
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
			if got := added(e, e.AddDays(pl.EarliestStayDays)); got != 1 {
				t.Fatalf("one day past the earliest stay %s for %d days adds %d unlawful days, want 1\n%s", e, pl.EarliestStayDays, got, h)
			}
			if e > enter {
				if got := added(e-1, e-1); got == 0 {
					t.Fatalf("earliest entry %s, but %s is lawful too\n%s", e, e-1, h)
				}
			}
		}
	})
}

// TestVisaExitDayUnderAnotherGrant: a day on which a stay under visa g
// ends and a stay under another grant begins is a day of stay under g
// (Regulation (EU) 2016/399 Art. 6(2): the date of exit is the last day of
// stay; Visa Code Art. 24(1): the visa's duration counts its days of stay),
// though the 90/180 window counts it once. So a one-day visa used on 1
// January leaves nothing for 2 January. (The engine once gave the shared
// day to the entering grant only and let g be used again; the property
// tests found it.)
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

// fataler is what the property helpers need of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkPendingAdvice checks that while a timely application is pending
// (pending: the state is pending, or lawful with such an application),
// nothing tells the person to leave unless it is refused: every leave_by
// and leave_now is conditional, and so is every must_leave_by deadline.
func checkPendingAdvice(t fataler, ev *Evaluation, pending bool, h *History) {
	t.Helper()
	if !pending {
		return
	}
	for _, a := range ev.NextActions {
		if (a.Kind == ActLeaveBy || a.Kind == ActLeaveNow) && a.Condition != IfRefused {
			t.Fatalf("%s on %s while a timely application is pending: %s %s with condition %q, want %q\n%s",
				ev.State, ev.AsOf, a.Kind, a.Date, a.Condition, IfRefused, h)
		}
	}
	for _, d := range ev.Deadlines {
		if d.Kind == MustLeaveBy && d.Condition != IfRefused {
			t.Fatalf("%s on %s while a timely application is pending: must_leave_by %s with condition %q, want %q\n%s",
				ev.State, ev.AsOf, d.Date, d.Condition, IfRefused, h)
		}
	}
}

// CheckPendingAdvice is checkPendingAdvice for the receipt properties of
// package stay_test.
var CheckPendingAdvice = checkPendingAdvice

// CheckReceipt is checkReceipt for package stay_test.
var CheckReceipt = checkReceipt

// checkReceipt checks the acceptance receipt of an evaluation against the
// day-by-day walk: filed is the filing day of the timely application the
// present stay rests on (0 when none), n the receipt's working days.
// Without such an application there is no receipt deadline and no receipt
// action. With one, the deadline receipt_expires falls on the walk's date,
// and the next action is await_decision until that day and
// return_to_office after it; when the walk reaches a year the calendar does
// not cover, there is no deadline, a receipt_unknown step names that year,
// and await_decision is marked unknown.
func checkReceipt(t fataler, ev *Evaluation, filed date.Date, n int, h *History) {
	t.Helper()
	var receipts []Deadline
	for _, d := range ev.Deadlines {
		if d.Kind == ReceiptExpires {
			receipts = append(receipts, d)
		}
	}
	var acts []NextAction
	for _, a := range ev.NextActions {
		if a.Kind == ActAwaitDecision || a.Kind == ActReturnToOffice {
			acts = append(acts, a)
		}
	}
	stepOf := func(k StepKind) *Step {
		for i := range ev.Explanation {
			if s := &ev.Explanation[i]; s.Kind == k && s.D1 == filed {
				return s
			}
		}
		return nil
	}
	if filed == 0 {
		if len(receipts) != 0 || len(acts) != 0 {
			t.Fatalf("%s on %s with no timely application pending: receipt deadlines %v, actions %v\n%s", ev.State, ev.AsOf, receipts, acts, h)
		}
		return
	}
	end, year := naiveReceiptEnd(filed, n)
	if len(acts) != 1 {
		t.Fatalf("%s on %s, filed %s: receipt actions %v, want one\n%s", ev.State, ev.AsOf, filed, acts, h)
	}
	a := acts[0]
	if year != 0 {
		s := stepOf(StepReceiptUnknown)
		switch {
		case len(receipts) != 0:
			t.Fatalf("filed %s, %d working days: receipt_expires %s, but the walk reaches %d, which the calendar does not cover\n%s", filed, n, receipts[0].Date, year, h)
		case s == nil:
			t.Fatalf("filed %s, %d working days: no receipt_unknown step, though the walk reaches %d\n%s", filed, n, year, h)
		case s.S != strconv.Itoa(year):
			t.Fatalf("filed %s: receipt_unknown names %s, the walk first misses %d\n%s", filed, s.S, year, h)
		case a.Kind != ActAwaitDecision || !a.Unknown || a.Date != 0:
			t.Fatalf("filed %s, receipt end unknown: action %+v, want await_decision, unknown, no date\n%s", filed, a, h)
		}
		return
	}
	if len(receipts) != 1 || receipts[0].Date != end {
		t.Fatalf("filed %s, %d working days: receipt deadlines %v, walk %s\n%s", filed, n, receipts, end, h)
	}
	if stepOf(StepReceiptUnknown) != nil {
		t.Fatalf("filed %s: a receipt_unknown step, though the walk gives %s\n%s", filed, end, h)
	}
	want := ActAwaitDecision
	if end < ev.AsOf {
		want = ActReturnToOffice
	}
	if a.Kind != want || a.Date != end || a.Unknown {
		t.Fatalf("on %s, receipt valid until %s: action %+v, want %s on %s\n%s", ev.AsOf, end, a, want, end, h)
	}
	if expired := slices.ContainsFunc(ev.Explanation, func(s Step) bool { return s.Kind == StepReceiptExpired && s.D2 == end }); expired != (end < ev.AsOf) {
		t.Fatalf("on %s, receipt valid until %s: receipt_expired step %v\n%s", ev.AsOf, end, expired, h)
	}
}

// genPRCPack is a PRC-like pack with an acceptance receipt: a stay in days
// from the visa, extensions filed some days before it ends, presence
// lawful while a timely one is pending, and a receipt of some working days
// on the cn calendar. It has no extension cap, which the oracle does not
// model.
func genPRCPack(t *rapid.T) *rules.Pack {
	r := func(id string) rules.Rule { return rules.Rule{ID: id, Citation: "test"} }
	pending := r("pending")
	closes := rapid.IntRange(0, 10).Draw(t, "closes")
	opens := 0
	if rapid.IntRange(0, 3).Draw(t, "opens") == 0 {
		opens = closes + rapid.IntRange(1, 30).Draw(t, "opens days")
	}
	p := &rules.Pack{ID: "prc", Version: "1", Title: "PRC-like", Jurisdiction: "CN", Source: "law",
		Stay: &rules.Stay{Rule: r("stay"), Unit: rules.UnitDays, MaxLength: 180,
			EntryDayCounts: rapid.Bool().Draw(t, "entry day counts")},
		Entries: &rules.Entries{Rule: r("entries"),
			Default: rapid.SampledFrom([]rules.Count{1, 2, rules.Multiple}).Draw(t, "default entries")},
		Extension: &rules.Extension{Rule: r("ext"), ClosesDaysBefore: closes, OpensDaysBefore: opens,
			MaxCount: rapid.IntRange(0, 3).Draw(t, "max count"),
			Pending:  &pending,
			Refusal:  &rules.Refusal{Rule: r("refused"), LawfulThrough: rules.LawfulThroughDecision},
			Receipt: &rules.Receipt{Rule: r("receipt"), Calendar: "cn",
				WorkingDays: rapid.OneOf(rapid.Just(7), rapid.IntRange(1, 60)).Draw(t, "working days")}},
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("genPRCPack: %v", err)
	}
	return p
}

// genReceiptAnchor is a day to file on: anywhere from late 2012 to early
// 2027 (the calendar covers 2013-2026), or near a year's end or the
// National Day and Spring Festival holidays, where the walk crosses days
// off and make-up working days or leaves the calendar.
func genReceiptAnchor(t *rapid.T) date.Date {
	year := rapid.IntRange(2012, 2026).Draw(t, "anchor year")
	switch rapid.IntRange(0, 3).Draw(t, "anchor kind") {
	case 0:
		return date.MustParse("2012-10-01").AddDays(rapid.IntRange(0, 14*365+200).Draw(t, "anchor day"))
	case 1:
		// The calendar's edges half the time.
		if rapid.Bool().Draw(t, "edge") {
			year = rapid.SampledFrom([]int{2012, 2026}).Draw(t, "edge year")
		}
		return date.MustOf(year, time.December, 1).AddDays(rapid.IntRange(0, 45).Draw(t, "year end"))
	case 2:
		return date.MustOf(year, time.September, 15).AddDays(rapid.IntRange(0, 30).Draw(t, "national day"))
	default:
		return date.MustOf(year, time.January, 15).AddDays(rapid.IntRange(0, 45).Draw(t, "spring festival"))
	}
}

// genPRCHistory is a history on pack prc whose main trip has an
// application filed on or near a drawn day, maybe after others that were
// decided, and maybe with a later one; sometimes an earlier trip (also on
// the day of entry) and a later, planned one.
func genPRCHistory(t *rapid.T, p *rules.Pack) (*History, date.Date) {
	anchor := genReceiptAnchor(t)
	g := Grant{ID: "q", Rule: p.ID, StayDays: rapid.IntRange(1, 180).Draw(t, "stay days")}
	// Filed mostly in time, sometimes a little late.
	latest := g.StayDays + 15
	if rapid.IntRange(0, 3).Draw(t, "late") > 0 {
		latest = max(0, g.StayDays-boolInt(p.Stay.EntryDayCounts)-p.Extension.ClosesDaysBefore)
	}
	entry := anchor.AddDays(-rapid.IntRange(0, latest).Draw(t, "days before filing"))
	if rapid.IntRange(0, 3).Draw(t, "validity") == 0 {
		g.ValidFrom = entry.AddDays(rapid.IntRange(-100, 3).Draw(t, "vf"))
		g.ValidUntil = g.ValidFrom.AddDays(rapid.IntRange(0, 365).Draw(t, "vu"))
	}
	if rapid.Bool().Draw(t, "own entries") {
		g.Entries = rapid.SampledFrom([]rules.Count{1, 2, rules.Multiple}).Draw(t, "entries")
	}
	h := &History{Grants: []Grant{g}}
	lo := entry // first day an application of the main trip may be filed
	if rapid.IntRange(0, 3).Draw(t, "earlier trip") == 0 {
		exit := entry.AddDays(-rapid.IntRange(0, 40).Draw(t, "gap before"))
		h.Trips = append(h.Trips, Trip{Entry: exit.AddDays(-rapid.IntRange(0, 60).Draw(t, "earlier len")), Exit: exit})
		if exit == entry {
			lo++ // a filing on a shared day is ambiguous (see genHistory)
		}
	}
	main := Trip{Entry: entry}
	filed := max(anchor, lo)
	// Decided applications before the pending one.
	for i := rapid.IntRange(0, 2).Draw(t, "decided"); i > 0 && lo <= filed; i-- {
		f := lo.AddDays(rapid.IntRange(0, filed.Sub(lo)).Draw(t, "decided filed"))
		e := Extension{Filed: f, Decided: f.AddDays(rapid.IntRange(0, filed.Sub(f)).Draw(t, "decided on"))}
		if rapid.Bool().Draw(t, "granted") {
			e.Outcome, e.GrantedDays = Granted, rapid.IntRange(1, 60).Draw(t, "granted days")
		} else {
			e.Outcome = Refused
		}
		h.Extensions = append(h.Extensions, e)
	}
	last := filed
	if rapid.IntRange(0, 4).Draw(t, "pending") > 0 {
		h.Extensions = append(h.Extensions, Extension{Filed: filed, Outcome: Pending})
		if rapid.Bool().Draw(t, "second pending") {
			last = filed.AddDays(rapid.IntRange(1, 10).Draw(t, "second filed"))
			h.Extensions = append(h.Extensions, Extension{Filed: last, Outcome: Pending})
		}
	}
	asOf := filed.AddDays(rapid.IntRange(0, 45).Draw(t, "asof"))
	if end, _ := naiveReceiptEnd(filed, p.Extension.Receipt.WorkingDays); end != 0 && rapid.IntRange(0, 3).Draw(t, "near receipt end") == 0 {
		asOf = end.AddDays(rapid.IntRange(-1, 1).Draw(t, "from receipt end"))
	}
	if rapid.IntRange(0, 7).Draw(t, "before filing") == 0 {
		asOf = filed.AddDays(-rapid.IntRange(1, 3).Draw(t, "days before"))
	}
	if rapid.Bool().Draw(t, "closed") {
		main.Exit = max(last, asOf).AddDays(rapid.IntRange(0, 30).Draw(t, "exit after"))
		if rapid.IntRange(0, 7).Draw(t, "left") == 0 {
			main.Exit = max(last, asOf.AddDays(-rapid.IntRange(1, 3).Draw(t, "left before")))
		}
	}
	h.Trips = append(h.Trips, main)
	if main.Exit != 0 && rapid.Bool().Draw(t, "later trip") {
		in := main.Exit.AddDays(rapid.IntRange(1, 30).Draw(t, "gap after"))
		h.Trips = append(h.Trips, Trip{Entry: in, Exit: in.AddDays(rapid.IntRange(0, 30).Draw(t, "later len"))})
	}
	return h, asOf
}

// TestReceiptAgreesWithWalk checks acceptance receipts on random PRC-like
// histories: the receipt_expires date is the walk's (naiveReceiptEnd), or
// absent with a receipt_unknown step exactly when the walk leaves the
// calendar; await_decision until it and return_to_office after it; the
// receipt changes nothing else (the state, the dates and the overstay still
// agree with the oracle, which knows no receipts, and with the same pack
// without one); and no unconditional leave while the application is
// pending.
func TestReceiptAgreesWithWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genPRCPack(t)
		h, asOf := genPRCHistory(t, p)
		packs := map[string]*rules.Pack{p.ID: p}
		c, err := Prepare(h, lookupIn(packs))
		if err != nil {
			t.Fatalf("Prepare: %v\n%s", err, h)
		}
		ev := c.Evaluate(asOf)
		want := naiveEvaluate(h, packs, asOf)
		if string(ev.State) != want.State || ev.OverstayDays != want.OverstayDays || ev.PlannedViolation.Date != want.PlannedViolation {
			t.Fatalf("state %s, overstay_days %d, planned violation %s; oracle %s, %d, %s\n%s",
				ev.State, ev.OverstayDays, ev.PlannedViolation.Date, want.State, want.OverstayDays, want.PlannedViolation, h)
		}
		if (ev.State == StateLawful || ev.State == StatePending) && ev.AuthorizedUntil != want.AuthorizedUntil {
			t.Fatalf("authorized_until %s, oracle %s\n%s", ev.AuthorizedUntil, want.AuthorizedUntil, h)
		}
		filed := date.Date(0)
		if ev.State == StateLawful || ev.State == StatePending {
			filed = want.PendingFiled
		}
		checkReceipt(t, ev, filed, p.Extension.Receipt.WorkingDays, h)
		checkPendingAdvice(t, ev, filed != 0, h)

		// The same pack without a receipt: everything but the receipt's
		// deadline and action is the same.
		noReceipt := *p
		x := *p.Extension
		x.Receipt = nil
		noReceipt.Extension = &x
		c0, err := Prepare(h, lookupIn(map[string]*rules.Pack{p.ID: &noReceipt}))
		if err != nil {
			t.Fatalf("Prepare without receipt: %v", err)
		}
		ev0 := c0.Evaluate(asOf)
		if ev0.State != ev.State || ev0.AuthorizedUntil != ev.AuthorizedUntil || ev0.Since != ev.Since ||
			ev0.OverstayDays != ev.OverstayDays || ev0.PlannedViolation != ev.PlannedViolation {
			t.Fatalf("the receipt changed the answer: %s %s since %s, %d days; without it %s %s since %s, %d days\n%s",
				ev.State, ev.AuthorizedUntil, ev.Since, ev.OverstayDays, ev0.State, ev0.AuthorizedUntil, ev0.Since, ev0.OverstayDays, h)
		}
		notReceipt := func(d Deadline) bool { return d.Kind == ReceiptExpires }
		if a, b := slices.DeleteFunc(slices.Clone(ev.Deadlines), notReceipt), ev0.Deadlines; !slices.Equal(a, b) {
			t.Fatalf("the receipt changed the deadlines: %v; without it %v\n%s", a, b, h)
		}
		notAwait := func(a NextAction) bool { return a.Kind == ActAwaitDecision || a.Kind == ActReturnToOffice }
		if a, b := slices.DeleteFunc(slices.Clone(ev.NextActions), notAwait), slices.DeleteFunc(slices.Clone(ev0.NextActions), notAwait); !slices.Equal(a, b) {
			t.Fatalf("the receipt changed the other actions: %v; without it %v\n%s", a, b, h)
		}
	})
}

// TestVisaDayCountedOnceAcrossGrants: a visa's days are calendar days,
// each counted once however often the person crosses on it (Regulation
// (EU) 2016/399 Art. 6(2); Visa Code Art. 24(1)). Here visa g (2 days) is
// used on 1 January, the person crosses on grant h and back onto g the
// same day, and stays on g to 2 January: g has used 1 and 2 January, two
// days, so 2 January is lawful. (The engine once counted 1 January twice
// here; the oracle's days-left check found it.)
func TestVisaDayCountedOnceAcrossGrants(t *testing.T) {
	packs := propertyPacks()
	h := &History{
		Grants: []Grant{
			{ID: "g", Rule: "visa", ValidFrom: date.MustParse("2024-01-01"), ValidUntil: date.MustParse("2024-01-31"), StayDays: 2},
			{ID: "h", Rule: "visa"},
		},
		Trips: []Trip{
			{Entry: date.MustParse("2024-01-01"), Exit: date.MustParse("2024-01-01"), Grant: "g"},
			{Entry: date.MustParse("2024-01-01"), Exit: date.MustParse("2024-01-01"), Grant: "h"},
			{Entry: date.MustParse("2024-01-01"), Exit: date.MustParse("2024-01-02"), Grant: "g"},
		},
	}
	asOf := date.MustParse("2024-01-02")
	want := naiveEvaluate(h, packs, asOf)
	if want.State != "lawful" || want.AuthorizedUntil != asOf || want.OverstayDays != 0 {
		t.Fatalf("oracle: %+v, want lawful until %s", want, asOf)
	}
	c, err := Prepare(h, lookupIn(packs))
	if err != nil {
		t.Fatal(err)
	}
	if ev := c.Evaluate(asOf); string(ev.State) != want.State || ev.AuthorizedUntil != want.AuthorizedUntil || ev.OverstayDays != 0 {
		t.Errorf("on %s: %s until %s, overstay_days %d; oracle lawful until %s\n%s", asOf, ev.State, ev.AuthorizedUntil, ev.OverstayDays, want.AuthorizedUntil, h)
	}
}

// TestYearCapOverstayBegins: when only a calendar-year cap makes presence
// unlawful, the overstay begins the day after the cap's last day, and a
// new year's count starts the day over. Cap 20 days, entry 1 January: 20
// January is the last lawful day. (The engine once gave the day before
// as_of.)
func TestYearCapOverstayBegins(t *testing.T) {
	packs := propertyPacks()
	for _, tt := range []struct {
		entry, asOf, until, since string
	}{
		{"2024-01-01", "2024-01-22", "2024-01-20", "2024-01-21"},
		{"2025-12-01", "2026-01-25", "2026-01-20", "2026-01-21"},
	} {
		h := &History{Grants: []Grant{{ID: "g", Rule: "year"}}, Trips: []Trip{{Entry: d(tt.entry)}}}
		c, err := Prepare(h, lookupIn(packs))
		if err != nil {
			t.Fatal(err)
		}
		ev := c.Evaluate(d(tt.asOf))
		if ev.State != StateOverstay || ev.AuthorizedUntil != d(tt.until) || ev.Since != d(tt.since) {
			t.Errorf("entry %s on %s: %s, until %s, since %s; want overstay until %s since %s", tt.entry, tt.asOf, ev.State, ev.AuthorizedUntil, ev.Since, tt.until, tt.since)
		}
	}
}
