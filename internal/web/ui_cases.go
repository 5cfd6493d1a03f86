package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
	"visaclock/internal/timeline"
	"visaclock/internal/wording"
)

// dashRow is one case on the dashboard.
type dashRow struct {
	ID, Reference, Name string
	State               stay.State
	StateWord           string
	Left                string // days left, or days overstayed
	Action, ActionDate  string
}

type dashGroup struct {
	Key, Title, Class string
	Rows              []dashRow
}

type dashView struct {
	Groups      []dashGroup
	Search      []dashRow
	Q           string
	Within      int
	States      map[string]bool
	Count       int
	More        bool
	Lookup      bool   // a passport lookup's results
	LookupError string // beside the passport field
	CanList     bool
	Cursor      string
	NextLink    string
}

// stateWord is a state as the UI says it; colour never says it alone.
func stateWord(p *i18n.Printer, st stay.State) string { return p.T("state." + string(st)) }

func (s *Server) row(p *i18n.Printer, today date.Date, it caseload.ListItem) dashRow {
	r := dashRow{ID: it.ID, Reference: it.Reference, Name: it.Name, State: it.State, StateWord: stateWord(p, it.State)}
	switch it.State {
	case stay.StateLawful:
		if it.AuthorizedUntil != 0 {
			r.Left = p.N("days_left", it.AuthorizedUntil.Sub(today))
		}
	case stay.StateOverstay:
		if it.Since != 0 {
			r.Left = p.N("days_over", today.Sub(it.Since)+1)
		}
	case stay.StatePending:
		r.Left = p.T("dash.waiting")
	}
	if it.Deadline != 0 {
		r.Action = wording.Deadline(p, it.DeadlineKind, it.Deadline)
		r.ActionDate = it.Deadline.String()
	}
	return r
}

// dashboard serves GET /: the working list by urgency, with filters and a
// search by reference.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	pr := principal(r)
	p := s.printer(r)
	today := s.Service.Today()
	q := r.URL.Query()
	v := dashView{Within: 30, States: map[string]bool{}, Q: strings.TrimSpace(q.Get("q")), CanList: pr.Can(caseload.PermCaseList)}
	if !v.CanList {
		return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
	}
	switch q.Get("within") {
	case "7":
		v.Within = 7
	case "14":
		v.Within = 14
	case "", "30":
	default:
		return &caseload.Error{Code: caseload.EInvalid, Field: "within", Msg: "7, 14 or 30"}
	}
	f := caseload.Filter{On: today, Due: true, DueWithin: v.Within, Limit: 200, Cursor: q.Get("cursor")}
	for _, st := range q["state"] {
		switch x := stay.State(st); x {
		case stay.StateOverstay, stay.StatePending, stay.StateLawful, stay.StateAbsent:
			v.States[string(x)] = true
			f.States = append(f.States, x)
		default:
			return &caseload.Error{Code: caseload.EInvalid, Field: "state", Msg: "overstay, pending, lawful or absent"}
		}
	}
	if v.Q != "" {
		items, err := s.Service.Search(r.Context(), pr, v.Q, 100)
		if err != nil {
			return err
		}
		for _, it := range items {
			v.Search = append(v.Search, s.row(p, today, it))
		}
		v.Count = len(items)
		return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
	}
	items, next, err := s.Service.List(r.Context(), pr, f)
	if err != nil {
		return err
	}
	groups := []dashGroup{
		{Key: "overstay", Title: p.T("dash.group.overstay"), Class: "overstay"},
		{Key: "pending", Title: p.T("dash.group.pending"), Class: "pending"},
		{Key: "7", Title: p.T("dash.group.within", "n", 7), Class: "soon"},
		{Key: "14", Title: p.T("dash.group.within", "n", 14), Class: "later"},
		{Key: "30", Title: p.T("dash.group.within", "n", 30), Class: "later"},
	}
	for _, it := range items {
		g := 4
		switch {
		case it.State == stay.StateOverstay:
			g = 0
		case it.State == stay.StatePending:
			g = 1
		case it.Deadline != 0 && it.Deadline.Sub(today) <= 7:
			g = 2
		case it.Deadline != 0 && it.Deadline.Sub(today) <= 14:
			g = 3
		}
		groups[g].Rows = append(groups[g].Rows, s.row(p, today, it))
	}
	for _, g := range groups {
		if len(g.Rows) > 0 && (g.Key != "14" || v.Within >= 14) && (g.Key != "30" || v.Within >= 30) {
			v.Groups = append(v.Groups, g)
		}
	}
	v.Count, v.More, v.Cursor = len(items), next != "", next
	if next != "" {
		nq := r.URL.Query()
		nq.Set("cursor", next)
		v.NextLink = "/?" + nq.Encode()
	}
	return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
}

