// Package rules defines rule packs: the data that describes one regime of
// stay (a visa, a visa-free right) as a few exact primitives, each with the
// legal citation it comes from.
//
// A pack says nothing about any person. The engine in package stay applies a
// pack to a history. Packs are usually written in YAML (see docs/rule-packs.md)
// and loaded by package packs; this package only holds and validates them.
package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"visaclock/internal/date"
)

// Pack is one versioned regime.
type Pack struct {
	ID           string `json:"id"`
	Version      string `json:"version"`
	Title        string `json:"title"`
	Jurisdiction string `json:"jurisdiction"`
	// Area groups packs whose presence is counted together by rolling windows
	// and yearly caps (every Schengen state is one area). Empty means the
	// jurisdiction.
	Area string `json:"area"`
	// Source is "law" for a pack encoded from statute and regulation, or
	// "report" for one encoded from a press or NGO account of practice.
	// Report packs are never chosen by default and carry Disagreements.
	Source        string         `json:"source"`
	Effective     Period         `json:"effective"`
	Summary       string         `json:"summary"`
	Disagreements []Disagreement `json:"disagreements"`
	// Unverified lists what the pack encodes without a source found for
	// it; every answer under the pack repeats them as cautions.
	Unverified []string `json:"unverified"`

	Stay        *Stay        `json:"stay"`
	Visa        *Visa        `json:"visa"`
	Eligibility *Eligibility `json:"eligibility"`
	Entries     *Entries     `json:"entries"`
	Window      *Window      `json:"window"`
	YearCap     *YearCap     `json:"year_cap"`
	Extension   *Extension   `json:"extension"`
	Overstay    *Overstay    `json:"overstay"`
}

// Period is a span of dates; a zero bound is open.
type Period struct {
	From  date.Date `json:"from"`
	Until date.Date `json:"until"`
}

// Contains reports whether d falls within p.
func (p Period) Contains(d date.Date) bool {
	return (p.From == 0 || d >= p.From) && (p.Until == 0 || d <= p.Until)
}

// Disagreement records where a report pack departs from the statute.
type Disagreement struct {
	Topic    string `json:"topic"`
	Report   string `json:"report"`
	Statute  string `json:"statute"`
	Citation string `json:"citation"`
}

// Rule names one rule application and the law it rests on. Every primitive
// carries one, so every line of an explanation can cite its source.
type Rule struct {
	ID       string `json:"rule"`
	Citation string `json:"citation"`
	// Original is the cited provision in the language it was enacted in,
	// where that is not English (the PRC packs quote the Chinese), so that
	// a reader can match it to what the office says. Pages in that
	// language show it instead of the English.
	Original string `json:"original,omitempty"`
}

// Stay unit values.
const (
	UnitDays       = "days"
	UnitMonths     = "months"
	UnitAdmitUntil = "admit_until"
)

// Stay is the length of stay allowed per entry.
type Stay struct {
	Rule
	// Unit is days, months, or admit_until (the grant carries a date, as a
	// US I-94 does).
	Unit string `json:"unit"`
	// Length is the default length in Unit. Zero means each grant must state
	// its own (stay_days), as a PRC visa prints its duration of stay.
	Length int `json:"length"`
	// MaxLength bounds a grant's own stay_days; zero means no bound.
	MaxLength int `json:"max_length"`
	// EntryDayCounts says whether the day of entry is the first day of the
	// stay. When false the count starts the day after entry (PRC Regs Art. 36).
	EntryDayCounts bool `json:"entry_day_counts"`
	// EndOfMonth resolves a month stay that lands on a missing day; it is
	// required when Unit is months.
	EndOfMonth EOM `json:"end_of_month"`
	// EndsByValidity cuts the stay at the grant's valid_until, as for a
	// Schengen visa; otherwise validity limits only the day of entry.
	EndsByValidity bool `json:"ends_by_validity"`
	// CorrespondingDate ends a stay in months the day before the
	// corresponding date, or, where the last month has no corresponding
	// date, on that month's last day (the English corresponding-date rule,
	// Dodds v Walker [1981] 1 WLR 1027): six months from 31 March end on
	// 30 September, from 10 January on 9 July. Only with unit months and
	// entry_day_counts.
	CorrespondingDate bool `json:"corresponding_date"`
}

