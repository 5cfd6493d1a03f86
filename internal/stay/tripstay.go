package stay

import (
	"slices"
	"strconv"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// tripStay is the per-entry side of one trip as known on a date: whether
// entry was allowed, the authorised last day after extensions, and whether a
// pending application shields the days after it.
type tripStay struct {
	allowed   bool
	denyRule  *rules.Rule // why entry was not allowed
	limited   bool        // the pack limits the stay per entry
	until     date.Date   // authorised last day; maxDate when not limited
	untilRule *rules.Rule
	protected bool // a timely application is pending on the date asked
	pending   int  // index into c.exts of the pending application, or -1
	count     int  // applications filed so far
	extended  int  // days added by granted extensions
	base      date.Date
	badExt    int // a grant that shortens the stay, found by Prepare
	badUntil  date.Date
	// receiptUntil is the last day of the protecting application's
	// acceptance receipt; zero when there is none or it is not known.
	receiptUntil date.Date
	// lateRefusal is the day of a refusal that came after the authorised
	// stay had run out; zero if none.
	lateRefusal date.Date
}

// filingCloses returns the last day to file an extension of a stay that ends
// on until, for the given channel ("" when unknown, which earns no
// rollover).
func filingCloses(x *rules.Extension, until date.Date, ch Filing) date.Date {
	d := until.AddDays(-x.ClosesDaysBefore)
	if r := x.Rollover; r != nil && d >= r.From && (r.Filing == "" || Filing(r.Filing) == ch) {
		d = nextBusinessDay(d)
	}
	return d
}

// stayOf works out the per-entry stay of trip i as known on asOf: decisions
// dated after asOf are still pending then, and filings after it are unknown.
// Steps are appended to steps when it is not nil.
func (c *Case) stayOf(i int, asOf date.Date, ts *tripStay, steps *[]Step) {
	t := &c.trips[i]
	g := &c.grants[t.grant]
	p := g.pack
	*ts = tripStay{allowed: true, until: maxDate, pending: -1, badExt: -1}
	add := func(s Step) {
		if steps != nil {
			*steps = append(*steps, s)
		}
	}
	var entriesRule *rules.Rule
	if p.Entries != nil {
		entriesRule = &p.Entries.Rule
	}
	e := step(StepEntry, entriesRule, t.index)
	e.D1, e.N1, e.N2, e.S = t.Entry, t.entryNo, int(g.entries), g.g.ID
	add(e)
	switch {
	case g.g.ValidFrom != 0 && t.Entry < g.g.ValidFrom:
		ts.allowed, ts.denyRule = false, entriesRule
		s := step(StepEntryBeforeValidity, entriesRule, t.index)
		s.D1, s.D2 = t.Entry, g.g.ValidFrom
		add(s)
	case g.g.ValidUntil != 0 && t.Entry > g.g.ValidUntil:
		ts.allowed, ts.denyRule = false, entriesRule
		s := step(StepEntryAfterValidity, entriesRule, t.index)
		s.D1, s.D2 = t.Entry, g.g.ValidUntil
		add(s)
	case p.Eligibility != nil && g.g.Nationality != "" && !p.Eligibility.Eligible(g.g.Nationality, t.Entry):
		ts.allowed, ts.denyRule = false, &p.Eligibility.Rule
		s := step(StepNotEligible, &p.Eligibility.Rule, t.index)
		s.D1, s.S = t.Entry, g.g.Nationality
		add(s)
	case g.entries != rules.Multiple && t.entryNo > int(g.entries):
		ts.allowed, ts.denyRule = false, entriesRule
		s := step(StepEntriesExhausted, entriesRule, t.index)
		s.D1, s.N1, s.N2, s.S = t.Entry, t.entryNo, int(g.entries), g.g.ID
		add(s)
	}
	if ts.denyRule == nil && !ts.allowed {
		ts.denyRule = &rules.Rule{ID: p.ID + "-entry", Citation: "the grant's own terms"}
	}
	sp := p.Stay
	if sp == nil {
		if v := p.Visa; v != nil && g.g.ValidUntil != 0 && ts.allowed {
			c.visaStay(i, v, ts, add)
		}
		return
	}
	ts.limited = true
	ts.untilRule = &sp.Rule
	entryCounts := 0
	if sp.EntryDayCounts {
		entryCounts = 1
	}
	var s Step
	switch sp.Unit {
	case rules.UnitDays:
		ts.until = t.Entry.AddDays(g.stayLen - entryCounts)
		s = step(StepStayDays, &sp.Rule, t.index)
	case rules.UnitMonths:
		ts.until = monthsEnd(sp, t.Entry, g.stayLen, date.EndOfMonth(sp.EndOfMonth))
		s = step(StepStayMonths, &sp.Rule, t.index)
	case rules.UnitAdmitUntil:
		ts.until = g.g.AdmitUntil
		s = step(StepAdmitUntil, &sp.Rule, t.index)
	}
	s.D1, s.D2, s.N1, s.N2 = t.Entry, ts.until, g.stayLen, entryCounts
	if ts.allowed {
		// A stay the entry did not open has no last lawful day to state.
		add(s)
	}
	if sp.EndsByValidity && g.g.ValidUntil != 0 && g.g.ValidUntil < ts.until {
		ts.until = g.g.ValidUntil
		s := step(StepValidityCut, &sp.Rule, t.index)
		s.D2 = ts.until
		add(s)
	}
	ts.base = ts.until
	x := p.Extension
	if x == nil {
		return
	}
	for j := t.extLo; j < t.extHi; j++ {
		ext := &c.exts[j]
		if ext.Filed > asOf {
			break
		}
		closes := filingCloses(x, ts.until, ext.Filing)
		timely := ext.Filed <= closes &&
			(x.OpensDaysBefore == 0 || ext.Filed >= ts.until.AddDays(-x.OpensDaysBefore))
		ts.count++
		if limit := c.extensionCap(i, ts); limit >= 0 && ts.extended >= limit {
			// Nothing is left to grant, so the application cannot be accepted
			// and gives no lawful stay while it waits.
			timely = false
			s := step(StepExtCapReached, &x.Cap.Rule, t.index)
			s.D1, s.N1 = ext.Filed, limit
			add(s)
		} else if x.MaxCount > 0 && ts.count > x.MaxCount {
			timely = false
			s := step(StepExtTooMany, &x.Rule, t.index)
			s.D1, s.N1, s.N2 = ext.Filed, ts.count, x.MaxCount
			add(s)
		} else {
			k := StepExtTimely
			if !timely {
				k = StepExtLate
			}
			s := step(k, &x.Rule, t.index)
			s.D1, s.D2 = ext.Filed, closes
			add(s)
		}
		if outside, lim := lengthOutside(x, ts.until, ext); outside != 0 {
			s := step(StepExtLength, &x.Rule, t.index)
			s.D1, s.N1, s.S = ext.Filed, outside, lim.String()
			add(s)
		}
		known := ext.Outcome != Pending && ext.Decided <= asOf
		switch {
		case known && ext.Outcome == Granted:
			var nu date.Date
			switch {
			case ext.GrantedUntil != 0:
				nu = ext.GrantedUntil
			case ext.GrantedDays != 0:
				nu = ts.until.AddDays(ext.GrantedDays)
			default:
				nu = ts.until.AddMonths(ext.GrantedMonths, date.EndOfMonth(x.EndOfMonth))
			}
			if nu <= ts.until && ts.badExt < 0 {
				ts.badExt, ts.badUntil = j, ts.until
				nu = ts.until
			}
			ts.lateRefusal = 0
			ts.extended += nu.Sub(ts.until)
			ts.until = nu
			ts.untilRule = &x.Rule
			s := step(StepExtGranted, &x.Rule, t.index)
			s.D1, s.D2 = ext.Decided, nu
			add(s)
			if limit := c.extensionCap(i, ts); limit >= 0 && ts.extended > limit {
				s := step(StepExtOverCap, &x.Cap.Rule, t.index)
				s.N1, s.N2 = ts.extended, limit
				add(s)
			}
		case known && ext.Outcome == Refused:
			if ext.Decided > ts.until {
				ts.lateRefusal = ext.Decided
			}
			r := x.Refusal
			if timely && x.Pending != nil && r != nil && r.LawfulThrough == rules.LawfulThroughDecision &&
				!slices.Contains(r.Retroactive, ext.RefusalReason) && ext.Decided > ts.until {
				ts.until = ext.Decided
				ts.untilRule = &r.Rule
			}
			var rr *rules.Rule
			if r != nil {
				rr = &r.Rule
			} else {
				rr = &x.Rule
			}
			s := step(StepExtRefused, rr, t.index)
			s.D1, s.D2 = ext.Decided, ts.until
			add(s)
		default: // pending on asOf
			// A timely application protects for its whole pendency; a later,
			// late one neither adds to that protection nor takes it away.
			if ts.pending < 0 || (timely && x.Pending != nil && !ts.protected) {
				ts.pending = j
			}
			if timely && x.Pending != nil {
				ts.protected = true
				s := step(StepExtPending, x.Pending, t.index)
				s.D1 = ext.Filed
				add(s)
				if r := x.Receipt; r != nil {
					// Each accepted application has its receipt; presence
					// rests on the one that runs longest.
					end, year := ext.receiptEnd, ext.receiptYear
					if year != 0 {
						ts.receiptUntil = 0
					} else if end > ts.receiptUntil {
						ts.receiptUntil = end
					}
					s := step(StepReceipt, &r.Rule, t.index)
					s.D1, s.D2, s.N1 = ext.Filed, end, r.WorkingDays
					if year != 0 {
						s.Kind, s.S = StepReceiptUnknown, strconv.Itoa(year)
					}
					add(s)
				}
			} else {
				s := step(StepExtPendingUnprotected, &x.Rule, t.index)
				s.D1 = ext.Filed
				add(s)
			}
		}
	}
	if r := x.Receipt; r != nil && ts.protected && ts.receiptUntil != 0 && ts.receiptUntil < asOf {
		s := step(StepReceiptExpired, &r.Rule, t.index)
		s.D2 = ts.receiptUntil
		add(s)
	}
}

// monthsEnd is the last day of a stay of n months from entry under sp,
// resolving a missing day with eom, or with the corresponding-date rule
// when sp says so.
func monthsEnd(sp *rules.Stay, entry date.Date, n int, eom date.EndOfMonth) date.Date {
	counts := boolInt(sp.EntryDayCounts)
	if sp.CorrespondingDate {
		end := entry.AddMonths(n, date.Clamp)
		_, _, ed := end.YMD()
		_, _, td := entry.YMD()
		if ed != td {
			// No corresponding date in the last month: the period ends on
			// that month's last day, not the day before it.
			return end
		}
		return end.AddDays(-counts)
	}
	return entry.AddMonths(n, eom).AddDays(-counts)
}

// visaStay bounds trip i by its visa: the validity, and the days of the
// duration of stay that earlier entries on the visa left.
func (c *Case) visaStay(i int, v *rules.Visa, ts *tripStay, add func(Step)) {
	t := &c.trips[i]
	g := &c.grants[t.grant]
	ts.limited = true
	ts.until, ts.untilRule = g.g.ValidUntil, &v.Rule
	if w := g.pack.Window; w != nil && g.entries != 1 &&
		(g.stayLen >= w.Limit || (g.g.ValidFrom != 0 && g.g.ValidUntil.Sub(g.g.ValidFrom)+1 > w.Length)) {
		// A multiple-entry visa that states the window's whole limit, or
		// is valid longer than the window, is bounded by the rolling rule
		// itself, not by a count over its validity: its "90 days" mean 90
		// in any 180 (Visa Code Art. 24(2), multiple-entry visas valid up
		// to five years).
		ts.base = ts.until
		s := step(StepVisaRolling, &v.Rule, t.index)
		s.D1, s.N1, s.S = g.g.ValidUntil, g.stayLen, g.g.ID
		add(s)
		return
	}
	left := g.stayLen - t.visaDays
	if left <= 0 {
		// Earlier entries used every day the visa gives: this entry was
		// not covered by it.
		ts.allowed, ts.denyRule = false, &v.Rule
		s := step(StepVisaUsedUp, &v.Rule, t.index)
		s.D1, s.N1, s.S = t.Entry, g.stayLen, g.g.ID
		add(s)
		return
	}
	if end := t.Entry.AddDays(left - 1); end < ts.until {
		ts.until = end
	}
	ts.base = ts.until
	s := step(StepVisaStay, &v.Rule, t.index)
	s.D1, s.D2, s.N1, s.N2, s.S = g.g.ValidUntil, ts.until, g.stayLen, left, g.g.ID
	add(s)
}

// extensionCap returns the most days the extensions of trip i may add in
// total, or -1 when the pack sets no cap.
func (c *Case) extensionCap(i int, ts *tripStay) int {
	t := &c.trips[i]
	x := c.grants[t.grant].pack.Extension
	if x == nil || x.Cap == nil {
		return -1
	}
	switch cp := x.Cap; {
	case cp.OriginalStay:
		// The original stay in days: PRC stays count from the day after entry.
		return ts.base.Sub(t.Entry) + boolInt(c.grants[t.grant].pack.Stay.EntryDayCounts)
	case cp.Days > 0:
		return cp.Days
	default:
		sp := c.grants[t.grant].pack.Stay
		end := t.Entry.AddMonths(cp.TotalStay.Months, date.EndOfMonth(x.EndOfMonth))
		if sp.CorrespondingDate {
			// The whole stay is a period of months like the first one.
			end = monthsEnd(sp, t.Entry, cp.TotalStay.Months, date.EndOfMonth(x.EndOfMonth))
		}
		end = end.AddDays(cp.TotalStay.Days)
		return max(0, end.Sub(ts.base))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lengthOutside reports whether an application asks for less than the
// policy's minimum (-1) or more than its maximum (+1), and that bound.
func lengthOutside(x *rules.Extension, until date.Date, e *extInfo) (int, rules.Length) {
	if e.RequestedDays == 0 && e.RequestedMonths == 0 {
		return 0, rules.Length{}
	}
	asked := rules.Length{Days: e.RequestedDays, Months: e.RequestedMonths}
	// cmp compares two lengths, in their own unit when they share one and
	// otherwise by the dates they reach from until.
	cmp := func(a, b rules.Length) int {
		switch {
		case a.Months == 0 && b.Months == 0:
			return a.Days - b.Days
		case a.Days == 0 && b.Days == 0:
			return a.Months - b.Months
		}
		end := func(l rules.Length) date.Date {
			return until.AddMonths(l.Months, date.EndOfMonth(x.EndOfMonth)).AddDays(l.Days)
		}
		return end(a).Sub(end(b))
	}
	if !x.MinLength.IsZero() && cmp(asked, x.MinLength) < 0 {
		return -1, x.MinLength
	}
	if !x.MaxLength.IsZero() && cmp(asked, x.MaxLength) > 0 {
		return 1, x.MaxLength
	}
	return 0, rules.Length{}
}
