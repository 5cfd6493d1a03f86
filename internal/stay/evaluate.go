package stay

import (
	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// State is the legal position on the evaluation date.
type State string

// States.
const (
	StateAbsent   State = "absent"
	StateLawful   State = "lawful"
	StatePending  State = "pending" // past the authorised date, lawful while a timely application is undecided
	StateOverstay State = "overstay"
)

// Evaluation is the answer for one date. Its JSON form is a contract
// (docs/output-format.md). Zero dates mean null.
type Evaluation struct {
	AsOf  date.Date
	Rule  string // id of the pack that governs the subject trip
	State State
	// AuthorizedUntil is the last day of lawful presence if the person stays
	// on without filing anything new; while pending or overstaying, the
	// authorised last day that has passed. Zero when absent.
	AuthorizedUntil date.Date
	// DaysRemaining counts from AsOf to AuthorizedUntil (0 on the last day);
	// meaningful only when HasDaysRemaining.
	DaysRemaining    int
	HasDaysRemaining bool
	// Since is the day the present overstay or pending application began
	// (the first unlawful day, or the day after the authorised stay ended);
	// zero in other states. Lists order by it: the oldest first.
	Since        date.Date
	OverstayDays int
	Window       WindowStatus // meaningful only when Window.Length > 0
	Deadlines    []Deadline
	// NextActions says what to do, most urgent first.
	NextActions      []NextAction
	PlannedViolation Violation // meaningful only when PlannedViolation.Date != 0
	Consequences     []Consequence
	Explanation      []Step
	// Notes are cautions about the pack itself: where a report pack
	// departs from the statute, and what a pack encodes without a source.
	Notes []string
	// FromReport is set when the pack encodes a report, not law.
	FromReport bool
}

// WindowStatus is the rolling window ending on the evaluation date.
type WindowStatus struct {
	Length, Limit, Used, Remaining int
	From, To                       date.Date
}

// Deadline kinds.
const (
	FilingOpens     = "extension_filing_opens"
	FilingCloses    = "extension_filing_closes"
	MustLeaveBy     = "must_leave_by"
	LeaveToAvoidBar = "leave_to_avoid_bar"
	// ReceiptExpires is the last day of an acceptance receipt's validity.
	ReceiptExpires = "receipt_expires"
)

// Conditions on a deadline or an action that holds only if something
// happens.
const (
	// IfRefused: only if the pending application is refused.
	IfRefused = "if_refused"
	// IfUndecided: only if no decision has come by then.
	IfUndecided = "if_undecided"
)

// Deadline is a date by which something must be done.
type Deadline struct {
	Kind string
	Date date.Date
	// Condition is empty for a deadline that holds as things stand, or
	// says what must happen first (IfRefused).
	Condition string
	// BarYears is the re-entry bar that leaving by Date avoids
	// (leave_to_avoid_bar only).
	BarYears int
	// BarYearsMin is the shortest the bar may be, where its length is a
	// range (UK: 1 to 10 years); equal to BarYears otherwise.
	BarYearsMin int
	// OtherReading is the date on the other reading of a threshold the law
	// leaves unsettled ("one year": 365 days or a calendar year); zero when
	// both readings agree. Date is always the earlier.
	OtherReading date.Date
	Rule         string
	Citation     string
}

// Code is the deadline's kind with its condition, if any
// ("must_leave_by.if_refused"): what lists and calendars store and the
// catalogue words, so that a conditional deadline is never shown as a
// certain one.
func (d Deadline) Code() string {
	if d.Condition != "" {
		return d.Kind + "." + d.Condition
	}
	return d.Kind
}

// Next action kinds.
const (
	ActFileExtension  = "file_extension"     // file an extension by Date
	ActAwaitDecision  = "await_decision"     // an application is pending; the receipt is valid until Date
	ActReturnToOffice = "return_to_office"   // the receipt ran out on Date with no decision recorded
	ActLeaveBy        = "leave_by"           // leave by Date
	ActLeaveNow       = "leave_now"          // presence is unlawful: leave at once
	ActLeaveAvoidBar  = "leave_to_avoid_bar" // leave by Date to avoid a BarYears bar
	ActSeekAdvice     = "seek_legal_advice"  // overstaying: see a lawyer or an NGO before acting
)

// NextAction is one thing the person should do, with its date where there
// is one. The list is ordered most urgent first.
type NextAction struct {
	Kind      string
	Date      date.Date // zero when there is none (act at once, or on an event)
	Condition string    // as for Deadline
	// BarYears is the bar avoided (leave_to_avoid_bar); BarYearsNow, the
	// bar that leaving now already brings, if any.
	BarYears, BarYearsNow int
	BarYearsMin           int
	OtherReading          date.Date // as for Deadline
	// LateRefusal marks leave_now after a refusal that came when the stay
	// had already run out: the law gives no time to leave.
	LateRefusal bool
	// Extendable marks leave_by when an extension may still be filed.
	Extendable bool
	// NotAllowed marks leave_now when the entry itself was not covered
	// (a right the person's nationality does not have, a visa used up).
	NotAllowed bool
	// Unknown marks a date the engine could not work out (a holiday
	// calendar it does not have).
	Unknown  bool
	Rule     string
	Citation string
}

// Violation is the first unlawful day of planned presence.
type Violation struct {
	Date       date.Date
	Trip       int // input index
	Rule       string
	Citation   string
	WindowUsed int // days in the window ending on Date, when the pack has one
	HasWindow  bool
}

// Consequence kinds.
const (
	KindFine       = "fine"
	KindDetention  = "detention"
	KindReentryBar = "reentry_bar"
	KindNote       = "note"
)

// Consequence is something that may follow from an overstay. Where the law
// leaves discretion it is a range (Min to Max, YearsMin to Years).
type Consequence struct {
	Kind          string
	Rule          string
	Citation      string
	Trip          int       // input index of the stay it follows from
	FirstDay      date.Date // first unlawful day of that stay
	Days          int       // unlawful days it is computed from
	Currency      string
	PerDay, Cap   int
	Min, Max      int // fine amount, or detention days
	Discretionary bool
	Alternative   string
	Condition     string
	Years         int
	YearsMin      int
	From          date.Date
	Until         date.Date
	UntilMin      date.Date
	Prospective   bool // the person has not left: the bar would run from a departure on AsOf
	ByDecision    bool // the bar follows only an authority's decision, never leaving by oneself
	Text          string
}

// Evaluate returns the evaluation on asOf.
func (c *Case) Evaluate(asOf date.Date) *Evaluation {
	ev := new(Evaluation)
	c.EvaluateInto(ev, asOf)
	return ev
}

// EvaluateInto writes the evaluation on asOf into ev, reusing its slices, so
// that repeated evaluations allocate nothing.
func (c *Case) EvaluateInto(ev *Evaluation, asOf date.Date) {
	*ev = Evaluation{
		AsOf:         asOf,
		Deadlines:    ev.Deadlines[:0],
		NextActions:  ev.NextActions[:0],
		Consequences: ev.Consequences[:0],
		Explanation:  ev.Explanation[:0],
		Notes:        ev.Notes[:0],
	}
	subject, last := -1, -1
	var subj tripStay
	var subjFirst date.Date
	var subjRule *rules.Rule
	subjUnlawful := 0
	for i := range c.trips {
		t := &c.trips[i]
		if t.Entry > asOf {
			break
		}
		last = i
		var ts tripStay
		c.stayOf(i, asOf, &ts, &ev.Explanation)
		first, rule := c.firstUnlawful(i, &ts, asOf, false)
		end := t.Exit
		if end == 0 || end > asOf {
			end = asOf
		} else if t.shared {
			end-- // the shared day is judged under the trip that enters on it
		}
		n, firstDay := c.unlawfulIn(i, t.Entry, end, first, asOf)
		if n > 0 {
			ev.OverstayDays += n
			if g := &c.grants[t.grant]; g.pack.Window != nil && rule == &g.pack.Window.Rule {
				w := g.pack.Window
				s := step(StepWindowBreach, rule, t.index)
				s.D1, s.N2 = firstDay, w.Limit
				s.N1 = c.present(&c.areas[g.area], firstDay.AddDays(1-w.Length), firstDay, asOf)
				ev.Explanation = append(ev.Explanation, s)
			}
			s := step(StepUnlawful, rule, t.index)
			s.D1, s.D2, s.N1 = firstDay, end, n
			if rule == nil {
				s.Rule, s.Citation = c.capRule(i)
			}
			ev.Explanation = append(ev.Explanation, s)
		}
		if asOf <= t.Exit || t.Exit == 0 {
			subject, subj, subjFirst, subjRule, subjUnlawful = i, ts, first, rule, n
		}
		if n > 0 {
			c.consequences(ev, i, first, firstDay, end, n, asOf)
		}
	}
	gi := 0
	switch {
	case subject >= 0:
		gi = c.trips[subject].grant
	case last >= 0:
		gi = c.trips[last].grant
	case len(c.trips) > 0:
		gi = c.trips[0].grant // only planned trips: the first of them
	}
	p := c.grants[gi].pack
	ev.Rule = p.ID
	if p.Source == "report" {
		ev.FromReport = true
		s := step(StepReportSource, nil, -1)
		s.S = p.ID
		ev.Explanation = append(ev.Explanation, s)
		for _, d := range p.Disagreements {
			ev.Notes = append(ev.Notes, d.Topic)
		}
	}
	if len(p.Unverified) > 0 {
		s := step(StepUnverified, nil, -1)
		s.S = p.ID
		ev.Explanation = append(ev.Explanation, s)
		ev.Notes = append(ev.Notes, p.Unverified...)
	}
	if w := p.Window; w != nil {
		ar := &c.areas[c.grants[gi].area]
		from := asOf.AddDays(1 - w.Length)
		used := c.present(ar, from, asOf, asOf)
		ev.Window = WindowStatus{Length: w.Length, Limit: w.Limit, Used: used, Remaining: max(0, w.Limit-used), From: from, To: asOf}
		s := step(StepWindow, &w.Rule, -1)
		s.D1, s.D2, s.N1, s.N2 = from, asOf, used, w.Limit
		ev.Explanation = append(ev.Explanation, s)
	}
	if y := p.YearCap; y != nil {
		ar := &c.areas[c.grants[gi].area]
		used := c.present(ar, yearStart(asOf.Year()), asOf, asOf)
		s := step(StepYearCap, &y.Rule, -1)
		s.D1, s.N1, s.N2 = asOf, used, y.Limit
		ev.Explanation = append(ev.Explanation, s)
	}

	if subject < 0 {
		ev.State = StateAbsent
		s := step(StepAbsent, nil, -1)
		s.D1 = asOf
		ev.Explanation = append(ev.Explanation, s)
	} else {
		c.subjectState(ev, subject, &subj, subjFirst, subjRule, subjUnlawful, asOf)
	}
	c.plannedViolation(ev, asOf)
	// Soonest first; a handful of entries, sorted in place without allocating.
	for i := 1; i < len(ev.Deadlines); i++ {
		for j := i; j > 0 && ev.Deadlines[j].Date < ev.Deadlines[j-1].Date; j-- {
			ev.Deadlines[j], ev.Deadlines[j-1] = ev.Deadlines[j-1], ev.Deadlines[j]
		}
	}
}

// capRule names the yearly cap of trip i's pack, for unlawful days that only
// the cap makes unlawful.
func (c *Case) capRule(i int) (string, string) {
	if y := c.grants[c.trips[i].grant].pack.YearCap; y != nil {
		return y.ID, y.Citation
	}
	return "", ""
}

// firstUnlawful returns the first day from trip i's entry on which presence
// is unlawful for a reason that lasts until departure (entry not allowed,
// stay expired, window breached), with the rule that makes it so. With
// continuous, presence is assumed to go on without end and a pending
// application is ignored, which answers "until when, without filing
// anything new"; otherwise presence is as recorded, and a breach after the
// trip's recorded end returns that day all the same. It returns maxDate when
// there is no such day.
func (c *Case) firstUnlawful(i int, ts *tripStay, asOf date.Date, continuous bool) (date.Date, *rules.Rule) {
	t := &c.trips[i]
	g := &c.grants[t.grant]
	if !ts.allowed {
		return t.Entry, ts.denyRule
	}
	first, rule := maxDate, (*rules.Rule)(nil)
	if ts.limited && (continuous || !ts.protected) && ts.until < maxDate {
		first, rule = ts.until+1, ts.untilRule
	}
	if w := g.pack.Window; w != nil {
		if b := max(t.breach, t.Entry); b < first {
			first, rule = b, &w.Rule
		}
	}
	return first, rule
}

// unlawfulIn counts the unlawful days of trip i within [x, y], given the
// first day of its lasting unlawfulness, and returns the first of them.
func (c *Case) unlawfulIn(i int, x, y, first, asOf date.Date) (int, date.Date) {
	n, firstDay := 0, date.Date(0)
	if first <= y {
		n = y.Sub(max(first, x)) + 1
		firstDay = max(first, x)
	}
	g := &c.grants[c.trips[i].grant]
	if yc := g.pack.YearCap; yc != nil {
		ar := &c.areas[g.area]
		cut := min(y, first-1)
		if extra := c.yearExcess(ar, x, cut, yc.Limit, asOf); extra > 0 {
			n += extra
			firstDay = c.yearBreach(ar, x, cut, yc.Limit, asOf)
		}
	}
	return n, firstDay
}

func (c *Case) subjectState(ev *Evaluation, i int, ts *tripStay, first date.Date, rule *rules.Rule, unlawful int, asOf date.Date) {
	t := &c.trips[i]
	g := &c.grants[t.grant]
	p := g.pack
	yearBad := false
	if yc := p.YearCap; yc != nil {
		yearBad = c.present(&c.areas[g.area], yearStart(asOf.Year()), asOf, asOf) > yc.Limit
	}
	lawfulNow := asOf < first && !yearBad
	// Until when, staying on without filing anything new.
	cont, contRule := c.continuousEnd(i, ts, asOf)
	switch {
	case lawfulNow && ts.protected && asOf > ts.until:
		ev.State = StatePending
		ev.AuthorizedUntil = ts.until
		ev.Since = ts.until + 1
		s := step(StepPendingState, p.Extension.Pending, t.index)
		s.D1, s.D2 = asOf, ts.until
		if ts.receiptUntil != 0 && ts.receiptUntil < asOf {
			s.N1 = 1 // the receipt has run out: lawful is not what the law says
		}
		ev.Explanation = append(ev.Explanation, s)
		c.receiptDeadline(ev, p, ts)
	case lawfulNow:
		ev.State = StateLawful
		ev.AuthorizedUntil = cont
		ev.DaysRemaining, ev.HasDaysRemaining = cont.Sub(asOf), true
		s := step(StepLawful, contRule, t.index)
		s.D1, s.D2, s.N1 = asOf, cont, cont.Sub(asOf)
		ev.Explanation = append(ev.Explanation, s)
		if cont < maxDate {
			d := deadline(MustLeaveBy, cont, contRule)
			if ts.protected {
				// A timely application is pending: leaving by the old
				// date is needed only if it is refused.
				d.Condition = IfRefused
			}
			ev.Deadlines = append(ev.Deadlines, d)
		}
		c.filingDeadlines(ev, i, ts, asOf)
		c.receiptDeadline(ev, p, ts)
	default:
		ev.State = StateOverstay
		if yc := p.YearCap; yearBad && first > asOf {
			// Only the calendar-year cap makes today unlawful: the
			// overstay began on the day this year's count passed it.
			if b := c.yearBreach(&c.areas[g.area], max(t.Entry, yearStart(asOf.Year())), asOf, yc.Limit, asOf); b != 0 {
				first, rule = b, &yc.Rule
			}
		}
		if ts.allowed {
			ev.AuthorizedUntil = min(first, asOf) - 1
		}
		ev.Since = max(min(first, asOf), t.Entry)
		s := step(StepOverstayState, rule, t.index)
		s.D1, s.N1 = asOf, unlawful
		ev.Explanation = append(ev.Explanation, s)
		c.barDeadlines(ev, i, max(first, t.Entry), asOf)
	}
	if ev.AuthorizedUntil >= maxDate {
		ev.AuthorizedUntil = 0
		ev.HasDaysRemaining = false
	}
	c.advise(ev, i, ts, asOf)
}

// receiptDeadline adds the last day of the receipt that pending presence
// rests on, also once it has passed: the person must act on it.
func (c *Case) receiptDeadline(ev *Evaluation, p *rules.Pack, ts *tripStay) {
	if ts.protected && ts.receiptUntil != 0 {
		ev.Deadlines = append(ev.Deadlines, deadline(ReceiptExpires, ts.receiptUntil, &p.Extension.Receipt.Rule))
	}
}

// continuousEnd is the last lawful day of trip i if the person stays on
// from asOf without filing anything new.
func (c *Case) continuousEnd(i int, ts *tripStay, asOf date.Date) (date.Date, *rules.Rule) {
	first, rule := c.firstUnlawful(i, ts, asOf, true)
	g := &c.grants[c.trips[i].grant]
	if yc := g.pack.YearCap; yc != nil {
		if b := c.yearBreach(&c.areas[g.area], asOf, min(first, maxDate)-1, yc.Limit, asOf); b != 0 && b < first {
			first, rule = b, &yc.Rule
		}
	}
	return first - 1, rule
}

func deadline(kind string, d date.Date, r *rules.Rule) Deadline {
	dl := Deadline{Kind: kind, Date: d}
	if r != nil {
		dl.Rule, dl.Citation = r.ID, r.Citation
	}
	return dl
}

// filingDeadlines adds the extension filing window of the subject trip.
func (c *Case) filingDeadlines(ev *Evaluation, i int, ts *tripStay, asOf date.Date) {
	x := c.grants[c.trips[i].grant].pack.Extension
	if x == nil || x.Exceptional || !ts.limited || ts.pending >= 0 {
		return
	}
	if x.MaxCount > 0 && ts.count >= x.MaxCount {
		return
	}
	if limit := c.extensionCap(i, ts); limit >= 0 && ts.extended >= limit {
		return
	}
	if x.OpensDaysBefore > 0 {
		if opens := ts.until.AddDays(-x.OpensDaysBefore); opens > asOf {
			ev.Deadlines = append(ev.Deadlines, deadline(FilingOpens, opens, &x.Rule))
		}
	}
	// The channel is not known, so no rollover is assumed: the earlier date.
	if closes := filingCloses(x, ts.until, ""); closes >= asOf {
		ev.Deadlines = append(ev.Deadlines, deadline(FilingCloses, closes, &x.Rule))
	}
}

// plannedViolation finds the first unlawful day after asOf in planned
// presence: the rest of a trip with a planned exit, and trips not yet begun.
func (c *Case) plannedViolation(ev *Evaluation, asOf date.Date) {
	for i := range c.trips {
		t := &c.trips[i]
		if t.Exit != 0 && t.Exit <= asOf {
			continue
		}
		if t.Exit == 0 && t.Entry <= asOf {
			continue // open trips are present through asOf only
		}
		var ts tripStay
		c.stayOf(i, asOf, &ts, nil)
		first, rule := c.firstUnlawful(i, &ts, asOf, false)
		end := t.Exit
		if end == 0 {
			end = t.Entry
		} else if t.shared {
			end--
		}
		x := max(t.Entry, asOf+1)
		if x > end {
			continue
		}
		v := date.Date(0)
		if first <= end {
			v = max(first, x)
		}
		g := &c.grants[t.grant]
		if yc := g.pack.YearCap; yc != nil {
			if b := c.yearBreach(&c.areas[g.area], x, min(end, first-1), yc.Limit, asOf); b != 0 && (v == 0 || b < v) {
				v, rule = b, &yc.Rule
			}
		}
		if v == 0 {
			continue
		}
		pv := Violation{Date: v, Trip: t.index}
		if rule != nil {
			pv.Rule, pv.Citation = rule.ID, rule.Citation
		}
		if w := g.pack.Window; w != nil {
			pv.WindowUsed = c.present(&c.areas[g.area], v.AddDays(1-w.Length), v, asOf)
			pv.HasWindow = true
		}
		ev.PlannedViolation = pv
		return
	}
}
