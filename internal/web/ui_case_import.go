package web

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"

	"visaclock/internal/caseimport"
	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/wording"
)

// MaxSheetPage is the largest body of the import page's forms: the file
// uploaded, or on the preview's confirmation the same file carried back
// in base64, a third larger.
const MaxSheetPage = MaxSheetBody*4/3 + 1<<20

// importView is the page that imports cases from a spreadsheet: the
// upload form, a dry run's preview with the form that imports the same
// file, the errors that refuse a file, or what was imported.
type importView struct {
	MaxMB, MaxRows int
	Error          string   // the form's own: no file, too large
	Refused        []string // the file's errors, worded, each with its line and column
	Report         *caseload.SheetReport
	Rows           []importRow
	// Data is the previewed file, in base64, for the confirmation to
	// import exactly what was previewed.
	Data string
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(caseload.PermCaseCreate) {
		return caseload.ErrForbidden
	}
	return s.renderImport(w, r, http.StatusOK, &importView{})
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, v *importView) error {
	v.MaxMB, v.MaxRows = caseimport.MaxBytes>>20, caseimport.MaxRows
	return s.render(w, r, status, "case_import", s.printer(r).T("import.title"), v)
}

// importTemplate serves the documented template.
func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="visaclock-import-template.csv"`)
	_, err := w.Write(caseimport.Template)
	return err
}

// importForm serves POST /cases/import: with a file uploaded, a dry run
// and its preview; with the preview's confirmation (step=import), the
// import of the file previewed.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request) error {
	pr, p := principal(r), s.printer(r)
	// The permission is checked before a large body is read.
	if !pr.Can(caseload.PermCaseCreate) {
		return caseload.ErrForbidden
	}
	v := &importView{}
	refuse := func(msg string) error {
		v.Error = msg
		return s.renderImport(w, r, http.StatusUnprocessableEntity, v)
	}
	err := r.ParseMultipartForm(MaxSheetPage)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return refuse(p.T("import.too_large", "n", caseimport.MaxBytes>>20))
		}
		return refuse(p.T("import.need_file"))
	}
	var data []byte
	if enc := r.PostFormValue("data"); enc != "" {
		if data, err = base64.StdEncoding.DecodeString(enc); err != nil {
			return refuse(p.T("import.need_file"))
		}
	} else {
		f, _, err := r.FormFile("file")
		if err != nil {
			return refuse(p.T("import.need_file"))
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, caseimport.MaxBytes+1)); err != nil {
			return err
		}
	}
	dry := r.PostFormValue("step") != "import"
	rep, err := s.Service.ImportSheet(r.Context(), pr, caseimport.Read(data), dry)
	if err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		for _, e := range rep.Errors {
			v.Refused = append(v.Refused, sheetError(p, e))
		}
		return s.renderImport(w, r, http.StatusUnprocessableEntity, v)
	}
	v.Report = rep
	for _, c := range rep.Cases {
		v.Rows = append(v.Rows, importRow{c, linesOf(c.Lines)})
	}
	if dry {
		v.Data = base64.StdEncoding.EncodeToString(data)
	}
	return s.renderImport(w, r, http.StatusOK, v)
}

// importRow is one case of a preview or an import.
type importRow struct {
	caseload.SheetCase
	LineSpan string
}

// sheetError words one error of a file in the reader's language, with its
// line and column.
func sheetError(p *i18n.Printer, e *caseimport.Error) string {
	msg, ok := wording.Invalid(p, e.Reason, e.Args)
	if !ok {
		msg = p.T("form.rejected", "detail", e.Msg)
	}
	switch {
	case e.Line == 0:
		return msg
	case e.Column == "":
		return p.T("import.at_line", "line", e.Line, "msg", msg)
	}
	return p.T("import.at", "line", e.Line, "column", e.Column, "msg", msg)
}

// linesOf shows the lines of a case's rows: "7" or "7–9".
func linesOf(lines []int) string {
	if len(lines) == 1 {
		return fmt.Sprint(lines[0])
	}
	return fmt.Sprintf("%d–%d", lines[0], lines[len(lines)-1])
}