// Visa bounds presence under a grant that has a validity period (a visa,
// as opposed to a visa-free right, which has none): presence is lawful
// only up to the grant's valid_until, and only for as many days as its
// stay_days, counted over all its entries with both the entry and the exit
// day. A pack's other limits (a rolling window) apply as well.
type Visa struct {
	Rule
	// MaxStayDays bounds the duration a visa may state (90 for a uniform
	// Schengen visa); zero means no bound.
	MaxStayDays int `json:"max_stay_days"`
}

// Eligibility limits a visa-free right to nationals of the countries it
// lists, each from the date a notice opened it (and until one closed it).
// A grant that states its nationality is checked against the list on the
// day of entry; one that does not is answered with the list's condition.
type Eligibility struct {
	Rule
	Nationalities []Eligible `json:"nationalities"`
}

// Eligible is one country's place on an eligibility list.
type Eligible struct {
	// Code is the ISO 3166-1 alpha-3 code, as passports print it.
	Code     string    `json:"code"`
	From     date.Date `json:"from"`
	Until    date.Date `json:"until"`
	Citation string    `json:"citation"`
}

// Eligible reports whether a national of code may enter on d.
func (e *Eligibility) Eligible(code string, d date.Date) bool {
	for _, n := range e.Nationalities {
		if n.Code == code && (Period{n.From, n.Until}).Contains(d) {
			return true
		}
	}
	return false
}

// Entries is the default number of entries a grant allows.
type Entries struct {
	Rule
	Default Count `json:"default"`
}

// Count is a number of entries, or Multiple.
type Count int

// Multiple is the Count of a multiple-entry grant.
const Multiple Count = -1

// UnmarshalJSON accepts a positive whole number or "multiple".
func (c *Count) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if s == "multiple" {
			*c = Multiple
			return nil
		}
		return fmt.Errorf("%q is not an entry count; accepted: a whole number from 1, or multiple", s)
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil || n < 1 {
		return fmt.Errorf("%s is not an entry count; accepted: a whole number from 1, or multiple", b)
	}
	*c = Count(n)
	return nil
}

// MarshalJSON writes "multiple" or the number.
func (c Count) MarshalJSON() ([]byte, error) {
	if c == Multiple {
		return []byte(`"multiple"`), nil
	}
	return json.Marshal(int(c))
}

// EOM is a date.EndOfMonth as rule packs spell it.
type EOM date.EndOfMonth

// UnmarshalText reads clamp or next_day.
func (e *EOM) UnmarshalText(b []byte) error {
	v, err := date.ParseEndOfMonth(string(b))
	*e = EOM(v)
	return err
}

// MarshalText writes the rule's name.
func (e EOM) MarshalText() ([]byte, error) { return []byte(date.EndOfMonth(e).String()), nil }

// Window is a rolling cap: at most Limit days present in any Length days,
// counting the days of entry and exit, the window ending on the day examined.
type Window struct {
	Rule
	Length int `json:"length"`
	Limit  int `json:"limit"`
}

// YearCap is at most Limit days present in each calendar year.
type YearCap struct {
	Rule
	Limit int `json:"limit"`
}

// Length is a span of days or of months (exactly one of them).
type Length struct {
	Days   int `json:"days"`
	Months int `json:"months"`
}

// IsZero reports whether no length is given.
func (l Length) IsZero() bool { return l.Days == 0 && l.Months == 0 }

