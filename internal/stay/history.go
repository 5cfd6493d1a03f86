package stay

import (
	"encoding/json"
	"fmt"

	"visaclock/internal/date"
	"visaclock/internal/rules"
)

// History is everything the engine knows about one person's stays: what
// authorises their presence, when they came and went, and what they applied
// for. It holds no name; Person.Born is the only personal datum, and only
// age-dependent rules read it.
//
// The json tags are the file and API format (docs/history-format.md). A
// length given as 0 is not "not given": the nonzero tags have the decoder
// refuse it with the accepted range (a zero int is how the engine reads
// "not given", so it could not tell them apart afterwards).
type History struct {
	// AsOf is the date to evaluate. The zero Date means the caller must
	// supply one (the CLI uses today).
	AsOf       date.Date   `json:"as_of,omitzero"`
	Person     *Person     `json:"person,omitempty"`
	Grants     []Grant     `json:"grants"`
	Trips      []Trip      `json:"trips,omitempty"`
	Extensions []Extension `json:"extensions,omitempty"`
}

// Person holds the facts about the person that rules may depend on.
type Person struct {
	Born date.Date `json:"born,omitzero"`
}

// Grant is one authorisation to be present: a visa, a visa-free right or an
// admission record.
type Grant struct {
	ID   string `json:"id"`
	Rule string `json:"rule"` // rule pack id
	// ValidFrom and ValidUntil bound the days on which entry is allowed.
	ValidFrom  date.Date `json:"valid_from,omitzero"`
	ValidUntil date.Date `json:"valid_until,omitzero"`
	// Entries is the number of entries allowed, rules.Multiple, or zero for
	// the pack's default.
	Entries rules.Count `json:"entries,omitzero"`
	// StayDays is the stay allowed per entry, in the pack's unit, when the
	// grant states its own (as a PRC visa prints its duration of stay).
	StayDays int `json:"stay_days,omitzero" nonzero:"1–3660"`
	// AdmitUntil is a date-certain admission, like a US I-94.
	AdmitUntil date.Date `json:"admit_until,omitzero"`
	// Nationality is the ISO 3166-1 alpha-3 code of the passport the grant
	// was used with, for rights that depend on it (a visa-free list). It is
	// optional: without it the answer states the condition instead.
	Nationality string `json:"nationality,omitempty"`
}

// Trip is one stay. A zero Exit means the person is still there; trips that
// start after the evaluation date are planned trips.
type Trip struct {
	Entry date.Date `json:"entry"`
	Exit  date.Date `json:"exit,omitzero"`
	Grant string    `json:"grant,omitempty"`
}

// Outcome of an extension application.
type Outcome string

// Outcomes.
const (
	Pending Outcome = "pending"
	Granted Outcome = "granted"
	Refused Outcome = "refused"
)

// UnmarshalText accepts pending, granted or refused.
func (o *Outcome) UnmarshalText(b []byte) error {
	switch v := Outcome(b); v {
	case Pending, Granted, Refused:
		*o = v
		return nil
	}
	return fmt.Errorf("%q is not an outcome; accepted: pending, granted, refused", b)
}

// Filing channel of an application.
type Filing string

// Filing channels.
const (
	Paper      Filing = "paper"
	Electronic Filing = "electronic"
)

// UnmarshalText accepts paper or electronic.
func (f *Filing) UnmarshalText(b []byte) error {
	switch v := Filing(b); v {
	case Paper, Electronic:
		*f = v
		return nil
	}
	return fmt.Errorf("%q is not a filing channel; accepted: paper, electronic", b)
}

// Extension is an application to extend a stay, filed from inside the
// country, and what became of it.
type Extension struct {
	Grant           string    `json:"grant,omitempty"`
	Filed           date.Date `json:"filed"`
	RequestedDays   int       `json:"requested_days,omitzero" nonzero:"1–3660"`
	RequestedMonths int       `json:"requested_months,omitzero" nonzero:"1–120"`
	Outcome         Outcome   `json:"outcome"`
	Decided         date.Date `json:"decided,omitzero"`
	GrantedDays     int       `json:"granted_days,omitzero" nonzero:"1–3660"`
	GrantedMonths   int       `json:"granted_months,omitzero" nonzero:"1–120"`
	GrantedUntil    date.Date `json:"granted_until,omitzero"`
	Filing          Filing    `json:"filing,omitempty"`
	RefusalReason   string    `json:"refusal_reason,omitempty"`
}

// Clone returns a deep copy of h, so that callers can change trips without
// touching the original.
func (h *History) Clone() *History {
	c := *h
	if h.Person != nil {
		p := *h.Person
		c.Person = &p
	}
	c.Grants = append([]Grant(nil), h.Grants...)
	c.Trips = append([]Trip(nil), h.Trips...)
	c.Extensions = append([]Extension(nil), h.Extensions...)
	return &c
}

// String renders h as JSON, for test failure messages.
func (h *History) String() string {
	b, _ := json.Marshal(h)
	return string(b)
}
