package stay_test

// Receipt properties on the embedded PRC packs (cn-family-visit and its
// 2019 report variant), as shipped: package packs imports stay, so only an
// external test can load them. The day-by-day walk and the checks are the
// oracle's (oracle_test.go, property_test.go), exported to this package
// for tests only.

import (
	"os"
	"path"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

// shippedPacks parses the pack files package packs embeds, as
// packs.Embedded does, but without running the examples in them: package
// packs tests those (and packs.Embedded fails on any failing example), and
// a failing example must not stand in for what these properties say.
func shippedPacks(t *testing.T) map[string]*rules.Pack {
	t.Helper()
	const dir = "../packs/data"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*rules.Pack{}
	for _, e := range entries {
		if path.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, err := os.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := packs.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		byID[f.ID] = &f.Pack
	}
	if len(byID) == 0 {
		t.Fatalf("no packs in %s", dir)
	}
	return byID
}

func lookupOf(byID map[string]*rules.Pack) stay.Lookup {
	return func(id string) (*rules.Pack, bool) { p, ok := byID[id]; return p, ok }
}

// withoutReceipt looks packs up in lookup, with the acceptance receipt
// taken out of each.
func withoutReceipt(lookup stay.Lookup) stay.Lookup {
	return func(id string) (*rules.Pack, bool) {
		p, ok := lookup(id)
		if !ok || p.Extension == nil {
			return p, ok
		}
		q := *p
		x := *p.Extension
		x.Receipt = nil
		q.Extension = &x
		return &q, true
	}
}

// TestEmbeddedReceiptAgreesWithWalk: on every shipped pack with an
// acceptance receipt (the PRC family-visit visa and its 2019 report
// variant, the 240-hour transit and the unilateral visa-free stay, whose
// stay permits are applied for the same way), one stay with an application
// filed on a drawn day (near a year's end, the National Day or the Spring
// Festival, or anywhere from the pack's entry into force to early 2027),
// in time or not, maybe after a granted extension within the pack's
// limits. While it is pending, the receipt runs to the n-th PRC working
// day after filing (Regulations 2013 Art. 13(1), Art. 36(2)); the engine's
// receipt_expires date must be the day-by-day walk's, with no date and a
// receipt_unknown step exactly when the walk leaves the calendar; the
// state must be lawful or pending; and no leaving may be asked for unless
// the application is refused. A late application gives no receipt. The
// receipt changes neither the state nor the dates.
func TestEmbeddedReceiptAgreesWithWalk(t *testing.T) {
	shipped := shippedPacks(t)
	lookup := lookupOf(shipped)
	var ids []string
	for id, p := range shipped {
		if p.Extension != nil && p.Extension.Receipt != nil {
			ids = append(ids, id)
			// The shape the expectations below are worked out for.
			if x := p.Extension; p.Stay == nil || p.Stay.Unit != rules.UnitDays || p.Stay.EntryDayCounts ||
				x.Pending == nil || x.OpensDaysBefore != 0 || (x.MaxCount != 0 && x.MaxCount < 2) ||
				(x.Cap != nil && !x.Cap.OriginalStay) || x.Rollover != nil {
				t.Fatalf("pack %s has a receipt but not the shape this test assumes (a stay in days from the day after entry, pending_lawful, no opening day, no rollover, no cap but the original stay)", id)
			}
		}
	}
	slices.Sort(ids)
	if len(ids) < 2 {
		t.Fatalf("shipped packs with a receipt: %v, expected at least the two family-visit packs", ids)
	}
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.SampledFrom(ids).Draw(t, "pack")
		p := shipped[id]
		x := p.Extension
		year := rapid.IntRange(2013, 2026).Draw(t, "year")
		var filed date.Date
		switch rapid.IntRange(0, 3).Draw(t, "anchor kind") {
		case 0:
			filed = dt("2013-01-01").AddDays(rapid.IntRange(0, 14*365+60).Draw(t, "day"))
		case 1:
			if rapid.Bool().Draw(t, "edge") {
				year = 2026
			}
			filed = date.MustOf(year, time.December, 1).AddDays(rapid.IntRange(0, 45).Draw(t, "year end"))
		case 2:
			filed = date.MustOf(year, time.September, 15).AddDays(rapid.IntRange(0, 30).Draw(t, "national day"))
		default:
			filed = date.MustOf(year, time.January, 15).AddDays(rapid.IntRange(0, 45).Draw(t, "spring festival"))
		}
		g := stay.Grant{ID: "g", Rule: id}
		stayLen := p.Stay.Length
		if stayLen == 0 {
			g.StayDays = rapid.IntRange(1, p.Stay.MaxLength).Draw(t, "stay days")
			stayLen = g.StayDays
		}
		entry := filed.AddDays(-rapid.IntRange(0, stayLen+15).Draw(t, "days before filing"))
		if from := p.Effective.From; from != 0 && entry < from {
			entry = from
			filed = max(filed, from)
		}
		g.Nationality = eligibleOn(t, p, entry)
		h := &stay.History{Grants: []stay.Grant{g}}
		// The stay ends stay_days after the day of entry (Regulations
		// Art. 36(3)); an earlier grant within the pack's limits moves it
		// on.
		until := entry.AddDays(stayLen)
		if filed > entry && rapid.Bool().Draw(t, "granted before") {
			f := entry.AddDays(rapid.IntRange(0, filed.Sub(entry)-1).Draw(t, "granted filed"))
			e := stay.Extension{Filed: f, Outcome: stay.Granted, Decided: f.AddDays(rapid.IntRange(0, filed.Sub(f)).Draw(t, "granted on"))}
			switch {
			case x.MinLength.Months > 0 || x.MaxLength.Months > 0:
				e.RequestedMonths, e.GrantedMonths = 1, 1
				until = until.AddMonths(1, date.EndOfMonth(x.EndOfMonth))
			case x.Cap != nil && stayLen < 2:
				e = stay.Extension{}
			case x.Cap != nil:
				e.GrantedDays = rapid.IntRange(1, stayLen-1).Draw(t, "granted days")
			default:
				e.GrantedDays = rapid.IntRange(1, 60).Draw(t, "granted days")
			}
			if e.Filed != 0 {
				until = until.AddDays(e.GrantedDays)
				h.Extensions = append(h.Extensions, e)
			}
		}
		h.Extensions = append(h.Extensions, stay.Extension{Filed: filed, Outcome: stay.Pending})
		timely := filed <= until.AddDays(-x.ClosesDaysBefore)
		asOf := filed.AddDays(rapid.IntRange(0, 40).Draw(t, "asof"))
		if end, _ := stay.NaiveReceiptEnd(filed, x.Receipt.WorkingDays); end != 0 && rapid.IntRange(0, 3).Draw(t, "near receipt end") == 0 {
			asOf = end.AddDays(rapid.IntRange(-1, 1).Draw(t, "from receipt end"))
		}
		trip := stay.Trip{Entry: entry}
		if rapid.Bool().Draw(t, "closed") {
			trip.Exit = asOf.AddDays(rapid.IntRange(0, 30).Draw(t, "exit after"))
		}
		h.Trips = []stay.Trip{trip}

		c, err := stay.Prepare(h, lookup)
		if err != nil {
			t.Fatalf("Prepare: %v\n%s", err, h)
		}
		ev := c.Evaluate(asOf)
		switch {
		case timely && ev.State != stay.StateLawful && ev.State != stay.StatePending:
			t.Fatalf("timely application filed %s (stay until %s) pending on %s: state %s\n%s", filed, until, asOf, ev.State, h)
		case !timely && ev.State == stay.StatePending:
			t.Fatalf("late application filed %s (stay until %s): state pending\n%s", filed, until, h)
		}
		protected := date.Date(0)
		if timely {
			protected = filed
		}
		stay.CheckReceipt(t, ev, protected, x.Receipt.WorkingDays, h)
		stay.CheckPendingAdvice(t, ev, timely, h)

		c0, err := stay.Prepare(h, withoutReceipt(lookup))
		if err != nil {
			t.Fatalf("Prepare without receipt: %v", err)
		}
		ev0 := c0.Evaluate(asOf)
		if ev0.State != ev.State || ev0.AuthorizedUntil != ev.AuthorizedUntil || ev0.OverstayDays != ev.OverstayDays {
			t.Fatalf("the receipt changed the answer: %s %s %d; without it %s %s %d\n%s",
				ev.State, ev.AuthorizedUntil, ev.OverstayDays, ev0.State, ev0.AuthorizedUntil, ev0.OverstayDays, h)
		}
	})
}

