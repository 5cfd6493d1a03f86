package web

import (
	"net/http"
	"strings"
	"visaclock/internal/caseload"
	"visaclock/internal/stay"
)

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
	ref := strings.TrimSpace(v.Reference)
	c, err := s.Service.CreateCase(r.Context(), pr, caseload.CaseUpdate{Reference: &ref, Notes: &v.Notes, History: &h, Identity: ident})
	if err != nil {
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