func (l Length) String() string {
	if l.Months != 0 {
		return plural(l.Months, "month")
	}
	return plural(l.Days, "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Extension is the policy for extending a stay from inside the country.
type Extension struct {
	Rule
	// MaxCount is the most extensions per stay; zero means no limit.
	MaxCount int `json:"max_count"`
	// MinLength and MaxLength bound one extension; zero means no bound.
	MinLength Length `json:"min_length"`
	MaxLength Length `json:"max_length"`
	// Cap bounds the total of all extensions of one stay.
	Cap *Cap `json:"cap"`
	// ClosesDaysBefore: the last day to file is the authorised last day minus
	// this many days (0: the last day itself).
	ClosesDaysBefore int `json:"closes_days_before"`
	// OpensDaysBefore: the first day to file, counted the same way; zero
	// means filing is open from entry.
	OpensDaysBefore int `json:"opens_days_before"`
	// Rollover moves a filing deadline that falls on a non-business day.
	Rollover *Rollover `json:"rollover"`
	// Pending makes presence lawful while a timely application is undecided.
	Pending *Rule `json:"pending_lawful"`
	// Receipt is the document that pending presence rests on, when it
	// expires (a PRC acceptance receipt); nil when protection lasts as long
	// as the application does.
	Receipt *Receipt `json:"receipt"`
	// Refusal says until when presence stays lawful after a refusal.
	Refusal *Refusal `json:"refusal"`
	// EndOfMonth resolves month extensions; required if any length is in months.
	EndOfMonth EOM `json:"end_of_month"`
	// Exceptional marks an extension granted only for reasons the engine
	// cannot judge (the EEAL Art. 34 stay permit of a visa-free entrant:
	// humanitarian reasons, force majeure). It is never offered as a next
	// step, a filing deadline or a plan; an application that was filed is
	// judged like any other.
	Exceptional bool `json:"exceptional"`
}

// Cap bounds the total extension of a stay.
type Cap struct {
	Rule
	// OriginalStay caps the total at the length of the original stay.
	OriginalStay bool `json:"original_stay"`
	// Days caps the total at a number of days.
	Days int `json:"days"`
	// TotalStay caps the whole stay (original plus extensions), counted from
	// the day of entry.
	TotalStay Length `json:"total_stay"`
}

// Rollover extends a filing deadline that falls on a weekend or holiday to the
// next business day, for the filing channels and dates it names.
type Rollover struct {
	Rule
	Calendar string    `json:"calendar"` // "us-federal"
	Filing   string    `json:"filing"`   // only this channel benefits (paper); "" for all
	From     date.Date `json:"from"`     // deadlines on or after this date
}

// Receipt is an acceptance receipt valid for a number of working days
// after the day the application is accepted.
type Receipt struct {
	Rule
	WorkingDays int `json:"working_days"`
	// Calendar names the working-day calendar: cn (PRC statutory holidays
	// and make-up working days).
	Calendar string `json:"calendar"`
}

// Refusal outcomes.
const (
	LawfulThroughDecision = "decision"
	LawfulThroughExpiry   = "expiry"
)

// Refusal is what a refused timely application leaves behind.
type Refusal struct {
	Rule
	// LawfulThrough is "decision" (presence stays lawful through the day of
	// the decision) or "expiry" (only through the authorised last day).
	LawfulThrough string `json:"lawful_through"`
	// Retroactive lists refusal reasons that withdraw the pending protection
	// back to the authorised last day (US: frivolous, unauthorized_work).
	Retroactive []string `json:"retroactive_reasons"`
}

// Overstay lists what unlawful presence may lead to.
type Overstay struct {
	Rule
	Fine      *Fine      `json:"fine"`
	Detention *Detention `json:"detention"`
	Bars      []Bar      `json:"bars"`
	Notes     []Note     `json:"notes"`
}

// Dated is a value that changed over time; each entry applies from its date
// (inclusive) until the next entry's, and cites the instrument that set it.
type Dated struct {
	From     date.Date `json:"from"`
	Value    int       `json:"value"`
	Citation string    `json:"citation"`
}

// At returns the entry in force on d, and false if none is.
func At(values []Dated, d date.Date) (Dated, bool) {
	var found Dated
	ok := false
	for _, v := range values {
		if v.From <= d {
			found, ok = v, true
		}
	}
	return found, ok
}

// Fine is a fine per day of unlawful presence, with a cap.
type Fine struct {
	Rule
	Currency string  `json:"currency"`
	PerDay   []Dated `json:"per_day"`
	Cap      []Dated `json:"cap"`
	// Discretionary fines may be replaced by the Alternative (such as a
	// warning); the outcome is then a range from nothing to the full fine.
	Discretionary bool   `json:"discretionary"`
	Alternative   string `json:"alternative"`
}

// Detention is a range of days of administrative detention.
type Detention struct {
	Rule
	MinDays       []Dated `json:"min_days"`
	MaxDays       []Dated `json:"max_days"`
	Discretionary bool    `json:"discretionary"`
	Condition     string  `json:"condition"`
}

// Bar bases.
const (
	PerStay    = "per_stay"
	Cumulative = "cumulative"
)

// Bar is a re-entry bar that follows departure after a band of accrued
// unlawful days.
type Bar struct {
	Rule
	// Basis is per_stay (days of one stay) or cumulative (all stays).
	Basis string `json:"basis"`
	// MinDays and MaxDays bound the accrued days of the band, both inclusive;
	// MaxDays zero means no upper bound.
	MinDays int `json:"min_days"`
	MaxDays int `json:"max_days"`
	// Years is the bar's length; YearsMin below it makes a discretionary range.
	Years int `json:"years"`
	// YearsMin, when given, makes the length a range from it to Years.
	YearsMin *int `json:"years_min"`
	// Condition states when the bar applies (e.g. "if repatriated").
	Condition     string `json:"condition"`
	Discretionary bool   `json:"discretionary"`
	// ExcludeUnderAge leaves out days while the person is younger than this.
	ExcludeUnderAge int `json:"exclude_under_age"`
	// CountFrom leaves out days before this date.
	CountFrom date.Date `json:"count_from"`
	// Applies restricts the band to overstays that began within it.
	Applies Period `json:"applies"`
	// MinAgeAtBreach applies the bar only to a person of at least this age
	// at the time of the breach (UK: 18); unknown age shows the bar with
	// its condition.
	MinAgeAtBreach int `json:"min_age_at_breach"`
	// ByDecision marks a bar that follows only an authority's decision
	// (PRC: to repatriate or deport, EEAL Arts. 62(3), 81(3)), never leaving
	// by oneself; answers say so rather than "leaving now brings a bar".
	ByDecision bool `json:"by_decision"`
	// YearReading marks a min_days of 365 that stands for "one year", where
	// whether that is 365 days or a calendar year is unsettled: advice uses
	// the earlier date and shows the other.
	YearReading bool `json:"year_reading_unsettled"`
}

// Note is a consequence that is stated but not computed.
type Note struct {
	Text     string `json:"text"`
	Citation string `json:"citation"`
	// Original is the provision in the language it was enacted in (see Rule).
	Original string `json:"original,omitempty"`
}

// PackRule is one rule of a pack, named by the primitive that carries it.
type PackRule struct {
	// Kind names the primitive: stay, visa, eligibility, entries, window,
	// year_cap, extension, extension_cap, extension_pending,
	// extension_receipt, extension_refusal, extension_rollover, overstay,
	// fine, detention, bar. Catalogue keys are "rule." + Kind.
	Kind string
	Rule Rule
	// Limit is the window's or the cap's number of days, where there is one.
	Limit, Length int
}

// Rules lists every rule of p in the order a reader meets them. It is the
// one place that knows a pack's primitives: the CLI's rules show, the
// regimes page and the explanation links all render from it.
func (p *Pack) Rules() []PackRule {
	var out []PackRule
	add := func(kind string, r Rule) { out = append(out, PackRule{Kind: kind, Rule: r}) }
	if p.Stay != nil {
		add("stay", p.Stay.Rule)
	}
	if p.Visa != nil {
		add("visa", p.Visa.Rule)
	}
	if p.Eligibility != nil {
		add("eligibility", p.Eligibility.Rule)
	}
	if p.Entries != nil {
		add("entries", p.Entries.Rule)
	}
	if w := p.Window; w != nil {
		out = append(out, PackRule{Kind: "window", Rule: w.Rule, Limit: w.Limit, Length: w.Length})
	}
	if y := p.YearCap; y != nil {
		out = append(out, PackRule{Kind: "year_cap", Rule: y.Rule, Limit: y.Limit})
	}
	if x := p.Extension; x != nil {
		add("extension", x.Rule)
		if x.Cap != nil {
			add("extension_cap", x.Cap.Rule)
		}
		if x.Rollover != nil {
			add("extension_rollover", x.Rollover.Rule)
		}
		if x.Pending != nil {
			add("extension_pending", *x.Pending)
		}
		if x.Receipt != nil {
			add("extension_receipt", x.Receipt.Rule)
		}
		if x.Refusal != nil {
			add("extension_refusal", x.Refusal.Rule)
		}
	}
	if o := p.Overstay; o != nil {
		add("overstay", o.Rule)
		if o.Fine != nil {
			add("fine", o.Fine.Rule)
		}
		if o.Detention != nil {
			add("detention", o.Detention.Rule)
		}
		for _, b := range o.Bars {
			add("bar", b.Rule)
		}
	}
	return out
}

// Validate checks that p is complete and consistent. Errors name the field
// path within the pack.
func (p *Pack) Validate() error {
	var errs fieldErrors
	req := func(path, v string) {
		if strings.TrimSpace(v) == "" {
			errs.add(path, "required")
		}
	}
	rule := func(path string, r Rule) {
		req(path+".rule", r.ID)
		req(path+".citation", r.Citation)
	}
	req("id", p.ID)
	req("version", p.Version)
	req("title", p.Title)
	req("jurisdiction", p.Jurisdiction)
	switch p.Source {
	case "law":
	case "report":
		if len(p.Disagreements) == 0 {
			errs.add("disagreements", "a report pack must list where it disagrees with the statute")
		}
	default:
		errs.add("source", fmt.Sprintf("%q is not accepted; accepted: law, report", p.Source))
	}
	for i, d := range p.Disagreements {
		req(fmt.Sprintf("disagreements[%d].citation", i), d.Citation)
	}
	if p.Stay == nil && p.Window == nil && p.YearCap == nil {
		errs.add("stay", "a pack needs at least one of stay, window or year_cap")
	}
	if s := p.Stay; s != nil {
		rule("stay", s.Rule)
		switch s.Unit {
		case UnitDays:
		case UnitMonths:
			if s.EndOfMonth == 0 {
				errs.add("stay.end_of_month", "required for a stay in months; accepted: clamp, next_day")
			}
		case UnitAdmitUntil:
			if s.Length != 0 {
				errs.add("stay.length", "an admit_until stay takes its date from each grant and has no length")
			}
		default:
			errs.add("stay.unit", fmt.Sprintf("%q is not accepted; accepted: days, months, admit_until", s.Unit))
		}
		if s.Length < 0 || s.MaxLength < 0 {
			errs.add("stay.length", "must not be negative")
		}
		if s.MaxLength > 0 && s.Length > s.MaxLength {
			errs.add("stay.length", fmt.Sprintf("%d exceeds max_length %d", s.Length, s.MaxLength))
		}
		if s.CorrespondingDate && (s.Unit != UnitMonths || !s.EntryDayCounts) {
			errs.add("stay.corresponding_date", "only for a stay in months that counts the day of entry")
		}
	}
	for i, u := range p.Unverified {
		req(fmt.Sprintf("unverified[%d]", i), u)
	}
	if e := p.Eligibility; e != nil {
		rule("eligibility", e.Rule)
		if len(e.Nationalities) == 0 {
			errs.add("eligibility.nationalities", "required: a list of {code, from, citation}")
		}
		for i, n := range e.Nationalities {
			path := fmt.Sprintf("eligibility.nationalities[%d]", i)
			if !IsCountryCode(n.Code) {
				errs.add(path+".code", fmt.Sprintf("%q is not accepted; accepted: an ISO 3166-1 alpha-3 code such as FRA", n.Code))
			}
			if n.From == 0 {
				errs.add(path+".from", "required: the day the notice opened entry")
			}
			if n.Until != 0 && n.Until < n.From {
				errs.add(path+".until", "before from")
			}
			req(path+".citation", n.Citation)
		}
	}
	if v := p.Visa; v != nil {
		rule("visa", v.Rule)
		if p.Stay != nil {
			errs.add("visa", "a pack with a per-entry stay bounds it with stay.ends_by_validity instead")
		}
	}
	if e := p.Entries; e != nil {
		rule("entries", e.Rule)
		if e.Default == 0 {
			errs.add("entries.default", "required: a whole number from 1, or multiple")
		}
	}
	if w := p.Window; w != nil {
		rule("window", w.Rule)
		if w.Length < 2 || w.Limit < 1 || w.Limit >= w.Length {
			errs.add("window", fmt.Sprintf("needs 1 <= limit < length, got limit %d, length %d", w.Limit, w.Length))
		}
	}
	if y := p.YearCap; y != nil {
		rule("year_cap", y.Rule)
		if y.Limit < 1 || y.Limit > 365 {
			errs.add("year_cap.limit", fmt.Sprintf("needs 1–365, got %d", y.Limit))
		}
	}
	if x := p.Extension; x != nil {
		rule("extension", x.Rule)
		if p.Stay == nil {
			errs.add("extension", "an extension policy needs a stay to extend")
		}
		if x.MaxCount < 0 || x.ClosesDaysBefore < 0 || x.OpensDaysBefore < 0 {
			errs.add("extension", "counts and days must not be negative")
		}
		if x.OpensDaysBefore != 0 && x.OpensDaysBefore < x.ClosesDaysBefore {
			errs.add("extension.opens_days_before", "filing would close before it opens")
		}
		for _, l := range []struct {
			path string
			l    Length
		}{{"extension.min_length", x.MinLength}, {"extension.max_length", x.MaxLength}} {
			if l.l.Days != 0 && l.l.Months != 0 {
				errs.add(l.path, "give days or months, not both")
			}
			if l.l.Days < 0 || l.l.Months < 0 {
				errs.add(l.path, "must not be negative")
			}
			if l.l.Months != 0 && x.EndOfMonth == 0 {
				errs.add("extension.end_of_month", "required when a length is in months; accepted: clamp, next_day")
			}
		}
		if c := x.Cap; c != nil {
			rule("extension.cap", c.Rule)
			n := 0
			if c.OriginalStay {
				n++
			}
			if c.Days > 0 {
				n++
			}
			if !c.TotalStay.IsZero() {
				n++
				if c.TotalStay.Months != 0 && x.EndOfMonth == 0 {
					errs.add("extension.end_of_month", "required when a length is in months; accepted: clamp, next_day")
				}
			}
			if n != 1 {
				errs.add("extension.cap", "give exactly one of original_stay, days, total_stay")
			}
		}
		if r := x.Rollover; r != nil {
			rule("extension.rollover", r.Rule)
			if r.Calendar != "us-federal" {
				errs.add("extension.rollover.calendar", fmt.Sprintf("%q is not accepted; accepted: us-federal", r.Calendar))
			}
			if r.Filing != "" && r.Filing != "paper" && r.Filing != "electronic" {
				errs.add("extension.rollover.filing", fmt.Sprintf("%q is not accepted; accepted: paper, electronic, or empty for both", r.Filing))
			}
		}
		if x.Pending != nil {
			rule("extension.pending_lawful", *x.Pending)
		}
		if r := x.Receipt; r != nil {
			rule("extension.receipt", r.Rule)
			if x.Pending == nil {
				errs.add("extension.receipt", "a receipt needs pending_lawful, the presence it gives")
			}
			if r.WorkingDays < 1 || r.WorkingDays > 60 {
				errs.add("extension.receipt.working_days", fmt.Sprintf("needs 1–60, got %d", r.WorkingDays))
			}
			if r.Calendar != "cn" {
				errs.add("extension.receipt.calendar", fmt.Sprintf("%q is not accepted; accepted: cn", r.Calendar))
			}
		}
		if r := x.Refusal; r != nil {
			rule("extension.refusal", r.Rule)
			if r.LawfulThrough != LawfulThroughDecision && r.LawfulThrough != LawfulThroughExpiry {
				errs.add("extension.refusal.lawful_through", fmt.Sprintf("%q is not accepted; accepted: decision, expiry", r.LawfulThrough))
			}
		}
	}
	if o := p.Overstay; o != nil {
		rule("overstay", o.Rule)
		if f := o.Fine; f != nil {
			rule("overstay.fine", f.Rule)
			req("overstay.fine.currency", f.Currency)
			dated(&errs, "overstay.fine.per_day", f.PerDay)
			dated(&errs, "overstay.fine.cap", f.Cap)
		}
		if d := o.Detention; d != nil {
			rule("overstay.detention", d.Rule)
			dated(&errs, "overstay.detention.min_days", d.MinDays)
			dated(&errs, "overstay.detention.max_days", d.MaxDays)
		}
		for i, b := range o.Bars {
			path := fmt.Sprintf("overstay.bars[%d]", i)
			rule(path, b.Rule)
			if b.Basis != PerStay && b.Basis != Cumulative {
				errs.add(path+".basis", fmt.Sprintf("%q is not accepted; accepted: per_stay, cumulative", b.Basis))
			}
			if b.MinDays < 1 {
				errs.add(path+".min_days", "must be at least 1")
			}
			if b.MaxDays != 0 && b.MaxDays < b.MinDays {
				errs.add(path+".max_days", "must not be below min_days")
			}
			if b.Years < 0 || (b.YearsMin != nil && (*b.YearsMin < 0 || *b.YearsMin > b.Years)) {
				errs.add(path+".years", "needs 0 <= years_min <= years")
			}
			if b.MinAgeAtBreach < 0 || b.MinAgeAtBreach > 25 {
				errs.add(path+".min_age_at_breach", fmt.Sprintf("needs 0–25, got %d", b.MinAgeAtBreach))
			}
			if b.YearReading && b.MinDays != 365 {
				errs.add(path+".year_reading_unsettled", "only for a band that begins at one year (min_days 365)")
			}
		}
		for i, n := range o.Notes {
			req(fmt.Sprintf("overstay.notes[%d].citation", i), n.Citation)
		}
	}
	return errs.err()
}

// IsCountryCode reports whether s has the form of an ISO 3166-1 alpha-3
// code: three capital letters.
func IsCountryCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func dated(errs *fieldErrors, path string, vs []Dated) {
	if len(vs) == 0 {
		errs.add(path, "required: a list of {from, value, citation}")
	}
	for i, v := range vs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if v.From == 0 {
			errs.add(p+".from", "required")
		}
		if i > 0 && v.From <= vs[i-1].From {
			errs.add(p+".from", "dated values must be in increasing order of from")
		}
		if strings.TrimSpace(v.Citation) == "" {
			errs.add(p+".citation", "required")
		}
	}
}

// FieldError is a validation problem at one field path of a pack.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

type fieldErrors []*FieldError

func (fe *fieldErrors) add(path, msg string) { *fe = append(*fe, &FieldError{path, msg}) }

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	// The first error is the one reported with a line; the rest follow it.
	return &ValidationError{Errors: fe}
}

// ValidationError holds every problem Validate found, in field order.
type ValidationError struct{ Errors []*FieldError }

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Errors))
	for i, e := range v.Errors {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}
