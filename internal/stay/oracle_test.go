package stay

// This file is the test oracle: an independent, deliberately naive reference
// model of the stay-status engine. It follows the documented semantics
// literally, walking the calendar one day at a time and recounting presence
// from scratch for every day it judges. It favours being obviously correct
// over being fast, and it shares no code with the engine, so property tests
// can compare the two.
//
// Inputs are assumed valid: trips sorted by entry and not overlapping except
// that a trip may enter on the previous trip's exit day; only the last trip
// may lack an exit; a trip's or extension's Grant names a grant, or is empty
// when there is exactly one grant; Person is nil; rollover is unused.
//
// Semantics, in short:
//   - A day is present if some trip has entry <= day <= exit; an open trip
//     (no exit) is present on [entry, max(entry, asOf)]. A day shared by an
//     exit and a re-entry counts once, and is judged under the trip that
//     enters on it. Windows and year caps count only presence in the area
//     (pack Area, else Jurisdiction) of the trip being judged.
//   - A day of a trip is unlawful if the entry was not allowed (validity or
//     number of entries), if it is past the stay limit (after extensions
//     known at asOf) and no timely application is pending, or if it breaks
//     the pack's rolling window or calendar-year cap.
//   - A visa (a grant with ValidUntil under a pack with Visa and no Stay)
//     adds: a day after ValidUntil is unlawful, and so is a day on which the
//     days present under that grant so far, counted as a set of calendar
//     days over all its trips with both the entry and the exit day, exceed
//     its StayDays. A day shared by an exit under one grant and an entry
//     under another is a day of each grant (it was a day of stay under the
//     grant left that day), though the area counts it once. A visa for
//     more than one entry that states the window's whole limit, or is valid
//     longer than the window, is not counted so: its validity and the
//     window bound it (Visa Code Art. 24(2)).

import (
	"errors"
	"slices"
	"testing"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/rules"
	"visaclock/internal/workdays"
)

// naiveResult is what the oracle says about a history on one day.
type naiveResult struct {
	State            string    // "absent", "lawful", "pending", "overstay"
	AuthorizedUntil  date.Date // 0 when absent
	OverstayDays     int
	WindowUsed       int       // -1 when the subject pack has no Window
	PlannedViolation date.Date // 0 when none
	// PendingFiled is the filing day of the latest timely application pending
	// on asOf on the trip present on asOf (the one a receipt is issued
	// for); 0 when none protects it.
	PendingFiled date.Date
}

// naiveTrip is one trip with everything the oracle derives for it.
type naiveTrip struct {
	entry date.Date
	last  date.Date // last present day: the exit, or max(entry, asOf) when open
	pack  *rules.Pack
	area  string
	grant string // the grant's ID

	// visa: the grant is a visa (rules.Pack.Visa, ValidUntil set), which
	// ends presence after validUntil and after stayDays days under it.
	visa       bool
	validUntil date.Date
	stayDays   int
	// rolling: a multiple-entry visa that states the window's whole limit
	// or is valid longer than the window; its days are not counted over
	// its validity, the rolling window bounds it instead.
	rolling bool

	entryAllowed bool      // rule a
	hasStayLimit bool      // the pack has a Stay
	until        date.Date // rule b: the last day of the stay limit, as known at asOf
	protected    bool      // rule b: a timely application is pending at asOf
	pendingFiled date.Date // the latest such application's filing day
}

// naiveHorizon is how far past asOf the oracle walks looking for the end of
// the authorised stay.
const naiveHorizon = 4000

