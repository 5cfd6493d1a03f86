// Package wording says the engine's answers in a reader's language: the
// explanation steps, the next actions, the deadlines, the consequences, the
// state and the errors, each from its code and typed arguments through the
// message catalogue, never from the engine's English text. The web pages
// and the CLI's --lang both use it.
package wording

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

// StepKey names the catalogue message of a step: the engine keeps steps as
// numbers and dates, and gives each kind a code; the UI words them in the
// reader's language, as Step.Sentence does in English for the CLI.
func StepKey(k stay.StepKind) (string, bool) {
	c := k.Code()
	return "step." + c, c != ""
}

// ActionKey picks the catalogue message of a next action, by its kind and
// the fields that change its wording.
func ActionKey(a stay.NextAction) string {
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
	case a.Kind == stay.ActLeaveNow && a.NotAllowed:
		k += ".not_allowed"
	case a.Kind == stay.ActLeaveAvoidBar && a.BarYearsMin < a.BarYears:
		k += ".range"
	case a.Kind == stay.ActLeaveBy && !a.Extendable:
		k += ".final"
	}
	return k
}

// Action words a next action in the reader's language, as
// NextAction.Sentence does in English for the CLI.
func Action(p *i18n.Printer, a stay.NextAction) string {
	t := p.T(ActionKey(a), "date", p.Date(a.Date), "years", a.BarYears, "min", a.BarYearsMin)
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

// Step words one explanation step.
func Step(p *i18n.Printer, st stay.Step) string {
	key, ok := StepKey(st.Kind)
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
	case stay.StepPendingState:
		if st.N1 == 1 {
			key += ".receipt_expired"
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

// Consequence words what may follow an overstay. Conditions and notes
// are quoted from the rule pack's sources as written.
func Consequence(p *i18n.Printer, c stay.Consequence) string {
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
		if c.Alternative == "warning" {
			// EEAL Art. 78(1): a warning first; a fine only where serious.
			s = p.T("conseq.warning_first") + " " + s
		}
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
		switch {
		case c.Years == 0:
			return p.T("conseq.bar_none", "days", p.N("days", c.Days)) + p.T("format.sentence_sep") + p.T("conseq.condition", "text", c.Condition)
		case c.ByDecision:
			return p.T("conseq.bar_decision", "years", years)
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
	if c.Alternative != "" && c.Alternative != "warning" {
		s += p.T("format.sentence_sep") + p.T("conseq.alternative", "text", c.Alternative)
	}
	return s
}

// Invalid words an invalid field in the reader's language from its
// reason code and typed arguments (dates in the reader's way, outcomes
// and "open" translated); false when there is no reason to word it by.
func Invalid(p *i18n.Printer, reason string, args []any) (string, bool) {
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

// Status is the evaluation's state as a sentence: "Lawful until 30 May
// 2026, 34 days left".
func Status(p *i18n.Printer, ev *stay.Evaluation) string {
	switch ev.State {
	case stay.StateLawful:
		return p.T("status.lawful", "date", p.Date(ev.AuthorizedUntil), "left", p.N("days_left", ev.DaysRemaining))
	case stay.StatePending:
		// A receipt that has run out is what the person must act on: the
		// status says so rather than "lawful".
		for _, d := range ev.Deadlines {
			if d.Kind == stay.ReceiptExpires && d.Date < ev.AsOf {
				return p.T("status.pending_receipt_expired", "date", p.Date(ev.AuthorizedUntil), "receipt", p.Date(d.Date))
			}
		}
		return p.T("status.pending", "date", p.Date(ev.AuthorizedUntil))
	case stay.StateOverstay:
		// The days of this overstay, from its first day to today; the
		// explanation lists every stay's unlawful days.
		return p.T("status.overstay", "date", p.Date(ev.Since), "days", p.N("days", ev.AsOf.Sub(ev.Since)+1))
	}
	return p.T("status.absent")
}

// Deadline is a deadline as an instruction: "File an extension by 31 Aug".
func Deadline(p *i18n.Printer, kind string, d date.Date) string {
	if d == 0 || kind == "" {
		return ""
	}
	return p.T("action."+kind, "date", p.Date(d))
}

// Text is the whole evaluation for a person to read, in p's language: the
// state, what to do, the deadlines, what may follow and why, each rule with
// its citation. It is what `visaclock check --lang` prints.
func Text(p *i18n.Printer, ev *stay.Evaluation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s\n", p.Date(ev.AsOf), ev.Rule, Status(p, ev))
	if len(ev.NextActions) > 0 {
		fmt.Fprintf(&b, "%s:\n", p.T("next.title"))
		for i, a := range ev.NextActions {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, Action(p, a))
		}
	}
	if len(ev.Deadlines) > 0 {
		fmt.Fprintf(&b, "%s:\n", p.T("cli.deadlines"))
		for _, d := range ev.Deadlines {
			fmt.Fprintf(&b, "  - %s  [%s]\n", Deadline(p, d.Code(), d.Date), d.Rule)
		}
	}
	if len(ev.Notes) > 0 {
		// The pack's own cautions (a report, not law; what no source
		// was found for), quoted as the pack states them.
		fmt.Fprintf(&b, "%s:\n", p.T("cli.cautions"))
		for _, n := range ev.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	if len(ev.Consequences) > 0 {
		fmt.Fprintf(&b, "%s:\n", p.T("case.consequences"))
		for _, c := range ev.Consequences {
			fmt.Fprintf(&b, "  - %s\n    (%s)\n", Consequence(p, c), c.Citation)
		}
	}
	fmt.Fprintf(&b, "%s:\n", p.T("cli.why"))
	for i, s := range ev.Explanation {
		fmt.Fprintf(&b, "  %2d. %s", i+1, Step(p, s))
		if s.Rule != "" {
			fmt.Fprintf(&b, " [%s]", s.Rule)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
