package web

import (
	"regexp"
	"strconv"

	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

// stepKey names the catalogue message of a step: the engine keeps steps as
// numbers and dates, and gives each kind a code; the UI words them in the
// reader's language, as Step.Sentence does in English for the CLI.
func stepKey(k stay.StepKind) (string, bool) {
	c := k.Code()
	return "step." + c, c != ""
}

// actionKey picks the catalogue message of a next action, by its kind and
// the fields that change its wording.
func actionKey(a stay.NextAction) string {
	k := "next." + a.Kind
	switch {
	case a.Kind == stay.ActAwaitDecision && a.Unknown:
		k += ".unknown"
	case a.Kind == stay.ActAwaitDecision && a.Date == 0:
		k += ".nodate"
	case a.Condition == stay.IfRefused:
		k += ".if_refused"
	case a.LateRefusal:
		k += ".late_refusal"
	case a.Kind == stay.ActLeaveAvoidBar && a.BarYearsMin < a.BarYears:
		k += ".range"
	case a.Kind == stay.ActLeaveBy && !a.Extendable:
		k += ".final"
	}
	return k
}

// actionSentence words a next action in the reader's language, as
// NextAction.Sentence does in English for the CLI.
func actionSentence(p *i18n.Printer, a stay.NextAction) string {
	t := p.T(actionKey(a), "date", p.Date(a.Date), "years", a.BarYears, "min", a.BarYearsMin)
	if a.Kind == stay.ActLeaveAvoidBar {
		if a.BarYearsNow > 0 {
			t = p.T("next.bar_now", "years", a.BarYearsNow) + " " + t
		}
		if a.OtherReading != 0 {
			t += " " + p.T("next.other_reading", "date", p.Date(a.OtherReading))
		}
	}
	return t
}

var lengthText = regexp.MustCompile(`^(\d+) (day|month)s?$`)

// stepText words one explanation step.
func stepText(p *i18n.Printer, st stay.Step) string {
	key, ok := stepKey(st.Kind)
	if !ok {
		return st.Sentence()
	}
	args := []any{"d1", p.Date(st.D1), "d2", p.Date(st.D2), "n1", st.N1, "n2", st.N2, "s", st.S}
	switch st.Kind {
	case stay.StepEntry:
		if st.N2 == int(rules.Multiple) {
			key += ".multiple"
		}
	case stay.StepVisaStay:
		if st.N2 < st.N1 {
			key += ".left"
		}
	case stay.StepBarMinor:
		if st.D1 == 0 {
			key += ".unknown"
		}
	case stay.StepStayDays, stay.StepStayMonths:
		if st.N2 == 1 {
			key += ".inclusive"
		}
		args = append(args, "next", p.Date(st.D1.AddDays(1)))
	case stay.StepExtLength:
		if st.N1 < 0 {
			key += ".short"
		} else {
			key += ".long"
		}
		// The engine writes the length in English ("30 days"); say it in
		// the reader's language.
		if m := lengthText.FindStringSubmatch(st.S); m != nil {
			n, _ := strconv.Atoi(m[1])
			args[9] = p.N(m[2]+"s", n)
		}
	case stay.StepWindow:
		args = append(args, "len", st.D2.Sub(st.D1)+1)
	case stay.StepYearCap:
		args = append(args, "year", st.D1.Year())
	}
	return p.T(key, args...)
}

// stepLine is a step with its citation and a link to the rule on its
// regime's page; prefer is the pack the evaluation is about, which wins
// when two packs share a rule id.
func (s *Server) stepLine(p *i18n.Printer, st stay.Step, prefer string) stepLine {
	l := stepLine{Text: stepText(p, st), Citation: st.Citation}
	if pack, original := s.packOfRule(st.Rule, prefer); pack != "" {
		l.Link = "/regimes/" + pack + "#rule-" + st.Rule
		// Chinese pages quote Chinese law in Chinese, so that a reader can
		// match it to what the exit-entry office says.
		if p.Lang == originalLang && original != "" {
			l.Citation, l.Original = original, true
		}
	}
	return l
}

// packOfRule finds the pack a rule id belongs to; rule ids are unique
// across the loaded packs in practice, and the first pack that has it wins.
// It also returns the rule's original text, if the pack gives one.
func (s *Server) packOfRule(rule, prefer string) (string, string) {
	if rule == "" {
		return "", ""
	}
	if f, ok := s.Packs.File(prefer); ok {
		for _, r := range f.Rules() {
			if r.Rule.ID == rule {
				return prefer, r.Rule.Original
			}
		}
	}
	for _, id := range s.Packs.IDs() {
		f, _ := s.Packs.File(id)
		for _, r := range f.Rules() {
			if r.Rule.ID == rule {
				return id, r.Rule.Original
			}
		}
	}
	return "", ""
}

// regimeRule is one rule of a pack, as the regimes page lists it.
type regimeRule struct {
	Key, ID, Citation string
	Original          string // the cited provision in its own language, if the pack gives it
	Detail            string
	// Anchor is the id of the rule's row on the regime page: the rule id,
	// once; a second rule with the same id gets none.
	Anchor string
}

// packRules lists a pack's rules in the order the law reads: the stay,
// entries, windows and caps, extensions, then overstay.
func packRules(f *packs.File) []regimeRule {
	var out []regimeRule
	seen := map[string]bool{}
	add := func(key string, r rules.Rule, detail string) {
		rr := regimeRule{Key: key, ID: r.ID, Citation: r.Citation, Original: r.Original, Detail: detail}
		if !seen[r.ID] {
			seen[r.ID], rr.Anchor = true, "rule-"+r.ID
		}
		out = append(out, rr)
	}
	for _, r := range f.Rules() {
		add("rule."+r.Kind, r.Rule, "")
	}
	return out
}

// consequenceText words what may follow an overstay. Conditions and notes
// are quoted from the rule pack's sources as written.
func consequenceText(p *i18n.Printer, c stay.Consequence) string {
	var s string
	switch c.Kind {
	case stay.KindFine:
		// Ranges and money in the reader's way: "0至10000元" in Chinese.
		amount := strconv.Itoa(c.Max)
		if c.Min != c.Max {
			amount = p.T("format.range", "lo", c.Min, "hi", c.Max)
		}
		cur := p.T("currency." + c.Currency)
		amount = p.T("format.money", "amount", amount, "currency", cur)
		s = p.T("conseq.fine", "amount", amount, "days", p.N("days", c.Days), "per_day", p.T("format.money", "amount", c.PerDay, "currency", cur))
		if c.Discretionary {
			s += p.T("format.sentence_sep") + p.T("conseq.discretionary")
		}
	case stay.KindDetention:
		s = p.T("conseq.detention", "min", c.Min, "max", c.Max)
		if c.Discretionary {
			s += p.T("format.sentence_sep") + p.T("conseq.discretionary")
		}
	case stay.KindReentryBar:
		years := strconv.Itoa(c.Years)
		if c.YearsMin != c.Years {
			years = p.T("format.range", "lo", c.YearsMin, "hi", c.Years)
		}
		if c.Prospective {
			s = p.T("conseq.bar_prospective", "years", years, "days", p.N("days", c.Days), "date", p.Date(c.From))
		} else {
			s = p.T("conseq.bar", "years", years, "days", p.N("days", c.Days), "from", p.Date(c.From), "until", p.Date(c.Until))
		}
	case stay.KindNote:
		return p.T("conseq.note", "text", c.Text)
	default:
		s = c.Kind
	}
	if c.Condition != "" {
		s += p.T("format.sentence_sep") + p.T("conseq.condition", "text", c.Condition)
	}
	if c.Alternative != "" {
		s += p.T("format.sentence_sep") + p.T("conseq.alternative", "text", c.Alternative)
	}
	return s
}

// invalidText words an invalid field in the reader's language from its
// reason code and typed arguments (dates in the reader's way, outcomes
// and "open" translated); false when there is no reason to word it by.
func invalidText(p *i18n.Printer, reason string, args []any) (string, bool) {
	if reason == "" {
		return "", false
	}
	named := make([]any, 0, 2*len(args))
	for i, a := range args {
		var v any = a
		switch x := a.(type) {
		case date.Date:
			v = p.Date(x)
		case stay.Outcome:
			v = p.T("outcome." + string(x))
		case string:
			if x == "open" {
				v = p.T("regime.open")
			}
		}
		named = append(named, strconv.Itoa(i+1), v)
	}
	return p.T("invalid."+reason, named...), true
}