// naiveEvaluate is the oracle. It evaluates h on asOf (h.AsOf is ignored),
// reading each grant's pack from packs by the grant's Rule.
func naiveEvaluate(h *History, packs map[string]*rules.Pack, asOf date.Date) naiveResult {
	grantOf := func(id string) Grant {
		if id == "" {
			return h.Grants[0]
		}
		for _, g := range h.Grants {
			if g.ID == id {
				return g
			}
		}
		panic("oracle: no grant " + id)
	}
	packOf := func(g Grant) *rules.Pack {
		p := packs[g.Rule]
		if p == nil {
			panic("oracle: no pack " + g.Rule)
		}
		return p
	}

	// Per-trip facts.
	trips := make([]*naiveTrip, len(h.Trips))
	entriesSoFar := map[string]int{} // grant id -> trips on it so far
	for i, tr := range h.Trips {
		g := grantOf(tr.Grant)
		p := packOf(g)
		t := &naiveTrip{entry: tr.Entry, last: tr.Exit, pack: p, area: naiveArea(p), grant: g.ID}
		if tr.Exit == 0 {
			t.last = max(tr.Entry, asOf)
		}
		if p.Stay == nil && p.Visa != nil && g.ValidUntil != 0 {
			t.visa, t.validUntil, t.stayDays = true, g.ValidUntil, g.StayDays
		}

		// Rule a: is the entry allowed?
		entriesSoFar[g.ID]++
		k := entriesSoFar[g.ID]
		allowed := rules.Multiple
		if g.Entries != 0 {
			allowed = g.Entries
		} else if p.Entries != nil {
			allowed = p.Entries.Default
		}
		t.entryAllowed = true
		if g.ValidFrom != 0 && tr.Entry < g.ValidFrom {
			t.entryAllowed = false
		}
		if g.ValidUntil != 0 && tr.Entry > g.ValidUntil {
			t.entryAllowed = false
		}
		if allowed != rules.Multiple && k > int(allowed) {
			t.entryAllowed = false
		}
		if w := p.Window; t.visa && w != nil && allowed != 1 &&
			(g.StayDays >= w.Limit || (g.ValidFrom != 0 && int(g.ValidUntil)-int(g.ValidFrom)+1 > w.Length)) {
			t.rolling = true
		}

		// Rule b: the stay limit and its extensions.
		if p.Stay != nil {
			t.hasStayLimit = true
			var mine []Extension
			for _, x := range h.Extensions {
				if grantOf(x.Grant).ID != g.ID {
					continue
				}
				if x.Filed < tr.Entry || (tr.Exit != 0 && x.Filed > tr.Exit) {
					continue
				}
				if x.Filed > asOf {
					continue
				}
				mine = append(mine, x)
			}
			slices.SortStableFunc(mine, func(a, b Extension) int { return int(a.Filed) - int(b.Filed) })
			t.until, t.pendingFiled = naiveStayLimit(tr.Entry, g, p, mine, asOf)
			t.protected = t.pendingFiled != 0
		}
		trips[i] = t
	}

	// Presence, per area and per grant.
	present := map[string]map[date.Date]bool{}
	byGrant := map[string]map[date.Date]bool{}
	for _, t := range trips {
		if present[t.area] == nil {
			present[t.area] = map[date.Date]bool{}
		}
		if byGrant[t.grant] == nil {
			byGrant[t.grant] = map[date.Date]bool{}
		}
		for d := t.entry; d <= t.last; d++ {
			present[t.area][d] = true
			byGrant[t.grant][d] = true
		}
	}
	// days is the presence a trip's day is judged against.
	days := func(t *naiveTrip) naiveDays {
		return naiveDays{area: present[t.area], grant: byGrant[t.grant]}
	}

	// judge returns the trip that judges day d: the one present on d, or on
	// a shared exit/entry day the one entering; nil when absent.
	judge := func(d date.Date) *naiveTrip {
		var found *naiveTrip
		for _, t := range trips {
			if t.entry <= d && d <= t.last {
				found = t
			}
		}
		return found
	}

	var res naiveResult

	// Overstay days: present days up to asOf that are unlawful.
	if len(trips) > 0 {
		for d := trips[0].entry; d <= asOf; d++ {
			if t := judge(d); t != nil && naiveUnlawful(t, d, days(t), true) {
				res.OverstayDays++
			}
		}
	}

	// Planned violation: the first present day after asOf that is unlawful.
	lastPresent := date.Date(0)
	for _, t := range trips {
		lastPresent = max(lastPresent, t.last)
	}
	for d := asOf.AddDays(1); d <= lastPresent; d++ {
		if t := judge(d); t != nil && naiveUnlawful(t, d, days(t), true) {
			res.PlannedViolation = d
			break
		}
	}

	// Subject trip and the pack whose window is reported.
	subject := judge(asOf)
	var subjectPack *rules.Pack
	if subject != nil {
		subjectPack = subject.pack
	} else {
		for _, t := range trips {
			if t.entry <= asOf {
				subjectPack = t.pack
			}
		}
		if subjectPack == nil && len(h.Grants) > 0 {
			subjectPack = packOf(h.Grants[0])
		}
	}

	res.WindowUsed = -1
	if subjectPack != nil && subjectPack.Window != nil {
		res.WindowUsed = naiveCount(present[naiveArea(subjectPack)], asOf.AddDays(-subjectPack.Window.Length+1), asOf)
	}

	if subject == nil {
		res.State = "absent"
		return res
	}

	// Authorised until: stay on continuously from asOf, ignore later trips and
	// the planned exit, ignore protection; the day before the first unlawful
	// day from entry.
	hypo := naiveDays{area: map[date.Date]bool{}, grant: map[date.Date]bool{}}
	for d, ok := range present[subject.area] {
		if ok && d <= asOf {
			hypo.area[d] = true
		}
	}
	for d, ok := range byGrant[subject.grant] {
		if ok && d <= asOf {
			hypo.grant[d] = true
		}
	}
	end := asOf.AddDays(naiveHorizon)
	for d := subject.entry; d <= end; d++ {
		hypo.area[d] = true
		hypo.grant[d] = true
	}
	// Lawful on asOf itself is judged day by day: under a calendar-year cap a
	// stay that broke the cap in December is lawful again on 1 January, so
	// the state cannot be read off the first unlawful day since entry.
	lawfulNow := !naiveUnlawful(subject, asOf, days(subject), true)
	pendingNow := lawfulNow && naiveUnlawful(subject, asOf, days(subject), false)
	from := subject.entry
	if lawfulNow && !pendingNow {
		from = asOf
	}
	for f := from; f <= end; f++ {
		if naiveUnlawful(subject, f, hypo, false) {
			res.AuthorizedUntil = f.AddDays(-1)
			break
		}
	}

	res.PendingFiled = subject.pendingFiled
	switch {
	case pendingNow:
		res.State = "pending"
	case lawfulNow:
		res.State = "lawful"
	default:
		res.State = "overstay"
	}
	return res
}

