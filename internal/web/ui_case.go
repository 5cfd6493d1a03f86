package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
	"visaclock/internal/timeline"
	"visaclock/internal/wording"
)

// caseView is the case page.
type caseView struct {
	Case        *caseload.Case
	Eval        *stay.Evaluation
	EvalError   string
	Status      string
	StatusClass string
	Violation   *stepLine  // a planned stay that would break a rule
	Actions     []stepLine // what to do next, most urgent first
	Timeline    template.HTML
	Steps       []stepLine
	Conseq      []string
	Identity    *caseload.MaskedIdentity
	Revealed    *caseload.Identity
	CanReveal   bool
	CanWrite    bool
	Trips       []tripRow
	Exts        []extRow
	Grants      []string
	GrantIDs    []string
	Errors      fieldErrors
	Form        map[string]string // the values of a refused form, to show again
	FormPart    string            // which form they belong to: "trips", "extensions", "trips/N" …
	Plan        *planView
	WhatIf      *whatIfView
	PlanEnter   string
	FileOn      string
	FileDays    string
	Version     int64
	RegimeTitle string
	// Household is the case's household as the reader sees it, and
	// Households those the case may join.
	Household  *caseload.Household
	Households []caseload.Household
}

type stepLine struct {
	Text, Citation, Link string
	// Original says the citation is the provision's own text (Chinese),
	// not the English one.
	Original bool
}

type tripRow struct {
	N            int
	Entry, Exit  string
	EntryISO     string
	ExitISO      string
	Grant        string
	Planned, Now bool
}

type extRow struct {
	N                                        int
	Filed, Outcome, Decided, Result          string
	FiledISO, DecidedISO, GrantedUntilISO    string
	RequestedDays, GrantedDays, OutcomeValue string
	RequestedMonths, GrantedMonths           string
	Filing, RefusalReason                    string
	Grant                                    string
}

type planView struct {
	Enter, LatestExit, Earliest, WithExtensions string
	Days, EarliestDays                          int
	Violation                                   bool
	Schedule                                    []string
	Steps                                       []stepLine
}

type whatIfView struct {
	FileOn, Verdict, State string
	Timely                 bool
	Steps                  []stepLine
}

// casePage serves GET /cases/{id}: the status card, the timeline, the
// explanation, the forms and the planner.
func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := s.Service.Get(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	v := &caseView{Errors: fieldErrors{}, Form: map[string]string{}}
	q := r.URL.Query()
	v.PlanEnter, v.FileOn, v.FileDays = q.Get("enter"), q.Get("file"), q.Get("days")
	if q.Get("reveal") == "identity" {
		if v.Revealed, err = s.Service.Reveal(r.Context(), principal(r), c); err != nil {
			return err
		}
	}
	return s.renderCase(w, r, http.StatusOK, c, v)
}

// renderCase fills the parts of the case page every answer has and renders
// it; v may carry a refused form's errors and values.
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, c *caseload.Case, v *caseView) error {
	pr, p := principal(r), s.printer(r)
	today := s.Service.Today()
	v.Case, v.Version = c, c.Version
	v.CanWrite = pr.Reaches(caseload.PermCaseWrite, c)
	v.CanReveal = pr.Reaches(caseload.PermIdentityReveal, c)
	var err error
	if v.Identity, err = s.Service.Masked(r.Context(), c); err != nil {
		return err
	}
	if err := s.caseHousehold(r, c, v); err != nil {
		return err
	}
	rd, err := s.Service.Read(r.Context(), c) // evaluated once, with the sealed birth date: not shown
	if err != nil {
		return err
	}
	h := rd.History
	for _, g := range h.Grants {
		v.GrantIDs = append(v.GrantIDs, g.ID)
		title := g.Rule
		if f, ok := s.Packs.File(g.Rule); ok {
			title = f.Title
		}
		v.Grants = append(v.Grants, p.T("case.grant_line", "id", g.ID, "regime", title))
		if v.RegimeTitle == "" {
			v.RegimeTitle = title
		}
	}
	for i, t := range h.Trips {
		row := tripRow{N: i, Entry: p.Date(t.Entry), Exit: p.Date(t.Exit), EntryISO: t.Entry.String(), Grant: t.Grant, Planned: t.Entry > today, Now: t.Exit == 0 && t.Entry <= today}
		if t.Exit != 0 {
			row.ExitISO = t.Exit.String()
		}
		v.Trips = append(v.Trips, row)
	}
	for i, e := range h.Extensions {
		row := extRow{N: i, Filed: p.Date(e.Filed), FiledISO: e.Filed.String(), Outcome: p.T("outcome." + string(e.Outcome)), OutcomeValue: string(e.Outcome), Grant: e.Grant,
			Filing: string(e.Filing), RefusalReason: e.RefusalReason}
		if e.RequestedMonths != 0 {
			row.RequestedMonths = strconv.Itoa(e.RequestedMonths)
		}
		if e.GrantedMonths != 0 {
			row.GrantedMonths = strconv.Itoa(e.GrantedMonths)
		}
		if e.Decided != 0 {
			row.Decided, row.DecidedISO = p.Date(e.Decided), e.Decided.String()
		}
		if e.GrantedUntil != 0 {
			row.GrantedUntilISO = e.GrantedUntil.String()
		}
		if e.RequestedDays != 0 {
			row.RequestedDays = strconv.Itoa(e.RequestedDays)
		}
		if e.GrantedDays != 0 {
			row.GrantedDays = strconv.Itoa(e.GrantedDays)
		}
		v.Exts = append(v.Exts, row)
	}
	if rd.Err != nil {
		v.EvalError = p.T("case.cannot_evaluate")
		return s.render(w, r, status, "case", c.Reference, v)
	}
	sc, ev := rd.Prepared, rd.Evaluation
	v.Eval = ev
	v.Status, v.StatusClass = wording.Status(p, ev), string(ev.State)
	for _, a := range ev.NextActions {
		l := s.stepLine(p, stay.Step{Rule: a.Rule, Citation: a.Citation}, ev.Rule)
		l.Text = wording.Action(p, a)
		v.Actions = append(v.Actions, l)
	}
	if pv := ev.PlannedViolation; pv.Date != 0 {
		l := s.stepLine(p, stay.Step{Rule: pv.Rule, Citation: pv.Citation}, ev.Rule)
		l.Text = p.T("case.planned_violation", "date", p.Date(pv.Date))
		v.Violation = &l
	}
	for _, st := range ev.Explanation {
		v.Steps = append(v.Steps, s.stepLine(p, st, ev.Rule))
	}
	for _, cs := range ev.Consequences {
		v.Conseq = append(v.Conseq, wording.Consequence(p, cs))
	}
	var plan *stay.Plan
	if v.PlanEnter != "" {
		plan = s.planFor(p, &h, v)
	}
	if v.FileOn != "" {
		s.whatIf(p, &h, v)
	}
	summary := v.Status
	if v.Violation != nil {
		summary += p.T("format.sentence_sep") + v.Violation.Text
	}
	v.Timeline = timeline.Render(sc, timeline.Options{Today: today, Labels: timelineLabels(p, c.Reference, summary), FormatDate: p.Date, MonthLabel: p.Month, FormatDays: func(n int) string { return p.N("days", n) }, Plan: plan})
	return s.render(w, r, status, "case", c.Reference, v)
}

