// Package stay is the engine: it takes a stay history and a date and says
// whether presence is lawful and until when, what must be filed by when, how
// many days were overstayed and what follows from that, and explains each
// answer rule by rule.
//
// The engine is a pure function of its inputs. It reads no clock, file or
// network, and its cost grows with the number of trips and filings, never
// with the number of days they span. Prepare validates and indexes a History
// once; Evaluate and PlanEntry may then be called for any number of dates,
// concurrently, without allocating (EvaluateInto reuses its destination).
package stay

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// maxDays and maxMonths bound the lengths a history may give: ten years,
// far beyond any stay, and small enough that date arithmetic stays exact.
const (
	maxDays   = 3660
	maxMonths = 120
)

// Lookup finds a rule pack by id.
type Lookup func(id string) (*rules.Pack, bool)

// Case is a validated, indexed History, ready to evaluate. It must not be
// changed after Prepare.
type Case struct {
	History *History
	grants  []grantInfo
	trips   []tripInfo // in order of entry
	exts    []extInfo  // grouped by trip, in order of filing
	areas   []area
}

type grantInfo struct {
	g       *Grant
	pack    *rules.Pack
	stayLen int         // in the pack's unit
	entries rules.Count // resolved: Multiple when unlimited
	area    int
}

type tripInfo struct {
	Trip
	index   int // position in History.Trips, for messages
	grant   int
	entryNo int // 1 for the first entry on its grant
	span    int // index into its area's spans
	// breach is the first day on which presence continuous from the start
	// of the trip's span would breach its pack's rolling window; zero when
	// the pack has none. It does not depend on the date asked.
	breach date.Date
	shared bool
	// visaDays is the days present under the same grant before this
	// trip's day of entry, counting entry and exit days, each calendar day
	// once: what a visa's duration of stay has already used.
	visaDays int
	extLo    int // exts[extLo:extHi] were filed during this trip
	extHi    int
}

type extInfo struct {
	*Extension
	index int
	trip  int
	// receiptEnd is the last day of the acceptance receipt an application
	// on this date would get, worked out once; receiptYear is the year the
	// holiday calendar lacks when it cannot be.
	receiptEnd  date.Date
	receiptYear int
}

// area is one region whose presence is counted together, as merged spans of
// days. Only the last span of all can be open (a trip without exit).
type area struct {
	name  string
	spans []span
	cum   []int // cum[i] is the number of days in spans[:i], closed spans only
}

type span struct {
	a, b date.Date // b is 0 while open
}

// FieldError is a problem with one field of a history, named by its path
// (such as "trips[2].exit"). The document layer adds the line.
//
// Code names the problem (one of ErrorCodes) and Args are its values,
// typed (date.Date, int, string), in the order Msg names them: the UI words
// the error in the reader's language from the code and the arguments, never
// from the English Msg.
type FieldError struct {
	Path string
	Code string
	Args []any
	Msg  string
}

// ErrorCodes lists every code a FieldError may carry, for catalogues that
// must word them all.
var ErrorCodes = []string{
	"enter_required", "unknown_grant", "plan_in_trip", "grant_required", "plan_admit_until", "no_grants",
	"grant_id_required", "grant_id_duplicate", "rule_required", "unknown_rule", "bad_nationality", "nationality_unused",
	"valid_until_before_from", "admit_until_required", "stay_days_unused", "admit_until_unused", "outside", "exceeds",
	"stay_days_required", "admit_until_unused_visa", "visa_validity_required", "visa_stay_days_required", "visa_exceeds",
	"no_stay", "entry_required", "exit_before_entry", "out_of_force", "open_trip", "overlap", "grant_unused",
	"filed_outside_trip", "granted_until_early", "no_extension", "filed_required", "requested_both", "outcome_required",
	"pending_decided", "pending_granted", "decided_required", "decided_before_filed", "granted_length", "refused_granted",
	"refusal_reason_not_refused", "granted_months_no_eom", "nationality_required", "refusal_reason_too_long",
}

// MaxRefusalReason is the longest reason for a refusal, in characters: room
// for the words of a decision, not for a document.
const MaxRefusalReason = 500

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// elem names an element of a history's lists; its path is formatted only
// when there is an error to report, so that valid histories cost nothing.
type elem struct {
	list string
	i    int
}

