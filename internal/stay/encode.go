package stay

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"visaclock/internal/date"
)

// Explain says how much of the explanation an evaluation's JSON carries.
type Explain uint8

// Explanation levels (docs/output-format.md).
const (
	// ExplainFull is the documented format as it has always been: every
	// step, and every citation written out where it is used.
	ExplainFull Explain = iota
	// ExplainCompact writes each citation once, in a "citations" map from
	// rule id to citation, and leaves out the steps that only restate an
	// allowed entry; items carry the rule id alone.
	ExplainCompact
	// ExplainNone is ExplainCompact without the explanation.
	ExplainNone
)

var explainNames = [...]string{ExplainFull: "full", ExplainCompact: "compact", ExplainNone: "none"}

func (x Explain) String() string {
	if int(x) < len(explainNames) {
		return explainNames[x]
	}
	return "Explain(" + strconv.Itoa(int(x)) + ")"
}

// ParseExplain reads full, compact or none.
func ParseExplain(s string) (Explain, error) {
	for i, n := range explainNames {
		if s == n {
			return Explain(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not an explanation level; accepted: full, compact, none", s)
}

// MarshalJSON writes the evaluation in the documented output format, with
// the full explanation.
func (ev *Evaluation) MarshalJSON() ([]byte, error) {
	return ev.AppendJSON(make([]byte, 0, 1024+512*len(ev.Explanation)), ExplainFull), nil
}

// AppendJSON appends the evaluation's JSON to b, explained as x says. It
// writes the same bytes encoding/json would for the format's structs (the
// ExplainFull output is MarshalJSON's), without reflection, so that a
// caller reusing b allocates nothing but the sentences' text.
func (ev *Evaluation) AppendJSON(b []byte, x Explain) []byte {
	e := encoder{b: b, x: x}
	e.raw(`{"as_of":`)
	e.date(ev.AsOf)
	e.raw(`,"rule":`)
	e.str(ev.Rule)
	e.raw(`,"state":`)
	e.str(string(ev.State))
	e.raw(`,"authorized_until":`)
	e.datePtr(ev.AuthorizedUntil)
	e.raw(`,"days_remaining":`)
	if ev.HasDaysRemaining {
		e.int(ev.DaysRemaining)
	} else {
		e.raw("null")
	}
	e.raw(`,"overstay_days":`)
	e.int(ev.OverstayDays)
	e.raw(`,"window":`)
	if w := ev.Window; w.Length > 0 {
		e.raw(`{"length":`)
		e.int(w.Length)
		e.raw(`,"limit":`)
		e.int(w.Limit)
		e.raw(`,"used":`)
		e.int(w.Used)
		e.raw(`,"remaining":`)
		e.int(w.Remaining)
		e.raw(`,"from":`)
		e.date(w.From)
		e.raw(`,"to":`)
		e.date(w.To)
		e.raw(`}`)
	} else {
		e.raw("null")
	}
	e.raw(`,"next_actions":[`)
	for i := range ev.NextActions {
		a := &ev.NextActions[i]
		e.comma(i)
		e.raw(`{"kind":`)
		e.str(a.Kind)
		e.raw(`,"date":`)
		e.datePtr(a.Date)
		e.optStr(`,"condition":`, a.Condition)
		e.optInt(`,"bar_years":`, a.BarYears)
		e.optInt(`,"bar_years_min":`, a.BarYearsMin)
		e.optInt(`,"bar_years_now":`, a.BarYearsNow)
		e.optDate(`,"other_reading_date":`, a.OtherReading)
		e.optTrue(`,"late_refusal":true`, a.LateRefusal)
		e.optTrue(`,"entry_not_allowed":true`, a.NotAllowed)
		e.optTrue(`,"extendable":true`, a.Extendable)
		e.optTrue(`,"date_unknown":true`, a.Unknown)
		e.rule(a.Rule, a.Citation)
		e.raw(`,"text":`)
		e.str(a.Sentence())
		e.raw(`}`)
	}
	e.raw(`],"deadlines":[`)
	for i := range ev.Deadlines {
		d := &ev.Deadlines[i]
		e.comma(i)
		e.raw(`{"kind":`)
		e.str(d.Kind)
		e.raw(`,"date":`)
		e.date(d.Date)
		e.optStr(`,"condition":`, d.Condition)
		e.optInt(`,"bar_years":`, d.BarYears)
		e.optInt(`,"bar_years_min":`, d.BarYearsMin)
		e.optDate(`,"other_reading_date":`, d.OtherReading)
		e.rule(d.Rule, d.Citation)
		e.raw(`}`)
	}
	e.raw(`],"planned_violation":`)
	if v := &ev.PlannedViolation; v.Date != 0 {
		e.raw(`{"date":`)
		e.date(v.Date)
		e.raw(`,"trip":`)
		e.int(v.Trip)
		e.rule(v.Rule, v.Citation)
		e.raw(`,"window_used":`)
		if v.HasWindow {
			e.int(v.WindowUsed)
		} else {
			e.raw("null")
		}
		e.raw(`}`)
	} else {
		e.raw("null")
	}
	e.raw(`,"consequences":[`)
	for i := range ev.Consequences {
		c := &ev.Consequences[i]
		e.comma(i)
		e.raw(`{"kind":`)
		e.str(c.Kind)
		e.rule(c.Rule, c.Citation)
		e.raw(`,"trip":`)
		e.int(c.Trip)
		e.raw(`,"first_day":`)
		e.date(c.FirstDay)
		e.raw(`,"days":`)
		e.int(c.Days)
		switch c.Kind {
		case KindFine:
			e.optStr(`,"currency":`, c.Currency)
			e.raw(`,"per_day":`)
			e.int(c.PerDay)
			e.raw(`,"cap":`)
			e.int(c.Cap)
			e.raw(`,"min":`)
			e.int(c.Min)
			e.raw(`,"max":`)
			e.int(c.Max)
		case KindDetention:
			e.raw(`,"min_days":`)
			e.int(c.Min)
			e.raw(`,"max_days":`)
			e.int(c.Max)
		case KindReentryBar:
			e.raw(`,"years":`)
			e.int(c.Years)
			e.raw(`,"years_min":`)
			e.int(c.YearsMin)
			e.optDate(`,"from":`, c.From)
			e.optDate(`,"until":`, c.Until)
			e.optDate(`,"until_min":`, c.UntilMin)
			e.raw(`,"prospective":`)
			e.bool(c.Prospective)
			e.optTrue(`,"by_decision":true`, c.ByDecision)
		}
		e.raw(`,"discretionary":`)
		e.bool(c.Discretionary)
		e.optStr(`,"alternative":`, c.Alternative)
		e.optStr(`,"condition":`, c.Condition)
		e.optStr(`,"text":`, c.Text)
		e.raw(`}`)
	}
	e.raw(`],"explanation":`)
	if x == ExplainNone {
		e.raw("null")
	} else {
		e.raw("[")
		n := 0
		for i := range ev.Explanation {
			s := &ev.Explanation[i]
			if x == ExplainCompact && s.Kind == StepEntry {
				continue // an allowed entry: the input restated
			}
			e.comma(n)
			n++
			e.raw(`{"code":`)
			e.str(s.Kind.Code())
			e.rule(s.Rule, s.Citation)
			e.raw(`,"text":`)
			e.str(s.Sentence())
			e.raw(`,"trip":`)
			if s.Trip >= 0 {
				e.int(s.Trip)
			} else {
				e.raw("null")
			}
			e.raw(`}`)
		}
		e.raw("]")
	}
	e.raw(`,"notes":[`)
	for i, n := range ev.Notes {
		e.comma(i)
		e.str(n)
	}
	e.raw("]")
	if x != ExplainFull {
		e.raw(`,"explain":`)
		e.str(x.String())
		e.raw(`,"citations":{`)
		e.cites.sort()
		for i := range e.cites.n {
			c := e.cites.at(i)
			e.comma(i)
			e.str(c.rule)
			e.raw(":")
			e.str(c.citation)
		}
		e.raw("}")
	}
	e.raw("}")
	return e.b
}

// encoder appends JSON to b.
type encoder struct {
	b     []byte
	x     Explain
	cites citeSet
}

func (e *encoder) raw(s string) { e.b = append(e.b, s...) }

func (e *encoder) comma(i int) {
	if i > 0 {
		e.b = append(e.b, ',')
	}
}

func (e *encoder) int(n int) { e.b = strconv.AppendInt(e.b, int64(n), 10) }

func (e *encoder) bool(v bool) {
	if v {
		e.raw("true")
	} else {
		e.raw("false")
	}
}

// date writes d as a JSON string: the zero Date as "" (as its
// MarshalText does), since only pointer fields are null.
func (e *encoder) date(d date.Date) {
	e.b = append(e.b, '"')
	e.b, _ = d.AppendText(e.b)
	e.b = append(e.b, '"')
}

// datePtr writes d, or null for the zero Date.
func (e *encoder) datePtr(d date.Date) {
	if d == 0 {
		e.raw("null")
		return
	}
	e.date(d)
}

func (e *encoder) optDate(key string, d date.Date) {
	if d != 0 {
		e.raw(key)
		e.date(d)
	}
}

func (e *encoder) optStr(key, s string) {
	if s != "" {
		e.raw(key)
		e.str(s)
	}
}

func (e *encoder) optInt(key string, n int) {
	if n != 0 {
		e.raw(key)
		e.int(n)
	}
}

func (e *encoder) optTrue(field string, v bool) {
	if v {
		e.raw(field)
	}
}

// rule writes an item's "rule" and, in the full format, its "citation". In
// the compact formats the citation goes to the answer's citations map
// once; an item keeps its own only when its rule id already stands there
// for another text (two packs giving one id different citations).
func (e *encoder) rule(id, citation string) {
	e.raw(`,"rule":`)
	e.str(id)
	if e.x == ExplainFull || !e.cites.add(id, citation) {
		e.raw(`,"citation":`)
		e.str(citation)
	}
}

// citeSet collects the citations of an answer; the few an answer has fit
// in fixed, without allocating. (A slice into fixed would send the encoder
// to the heap.)
type citeSet struct {
	n     int
	fixed [16]cite
	more  []cite
}

type cite struct{ rule, citation string }

func (s *citeSet) at(i int) *cite {
	if i < len(s.fixed) {
		return &s.fixed[i]
	}
	return &s.more[i-len(s.fixed)]
}

// add records id's citation; it reports false when id already stands for
// another citation. An empty id or citation needs no entry.
func (s *citeSet) add(id, citation string) bool {
	if id == "" || citation == "" {
		return citation == ""
	}
	for i := range s.n {
		if c := s.at(i); c.rule == id {
			return c.citation == citation
		}
	}
	if s.n < len(s.fixed) {
		s.fixed[s.n] = cite{id, citation}
	} else {
		s.more = append(s.more, cite{id, citation})
	}
	s.n++
	return true
}

// sort orders the citations by rule id, the order encoding/json gives a
// map's keys.
func (s *citeSet) sort() {
	for i := 1; i < s.n; i++ {
		for j := i; j > 0 && s.at(j).rule < s.at(j-1).rule; j-- {
			*s.at(j), *s.at(j - 1) = *s.at(j - 1), *s.at(j)
		}
	}
}

const hexDigits = "0123456789abcdef"

// str writes s as a JSON string exactly as encoding/json does: HTML-safe
// (<, > and & escaped), U+2028 and U+2029 escaped, invalid UTF-8 replaced
// by U+FFFD.
func (e *encoder) str(s string) {
	b := append(e.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	e.b = append(b, '"')
}
