package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
)

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
// does not show are kept as stored. The form is read here; the engine's
// rules are the Service's to check, and its refusals are shown beside
// their fields.
func (s *Server) partForm(w http.ResponseWriter, r *http.Request, n int) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	part := r.PathValue("part")
	if part != caseload.PartTrips && part != caseload.PartExtensions {
		return caseload.ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	pr, p := principal(r), s.printer(r)
	f := r.PostForm
	version, err := formVersion(f, "version")
	if err != nil {
		return err
	}
	errs := fieldErrors{}
	formKey := part
	e := caseload.PartEdit{Part: part, Index: n}
	if n >= 0 {
		formKey = fmt.Sprintf("%s/%d", part, n)
		orig := f.Get("orig")
		e.Shown, e.Delete = &orig, f.Get("action") == "delete"
	}
	switch {
	case e.Delete:
	case part == caseload.PartTrips:
		e.Trip = tripForm(p, errs, f)
	default:
		e.Extension = extensionForm(p, errs, f)
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
		if status == statusOf(caseload.EConflict).Page {
			v.FormPart = ""
		}
		return s.renderCase(w, r, status, c, v)
	}
	if len(errs) > 0 {
		return refuse(http.StatusUnprocessableEntity)
	}
	if _, err := s.Service.EditPart(r.Context(), pr, id, []int64{version}, e); err != nil {
		switch {
		case caseload.ErrorCode(err) == caseload.EConflict:
			errs["form"] = p.T("error.conflict")
			return refuse(statusOf(caseload.EConflict).Page)
		case partError(p, errs, err, part):
			return refuse(http.StatusUnprocessableEntity)
		}
		return err
	}
	return redirect(w, r, "/cases/"+id)
}

// tripForm reads a trip form: its dates, and its grant when the form has
// the field.
func tripForm(p *i18n.Printer, errs fieldErrors, f url.Values) *caseload.TripUpdate {
	entry, exit := formDate(p, errs, "entry", f.Get("entry")), formDate(p, errs, "exit", f.Get("exit"))
	u := &caseload.TripUpdate{Entry: &entry, Exit: &exit}
	if f.Has("grant") {
		g := strings.TrimSpace(f.Get("grant"))
		u.Grant = &g
	}
	return u
}

// extensionForm reads an extension form. A field the form sent is sent as
// it is, empty included; one it did not send (an older form, a script) is
// kept as stored. The decision date counts for a decided application, the
// granted length for a granted one, the reason for a refused one.
func extensionForm(p *i18n.Printer, errs fieldErrors, f url.Values) *caseload.ExtensionUpdate {
	filed, decided := formDate(p, errs, "filed", f.Get("filed")), formDate(p, errs, "decided", f.Get("decided"))
	var outcome stay.Outcome
	if outcome.UnmarshalText([]byte(f.Get("outcome"))) != nil {
		errs["outcome"] = p.T("form.pick_outcome")
	}
	u := &caseload.ExtensionUpdate{Filed: &filed, Outcome: &outcome}
	if outcome != stay.Pending {
		u.Decided = &decided
	}
	days, months := formInt(p, errs, "requested_days", f.Get("requested_days"), 1, 3660), formInt(p, errs, "requested_months", f.Get("requested_months"), 1, 120)
	if f.Has("requested_days") || f.Has("requested_months") {
		u.RequestedDays, u.RequestedMonths = &days, &months
	}
	if f.Has("filing") {
		var filing stay.Filing
		if v := f.Get("filing"); v != "" && filing.UnmarshalText([]byte(v)) != nil {
			errs["filing"] = p.T("form.pick_filing")
		}
		u.Filing = &filing
	}
	gdays, gmonths := formInt(p, errs, "granted_days", f.Get("granted_days"), 1, 3660), formInt(p, errs, "granted_months", f.Get("granted_months"), 1, 120)
	guntil := formDate(p, errs, "granted_until", f.Get("granted_until"))
	if outcome == stay.Granted && (f.Has("granted_days") || f.Has("granted_months") || f.Has("granted_until")) {
		u.GrantedDays, u.GrantedMonths, u.GrantedUntil = &gdays, &gmonths, &guntil
	}
	reason := strings.TrimSpace(f.Get("refusal_reason"))
	if n := utf8.RuneCountInString(reason); n > 500 {
		errs["refusal_reason"] = p.T("invalid.too_long", "1", 500)
	}
	if outcome == stay.Refused && f.Has("refusal_reason") {
		u.RefusalReason = &reason
	}
	return u
}

// partWording words the engine's refusals the way the trip and extension
// forms put them, beside a field that shows the dates already; other
// refusals are worded as everywhere else.
var partWording = map[string]string{
	"entry_required":       "form.required",
	"filed_required":       "form.required",
	"decided_required":     "form.required",
	"outcome_required":     "form.pick_outcome",
	"exit_before_entry":    "form.exit_before_entry",
	"requested_both":       "form.days_or_months",
	"decided_before_filed": "form.decided_before_filed",
	"granted_length":       "form.granted_length",
}

// partError puts a refusal from the Service beside the field of the form
// of part it names; one about a field this form does not show goes above
// it. It reports false for errors that are not about the input.
func partError(p *i18n.Printer, errs fieldErrors, err error, part string) bool {
	if !engineError(p, errs, err, partField) {
		return false
	}
	var ae *caseload.Error
	if errors.As(err, &ae) {
		if key, ok := partWording[ae.Reason]; ok {
			errs[partField(ae.Field)] = p.T(key)
		}
	}
	if shown := partFields[part]; !slices.Contains(shown, firstKey(errs)) {
		for k, msg := range errs {
			delete(errs, k)
			errs["form"] = msg
		}
	}
	return true
}

// partFields are the fields each form shows, where errors can stand.
var partFields = map[string][]string{
	"trips":      {"entry", "exit", "grant"},
	"extensions": {"filed", "requested_days", "requested_months", "filing", "outcome", "decided", "granted_days", "granted_months", "granted_until", "refusal_reason"},
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

// formVersion reads the version a form was shown at, from its field name:
// a form without one is refused rather than written over whatever is
// stored now.
func formVersion(f url.Values, name string) (int64, error) {
	version, err := strconv.ParseInt(f.Get(name), 10, 64)
	if err != nil || version < 1 {
		return 0, errStatus(http.StatusBadRequest, "bad request", "version", "the form has no version; reload the page")
	}
	return version, nil
}
