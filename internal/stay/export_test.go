package stay

import (
	"encoding/json"

	"visaclock/internal/date"
)

// MarshalReflect is marshalReflect for the external tests.
var MarshalReflect = marshalReflect

type windowJSON struct {
	Length    int       `json:"length"`
	Limit     int       `json:"limit"`
	Used      int       `json:"used"`
	Remaining int       `json:"remaining"`
	From      date.Date `json:"from"`
	To        date.Date `json:"to"`
}

type deadlineJSON struct {
	Kind         string     `json:"kind"`
	Date         date.Date  `json:"date"`
	Condition    string     `json:"condition,omitempty"`
	BarYears     int        `json:"bar_years,omitempty"`
	BarYearsMin  int        `json:"bar_years_min,omitempty"`
	OtherReading *date.Date `json:"other_reading_date,omitempty"`
	Rule         string     `json:"rule"`
	Citation     string     `json:"citation"`
}

type actionJSON struct {
	Kind         string     `json:"kind"`
	Date         *date.Date `json:"date"`
	Condition    string     `json:"condition,omitempty"`
	BarYears     int        `json:"bar_years,omitempty"`
	BarYearsMin  int        `json:"bar_years_min,omitempty"`
	BarYearsNow  int        `json:"bar_years_now,omitempty"`
	OtherReading *date.Date `json:"other_reading_date,omitempty"`
	LateRefusal  bool       `json:"late_refusal,omitempty"`
	NotAllowed   bool       `json:"entry_not_allowed,omitempty"`
	Extendable   bool       `json:"extendable,omitempty"`
	Unknown      bool       `json:"date_unknown,omitempty"`
	Rule         string     `json:"rule"`
	Citation     string     `json:"citation"`
	Text         string     `json:"text"`
}

type violationJSON struct {
	Date       date.Date `json:"date"`
	Trip       int       `json:"trip"`
	Rule       string    `json:"rule"`
	Citation   string    `json:"citation"`
	WindowUsed *int      `json:"window_used"`
}

type consequenceJSON struct {
	Kind          string     `json:"kind"`
	Rule          string     `json:"rule"`
	Citation      string     `json:"citation"`
	Trip          int        `json:"trip"`
	FirstDay      date.Date  `json:"first_day"`
	Days          int        `json:"days"`
	Currency      string     `json:"currency,omitempty"`
	PerDay        *int       `json:"per_day,omitempty"`
	Cap           *int       `json:"cap,omitempty"`
	Min           *int       `json:"min,omitempty"`
	Max           *int       `json:"max,omitempty"`
	MinDays       *int       `json:"min_days,omitempty"`
	MaxDays       *int       `json:"max_days,omitempty"`
	Years         *int       `json:"years,omitempty"`
	YearsMin      *int       `json:"years_min,omitempty"`
	From          *date.Date `json:"from,omitempty"`
	Until         *date.Date `json:"until,omitempty"`
	UntilMin      *date.Date `json:"until_min,omitempty"`
	Prospective   *bool      `json:"prospective,omitempty"`
	ByDecision    bool       `json:"by_decision,omitempty"`
	Discretionary bool       `json:"discretionary"`
	Alternative   string     `json:"alternative,omitempty"`
	Condition     string     `json:"condition,omitempty"`
	Text          string     `json:"text,omitempty"`
}

type evaluationJSON struct {
	AsOf             date.Date         `json:"as_of"`
	Rule             string            `json:"rule"`
	State            State             `json:"state"`
	AuthorizedUntil  *date.Date        `json:"authorized_until"`
	DaysRemaining    *int              `json:"days_remaining"`
	OverstayDays     int               `json:"overstay_days"`
	Window           *windowJSON       `json:"window"`
	NextActions      []actionJSON      `json:"next_actions"`
	Deadlines        []deadlineJSON    `json:"deadlines"`
	PlannedViolation *violationJSON    `json:"planned_violation"`
	Consequences     []consequenceJSON `json:"consequences"`
	Explanation      []stepJSON        `json:"explanation"`
	Notes            []string          `json:"notes"`
}

// marshalReflect is the evaluation's encoder before AppendJSON: the
// format's structs through encoding/json. The fast encoder is held to it.
func marshalReflect(ev *Evaluation) ([]byte, error) {
	out := evaluationJSON{
		AsOf:            ev.AsOf,
		Rule:            ev.Rule,
		State:           ev.State,
		AuthorizedUntil: datePtr(ev.AuthorizedUntil),
		OverstayDays:    ev.OverstayDays,
		NextActions:     []actionJSON{},
		Deadlines:       []deadlineJSON{},
		Consequences:    []consequenceJSON{},
		Explanation:     stepsJSON(ev.Explanation),
		Notes:           append([]string{}, ev.Notes...),
	}
	if ev.HasDaysRemaining {
		out.DaysRemaining = ptr(ev.DaysRemaining)
	}
	if w := ev.Window; w.Length > 0 {
		out.Window = &windowJSON{w.Length, w.Limit, w.Used, w.Remaining, w.From, w.To}
	}
	for _, d := range ev.Deadlines {
		out.Deadlines = append(out.Deadlines, deadlineJSON{Kind: d.Kind, Date: d.Date, Condition: d.Condition, BarYears: d.BarYears,
			BarYearsMin: d.BarYearsMin, OtherReading: datePtr(d.OtherReading), Rule: d.Rule, Citation: d.Citation})
	}
	for _, a := range ev.NextActions {
		out.NextActions = append(out.NextActions, actionJSON{Kind: a.Kind, Date: datePtr(a.Date), Condition: a.Condition,
			BarYears: a.BarYears, BarYearsMin: a.BarYearsMin, BarYearsNow: a.BarYearsNow, OtherReading: datePtr(a.OtherReading), LateRefusal: a.LateRefusal,
			NotAllowed: a.NotAllowed, Extendable: a.Extendable, Unknown: a.Unknown, Rule: a.Rule, Citation: a.Citation, Text: a.Sentence()})
	}
	if v := ev.PlannedViolation; v.Date != 0 {
		out.PlannedViolation = &violationJSON{Date: v.Date, Trip: v.Trip, Rule: v.Rule, Citation: v.Citation}
		if v.HasWindow {
			out.PlannedViolation.WindowUsed = ptr(v.WindowUsed)
		}
	}
	for _, c := range ev.Consequences {
		cj := consequenceJSON{Kind: c.Kind, Rule: c.Rule, Citation: c.Citation, Trip: c.Trip, FirstDay: c.FirstDay,
			Days: c.Days, Discretionary: c.Discretionary, Alternative: c.Alternative, Condition: c.Condition, Text: c.Text}
		switch c.Kind {
		case KindFine:
			cj.Currency, cj.PerDay, cj.Cap, cj.Min, cj.Max = c.Currency, ptr(c.PerDay), ptr(c.Cap), ptr(c.Min), ptr(c.Max)
		case KindDetention:
			cj.MinDays, cj.MaxDays = ptr(c.Min), ptr(c.Max)
		case KindReentryBar:
			cj.Years, cj.YearsMin = ptr(c.Years), ptr(c.YearsMin)
			cj.From, cj.Until, cj.UntilMin = datePtr(c.From), datePtr(c.Until), datePtr(c.UntilMin)
			cj.Prospective, cj.ByDecision = ptr(c.Prospective), c.ByDecision
		}
		out.Consequences = append(out.Consequences, cj)
	}
	return json.Marshal(out)
}
