package stay

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// Plan answers "if I enter on Enter, what is the last day I may stay?".
type Plan struct {
	Enter date.Date
	Grant string
	Rule  string
	// LatestExit is the last lawful day of a stay from Enter without
	// extensions; zero when entry on Enter is not lawful.
	LatestExit  date.Date
	MaxStayDays int
	// EarliestEntry is the first day from Enter on when a stay is possible
	// (set only when MaxStayDays is 0), and EarliestStayDays its length.
	EarliestEntry    date.Date
	EarliestStayDays int
	// LatestExitWithExtensions is the end of the stay if every extension the
	// rules allow is applied for in time and granted in full; Schedule lists
	// those applications. Unbounded says the rules set no overall limit, in
	// which case Schedule holds the first application only.
	LatestExitWithExtensions date.Date
	Unbounded                bool
	Schedule                 []ScheduledFiling
	Explanation              []Step
}

// ScheduledFiling is one application of an extension schedule.
type ScheduledFiling struct {
	FileBy   date.Date // last day to file
	Days     int       // length to request, in days or months
	Months   int
	Until    date.Date // the last lawful day once granted
	Rule     string
	Citation string
}

// PlanEntry evaluates a new trip entering on enter under the grant with id
// grant ("" when the history has one grant, or to reuse the grant of the
// latest trip before enter). Trips after enter are set aside: the plan
// assumes the person stays on from enter.
func PlanEntry(h *History, lookup Lookup, enter date.Date, grant string) (*Plan, error) {
	if enter == 0 {
		return nil, fieldErr("enter", "enter_required", "required: the planned date of entry, YYYY-MM-DD")
	}
	// Errors in the history are reported against the history as given,
	// before trips are set aside or added.
	if _, err := Prepare(h, lookup); err != nil {
		return nil, err
	}
	if grant != "" && !slices.ContainsFunc(h.Grants, func(g Grant) bool { return g.ID == grant }) {
		return nil, fieldErr("grant", "unknown_grant", "no grant has id %q; accepted: %s", grant, grantIDs(h))
	}
	base := h.Clone()
	base.Trips = base.Trips[:0]
	for _, t := range h.Trips {
		if t.Entry >= enter && !(t.Entry == enter && t.Exit == enter) {
			continue
		}
		if t.Exit == 0 || t.Exit > enter {
			return nil, fieldErr("enter", "plan_in_trip", "%s falls within a recorded trip (%s to %s); plan an entry after it ends", enter, t.Entry, orOpen(t.Exit))
		}
		base.Trips = append(base.Trips, t)
	}
	if grant == "" {
		switch {
		case len(h.Grants) == 1:
			grant = h.Grants[0].ID
		case len(base.Trips) > 0:
			// The grant of the latest trip before enter; trips may be
			// listed in any order.
			latest := slices.MaxFunc(base.Trips, func(a, b Trip) int { return cmp.Compare(a.Entry, b.Entry) })
			if grant = latest.Grant; grant == "" {
				return nil, fieldErr("grant", "grant_required", "required when there is more than one grant; accepted: %s", grantIDs(h))
			}
		default:
			return nil, fieldErr("grant", "grant_required", "required when there is more than one grant; accepted: %s", grantIDs(h))
		}
	}
	// Extensions of later trips go with them.
	base.Extensions = base.Extensions[:0]
	for _, e := range h.Extensions {
		if e.Filed < enter {
			base.Extensions = append(base.Extensions, e)
		}
	}
	pl := &Plan{Enter: enter, Grant: grant}
	if err := planAt(base, lookup, enter, grant, pl, true); err != nil {
		return nil, err
	}
	return pl, nil
}

