package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"visaclock/internal/archive"
	"visaclock/internal/caseload"
)

// adminDataView is the page of the organisation's settings, export and
// import.
type adminDataView struct {
	Nav           []subnavItem
	Name          string
	RetentionDays string
	RequireTOTP   bool
	Errors        fieldErrors
	Saved         bool
	Imported      int
	DidImport     bool
	MinPass       int
	MaxImportMB   int
	// Reeval is how many of the organisation's cases await re-evaluation
	// after a change of rule packs.
	Reeval caseload.ReevalStatus
}

// adminData serves GET /admin/data.
func (s *Server) adminData(w http.ResponseWriter, r *http.Request) error {
	v := &adminDataView{Errors: fieldErrors{}, Saved: r.URL.Query().Get("done") == "settings"}
	return s.renderData(w, r, http.StatusOK, v, true)
}

// renderData renders the data page; fill takes the settings from the
// organisation rather than from a refused form.
func (s *Server) renderData(w http.ResponseWriter, r *http.Request, status int, v *adminDataView, fill bool) error {
	p := s.printer(r)
	o, err := s.Service.Settings(r.Context(), principal(r))
	if err != nil {
		return err
	}
	v.Nav, v.Name, v.MinPass, v.MaxImportMB = adminNav(p, "/admin/data"), o.Name, archive.MinPassphrase, MaxImport>>20
	if fill {
		v.RetentionDays, v.RequireTOTP = strconv.Itoa(o.RetentionDays), o.RequireTOTP
	}
	if v.Reeval, err = s.Service.ReevalStatus(r.Context(), principal(r)); err != nil {
		return err
	}
	return s.render(w, r, status, "admin_data", p.T("admin.data.title"), v)
}

// adminSettings serves POST /admin/settings.
func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminDataView{Errors: fieldErrors{}, RetentionDays: strings.TrimSpace(f.Get("retention_days")), RequireTOTP: f.Get("require_totp") != ""}
	days := formInt(p, v.Errors, "retention_days", v.RetentionDays, 0, 36500)
	if len(v.Errors) > 0 {
		return s.renderData(w, r, http.StatusUnprocessableEntity, v, false)
	}
	if _, err := s.Service.UpdateSettings(r.Context(), principal(r), v.RequireTOTP, days); err != nil {
		if accountError(p, v.Errors, err, map[string]string{"retention_days": "retention_days"}) {
			return s.renderData(w, r, http.StatusUnprocessableEntity, v, false)
		}
		return err
	}
	return redirect(w, r, "/admin/data?done=settings")
}

// adminExport serves POST /admin/export: every case the admin reaches,
// with identities, encrypted to a passphrase or to age recipients, as a
// download. Nothing leaves unencrypted, and the export is audited.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminDataView{Errors: fieldErrors{}}
	key := archive.Key{Passphrase: f.Get("passphrase"), Recipients: strings.TrimSpace(f.Get("recipients")), WorkFactor: exportWorkFactor}
	switch {
	case key.Passphrase == "" && key.Recipients == "":
		v.Errors["passphrase"] = p.T("admin.export.need_key", "n", archive.MinPassphrase)
	case key.Passphrase != "" && key.Recipients != "":
		v.Errors["passphrase"] = p.T("admin.export.not_both")
	case key.Passphrase != "" && len([]rune(key.Passphrase)) < archive.MinPassphrase:
		v.Errors["passphrase"] = p.T("acct.err.passphrase_short", "n", archive.MinPassphrase)
	case key.Recipients != "":
		// Recipients are checked before the export, which is audited, so
		// that a mistyped key leaves no export in the log.
		if err := key.Check(); err != nil {
			v.Errors["recipients"] = p.T("admin.export.bad_recipients")
		}
	}
	if len(v.Errors) > 0 {
		return s.renderData(w, r, http.StatusUnprocessableEntity, v, true)
	}
	file, err := s.exportFile(r.Context(), principal(r), nil, key)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="visaclock-export-%s.age"`, s.Service.Today()))
	_, err = w.Write(file)
	return err
}

// adminImport serves POST /admin/import: an export uploaded with its
// passphrase. Every case is imported, or none.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) error {
	pr, p := principal(r), s.printer(r)
	// The permission is checked before a large body is read.
	if !pr.Can(caseload.PermCaseImport) {
		return caseload.ErrForbidden
	}
	v := &adminDataView{Errors: fieldErrors{}}
	refuse := func(field, msg string) error {
		v.Errors[field] = msg
		return s.renderData(w, r, http.StatusUnprocessableEntity, v, true)
	}
	err := r.ParseMultipartForm(32 << 20)
	// The upload's parts beyond 32 MiB sit in temporary files, which the
	// server does not remove for a request it did not parse itself.
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return refuse("file", p.T("admin.import.too_large", "n", MaxImport>>20))
		}
		return refuse("file", p.T("form.required"))
	}
	pass := r.PostFormValue("import_passphrase")
	file, _, err := r.FormFile("file")
	if err != nil {
		return refuse("file", p.T("form.required"))
	}
	defer file.Close()
	if pass == "" {
		return refuse("import_passphrase", p.T("form.required"))
	}
	body, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	plain, err := archive.Decrypt(bytes.NewReader(body), archive.Key{Passphrase: pass})
	if err != nil {
		return refuse("import_passphrase", p.T("admin.import.cannot_open"))
	}
	b, err := caseload.DecodeBundle(plain)
	if err != nil {
		return refuse("file", p.T("admin.import.not_export"))
	}
	n, err := s.Service.Import(r.Context(), pr, b)
	if err != nil {
		var ae *caseload.Error
		if !errors.As(err, &ae) || (ae.Code != caseload.EInvalid && ae.Code != caseload.EExists) {
			return err
		}
		if m := reCaseIndex.FindStringSubmatch(ae.Field); m != nil && ae.Code == caseload.EExists {
			i, _ := strconv.Atoi(m[1])
			switch {
			case i >= len(b.Cases):
			case m[2] == "household":
				return refuse("file", p.T("admin.import.household_exists", "label", b.Cases[i].Household))
			default:
				return refuse("file", p.T("admin.import.exists", "ref", b.Cases[i].Reference))
			}
		}
		return refuse("file", p.T("form.rejected", "detail", ae.Error()))
	}
	v.DidImport, v.Imported = true, n
	return s.renderData(w, r, http.StatusOK, v, true)
}

var reCaseIndex = regexp.MustCompile(`^cases\[(\d+)\]\.(id|household)$`)