// naiveArea is the area whose presence p counts together.
func naiveArea(p *rules.Pack) string {
	if p.Area != "" {
		return p.Area
	}
	return p.Jurisdiction
}

// naiveStayLimit returns the last day of the stay on grant g entered on
// entry, after the extensions xs (this trip's, filed by asOf, in filing
// order), and the filing day of the first timely application still pending
// at asOf (0 when none: nothing protects the stay).
func naiveStayLimit(entry date.Date, g Grant, p *rules.Pack, xs []Extension, asOf date.Date) (until, pendingFiled date.Date) {
	s := p.Stay
	n := s.Length
	if g.StayDays != 0 {
		n = g.StayDays
	}
	switch s.Unit {
	case rules.UnitDays:
		if s.EntryDayCounts {
			until = entry.AddDays(n - 1)
		} else {
			until = entry.AddDays(n)
		}
	case rules.UnitMonths:
		until = entry.AddMonths(n, date.EndOfMonth(s.EndOfMonth))
		if s.EntryDayCounts {
			until = until.AddDays(-1)
		}
	case rules.UnitAdmitUntil:
		until = g.AdmitUntil
	default:
		panic("oracle: unknown stay unit " + s.Unit)
	}
	if s.EndsByValidity && g.ValidUntil != 0 {
		until = min(until, g.ValidUntil)
	}

	pol := p.Extension
	count := 0
	for _, x := range xs {
		// A pack without an extension policy has no timely filings; granted
		// decisions are still honoured.
		timely := false
		if pol != nil {
			timely = x.Filed <= until.AddDays(-pol.ClosesDaysBefore) &&
				(pol.OpensDaysBefore == 0 || x.Filed >= until.AddDays(-pol.OpensDaysBefore)) &&
				(pol.MaxCount == 0 || count < pol.MaxCount)
		}
		known := x.Outcome != Pending && x.Decided <= asOf
		switch {
		case known && x.Outcome == Granted:
			switch {
			case x.GrantedUntil != 0:
				until = x.GrantedUntil
			case x.GrantedDays != 0:
				until = until.AddDays(x.GrantedDays)
			default:
				var eom date.EndOfMonth
				if pol != nil {
					eom = date.EndOfMonth(pol.EndOfMonth)
				}
				until = until.AddMonths(x.GrantedMonths, eom)
			}
		case known && x.Outcome == Refused:
			if timely && pol.Pending != nil && pol.Refusal != nil &&
				pol.Refusal.LawfulThrough == rules.LawfulThroughDecision &&
				!slices.Contains(pol.Refusal.Retroactive, x.RefusalReason) {
				until = max(until, x.Decided)
			}
		case !known:
			if timely && pol.Pending != nil {
				pendingFiled = x.Filed // the latest: its receipt runs longest
			}
		}
		count++
	}
	return until, pendingFiled
}