func timelineLabels(p *i18n.Printer, ref, status string) timeline.Labels {
	return timeline.Labels{
		Grant: p.T("tl.grant"), Trip: p.T("tl.trip"), Lawful: p.T("state.lawful"), Pending: p.T("state.pending"),
		Overstay: p.T("state.overstay"), Absent: p.T("state.absent"), Today: p.T("tl.today"), FilingWindow: p.T("tl.filing_window"),
		Extension: p.T("tl.extension"), Granted: p.T("outcome.granted"), Refused: p.T("outcome.refused"), PendingDecision: p.T("outcome.pending"),
		Planned: p.T("tl.planned"), Violation: p.T("tl.violation"),
		Title: p.T("tl.title", "ref", ref), Summary: status,
	}
}

// planFor answers the planner: "if I enter on …".
func (s *Server) planFor(p *i18n.Printer, h *stay.History, v *caseView) *stay.Plan {
	enter, err := date.Parse(strings.TrimSpace(v.PlanEnter))
	if err != nil {
		v.Errors["enter"] = p.T("form.bad_date")
		return nil
	}
	pl, err := s.Service.Plan(h, enter, caseload.LatestGrant(h))
	if err != nil {
		v.Errors["enter"] = p.T("form.rejected", "detail", err.Error())
		var fe *stay.FieldError
		if errors.As(err, &fe) {
			if msg, ok := wording.Invalid(p, fe.Code, fe.Args); ok {
				v.Errors["enter"] = msg
			}
		}
		return nil
	}
	pv := &planView{Enter: p.Date(pl.Enter), LatestExit: p.Date(pl.LatestExit), Days: pl.MaxStayDays,
		Earliest: p.Date(pl.EarliestEntry), EarliestDays: pl.EarliestStayDays, Violation: pl.LatestExit == 0,
		WithExtensions: p.Date(pl.LatestExitWithExtensions)}
	for _, f := range pl.Schedule {
		pv.Schedule = append(pv.Schedule, p.T("plan.schedule_line", "date", p.Date(f.FileBy), "until", p.Date(f.Until)))
	}
	for _, st := range pl.Explanation {
		pv.Steps = append(pv.Steps, s.stepLine(p, st, pl.Rule))
	}
	v.Plan = pv
	return pl
}

// whatIf answers "what if I file my extension on …": the history with a
// pending application filed that day, evaluated that day.
func (s *Server) whatIf(p *i18n.Printer, h *stay.History, v *caseView) {
	on, err := date.Parse(strings.TrimSpace(v.FileOn))
	if err != nil {
		v.Errors["file"] = p.T("form.bad_date")
		return
	}
	days := formInt(p, v.Errors, "days", v.FileDays, 1, 3660)
	if v.Errors["days"] != "" {
		return
	}
	if days == 0 {
		days = 30
	}
	ev, err := s.Service.WhatIfFiled(h, on, days, caseload.LatestGrant(h))
	if err != nil {
		v.Errors["file"] = p.T("form.rejected", "detail", err.Error())
		var fe *stay.FieldError
		if errors.As(err, &fe) {
			if msg, ok := wording.Invalid(p, fe.Code, fe.Args); ok {
				v.Errors["file"] = msg
			}
		}
		return
	}
	wi := &whatIfView{FileOn: p.Date(on), State: wording.Status(p, ev)}
	for _, st := range ev.Explanation {
		if st.Kind == stay.StepExtTimely && st.D1 == on {
			wi.Timely = true
		}
		if st.D1 == on && (st.Kind == stay.StepExtTimely || st.Kind == stay.StepExtLate || st.Kind == stay.StepExtTooMany || st.Kind == stay.StepExtCapReached || st.Kind == stay.StepExtPending || st.Kind == stay.StepExtPendingUnprotected) {
			wi.Steps = append(wi.Steps, s.stepLine(p, st, ev.Rule))
		}
	}
	if wi.Timely {
		wi.Verdict = p.T("whatif.timely", "date", wi.FileOn)
	} else {
		wi.Verdict = p.T("whatif.late", "date", wi.FileOn)
	}
	v.WhatIf = wi
}