func planAt(base *History, lookup Lookup, enter date.Date, grant string, pl *Plan, search bool) error {
	h := base.Clone()
	h.Trips = append(h.Trips, Trip{Entry: enter, Grant: grant})
	c, err := Prepare(h, lookup)
	if err != nil {
		// The history itself is valid, so the fault is the planned trip's.
		var fe *FieldError
		if errors.As(err, &fe) {
			return &FieldError{Path: "enter", Code: fe.Code, Args: fe.Args, Msg: fe.Msg}
		}
		return err
	}
	i := len(c.trips) - 1
	t := &c.trips[i]
	g := &c.grants[t.grant]
	p := g.pack
	pl.Rule = p.ID
	if p.Stay != nil && p.Stay.Unit == rules.UnitAdmitUntil && g.g.AdmitUntil < enter {
		return fieldErr(fmt.Sprintf("grants[%d].admit_until", t.grant), "plan_admit_until", "rule %s takes the admit-until date of each admission; for a plan, give grant %q the admit_until of the planned admission (it is %s, before the entry on %s)", p.ID, g.g.ID, g.g.AdmitUntil, enter)
	}
	var ts tripStay
	c.stayOf(i, enter, &ts, &pl.Explanation)
	end, rule := c.continuousEnd(i, &ts, enter)
	if end >= enter {
		pl.LatestExit = end
		pl.MaxStayDays = end.Sub(enter) + 1
		s := step(StepLawful, rule, -1)
		s.D1, s.D2, s.N1 = enter, end, end.Sub(enter)
		pl.Explanation = append(pl.Explanation, s)
		c.schedule(i, &ts, end, rule, pl)
		return nil
	}
	if !search {
		return nil
	}
	// No stay is possible on enter: say why, then find the first day one is.
	if w := p.Window; w != nil && ts.allowed && rule == &w.Rule {
		s := step(StepWindowBreach, rule, -1)
		s.D1, s.N1, s.N2 = enter, c.present(&c.areas[g.area], enter.AddDays(1-w.Length), enter, enter), w.Limit
		pl.Explanation = append(pl.Explanation, s)
	}
	if !ts.allowed {
		if g.g.ValidFrom != 0 && enter < g.g.ValidFrom {
			// The grant's first day may still meet a full window.
			return planEarliest(base, lookup, g.g.ValidFrom, grant, pl, true)
		}
		// Entries used up or validity over: no later date helps.
		pl.Explanation = append(pl.Explanation, step(StepNoLaterEntry, ts.denyRule, -1))
		return nil
	}
	if w := p.Window; w != nil {
		ar := &c.areas[g.area]
		// The days present before enter only leave the window as E moves on.
		lo, hi := enter, enter.AddDays(w.Length)
		for lo < hi {
			m := lo + (hi-lo)/2
			if c.present(ar, m.AddDays(1-w.Length), min(m-1, enter-1), enter) <= w.Limit-1 {
				hi = m
			} else {
				lo = m + 1
			}
		}
		return planEarliest(base, lookup, lo, grant, pl, false)
	}
	return nil
}

// planEarliest records in pl the first stay possible from e on; with
// search, it looks further on from e as planAt does.
func planEarliest(base *History, lookup Lookup, e date.Date, grant string, pl *Plan, search bool) error {
	var at Plan
	if err := planAt(base, lookup, e, grant, &at, search); err != nil {
		return err
	}
	if at.MaxStayDays == 0 && at.EarliestEntry != 0 {
		e, at.MaxStayDays = at.EarliestEntry, at.EarliestStayDays
	}
	if at.MaxStayDays > 0 {
		pl.EarliestEntry, pl.EarliestStayDays = e, at.MaxStayDays
		s := step(StepEarliest, nil, -1)
		if n := len(at.Explanation); n > 0 {
			s.Rule, s.Citation = at.Explanation[n-1].Rule, at.Explanation[n-1].Citation
		}
		s.D1, s.N1 = e, at.MaxStayDays
		pl.Explanation = append(pl.Explanation, s)
	}
	return nil
}

// schedule works out the extensions that would carry a stay from trip i
// furthest: each applied for on the last day allowed, for the longest length
// allowed, within the count and the cap.
func (c *Case) schedule(i int, ts *tripStay, end date.Date, endRule *rules.Rule, pl *Plan) {
	p := c.grants[c.trips[i].grant].pack
	x := p.Extension
	if x == nil || x.Exceptional || endRule != ts.untilRule {
		return // no extensions, or the stay is bound by something they cannot move
	}
	limit := c.extensionCap(i, ts)
	until, added := end, 0
	for n := 0; x.MaxCount == 0 || n < x.MaxCount; n++ {
		f := ScheduledFiling{FileBy: filingCloses(x, until, ""), Rule: x.ID, Citation: x.Citation}
		next := until
		switch {
		case x.MaxLength.Months > 0:
			f.Months = x.MaxLength.Months
			next = until.AddMonths(f.Months, date.EndOfMonth(x.EndOfMonth))
		case x.MaxLength.Days > 0:
			f.Days = x.MaxLength.Days
			next = until.AddDays(f.Days)
		case limit >= 0:
			f.Days = limit - added
			next = until.AddDays(f.Days)
		default:
			pl.Unbounded = true
			return
		}
		if limit >= 0 && added+next.Sub(until) > limit {
			f.Months, f.Days = 0, limit-added
			next = until.AddDays(f.Days)
		}
		if next <= until {
			break
		}
		if f.FileBy < c.trips[i].Entry {
			break
		}
		f.Until = next
		added += next.Sub(until)
		until = next
		pl.Schedule = append(pl.Schedule, f)
		if limit < 0 && x.MaxCount == 0 {
			pl.Unbounded = true
			return
		}
	}
	if len(pl.Schedule) > 0 {
		pl.LatestExitWithExtensions = until
	}
}

// String is a one-line summary, for tests.
func (pl *Plan) String() string {
	return fmt.Sprintf("enter %s: latest exit %s (%d days), earliest %s (%d), with extensions %s",
		pl.Enter, pl.LatestExit, pl.MaxStayDays, pl.EarliestEntry, pl.EarliestStayDays, pl.LatestExitWithExtensions)
}