// naiveDays is the presence a day is judged against: the days present in
// the trip's area, and the days present under the trip's grant.
type naiveDays struct {
	area, grant map[date.Date]bool
}

// naiveUnlawful reports whether day d of trip t is unlawful, given the days
// present in t's area and under t's grant. Protection by a pending
// application counts only when honourProtection is set.
func naiveUnlawful(t *naiveTrip, d date.Date, days naiveDays, honourProtection bool) bool {
	present := days.area
	if !t.entryAllowed {
		return true
	}
	if t.hasStayLimit && d > t.until && !(honourProtection && t.protected) {
		return true
	}
	if t.visa && d > t.validUntil {
		return true
	}
	if t.visa && !t.rolling && naiveCountUpTo(days.grant, d) > t.stayDays {
		return true
	}
	if w := t.pack.Window; w != nil && naiveCount(present, d.AddDays(-w.Length+1), d) > w.Limit {
		return true
	}
	if y := t.pack.YearCap; y != nil && naiveCount(present, date.MustOf(d.Year(), time.January, 1), d) > y.Limit {
		return true
	}
	return false
}

// naiveReceiptEnd is the last day of an acceptance receipt valid for n
// working days, for an application filed on filed: walking one day at a
// time from the day after filing, asking the PRC calendar of each day
// whether it is a working day, the n-th working day met. When the walk
// reaches a day whose year the calendar does not cover, there is no date,
// and the year of that day is returned instead.
func naiveReceiptEnd(filed date.Date, n int) (end date.Date, uncovered int) {
	cal := workdays.CN()
	d := filed
	for worked := 0; worked < n; {
		d = d.AddDays(1)
		ok, err := cal.IsWorkday(d)
		if err != nil {
			if _, is := errors.AsType[*workdays.UncoveredError](err); !is {
				panic("oracle: " + err.Error())
			}
			return 0, d.Year()
		}
		if ok {
			worked++
		}
	}
	return d, 0
}

// naiveVisaDaysBefore counts the calendar days before day on which the
// person was present under grant id, over all its trips (an open trip is
// present through max(entry, asOf)), each day once. For a trip on a visa,
// its duration of stay less this count at the trip's entry is what the
// earlier entries left.
func naiveVisaDaysBefore(h *History, id string, day, asOf date.Date) int {
	days := map[date.Date]bool{}
	for _, tr := range h.Trips {
		if tr.Grant != id && !(tr.Grant == "" && h.Grants[0].ID == id) {
			continue
		}
		last := tr.Exit
		if last == 0 {
			last = max(tr.Entry, asOf)
		}
		for d := tr.Entry; d <= last && d < day; d++ {
			days[d] = true
		}
	}
	return len(days)
}

// NaiveReceiptEnd is naiveReceiptEnd for the receipt properties of package
// stay_test, which run on the embedded packs.
var NaiveReceiptEnd = naiveReceiptEnd

// naiveCountUpTo counts the present days on or before d.
func naiveCountUpTo(present map[date.Date]bool, d date.Date) int {
	n := 0
	for day, ok := range present {
		if ok && day <= d {
			n++
		}
	}
	return n
}

// naiveCount counts the present days in [from, to].
func naiveCount(present map[date.Date]bool, from, to date.Date) int {
	n := 0
	for d := from; d <= to; d++ {
		if present[d] {
			n++
		}
	}
	return n
}