// lookupForm serves POST /cases/lookup: a passport number, posted so that
// it stays out of every URL.
func (s *Server) lookupForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	pr, p := principal(r), s.printer(r)
	today := s.Service.Today()
	v := dashView{Within: 30, States: map[string]bool{}, CanList: pr.Can(caseload.PermCaseList), Lookup: true}
	items, _, err := s.Service.FindByPassport(r.Context(), pr, r.PostForm.Get("passport"), caseload.Filter{On: today, Limit: 50})
	if err != nil {
		if caseload.ErrorCode(err) == caseload.EInvalid {
			v.Lookup, v.LookupError = false, p.T("dash.lookup_invalid")
			return s.render(w, r, http.StatusUnprocessableEntity, "dashboard", p.T("dash.title"), v)
		}
		return err
	}
	for _, it := range items {
		v.Search = append(v.Search, s.row(p, today, it))
	}
	v.Count = len(items)
	return s.render(w, r, http.StatusOK, "dashboard", p.T("dash.title"), v)
}

// fieldErrors maps a form field to the message shown beside it.
type fieldErrors map[string]string

// newCaseView is the form for a new case.
type newCaseView struct {
	Packs                                 []packOption
	Reference, Rule, StayDays, Entry      string
	AdmitUntil                            string
	ValidFrom, ValidUntil, Notes, Name    string
	Passport, Nationality, Birth, Contact string
	Errors                                fieldErrors
}

type packOption struct {
	ID, Title string
	Selected  bool
}

func (s *Server) packOptions(selected string) []packOption {
	var out []packOption
	for _, id := range s.Packs.IDs() {
		f, _ := s.Packs.File(id)
		out = append(out, packOption{ID: id, Title: f.Title, Selected: id == selected})
	}
	return out
}

func (s *Server) newCasePage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(caseload.PermCaseCreate) {
		return caseload.ErrForbidden
	}
	p := s.printer(r)
	return s.render(w, r, http.StatusOK, "case_new", p.T("new.title"), newCaseView{Packs: s.packOptions("cn-family-visit"), Rule: "cn-family-visit", Errors: fieldErrors{}})
}

// formDate reads an optional date field, noting an error beside it.
func formDate(p *i18n.Printer, errs fieldErrors, field, v string) date.Date {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	d, err := date.Parse(v)
	if err != nil {
		errs[field] = p.T("form.bad_date")
	}
	return d
}

// formInt reads an optional whole number from lo to hi.
func formInt(p *i18n.Printer, errs fieldErrors, field, v string, lo, hi int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		errs[field] = p.T("form.bad_number", "lo", lo, "hi", hi)
	}
	return n
}

// engineError puts an error from the service beside the form field it
// names, in the page's language; it reports false for errors that are not
// about the input.
func engineError(p *i18n.Printer, errs fieldErrors, err error, fieldOf func(path string) string) bool {
	var ae *caseload.Error
	if !errors.As(err, &ae) || (ae.Code != caseload.EInvalid && ae.Code != caseload.EExists) {
		return false
	}
	field := fieldOf(ae.Field)
	errs[field] = p.T("form.rejected", "detail", ae.Msg)
	if msg, ok := wording.Invalid(p, ae.Reason, ae.Args); ok {
		errs[field] = msg
	}
	return true
}

