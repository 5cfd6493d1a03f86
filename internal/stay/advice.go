package stay

import (
	"fmt"
	"strconv"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// advise lists what the person on trip i should do next, most urgent
// first, from the state and deadlines already worked out.
func (c *Case) advise(ev *Evaluation, i int, ts *tripStay, asOf date.Date) {
	t := &c.trips[i]
	p := c.grants[t.grant].pack
	add := func(a NextAction, r *rules.Rule) {
		if r != nil {
			a.Rule, a.Citation = r.ID, r.Citation
		}
		ev.NextActions = append(ev.NextActions, a)
	}
	var refusal *rules.Rule
	if x := p.Extension; x != nil {
		refusal = &x.Rule
		if x.Refusal != nil {
			refusal = &x.Refusal.Rule
		}
	}
	receipt := func() {
		x := p.Extension
		switch {
		case x.Receipt == nil:
			add(NextAction{Kind: ActAwaitDecision}, x.Pending)
		case ts.receiptUntil == 0:
			add(NextAction{Kind: ActAwaitDecision, Unknown: true}, &x.Receipt.Rule)
		case ts.receiptUntil < asOf:
			add(NextAction{Kind: ActReturnToOffice, Date: ts.receiptUntil}, &x.Receipt.Rule)
		default:
			add(NextAction{Kind: ActAwaitDecision, Date: ts.receiptUntil}, &x.Receipt.Rule)
		}
	}
	switch ev.State {
	case StateLawful:
		if ts.protected {
			receipt()
			add(NextAction{Kind: ActLeaveBy, Date: ev.AuthorizedUntil, Condition: IfRefused}, refusal)
			return
		}
		for _, d := range ev.Deadlines {
			if d.Kind == FilingCloses {
				ev.NextActions = append(ev.NextActions, NextAction{Kind: ActFileExtension, Date: d.Date, Rule: d.Rule, Citation: d.Citation})
			}
		}
		extendable := len(ev.NextActions) > 0 // a file_extension action
		for _, d := range ev.Deadlines {
			if d.Kind == MustLeaveBy {
				ev.NextActions = append(ev.NextActions, NextAction{Kind: ActLeaveBy, Date: d.Date, Extendable: extendable, Rule: d.Rule, Citation: d.Citation})
			}
		}
	case StatePending:
		receipt()
		add(NextAction{Kind: ActLeaveNow, Condition: IfRefused}, refusal)
	case StateOverstay:
		a := NextAction{Kind: ActLeaveNow, LateRefusal: ts.lateRefusal != 0 && ev.Since == ts.lateRefusal+1, NotAllowed: !ts.allowed}
		r := ts.untilRule
		if p.Overstay != nil {
			r = &p.Overstay.Rule
		}
		if a.LateRefusal {
			r = refusal
		}
		add(a, r)
		now := c.barNow(i, ev.Since, asOf)
		for _, d := range ev.Deadlines {
			if d.Kind == LeaveToAvoidBar {
				ev.NextActions = append(ev.NextActions, NextAction{Kind: ActLeaveAvoidBar, Date: d.Date, BarYears: d.BarYears, BarYearsMin: d.BarYearsMin,
					BarYearsNow: now, OtherReading: d.OtherReading, Rule: d.Rule, Citation: d.Citation})
			}
		}
		var o *rules.Rule
		if p.Overstay != nil {
			o = &p.Overstay.Rule
		}
		add(NextAction{Kind: ActSeekAdvice}, o)
	}
}

// barNow is the longest re-entry bar that leaving on asOf would already
// bring, in years; 0 if none.
func (c *Case) barNow(i int, first, asOf date.Date) int {
	o := c.grants[c.trips[i].grant].pack.Overstay
	if o == nil {
		return 0
	}
	years := 0
	for bi := range o.Bars {
		b := &o.Bars[bi]
		if b.Years == 0 || !b.Applies.Contains(first) || !c.adultAtBreach(b, asOf) {
			continue
		}
		acc := c.accrued(b, i, first, asOf, asOf)
		if acc >= b.MinDays && (b.MaxDays == 0 || acc <= b.MaxDays) {
			years = max(years, b.Years)
		}
	}
	return years
}

// adultAtBreach reports whether a bar limited to adults can apply to a
// breach whose last day is end: true when the person is old enough then,
// or when their birth date is not known.
func (c *Case) adultAtBreach(b *rules.Bar, end date.Date) bool {
	if b.MinAgeAtBreach == 0 {
		return true
	}
	born := c.born()
	return born == 0 || born.AddYears(b.MinAgeAtBreach, date.Clamp) <= end
}

// Sentence says the action in plain English, as the CLI prints it; the
// UI words the same fields in the reader's language.
func (a NextAction) Sentence() string {
	switch a.Kind {
	case ActFileExtension:
		return fmt.Sprintf("File an extension application by %s (that day included), or plan to leave.", a.Date)
	case ActAwaitDecision:
		if a.Unknown {
			return "Await the decision. Your stay rests on the acceptance receipt: read its last day on the receipt and go back to the office before it runs out."
		}
		if a.Date == 0 {
			return "Await the decision: while the application filed in time is pending, you may stay."
		}
		return fmt.Sprintf("Await the decision. Your stay rests on the acceptance receipt, valid until %s at the latest (the date printed on your receipt governs): if no decision has come by then, go back to the office that day.", a.Date)
	case ActReturnToOffice:
		return fmt.Sprintf("Go back to the exit-entry office at once: the acceptance receipt ran out on %s and no decision is recorded. The law does not say what follows.", a.Date)
	case ActLeaveBy:
		if a.Condition == IfRefused {
			return fmt.Sprintf("If the application is refused, leave by %s; if the refusal comes after that day, leave at once.", a.Date)
		}
		if !a.Extendable {
			return fmt.Sprintf("Leave by %s.", a.Date)
		}
		return fmt.Sprintf("Leave by %s, unless you apply in time to extend your stay (then await the decision).", a.Date)
	case ActLeaveNow:
		switch {
		case a.Condition == IfRefused:
			return "If the application is refused, leave at once: the stay has already run out and the law gives no time to leave."
		case a.LateRefusal:
			return "The application was refused after the stay had run out: leave at once; the law gives no time to leave."
		case a.NotAllowed:
			return "This right did not cover your entry, so every day of this stay is unlawful. Seek advice and leave as soon as you can."
		}
		return "Your stay has run out: every further day is unlawful. Leave as soon as you can, after taking advice."
	case ActLeaveAvoidBar:
		s := ""
		if a.BarYearsNow > 0 {
			s = "Leaving now already brings the " + strconv.Itoa(a.BarYearsNow) + "-year bar; "
		}
		if a.BarYearsMin < a.BarYears {
			s += fmt.Sprintf("leave by %s to avoid a re-entry ban of %d to %d years", a.Date, a.BarYearsMin, a.BarYears)
		} else {
			s += fmt.Sprintf("leave by %s to avoid the %d-year bar", a.Date, a.BarYears)
		}
		if a.OtherReading != 0 {
			s += fmt.Sprintf(" (if one year is read as a calendar year rather than 365 days, the last day is %s; the law is unsettled, so this advice uses the earlier date)", a.OtherReading)
		}
		if a.BarYearsNow == 0 {
			return "L" + s[1:] + "."
		}
		return s + "."
	case ActSeekAdvice:
		return "Seek legal advice (a lawyer or an NGO) before going to the authorities or to the border."
	}
	return a.Kind
}
