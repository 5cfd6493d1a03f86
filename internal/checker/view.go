package checker

import (
	"errors"

	"visaclock/internal/document"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

// View is an evaluation as the checker page shows it, in one language:
// every sentence comes from the catalogue by code, never from the engine's
// English. The module returns it as JSON for the page to show, and the
// server fills the page with it when scripts are off.
type View struct {
	Lang  string `json:"lang"`
	State string `json:"state"` // lawful, pending, overstay or absent
	// Status is the answer in one sentence: lawful until when, days left.
	Status       string `json:"status"`
	Until        string `json:"until,omitempty"`
	DaysLeft     *int   `json:"days_left,omitempty"`
	Actions      []Line `json:"actions"`
	Deadlines    []Line `json:"deadlines"`
	Consequences []Line `json:"consequences"`
	Notes        []Line `json:"notes"`
	Steps        []Line `json:"steps"`
}

// Line is one sentence, with the rule and the citation it rests on.
type Line struct {
	Text     string `json:"text"`
	Rule     string `json:"rule,omitempty"`
	Citation string `json:"citation,omitempty"`
}

// Words is ev in p's language.
func Words(p *i18n.Printer, ev *stay.Evaluation) *View {
	v := &View{
		Lang: string(p.Lang), State: string(ev.State), Status: wording.Status(p, ev),
		Until:   p.Date(ev.AuthorizedUntil),
		Actions: []Line{}, Deadlines: []Line{}, Consequences: []Line{}, Notes: []Line{}, Steps: []Line{},
	}
	if ev.HasDaysRemaining {
		n := ev.DaysRemaining
		v.DaysLeft = &n
	}
	for _, a := range ev.NextActions {
		v.Actions = append(v.Actions, Line{Text: wording.Action(p, a), Rule: a.Rule, Citation: a.Citation})
	}
	for _, d := range ev.Deadlines {
		if t := wording.Deadline(p, d.Code(), d.Date); t != "" {
			v.Deadlines = append(v.Deadlines, Line{Text: t, Rule: d.Rule, Citation: d.Citation})
		}
	}
	for _, c := range ev.Consequences {
		v.Consequences = append(v.Consequences, Line{Text: wording.Consequence(p, c), Rule: c.Rule, Citation: c.Citation})
	}
	for _, n := range ev.Notes {
		v.Notes = append(v.Notes, Line{Text: n})
	}
	for _, s := range ev.Explanation {
		v.Steps = append(v.Steps, Line{Text: wording.Step(p, s), Rule: s.Rule, Citation: s.Citation})
	}
	return v
}

// Problem is a form that could not be evaluated, in the reader's language
// where the engine gave a reason code, and the form field to show it by.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Explain turns an error from Form.History or Evaluate into a Problem.
func Explain(p *i18n.Printer, f Form, err error) Problem {
	var fe *FormError
	if errors.As(err, &fe) {
		return Problem{Field: fe.Field, Message: fe.Msg}
	}
	var se *stay.FieldError
	if errors.As(err, &se) {
		msg, ok := wording.Invalid(p, se.Code, se.Args)
		if !ok {
			msg = se.Msg
		}
		return Problem{Field: FieldOf(f, se.Path), Message: msg}
	}
	var de *document.Error
	if errors.As(err, &de) {
		return Problem{Field: FieldOf(f, de.Path), Message: de.Msg}
	}
	return Problem{Field: "rule", Message: err.Error()}
}