func (s *Server) newCaseForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	pr, p := principal(r), s.printer(r)
	f := r.PostForm
	v := newCaseView{Reference: f.Get("reference"), Rule: f.Get("rule"), StayDays: f.Get("stay_days"), Entry: f.Get("entry"), AdmitUntil: f.Get("admit_until"),
		ValidFrom: f.Get("valid_from"), ValidUntil: f.Get("valid_until"), Notes: f.Get("notes"), Name: f.Get("name"),
		Passport: f.Get("passport"), Nationality: f.Get("nationality"), Birth: f.Get("birth_date"), Contact: f.Get("contact"), Errors: fieldErrors{}}
	v.Packs = s.packOptions(v.Rule)
	if strings.TrimSpace(v.Reference) == "" {
		v.Errors["reference"] = p.T("form.required")
	}
	if _, ok := s.Packs.File(v.Rule); !ok {
		v.Errors["rule"] = p.T("form.pick_regime")
	}
	g := stay.Grant{ID: "g1", Rule: v.Rule, StayDays: formInt(p, v.Errors, "stay_days", v.StayDays, 1, 3660),
		ValidFrom: formDate(p, v.Errors, "valid_from", v.ValidFrom), ValidUntil: formDate(p, v.Errors, "valid_until", v.ValidUntil),
		AdmitUntil: formDate(p, v.Errors, "admit_until", v.AdmitUntil)}
	h := stay.History{Grants: []stay.Grant{g}}
	if e := formDate(p, v.Errors, "entry", v.Entry); e != 0 {
		h.Trips = []stay.Trip{{Entry: e}}
	}
	ident := &caseload.Identity{Name: strings.TrimSpace(v.Name), Passport: strings.TrimSpace(v.Passport), Nationality: strings.TrimSpace(v.Nationality),
		Contact: strings.TrimSpace(v.Contact), BirthDate: formDate(p, v.Errors, "birth_date", v.Birth)}
	if len(v.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "case_new", p.T("new.title"), v)
	}
	c := &caseload.Case{Reference: strings.TrimSpace(v.Reference), Notes: v.Notes, History: h, Identity: ident}
	if err := s.Service.Create(r.Context(), pr, c); err != nil {
		if engineError(p, v.Errors, err, newCaseField) {
			return s.render(w, r, http.StatusUnprocessableEntity, "case_new", p.T("new.title"), v)
		}
		return err
	}
	return redirect(w, r, "/cases/"+c.ID)
}

// newCaseField maps a service error's field to the new-case form's field.
func newCaseField(path string) string {
	switch {
	case strings.HasPrefix(path, "history.grants"):
		for _, f := range []string{"stay_days", "valid_from", "valid_until", "admit_until", "rule"} {
			if strings.HasSuffix(path, f) {
				return f
			}
		}
		return "rule"
	case strings.HasPrefix(path, "history.trips"):
		return "entry"
	case strings.HasPrefix(path, "identity."):
		f := strings.TrimPrefix(path, "identity.")
		if f == "birth_date" {
			return f
		}
		return f
	}
	return "reference"
}

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
	h, err := s.Service.EngineHistory(r.Context(), c) // with the sealed birth date, unaudited: not shown
	if err != nil {
		return err
	}
	h.AsOf = today
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
	sc, err := stay.Prepare(&h, s.Packs.Lookup)
	if err != nil {
		v.EvalError = p.T("case.cannot_evaluate")
		return s.render(w, r, status, "case", c.Reference, v)
	}
	ev := sc.Evaluate(today)
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

// statusSentence says the state in one sentence: "Lawful until 7 Sep
// 2026, 49 days left".

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
	pl, err := stay.PlanEntry(h, s.Packs.Lookup, enter, latestGrant(h))
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
	x := *h
	x.AsOf = on
	x.Extensions = append(slices.Clone(h.Extensions), stay.Extension{Filed: on, RequestedDays: days, Outcome: stay.Pending, Grant: latestGrant(h)})
	sc, err := stay.Prepare(&x, s.Packs.Lookup)
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
	ev := sc.Evaluate(on)
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

// latestGrant is the grant a plan or a hypothetical filing is under when
// the case has several: that of the latest trip, else the last grant
// recorded. With one grant it is "" (the engine's default).
func latestGrant(h *stay.History) string {
	if len(h.Grants) < 2 {
		return ""
	}
	if n := len(h.Trips); n > 0 && h.Trips[n-1].Grant != "" {
		return h.Trips[n-1].Grant
	}
	return h.Grants[len(h.Grants)-1].ID
}

// addPartForm serves POST /cases/{id}/{part}: a new trip or extension.
func (s *Server) addPartForm(w http.ResponseWriter, r *http.Request) error {
	return s.partForm(w, r, -1)
}

// changePartForm serves POST /cases/{id}/{part}/{n}: a corrected trip or
// extension, or its removal (action=delete).
func (s *Server) changePartForm(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || r.PathValue("n") != strconv.Itoa(n) {
		return caseload.ErrNotFound
	}
	return s.partForm(w, r, n)
}

