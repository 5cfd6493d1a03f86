package stay

import (
	"strings"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// consequences adds what may follow from the unlawful days of trip i: n days
// from firstDay to end, of which those from first on are the lasting kind
// that re-entry bars count.
func (c *Case) consequences(ev *Evaluation, i int, first, firstDay, end date.Date, n int, asOf date.Date) {
	t := &c.trips[i]
	o := c.grants[t.grant].pack.Overstay
	if o == nil {
		return
	}
	base := Consequence{Trip: t.index, FirstDay: firstDay, Days: n}
	if f := o.Fine; f != nil {
		perDay, _ := rules.At(f.PerDay, firstDay)
		capV, hasCap := rules.At(f.Cap, firstDay)
		cs := base
		cs.Kind, cs.Rule, cs.Citation = KindFine, f.ID, joinCite(f.Citation, perDay.Citation, capV.Citation)
		cs.Currency, cs.PerDay, cs.Cap = f.Currency, perDay.Value, capV.Value
		cs.Max = n * perDay.Value
		if hasCap && cs.Max > capV.Value {
			cs.Max = capV.Value
		}
		if !f.Discretionary {
			cs.Min = cs.Max
		}
		cs.Discretionary, cs.Alternative = f.Discretionary, f.Alternative
		ev.Consequences = append(ev.Consequences, cs)
	}
	if d := o.Detention; d != nil {
		lo, _ := rules.At(d.MinDays, firstDay)
		hi, _ := rules.At(d.MaxDays, firstDay)
		cs := base
		cs.Kind, cs.Rule, cs.Citation = KindDetention, d.ID, joinCite(d.Citation, lo.Citation, hi.Citation)
		cs.Min, cs.Max, cs.Discretionary, cs.Condition = lo.Value, hi.Value, d.Discretionary, d.Condition
		ev.Consequences = append(ev.Consequences, cs)
	}
	left := t.Exit != 0 && t.Exit <= asOf
	from := asOf
	if left {
		from = t.Exit
	}
	warned := false
	for bi := range o.Bars {
		b := &o.Bars[bi]
		if !b.Applies.Contains(firstDay) {
			continue
		}
		if b.ExcludeUnderAge > 0 && c.born() == 0 && !warned {
			warned = true
			s := step(StepUnderAgeUnknown, &b.Rule, t.index)
			s.N1 = b.ExcludeUnderAge
			ev.Explanation = append(ev.Explanation, s)
		}
		accrued := c.accrued(b, i, first, end, asOf)
		if accrued < b.MinDays || (b.MaxDays > 0 && accrued > b.MaxDays) {
			continue
		}
		if b.MinAgeAtBreach > 0 {
			born := c.born()
			if !c.adultAtBreach(b, end) {
				s := step(StepBarMinor, &b.Rule, t.index)
				s.D1, s.N1 = end, b.MinAgeAtBreach
				ev.Explanation = append(ev.Explanation, s)
				continue
			}
			if born == 0 {
				s := step(StepBarMinor, &b.Rule, t.index)
				s.N1 = b.MinAgeAtBreach
				ev.Explanation = append(ev.Explanation, s)
			}
		}
		cs := base
		cs.Kind, cs.Rule, cs.Citation = KindReentryBar, b.ID, b.Citation
		cs.Days = accrued
		cs.Years, cs.YearsMin = b.Years, b.Years
		if b.YearsMin != nil {
			cs.YearsMin = *b.YearsMin
		}
		cs.From = from
		cs.Until = from.AddYears(b.Years, date.Clamp)
		cs.UntilMin = from.AddYears(cs.YearsMin, date.Clamp)
		cs.Discretionary, cs.Condition, cs.Prospective, cs.ByDecision = b.Discretionary, b.Condition, !left, b.ByDecision
		ev.Consequences = append(ev.Consequences, cs)
	}
	for _, note := range o.Notes {
		cs := base
		cs.Kind, cs.Rule, cs.Citation, cs.Text = KindNote, o.ID, note.Citation, note.Text
		ev.Consequences = append(ev.Consequences, cs)
	}
}

// joinCite names a rule's citation and the citations of the dated values it
// used, each once: they often repeat the same instrument.
func joinCite(main string, dated ...string) string {
	out := main
	for _, d := range dated {
		if d != "" && !strings.Contains(out, d) {
			out += "; " + d
		}
	}
	return out
}

func (c *Case) born() date.Date {
	if p := c.History.Person; p != nil {
		return p.Born
	}
	return 0
}

// accrued counts the unlawful days a bar counts: the lasting unlawful days
// of trip i from first to end (or of every stay up to trip i for a
// cumulative bar), leaving out days before the bar's count_from date and
// days under its age limit.
func (c *Case) accrued(b *rules.Bar, i int, first, end, asOf date.Date) int {
	lo := c.countFrom(b)
	count := func(first, end date.Date) int {
		return max(0, end.Sub(max(first, lo))+1)
	}
	if b.Basis != rules.Cumulative {
		return count(first, end)
	}
	total := 0
	for j := 0; j <= i; j++ {
		t := &c.trips[j]
		if c.grants[t.grant].pack != c.grants[c.trips[i].grant].pack {
			continue
		}
		var ts tripStay
		c.stayOf(j, asOf, &ts, nil)
		f, _ := c.firstUnlawful(j, &ts, asOf, false)
		e := t.Exit
		if e == 0 || e > asOf {
			e = asOf
		} else if t.shared {
			e--
		}
		total += count(max(f, t.Entry), e)
	}
	return total
}

// barDeadlines tells an overstaying person the last day to leave before the
// next re-entry bar band is reached.
func (c *Case) barDeadlines(ev *Evaluation, i int, first date.Date, asOf date.Date) {
	t := &c.trips[i]
	o := c.grants[t.grant].pack.Overstay
	if o == nil {
		return
	}
	best := -1
	for bi := range o.Bars {
		b := &o.Bars[bi]
		if b.Years == 0 || !b.Applies.Contains(first) {
			continue
		}
		if born := c.born(); b.MinAgeAtBreach > 0 && born != 0 && asOf < born.AddYears(b.MinAgeAtBreach, date.Clamp) {
			// A minor is told to leave now, not given a later date that
			// merely comes before the ban could reach them.
			continue
		}
		acc := c.accrued(b, i, first, asOf, asOf)
		if b.MinDays > acc && (best < 0 || b.MinDays < o.Bars[best].MinDays) {
			best = bi
		}
	}
	if best < 0 {
		return
	}
	b := &o.Bars[best]
	acc := c.accrued(b, i, first, asOf, asOf)
	// Days from here on count only from when the bar starts counting them
	// (an 18th birthday, its count_from date).
	from := max(asOf, c.countFrom(b)-1)
	d := deadline(LeaveToAvoidBar, from.AddDays(b.MinDays-1-acc), &b.Rule)
	d.BarYears, d.BarYearsMin = b.Years, b.Years
	if b.YearsMin != nil {
		d.BarYearsMin = *b.YearsMin
	}
	if b.YearReading {
		// "One year" read as a calendar year from the first counted day
		// is 366 days when it spans a 29 February.
		f := max(first, c.countFrom(b))
		if cal := f.AddYears(1, date.Clamp).Sub(f); cal > b.MinDays {
			d.OtherReading = d.Date.AddDays(cal - b.MinDays)
		}
	}
	ev.Deadlines = append(ev.Deadlines, d)
}

// countFrom is the first day a bar counts: its count_from date or the
// person's birthday at its age limit, whichever is later.
func (c *Case) countFrom(b *rules.Bar) date.Date {
	lo := b.CountFrom
	if b.ExcludeUnderAge > 0 {
		if born := c.born(); born != 0 {
			lo = max(lo, born.AddYears(b.ExcludeUnderAge, date.Clamp))
		}
	}
	return lo
}