func (e elem) f(field string) string {
	if field == "" {
		return fmt.Sprintf("%s[%d]", e.list, e.i)
	}
	return fmt.Sprintf("%s[%d].%s", e.list, e.i, field)
}

func fieldErr(path, code, format string, args ...any) error {
	return &FieldError{Path: path, Code: code, Args: args, Msg: fmt.Sprintf(format, args...)}
}

// Prepare validates h against the rule packs it names and indexes it for
// evaluation. Errors are *FieldError values naming the field at fault.
func Prepare(h *History, lookup Lookup) (*Case, error) {
	c := &Case{History: h}
	if len(h.Grants) == 0 {
		return nil, fieldErr("grants", "no_grants", "at least one grant is required (a visa, a visa-free right or an admission)")
	}
	byID := make(map[string]int, len(h.Grants))
	areaOf := map[string]int{}
	for i := range h.Grants {
		g := &h.Grants[i]
		path := elem{"grants", i}
		if strings.TrimSpace(g.ID) == "" {
			return nil, fieldErr(path.f("id"), "grant_id_required", "required: a short label for this grant, such as \"visa1\"")
		}
		if _, dup := byID[g.ID]; dup {
			return nil, fieldErr(path.f("id"), "grant_id_duplicate", "%q is used by another grant; ids must be unique", g.ID)
		}
		byID[g.ID] = i
		if g.Rule == "" {
			return nil, fieldErr(path.f("rule"), "rule_required", "required: a rule pack id (see 'visaclock rules list')")
		}
		p, ok := lookup(g.Rule)
		if !ok {
			return nil, fieldErr(path.f("rule"), "unknown_rule", "unknown rule pack %q (see 'visaclock rules list')", g.Rule)
		}
		gi := grantInfo{g: g, pack: p, entries: rules.Multiple}
		if p.Eligibility != nil && g.Nationality == "" {
			// Assuming eligibility would answer "lawful" to a person the
			// right was never open to (the DPRK is on no PRC visa-free list).
			return nil, fieldErr(path.f("nationality"), "nationality_required", "required by rule %s, which is only for the nationals it lists: the passport's ISO 3166-1 alpha-3 code, such as FRA", p.ID)
		}
		if g.Nationality != "" {
			switch {
			case !rules.IsCountryCode(g.Nationality):
				return nil, fieldErr(path.f("nationality"), "bad_nationality", "%q is not accepted; accepted: the passport's ISO 3166-1 alpha-3 code, such as PRK or FRA", g.Nationality)
			case p.Eligibility == nil:
				return nil, fieldErr(path.f("nationality"), "nationality_unused", "not used by rule %s, which does not depend on nationality", p.ID)
			}
		}
		if g.ValidFrom != 0 && g.ValidUntil != 0 && g.ValidUntil < g.ValidFrom {
			return nil, fieldErr(path.f("valid_until"), "valid_until_before_from", "%s is before valid_from %s", g.ValidUntil, g.ValidFrom)
		}
		if g.Entries != 0 {
			gi.entries = g.Entries
		} else if p.Entries != nil {
			gi.entries = p.Entries.Default
		}
		if s := p.Stay; s != nil {
			switch {
			case s.Unit == rules.UnitAdmitUntil:
				if g.AdmitUntil == 0 {
					return nil, fieldErr(path.f("admit_until"), "admit_until_required", "required by rule %s: the admit-until date on the admission record", p.ID)
				}
				if g.StayDays != 0 {
					return nil, fieldErr(path.f("stay_days"), "stay_days_unused", "not used by rule %s, which takes admit_until", p.ID)
				}
			case g.AdmitUntil != 0:
				return nil, fieldErr(path.f("admit_until"), "admit_until_unused", "not used by rule %s, whose stay is counted in %s", p.ID, s.Unit)
			case g.StayDays < 0 || g.StayDays > maxDays:
				return nil, fieldErr(path.f("stay_days"), "outside", "%d is outside 1–%d", g.StayDays, maxDays)
			case g.StayDays > 0:
				if s.MaxLength > 0 && g.StayDays > s.MaxLength {
					return nil, fieldErr(path.f("stay_days"), "exceeds", "%d exceeds the %d %s rule %s allows", g.StayDays, s.MaxLength, s.Unit, p.ID)
				}
				gi.stayLen = g.StayDays
			case s.Length > 0:
				gi.stayLen = s.Length
			default:
				return nil, fieldErr(path.f("stay_days"), "stay_days_required", "required by rule %s: the duration of stay stated on the visa, in %s", p.ID, s.Unit)
			}
		} else if v := p.Visa; v != nil {
			switch {
			case g.AdmitUntil != 0:
				return nil, fieldErr(path.f("admit_until"), "admit_until_unused_visa", "not used by rule %s; a visa states its validity and its duration of stay", p.ID)
			case g.StayDays < 0 || g.StayDays > maxDays:
				return nil, fieldErr(path.f("stay_days"), "outside", "%d is outside 1–%d", g.StayDays, maxDays)
			case g.ValidUntil == 0 && g.StayDays != 0:
				return nil, fieldErr(path.f("valid_until"), "visa_validity_required", "required with stay_days: a visa under rule %s states both its validity and its duration of stay (a visa-free stay has neither)", p.ID)
			case g.ValidUntil != 0 && g.StayDays == 0:
				return nil, fieldErr(path.f("stay_days"), "visa_stay_days_required", "required for a visa under rule %s: the duration of stay printed on it, in days", p.ID)
			case v.MaxStayDays > 0 && g.StayDays > v.MaxStayDays:
				return nil, fieldErr(path.f("stay_days"), "visa_exceeds", "%d exceeds the %d days rule %s allows", g.StayDays, v.MaxStayDays, p.ID)
			}
			gi.stayLen = g.StayDays
		} else if g.StayDays != 0 || g.AdmitUntil != 0 {
			return nil, fieldErr(path.f(""), "no_stay", "rule %s has no per-entry stay; leave out stay_days and admit_until", p.ID)
		}
		name := p.Area
		if name == "" {
			name = p.Jurisdiction
		}
		ai, ok := areaOf[name]
		if !ok {
			ai = len(c.areas)
			areaOf[name] = ai
			c.areas = append(c.areas, area{name: name})
		}
		gi.area = ai
		c.grants = append(c.grants, gi)
	}
	grantRef := func(path elem, id string) (int, error) {
		if id == "" {
			if len(h.Grants) == 1 {
				return 0, nil
			}
			return 0, fieldErr(path.f("grant"), "grant_required", "required when there is more than one grant; accepted: %s", grantIDs(h))
		}
		i, ok := byID[id]
		if !ok {
			return 0, fieldErr(path.f("grant"), "unknown_grant", "no grant has id %q; accepted: %s", id, grantIDs(h))
		}
		return i, nil
	}

	c.trips = make([]tripInfo, len(h.Trips))
	for i, t := range h.Trips {
		path := elem{"trips", i}
		if t.Entry == 0 {
			return nil, fieldErr(path.f("entry"), "entry_required", "required: the date of entry, YYYY-MM-DD")
		}
		if t.Exit != 0 && t.Exit < t.Entry {
			return nil, fieldErr(path.f("exit"), "exit_before_entry", "%s is before the entry %s", t.Exit, t.Entry)
		}
		gi, err := grantRef(path, t.Grant)
		if err != nil {
			return nil, err
		}
		p := c.grants[gi].pack
		if !p.Effective.Contains(t.Entry) {
			return nil, fieldErr(path.f("entry"), "out_of_force", "%s is outside the period in which rule %s is in force (%s to %s)", t.Entry, p.ID, orOpen(p.Effective.From), orOpen(p.Effective.Until))
		}
		c.trips[i] = tripInfo{Trip: t, index: i, grant: gi}
	}
	// By entry, then by exit (an open trip last), so that the order trips are
	// given in never changes the answer.
	exitKey := func(t tripInfo) date.Date {
		if t.Exit == 0 {
			return maxDate
		}
		return t.Exit
	}
	slices.SortStableFunc(c.trips, func(a, b tripInfo) int {
		return cmp.Or(cmp.Compare(a.Entry, b.Entry), cmp.Compare(exitKey(a), exitKey(b)))
	})
	entriesSeen := make([]int, len(c.grants))
	visaDays := make([]int, len(c.grants))
	for i := range c.trips {
		t := &c.trips[i]
		if i > 0 {
			prev := &c.trips[i-1]
			if prev.Exit == 0 {
				return nil, fieldErr(fmt.Sprintf("trips[%d].exit", prev.index), "open_trip", "missing, but trips[%d] enters later on %s; only the last trip may be open", t.index, t.Entry)
			}
			if t.Entry < prev.Exit {
				return nil, fieldErr(fmt.Sprintf("trips[%d].entry", t.index), "overlap", "%s overlaps trips[%d] (%s to %s); trips may share only an exit day with a same-day re-entry", t.Entry, prev.index, prev.Entry, prev.Exit)
			}
			// Leaving and re-entering on one day counts that day once, under
			// the entering trip; moving to another area on that day is a day
			// in each.
			prev.shared = t.Entry == prev.Exit && c.grants[prev.grant].area == c.grants[t.grant].area
		}
		entriesSeen[t.grant]++
		t.entryNo = entriesSeen[t.grant]
	}
	// Each calendar day counts once per visa, however many trips touch it.
	lastDay := make([]date.Date, len(c.grants))
	for i := range c.trips {
		t := &c.trips[i]
		again := boolInt(lastDay[t.grant] == t.Entry)
		t.visaDays = visaDays[t.grant] - again
		if t.Exit != 0 {
			visaDays[t.grant] += t.Exit.Sub(t.Entry) + 1 - again
			lastDay[t.grant] = t.Exit
		}
	}
	for i := range c.trips {
		t := &c.trips[i]
		ar := &c.areas[c.grants[t.grant].area]
		if n := len(ar.spans); n > 0 && ar.spans[n-1].b == t.Entry {
			ar.spans[n-1].b = t.Exit
		} else {
			ar.spans = append(ar.spans, span{a: t.Entry, b: t.Exit})
		}
		t.span = len(ar.spans) - 1
	}
	for i := range c.areas {
		ar := &c.areas[i]
		ar.cum = make([]int, len(ar.spans)+1)
		for j, s := range ar.spans {
			n := 0
			if s.b != 0 {
				n = s.b.Sub(s.a) + 1
			}
			ar.cum[j+1] = ar.cum[j] + n
		}
	}
	// One sweep over the spans per area and window (there is one window
	// per area in practice; a pack of another window in the same area gets
	// a sweep of its own).
	for i := range c.trips {
		g := &c.grants[c.trips[i].grant]
		w := g.pack.Window
		if w == nil || c.trips[i].breach != 0 {
			continue
		}
		sw := newBreachSweep(&c.areas[g.area], w.Length, w.Limit)
		for k := i; k < len(c.trips); k++ {
			t := &c.trips[k]
			if tg := &c.grants[t.grant]; tg.area == g.area && tg.pack.Window == w {
				t.breach = sw.at(t.span)
			}
		}
	}

	for i := range h.Extensions {
		e := &h.Extensions[i]
		path := elem{"extensions", i}
		gi, err := grantRef(path, e.Grant)
		if err != nil {
			return nil, err
		}
		if err := checkExtension(path, e, c.grants[gi].pack); err != nil {
			return nil, err
		}
		ti := -1
		for j := range c.trips {
			t := &c.trips[j]
			if t.grant == gi && t.Entry <= e.Filed && (t.Exit == 0 || e.Filed <= t.Exit) {
				ti = j
			}
		}
		if ti < 0 {
			if entriesSeen[gi] == 0 {
				return nil, fieldErr(path.f("grant"), "grant_unused", "grant %q is never used by a trip; an extension must extend a stay", c.grants[gi].g.ID)
			}
			return nil, fieldErr(path.f("filed"), "filed_outside_trip", "%s is not during any trip on grant %q; extensions are filed from inside the country", e.Filed, c.grants[gi].g.ID)
		}
		x := extInfo{Extension: e, index: i, trip: ti}
		if r := c.grants[gi].pack.Extension.Receipt; r != nil {
			x.receiptEnd, x.receiptYear = receiptEnd(r, e.Filed)
		}
		c.exts = append(c.exts, x)
	}
	slices.SortStableFunc(c.exts, func(a, b extInfo) int {
		return cmp.Or(cmp.Compare(a.trip, b.trip), cmp.Compare(a.Filed, b.Filed))
	})
	for j, x := range c.exts {
		t := &c.trips[x.trip]
		if t.extHi == t.extLo {
			t.extLo = j
		}
		t.extHi = j + 1
	}
	// A grant may not shorten the stay it extends; checked with every
	// decision known, so that the answer cannot depend on the date asked.
	for i := range c.trips {
		var ts tripStay
		c.stayOf(i, maxDate, &ts, nil)
		if ts.badExt >= 0 {
			e := c.exts[ts.badExt]
			return nil, fieldErr(fmt.Sprintf("extensions[%d].granted_until", e.index), "granted_until_early", "%s is not after the authorised last day %s it extends", e.GrantedUntil, ts.badUntil)
		}
	}
	return c, nil
}