// partForm applies a trip or extension form to the case, at the version
// the form was shown with, so that two people editing at once do not
// overwrite each other. A form for an existing row also names the row as
// it was shown (its entry or filing date), so that a row that moved, after
// someone removed another, is not changed in its place. Fields the form
// does not show are kept as stored. Errors are shown beside their fields.
func (s *Server) partForm(w http.ResponseWriter, r *http.Request, n int) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	part := r.PathValue("part")
	if part != "trips" && part != "extensions" {
		return caseload.ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	pr, p := principal(r), s.printer(r)
	f := r.PostForm
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil || version < 1 {
		return errStatus(http.StatusBadRequest, "bad request", "version", "the form has no version; reload the page")
	}
	errs := fieldErrors{}
	formKey := part
	if n >= 0 {
		formKey = fmt.Sprintf("%s/%d", part, n)
	}
	// row returns the stored row n, if it is still the one the form showed.
	orig := f.Get("orig")
	trip := func(c *caseload.Case) (*stay.Trip, error) {
		if n >= len(c.History.Trips) || c.History.Trips[n].Entry.String() != orig {
			return nil, caseload.ErrConflict
		}
		return &c.History.Trips[n], nil
	}
	ext := func(c *caseload.Case) (*stay.Extension, error) {
		if n >= len(c.History.Extensions) || c.History.Extensions[n].Filed.String() != orig {
			return nil, caseload.ErrConflict
		}
		return &c.History.Extensions[n], nil
	}
	var change func(c *caseload.Case) error
	switch {
	case f.Get("action") == "delete" && n >= 0:
		change = func(c *caseload.Case) error {
			if part == "trips" {
				if _, err := trip(c); err != nil {
					return err
				}
				c.History.Trips = slices.Delete(c.History.Trips, n, n+1)
				return nil
			}
			if _, err := ext(c); err != nil {
				return err
			}
			c.History.Extensions = slices.Delete(c.History.Extensions, n, n+1)
			return nil
		}
	case part == "trips":
		entry, exit := formDate(p, errs, "entry", f.Get("entry")), formDate(p, errs, "exit", f.Get("exit"))
		if entry == 0 && errs["entry"] == "" {
			errs["entry"] = p.T("form.required")
		}
		if exit != 0 && entry != 0 && exit < entry {
			errs["exit"] = p.T("form.exit_before_entry")
		}
		change = func(c *caseload.Case) error {
			t := stay.Trip{}
			if n >= 0 {
				cur, err := trip(c)
				if err != nil {
					return err
				}
				t = *cur
			}
			t.Entry, t.Exit = entry, exit
			if f.Has("grant") {
				t.Grant = strings.TrimSpace(f.Get("grant"))
			}
			if n >= 0 {
				c.History.Trips[n] = t
			} else {
				c.History.Trips = append(c.History.Trips, t)
			}
			return nil
		}
	default:
		in := stay.Extension{Filed: formDate(p, errs, "filed", f.Get("filed")), Outcome: stay.Outcome(f.Get("outcome")),
			Decided:         formDate(p, errs, "decided", f.Get("decided")),
			RequestedDays:   formInt(p, errs, "requested_days", f.Get("requested_days"), 1, 3660),
			RequestedMonths: formInt(p, errs, "requested_months", f.Get("requested_months"), 1, 120),
			GrantedDays:     formInt(p, errs, "granted_days", f.Get("granted_days"), 1, 3660),
			GrantedMonths:   formInt(p, errs, "granted_months", f.Get("granted_months"), 1, 120),
			GrantedUntil:    formDate(p, errs, "granted_until", f.Get("granted_until")),
			Filing:          stay.Filing(f.Get("filing")),
			RefusalReason:   strings.TrimSpace(f.Get("refusal_reason"))}
		switch in.Filing {
		case "", stay.Paper, stay.Electronic:
		default:
			errs["filing"] = p.T("form.pick_filing")
		}
		if in.RequestedDays != 0 && in.RequestedMonths != 0 {
			errs["requested_months"] = p.T("form.days_or_months")
		}
		if n := utf8.RuneCountInString(in.RefusalReason); n > 500 {
			errs["refusal_reason"] = p.T("invalid.too_long", "1", 500)
		}
		if in.Filed == 0 && errs["filed"] == "" {
			errs["filed"] = p.T("form.required")
		}
		switch in.Outcome {
		case stay.Pending:
		case stay.Granted:
			if in.Decided == 0 && errs["decided"] == "" {
				errs["decided"] = p.T("form.required")
			}
			switch given := btoi(in.GrantedDays != 0) + btoi(in.GrantedMonths != 0) + btoi(in.GrantedUntil != 0); {
			case given > 1:
				errs["granted_days"] = p.T("form.granted_one")
			case given == 0 && f.Has("granted_days") && errs["granted_days"] == "" && errs["granted_until"] == "" && errs["granted_months"] == "":
				errs["granted_days"] = p.T("form.granted_length")
			}
		case stay.Refused:
			if in.Decided == 0 && errs["decided"] == "" {
				errs["decided"] = p.T("form.required")
			}
		default:
			errs["outcome"] = p.T("form.pick_outcome")
		}
		if in.Decided != 0 && in.Filed != 0 && in.Decided < in.Filed {
			errs["decided"] = p.T("form.decided_before_filed")
		}
		change = func(c *caseload.Case) error {
			// Start from the stored application: the form shows the common
			// fields, and the others (the grant, the filing channel, months,
			// a refusal's reason) must survive an edit.
			e := stay.Extension{}
			if n >= 0 {
				cur, err := ext(c)
				if err != nil {
					return err
				}
				e = *cur
			} else if len(c.History.Grants) > 1 && len(c.History.Trips) > 0 {
				// A new application extends the latest stay.
				e.Grant = c.History.Trips[len(c.History.Trips)-1].Grant
			}
			e.Filed, e.Outcome, e.Decided = in.Filed, in.Outcome, in.Decided
			// A field the form sent is set as sent, empty included; one it
			// did not send (an older form, a script) is kept.
			if f.Has("requested_days") || f.Has("requested_months") {
				e.RequestedDays, e.RequestedMonths = in.RequestedDays, in.RequestedMonths
			}
			if f.Has("filing") {
				e.Filing = in.Filing
			}
			switch in.Outcome {
			case stay.Pending:
				e.Decided, e.GrantedDays, e.GrantedMonths, e.GrantedUntil, e.RefusalReason = 0, 0, 0, 0, ""
			case stay.Refused:
				e.GrantedDays, e.GrantedMonths, e.GrantedUntil = 0, 0, 0
				if f.Has("refusal_reason") {
					e.RefusalReason = in.RefusalReason
				}
			case stay.Granted:
				e.RefusalReason = ""
				if f.Has("granted_days") || f.Has("granted_months") || f.Has("granted_until") {
					e.GrantedDays, e.GrantedMonths, e.GrantedUntil = in.GrantedDays, in.GrantedMonths, in.GrantedUntil
				}
				if e.GrantedDays == 0 && e.GrantedMonths == 0 && e.GrantedUntil == 0 {
					return caseload.Errorf(caseload.EInvalid, "granted_days", "give the days granted or the date granted until")
				}
			}
			if n >= 0 {
				c.History.Extensions[n] = e
			} else {
				c.History.Extensions = append(c.History.Extensions, e)
			}
			return nil
		}
	}
	refuse := func(status int) error {
		c, err := s.Service.Get(r.Context(), pr, id)
		if err != nil {
			return err
		}
		v := &caseView{Errors: errs, Form: map[string]string{}, FormPart: formKey}
		for k := range f {
			v.Form[k] = f.Get(k)
		}
		// A refused stale form keeps the version it was shown with, so
		// that sending it again conflicts again until the page is reloaded.
		if status == http.StatusConflict {
			v.FormPart = ""
		}
		return s.renderCase(w, r, status, c, v)
	}
	if len(errs) > 0 {
		return refuse(http.StatusUnprocessableEntity)
	}
	if _, err := s.Service.UpdateMatching(r.Context(), pr, id, []int64{version}, part, change); err != nil {
		switch {
		case errors.Is(err, caseload.ErrConflict):
			errs["form"] = p.T("error.conflict")
			return refuse(http.StatusConflict)
		case engineError(p, errs, err, partField):
			// An error about a field this form does not show goes above it.
			if shown := partFields[part]; !slices.Contains(shown, firstKey(errs)) {
				for k, msg := range errs {
					delete(errs, k)
					errs["form"] = msg
				}
			}
			return refuse(http.StatusUnprocessableEntity)
		}
		return err
	}
	return redirect(w, r, "/cases/"+id)
}

// partFields are the fields each form shows, where errors can stand.
var partFields = map[string][]string{
	"trips":      {"entry", "exit", "grant"},
	"extensions": {"filed", "requested_days", "requested_months", "filing", "outcome", "decided", "granted_days", "granted_months", "granted_until", "refusal_reason"},
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func firstKey(m fieldErrors) string {
	for k := range m {
		return k
	}
	return ""
}

// partField maps a service error's path ("history.trips[2].exit") to the
// field of the trip or extension form.
func partField(path string) string {
	if i := strings.LastIndex(path, "."); i >= 0 && strings.Contains(path, "]") {
		return path[i+1:]
	}
	return "form"
}
