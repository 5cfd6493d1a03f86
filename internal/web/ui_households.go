package web

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/wording"
)

// The household pages: a household's members, each with its own state,
// and the form that records an entry or an exit for the members ticked;
// the panel on the case page that joins or leaves one is in case.html.

// memberRow is one member on the household page.
type memberRow struct {
	dashRow
	Version  int64
	CanWrite bool // the reader may record trips for this member
	Checked  bool
	Error    bool // the refused trip names this member
}

type householdView struct {
	H          *caseload.Household
	Members    []memberRow
	CanTrip    bool // some member may be written
	Errors     fieldErrors
	Kind, Date string
	Label      string // the label form's value
	Recorded   bool   // a trip was just recorded
}

type householdsView struct {
	Items []caseload.Household
}

// householdsPage serves GET /households: the households the reader sees.
func (s *Server) householdsPage(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.Service.Households(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "households", s.printer(r).T("hh.list_title"), householdsView{Items: hs})
}

// householdPage serves GET /households/{id}.
func (s *Server) householdPage(w http.ResponseWriter, r *http.Request) error {
	h, err := s.Service.GetHousehold(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &householdView{Errors: fieldErrors{}, Kind: caseload.TripExit, Date: s.Service.Today().String(), Recorded: r.URL.Query().Get("recorded") == "1"}
	return s.renderHousehold(w, r, http.StatusOK, h, v, nil)
}

// renderHousehold renders the household page; checked, when not nil, is
// the members a refused form had ticked (all writable ones otherwise).
func (s *Server) renderHousehold(w http.ResponseWriter, r *http.Request, status int, h *caseload.Household, v *householdView, checked map[string]bool) error {
	pr, p := principal(r), s.printer(r)
	today := s.Service.Today()
	v.H = h
	if v.Label == "" {
		v.Label = h.Label
	}
	for _, m := range h.Members {
		row := memberRow{dashRow: s.row(p, today, m.ListItem), Version: m.Version,
			CanWrite: pr.Reaches(caseload.PermCaseWrite, &caseload.Case{Org: pr.Org, Assignee: m.Assignee, Team: m.Team})}
		row.Checked = row.CanWrite && (checked == nil || checked[m.ID])
		v.CanTrip = v.CanTrip || row.CanWrite
		v.Members = append(v.Members, row)
	}
	return s.render(w, r, status, "household", p.T("hh.title", "label", h.Label), v)
}

var reMember = regexp.MustCompile(`^members\[(\d+)\](?:\.(.*))?$`)

// householdTripForm serves POST /households/{id}/trips: an entry or an
// exit for the members ticked, each at the version the page showed.
func (s *Server) householdTripForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	pr, p := principal(r), s.printer(r)
	id, f := r.PathValue("id"), r.PostForm
	errs := fieldErrors{}
	t := caseload.HouseholdTrip{Kind: f.Get("kind")}
	if t.Kind != caseload.TripEntry && t.Kind != caseload.TripExit {
		errs["kind"] = p.T("invalid.trip_kind")
	}
	if t.Date = formDate(p, errs, "date", f.Get("date")); t.Date == 0 && errs["date"] == "" {
		errs["date"] = p.T("invalid.required")
	}
	checked := map[string]bool{}
	for _, m := range f["member"] {
		version, err := formVersion(f, "version."+m)
		if err != nil {
			return err
		}
		checked[m] = true
		t.Members = append(t.Members, caseload.MemberVersion{ID: m, Versions: []int64{version}})
	}
	if len(t.Members) == 0 {
		errs["members"] = p.T("invalid.members_required")
	}
	var refused *caseload.Error
	refuse := func(status int) error {
		h, err := s.Service.GetHousehold(r.Context(), pr, id)
		if err != nil {
			return err
		}
		if refused != nil {
			// The member is named by its reference, as the page shows it.
			ref := map[string]string{}
			for _, m := range h.Members {
				ref[m.ID] = m.Reference
			}
			refs := make([]string, len(t.Members))
			for i, m := range t.Members {
				refs[i] = ref[m.ID]
			}
			errs["members"] = memberMessage(p, refused, refs)
		}
		v := &householdView{Errors: errs, Kind: t.Kind, Date: f.Get("date")}
		if status == statusOf(caseload.EConflict).Page {
			checked = nil
		}
		return s.renderHousehold(w, r, status, h, v, checked)
	}
	if len(errs) > 0 {
		return refuse(http.StatusUnprocessableEntity)
	}
	if _, err := s.Service.RecordTrip(r.Context(), pr, id, t); err != nil {
		var ae *caseload.Error
		switch {
		case caseload.ErrorCode(err) == caseload.EConflict:
			errs["members"] = p.T("error.conflict")
			return refuse(statusOf(caseload.EConflict).Page)
		case errors.As(err, &ae) && ae.Code == caseload.EInvalid:
			refused = ae
			return refuse(http.StatusUnprocessableEntity)
		}
		return err
	}
	return redirect(w, r, "/households/"+id+"?recorded=1")
}