func checkExtension(path elem, e *Extension, p *rules.Pack) error {
	if p.Extension == nil {
		return fieldErr(path.f(""), "no_extension", "rule %s allows no extension of stay", p.ID)
	}
	if e.Filed == 0 {
		return fieldErr(path.f("filed"), "filed_required", "required: the date the application was filed, YYYY-MM-DD")
	}
	for _, l := range []struct {
		name  string
		v, hi int
	}{{"requested_days", e.RequestedDays, maxDays}, {"requested_months", e.RequestedMonths, maxMonths},
		{"granted_days", e.GrantedDays, maxDays}, {"granted_months", e.GrantedMonths, maxMonths}} {
		if l.v < 0 || l.v > l.hi {
			return fieldErr(path.f(l.name), "outside", "%d is outside 1–%d", l.v, l.hi)
		}
	}
	if e.RequestedDays != 0 && e.RequestedMonths != 0 {
		return fieldErr(path.f("requested_months"), "requested_both", "give requested_days or requested_months, not both")
	}
	switch e.Outcome {
	case "":
		return fieldErr(path.f("outcome"), "outcome_required", "required; accepted: pending, granted, refused")
	case Pending:
		if e.Decided != 0 {
			return fieldErr(path.f("decided"), "pending_decided", "a pending application has no decision date; set outcome to granted or refused")
		}
		if e.GrantedDays != 0 || e.GrantedMonths != 0 || e.GrantedUntil != 0 {
			return fieldErr(path.f("outcome"), "pending_granted", "is pending, but a granted length is given")
		}
	case Granted, Refused:
		if e.Decided == 0 {
			return fieldErr(path.f("decided"), "decided_required", "required for a %s application: the date of the decision", e.Outcome)
		}
		if e.Decided < e.Filed {
			return fieldErr(path.f("decided"), "decided_before_filed", "%s is before filed %s", e.Decided, e.Filed)
		}
	}
	n := 0
	for _, set := range []bool{e.GrantedDays != 0, e.GrantedMonths != 0, e.GrantedUntil != 0} {
		if set {
			n++
		}
	}
	if e.Outcome == Granted && n != 1 {
		return fieldErr(path.f("granted_days"), "granted_length", "a granted application needs exactly one of granted_days, granted_months, granted_until")
	}
	if e.Outcome == Refused && n != 0 {
		return fieldErr(path.f("outcome"), "refused_granted", "is refused, but a granted length is given")
	}
	if e.RefusalReason != "" && e.Outcome != Refused {
		return fieldErr(path.f("refusal_reason"), "refusal_reason_not_refused", "only a refused application has a refusal reason")
	}
	if len(e.RefusalReason) > MaxRefusalReason && utf8.RuneCountInString(e.RefusalReason) > MaxRefusalReason {
		return fieldErr(path.f("refusal_reason"), "refusal_reason_too_long", "at most %d characters", MaxRefusalReason)
	}
	if e.GrantedMonths != 0 && p.Extension.EndOfMonth == 0 {
		return fieldErr(path.f("granted_months"), "granted_months_no_eom", "rule %s states no end-of-month rule; give granted_until instead", p.ID)
	}
	return nil
}

func grantIDs(h *History) string {
	ids := make([]string, len(h.Grants))
	for i, g := range h.Grants {
		ids[i] = g.ID
	}
	return strings.Join(ids, ", ")
}

func orOpen(d date.Date) string {
	if d == 0 {
		return "open"
	}
	return d.String()
}