// TestEmbeddedPendingNeverUnconditionalLeave: on every embedded pack that
// makes presence lawful while an application is pending (the PRC packs,
// the US I-539, UK section 3C), a stay with an application filed on a
// drawn day, maybe decided later: whenever the engine says the state is
// pending, or lawful with the application shown as pending and timely,
// nothing tells the person to leave unless the application is refused.
func TestEmbeddedPendingNeverUnconditionalLeave(t *testing.T) {
	shipped := shippedPacks(t)
	lookup := lookupOf(shipped)
	var ids []string
	for id, p := range shipped {
		if p.Extension != nil && p.Extension.Pending != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) < 3 {
		t.Fatalf("embedded packs with pending_lawful: %v, expected the PRC, US and UK ones", ids)
	}
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.SampledFrom(ids).Draw(t, "pack")
		p, _ := lookup(id)
		entry := dt("2014-01-01").AddDays(rapid.IntRange(0, 12*365).Draw(t, "entry"))
		g := stay.Grant{ID: "g", Rule: id}
		g.Nationality = eligibleOn(t, p, entry)
		switch {
		case p.Stay.Unit == rules.UnitAdmitUntil:
			g.AdmitUntil = entry.AddDays(rapid.IntRange(1, 180).Draw(t, "admitted days"))
		case p.Stay.Length == 0:
			g.StayDays = rapid.IntRange(1, p.Stay.MaxLength).Draw(t, "stay days")
		}
		h := &stay.History{Grants: []stay.Grant{g}, Trips: []stay.Trip{{Entry: entry}}}
		filed := entry.AddDays(rapid.IntRange(0, 250).Draw(t, "filed after entry"))
		e := stay.Extension{Filed: filed, Outcome: stay.Pending}
		if rapid.Bool().Draw(t, "decided") {
			e.Decided = filed.AddDays(rapid.IntRange(0, 60).Draw(t, "decided after"))
			if rapid.Bool().Draw(t, "granted") {
				e.Outcome, e.GrantedUntil = stay.Granted, e.Decided.AddDays(rapid.IntRange(200, 400).Draw(t, "granted until"))
			} else {
				e.Outcome = stay.Refused
			}
		}
		h.Extensions = []stay.Extension{e}
		c, err := stay.Prepare(h, lookup)
		if err != nil {
			t.Skip(err) // a grant that ends before the stay it extends, say
		}
		asOf := filed.AddDays(rapid.IntRange(0, 90).Draw(t, "asof"))
		ev := c.Evaluate(asOf)
		shownPending := false
		for _, s := range ev.Explanation {
			shownPending = shownPending || s.Kind == stay.StepExtPending
		}
		stay.CheckPendingAdvice(t, ev, ev.State == stay.StatePending || (ev.State == stay.StateLawful && shownPending), h)
	})
}

// eligibleOn is a nationality the pack's list admits on the day of entry,
// or "" for a pack without a list; a draw with none listed that day is
// skipped, since no one could have entered under the right.
func eligibleOn(t *rapid.T, p *rules.Pack, entry date.Date) string {
	e := p.Eligibility
	if e == nil {
		return ""
	}
	for _, n := range e.Nationalities {
		if e.Eligible(n.Code, entry) {
			return n.Code
		}
	}
	t.Skip("no nationality is listed on", entry)
	return ""
}