// memberMessage words a refusal of a household trip, naming the member by
// the reference the form showed for it.
func memberMessage(p *i18n.Printer, ae *caseload.Error, refs []string) string {
	msg := p.T("form.rejected", "detail", ae.Msg)
	if m, ok := wording.Invalid(p, ae.Reason, ae.Args); ok {
		msg = m
	}
	sub := reMember.FindStringSubmatch(ae.Field)
	if sub == nil {
		return msg
	}
	i, _ := strconv.Atoi(sub[1])
	if i >= len(refs) || refs[i] == "" {
		return msg
	}
	what := p.T("hh.field.case")
	switch {
	case strings.HasSuffix(sub[2], ".exit") || sub[2] == "exit":
		what = p.T("trip.exit")
	case strings.HasSuffix(sub[2], ".entry"):
		what = p.T("trip.entry")
	}
	return p.T("hh.member_refused", "ref", refs[i], "field", what, "msg", msg)
}

// householdLabelForm serves POST /households/{id}/label.
func (s *Server) householdLabelForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	pr, p := principal(r), s.printer(r)
	id, f := r.PathValue("id"), r.PostForm
	version, err := formVersion(f, "version")
	if err != nil {
		return err
	}
	label := strings.TrimSpace(f.Get("label"))
	if _, err := s.Service.RenameHousehold(r.Context(), pr, id, []int64{version}, label); err != nil {
		errs := fieldErrors{}
		if !labelError(p, errs, err) {
			return err
		}
		h, err := s.Service.GetHousehold(r.Context(), pr, id)
		if err != nil {
			return err
		}
		return s.renderHousehold(w, r, http.StatusUnprocessableEntity, h, &householdView{Errors: errs, Kind: caseload.TripExit, Label: label}, nil)
	}
	return redirect(w, r, "/households/"+id)
}

// labelError words a refused label; it reports false for other errors.
func labelError(p *i18n.Printer, errs fieldErrors, err error) bool {
	var ae *caseload.Error
	if !errors.As(err, &ae) || ae.Field != "label" {
		return false
	}
	switch {
	case ae.Code == caseload.EExists:
		errs["label"] = p.T("hh.label_taken")
	case ae.Reason != "":
		errs["label"], _ = wording.Invalid(p, ae.Reason, ae.Args)
	default:
		return false
	}
	return true
}

// householdDeleteForm serves POST /households/{id}/delete: the household
// is dissolved, its members stay.
func (s *Server) householdDeleteForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	version, err := formVersion(r.PostForm, "version")
	if err != nil {
		return err
	}
	if err := s.Service.DeleteHousehold(r.Context(), principal(r), r.PathValue("id"), []int64{version}); err != nil {
		return err
	}
	return redirect(w, r, "/households")
}