func TestOracleSanity(t *testing.T) {
	d := date.MustParse
	rule := rules.Rule{ID: "r", Citation: "c"}
	schengen := &rules.Pack{
		ID: "schengen-short-stay", Jurisdiction: "schengen", Area: "schengen",
		Window: &rules.Window{Rule: rule, Length: 180, Limit: 90},
	}
	prc := &rules.Pack{
		ID: "cn-visa", Jurisdiction: "cn",
		Stay:    &rules.Stay{Rule: rule, Unit: rules.UnitDays, EntryDayCounts: false},
		Entries: &rules.Entries{Rule: rule, Default: 1},
	}
	ext := &rules.Pack{
		ID: "th-visa-exempt", Jurisdiction: "th",
		Stay: &rules.Stay{Rule: rule, Unit: rules.UnitDays, Length: 30, EntryDayCounts: true},
		Extension: &rules.Extension{
			Rule:    rule,
			Pending: &rule,
			Refusal: &rules.Refusal{Rule: rule, LawfulThrough: rules.LawfulThroughDecision},
		},
	}
	sv := &rules.Pack{
		ID: "schengen-visa", Jurisdiction: "schengen", Area: "schengen",
		Window: &rules.Window{Rule: rule, Length: 180, Limit: 90},
		Visa:   &rules.Visa{Rule: rule, MaxStayDays: 90},
	}
	packs := map[string]*rules.Pack{schengen.ID: schengen, prc.ID: prc, ext.ID: ext, sv.ID: sv}
	visa := func(from, until string, days int) Grant {
		return Grant{ID: "c", Rule: sv.ID, ValidFrom: d(from), ValidUntil: d(until), StayDays: days}
	}
	c15 := []Grant{visa("2025-03-01", "2025-04-30", 15)}
	c10 := []Grant{visa("2025-03-01", "2025-04-30", 10)}
	sg := []Grant{{ID: "s", Rule: schengen.ID}}
	cn := []Grant{{ID: "v", Rule: prc.ID, ValidFrom: d("2024-01-01"), ValidUntil: d("2024-12-31"), StayDays: 30}}
	th := []Grant{{ID: "t", Rule: ext.ID}}
	thTrip := []Trip{{Entry: d("2024-01-01")}} // open; the stay ends 2024-01-30

	tests := []struct {
		name string
		h    History
		asOf date.Date
		want naiveResult
	}{
		{
			// 1 Jan – 30 Mar 2024 is 31+29+30 = 90 days, entry and exit counted.
			name: "schengen at the limit",
			h:    History{Grants: sg, Trips: []Trip{{Entry: d("2024-01-01"), Exit: d("2024-03-30")}}},
			asOf: d("2024-03-30"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2024-03-30"), WindowUsed: 90},
		},
		{
			// Exit and re-entry on 31 Jan count once: 1 Jan – 10 Feb is 41 days;
			// staying on, day 90 is 30 Mar.
			name: "schengen shared exit and entry day",
			h: History{Grants: sg, Trips: []Trip{
				{Entry: d("2024-01-01"), Exit: d("2024-01-31")},
				{Entry: d("2024-01-31"), Exit: d("2024-02-10")},
			}},
			asOf: d("2024-02-10"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2024-03-30"), WindowUsed: 41},
		},
		{
			// Days 91–96 (31 Mar – 5 Apr) are over the window.
			name: "schengen overstay",
			h:    History{Grants: sg, Trips: []Trip{{Entry: d("2024-01-01"), Exit: d("2024-04-05")}}},
			asOf: d("2024-04-05"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2024-03-30"), OverstayDays: 6, WindowUsed: 96},
		},
		{
			// Absent on 1 Feb after 10 days in January; a planned 1 Jul trip
			// reaches day 91 on 29 Sep (January has left the window by then).
			name: "schengen absent with planned violation",
			h: History{Grants: sg, Trips: []Trip{
				{Entry: d("2024-01-01"), Exit: d("2024-01-10")},
				{Entry: d("2024-07-01"), Exit: d("2024-10-05")},
			}},
			asOf: d("2024-02-01"),
			want: naiveResult{State: "absent", WindowUsed: 10, PlannedViolation: d("2024-09-29")},
		},
		{
			// PRC: 30 days counted from the day after entry: 1 Mar + 30 = 31 Mar.
			name: "prc stay counted from the day after entry",
			h:    History{Grants: cn, Trips: []Trip{{Entry: d("2024-03-01"), Exit: d("2024-04-02")}}},
			asOf: d("2024-03-20"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2024-03-31"), WindowUsed: -1, PlannedViolation: d("2024-04-01")},
		},
		{
			// A second entry on a single-entry visa: every day of it is unlawful.
			name: "prc second entry on a single-entry visa",
			h: History{Grants: cn, Trips: []Trip{
				{Entry: d("2024-03-01"), Exit: d("2024-03-10")},
				{Entry: d("2024-04-10"), Exit: d("2024-04-14")},
			}},
			asOf: d("2024-04-14"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2024-04-09"), OverstayDays: 5, WindowUsed: -1},
		},
		{
			// 30 Jan + 30 days = 29 Feb 2024.
			name: "granted extension",
			h: History{Grants: th, Trips: thTrip, Extensions: []Extension{
				{Filed: d("2024-01-20"), Outcome: Granted, Decided: d("2024-01-22"), GrantedDays: 30},
			}},
			asOf: d("2024-02-15"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2024-02-29"), WindowUsed: -1},
		},
		{
			name: "pending timely extension past expiry",
			h: History{Grants: th, Trips: thTrip, Extensions: []Extension{
				{Filed: d("2024-01-25"), Outcome: Pending},
			}},
			asOf: d("2024-02-10"),
			want: naiveResult{State: "pending", AuthorizedUntil: d("2024-01-30"), WindowUsed: -1, PendingFiled: d("2024-01-25")},
		},
		{
			// Filed after 30 Jan: no protection; 31 Jan – 10 Feb is 11 days.
			name: "late filing",
			h: History{Grants: th, Trips: thTrip, Extensions: []Extension{
				{Filed: d("2024-02-02"), Outcome: Pending},
			}},
			asOf: d("2024-02-10"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2024-01-30"), OverstayDays: 11, WindowUsed: -1},
		},
		{
			// Refused on 5 Feb, lawful through the decision: 6–10 Feb over.
			name: "timely extension refused, lawful through decision",
			h: History{Grants: th, Trips: thTrip, Extensions: []Extension{
				{Filed: d("2024-01-25"), Outcome: Refused, Decided: d("2024-02-05")},
			}},
			asOf: d("2024-02-10"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2024-02-05"), OverstayDays: 5, WindowUsed: -1},
		},
	}
	visaTests := []struct {
		name string
		h    History
		asOf date.Date
		want naiveResult
	}{
		{
			// Visa Code Art. 24(1), SBC Art. 6(2): 15 days from 10 March are
			// 10-24 March; 25 and 26 March are over, though 90/180 has room.
			name: "a visa's days end the stay",
			h:    History{Grants: c15, Trips: []Trip{{Entry: d("2025-03-10")}}},
			asOf: d("2025-03-26"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2025-03-24"), OverstayDays: 2, WindowUsed: 17},
		},
		{
			name: "a visa's validity ends the stay before its days",
			h:    History{Grants: []Grant{visa("2025-03-01", "2025-03-15", 15)}, Trips: []Trip{{Entry: d("2025-03-10")}}},
			asOf: d("2025-03-12"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2025-03-15"), WindowUsed: 3},
		},
		{
			// 1-5 March and a re-entry on 5 March: 5 days used on 5 March,
			// 6 on the 6th; staying on, day 10 is 10 March.
			name: "a same-day re-entry on a visa counts the day once",
			h: History{Grants: c10, Trips: []Trip{
				{Entry: d("2025-03-01"), Exit: d("2025-03-05")},
				{Entry: d("2025-03-05")},
			}},
			asOf: d("2025-03-06"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2025-03-10"), WindowUsed: 6},
		},
		{
			// 1-4 March is 4 days; from 10 March days 5-10 are 10-15 March,
			// so 16-20 March (5 days) are over.
			name: "a visa's days are counted over all its entries",
			h: History{Grants: c10, Trips: []Trip{
				{Entry: d("2025-03-01"), Exit: d("2025-03-04")},
				{Entry: d("2025-03-10"), Exit: d("2025-03-20")},
			}},
			asOf: d("2025-03-20"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2025-03-15"), OverstayDays: 5, WindowUsed: 15},
		},
		{
			// The same, judged on 12 March: the planned rest of the trip
			// breaks the visa on 16 March.
			name: "a visa's planned breach",
			h: History{Grants: c10, Trips: []Trip{
				{Entry: d("2025-03-01"), Exit: d("2025-03-04")},
				{Entry: d("2025-03-10"), Exit: d("2025-03-20")},
			}},
			asOf: d("2025-03-12"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2025-03-15"), WindowUsed: 7, PlannedViolation: d("2025-03-16")},
		},
		{
			// 3 March is the exit day of the stay on visa c (SBC Art. 6(2))
			// and the entry day of a visa-free stay: c has used 1-3 March,
			// so from 10 March two days are left, 10 and 11 March. The area
			// counts 3 March once: 4 + 1 days on 10 March.
			name: "an exit under a visa on the day of entry under another grant is a day of the visa",
			h: History{Grants: []Grant{visa("2025-03-01", "2025-04-30", 5), {ID: "f", Rule: sv.ID}}, Trips: []Trip{
				{Entry: d("2025-03-01"), Exit: d("2025-03-03"), Grant: "c"},
				{Entry: d("2025-03-03"), Exit: d("2025-03-04"), Grant: "f"},
				{Entry: d("2025-03-10"), Grant: "c"},
			}},
			asOf: d("2025-03-10"),
			want: naiveResult{State: "lawful", AuthorizedUntil: d("2025-03-11"), WindowUsed: 5},
		},
		{
			// An entry after the visa's validity is not allowed at all.
			name: "an entry after a visa's validity",
			h:    History{Grants: c10, Trips: []Trip{{Entry: d("2025-05-01"), Exit: d("2025-05-03")}}},
			asOf: d("2025-05-03"),
			want: naiveResult{State: "overstay", AuthorizedUntil: d("2025-04-30"), OverstayDays: 3, WindowUsed: 3},
		},
	}
	tests = append(tests, visaTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := naiveEvaluate(&tc.h, packs, tc.asOf); got != tc.want {
				t.Errorf("naiveEvaluate(%s, %s)\n got  %+v\n want %+v", tc.h.String(), tc.asOf, got, tc.want)
			}
		})
	}
	// The engine on the visa cases, worked out by hand above.
	for _, tc := range visaTests {
		t.Run("engine/"+tc.name, func(t *testing.T) {
			c, err := Prepare(&tc.h, func(id string) (*rules.Pack, bool) { p, ok := packs[id]; return p, ok })
			if err != nil {
				t.Fatal(err)
			}
			ev := c.Evaluate(tc.asOf)
			got := naiveResult{State: string(ev.State), AuthorizedUntil: ev.AuthorizedUntil, OverstayDays: ev.OverstayDays,
				WindowUsed: ev.Window.Used, PlannedViolation: ev.PlannedViolation.Date}
			if ev.State == StateOverstay && tc.want.AuthorizedUntil < subjectEntry(&tc.h, tc.asOf) {
				// No lawful day in this stay: the engine gives none (see
				// TestAgreesWithOracle).
				got.AuthorizedUntil = tc.want.AuthorizedUntil
			}
			if got != tc.want {
				t.Errorf("Evaluate(%s, %s)\n got  %+v\n want %+v", tc.h.String(), tc.asOf, got, tc.want)
			}
		})
	}
}

func TestNaiveReceiptEndSanity(t *testing.T) {
	d := date.MustParse
	tests := []struct {
		name      string
		filed     string
		n         int
		want      string // "" for no date
		uncovered int
	}{
		// 国办发明电〔2023〕7号: 1-7 October 2024 off, Sunday 29 September and
		// Saturday 12 October worked. From Friday 27 September: 29, 30 Sep,
		// 8, 9, 10, 11, 12 Oct.
		{"across National Day 2024", "2024-09-27", 7, "2024-10-12", 0},
		// The filing day never counts, even a working day: Monday 3 June
		// 2024 + 1 is Tuesday 4 June.
		{"one working day", "2024-06-03", 1, "2024-06-04", 0},
		// 1-3 January 2013 off, Saturday 5 and Sunday 6 January worked:
		// 4, 5, 6, 7, 8, 9, 10 January. The filing day's year (2012) is not
		// on file, but the walk never asks about it.
		{"from the last day before the calendar", "2012-12-31", 7, "2013-01-10", 0},
		{"a day before the calendar", "2012-12-30", 7, "", 2012},
		// 29, 30, 31 December 2026 are working days; 2027 is not on file.
		{"past the calendar", "2026-12-28", 7, "", 2027},
		{"ending on the calendar's last day", "2026-12-28", 3, "2026-12-31", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			end, year := naiveReceiptEnd(d(tc.filed), tc.n)
			want := date.Date(0)
			if tc.want != "" {
				want = d(tc.want)
			}
			if end != want || year != tc.uncovered {
				t.Errorf("naiveReceiptEnd(%s, %d) = %s, %d; want %s, %d", tc.filed, tc.n, end, year, want, tc.uncovered)
			}
		})
	}
}