// householdCreateForm serves POST /households: a new household of the case
// whose page the form is on.
func (s *Server) householdCreateForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	pr, p := principal(r), s.printer(r)
	caseID := r.PostForm.Get("case")
	h, err := s.Service.CreateHousehold(r.Context(), pr, strings.TrimSpace(r.PostForm.Get("label")), []string{caseID})
	if err != nil {
		errs := fieldErrors{}
		if !labelError(p, errs, err) {
			return err
		}
		c, err := s.Service.Get(r.Context(), pr, caseID)
		if err != nil {
			return err
		}
		v := &caseView{Errors: fieldErrors{"household_label": errs["label"]}, Form: map[string]string{"household_label": r.PostForm.Get("label")}, FormPart: "household"}
		return s.renderCase(w, r, http.StatusUnprocessableEntity, c, v)
	}
	return redirect(w, r, "/households/"+h.ID)
}

// householdJoinForm serves POST /households/join: the case whose page the
// form is on joins the household chosen, at the version the page showed.
func (s *Server) householdJoinForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	version, err := formVersion(f, "version")
	if err != nil {
		return err
	}
	c, err := s.Service.AddMember(r.Context(), principal(r), f.Get("household"), f.Get("case"), []int64{version})
	if err != nil {
		return err
	}
	return redirect(w, r, "/cases/"+c.ID)
}

// householdLeaveForm serves POST /households/{id}/leave: the case whose
// page the form is on leaves the household.
func (s *Server) householdLeaveForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	version, err := formVersion(f, "version")
	if err != nil {
		return err
	}
	c, err := s.Service.RemoveMember(r.Context(), principal(r), r.PathValue("id"), f.Get("case"), []int64{version})
	if err != nil {
		return err
	}
	return redirect(w, r, "/cases/"+c.ID)
}

// caseHousehold fills the case page's household panel: the case's
// household, and the households it may join when the reader may change it.
func (s *Server) caseHousehold(r *http.Request, c *caseload.Case, v *caseView) error {
	pr := principal(r)
	if c.Household != "" {
		h, err := s.Service.GetHousehold(r.Context(), pr, c.Household)
		if err != nil && caseload.ErrorCode(err) != caseload.ENotFound {
			return err
		}
		v.Household = h
	}
	if v.CanWrite && pr.Can(caseload.PermCaseList) {
		hs, err := s.Service.Households(r.Context(), pr)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if h.ID != c.Household {
				v.Households = append(v.Households, h)
			}
		}
	}
	return nil
}

// dashBlock is a run of dashboard rows: a household's members, under its
// label, or cases in no household.
type dashBlock struct {
	Household, Label string
	Rows             []dashRow
}

// householdsTogether reorders a page of the working list so that each
// household's members follow the first, most urgent, of them; the order
// is otherwise kept.
func householdsTogether(items []caseload.ListItem) []caseload.ListItem {
	members := map[string][]caseload.ListItem{}
	for _, it := range items {
		if it.Household != "" && it.HouseholdLabel != "" {
			members[it.Household] = append(members[it.Household], it)
		}
	}
	out := make([]caseload.ListItem, 0, len(items))
	for _, it := range items {
		ms, ok := members[it.Household]
		switch {
		case it.Household == "" || it.HouseholdLabel == "":
			out = append(out, it)
		case ok:
			out = append(out, ms...)
			delete(members, it.Household)
		}
	}
	return out
}

// householdBlocks splits rows into runs of one household's members and
// of cases in none.
func householdBlocks(rows []dashRow) []dashBlock {
	var out []dashBlock
	for _, r := range rows {
		key := r.Household
		if r.HouseholdLabel == "" {
			key = ""
		}
		if n := len(out); n > 0 && out[n-1].Household == key {
			out[n-1].Rows = append(out[n-1].Rows, r)
			continue
		}
		out = append(out, dashBlock{Household: key, Label: r.HouseholdLabel, Rows: []dashRow{r}})
	}
	return out
}
