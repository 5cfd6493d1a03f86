package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"visaclock/internal/caseimport"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// MaxSheetBody is the largest body POST /v1/cases/import takes: the file,
// with room for a multipart envelope around it.
const MaxSheetBody = caseimport.MaxBytes + 1<<20

type sheetCaseJSON struct {
	Reference       string     `json:"reference"`
	Lines           []int      `json:"lines"`
	Action          string     `json:"action"`
	ID              string     `json:"id,omitempty"`
	State           stay.State `json:"state,omitempty"`
	AuthorizedUntil date.Date  `json:"authorized_until,omitzero"`
	Grants          int        `json:"grants"`
	Trips           int        `json:"trips"`
	Extensions      int        `json:"extensions"`
	Identity        bool       `json:"identity"`
}

type sheetJSON struct {
	DryRun    bool            `json:"dry_run"`
	Rows      int             `json:"rows"`
	Created   int             `json:"created"`
	Unchanged int             `json:"unchanged"`
	Cases     []sheetCaseJSON `json:"cases"`
}

// sheetProblem is one error of a refused file.
type sheetProblem struct {
	Field   string `json:"field"`
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
}

// importSheet answers POST /v1/cases/import: a CSV or XLSX file, as the
// body or as the part "file" of a multipart form; ?dry_run=1 says what
// would be done and stores nothing. A file with any error is refused
// whole, 422 with every error's line and column.
func (s *Server) importSheet(w http.ResponseWriter, r *http.Request) error {
	pr := principal(r)
	// The permission is checked before a large body is read.
	if !pr.Can(caseload.PermCaseCreate) {
		return caseload.ErrForbidden
	}
	dry := false
	switch v := r.URL.Query().Get("dry_run"); v {
	case "", "0", "false":
	case "1", "true":
		dry = true
	default:
		return &caseload.Error{Code: caseload.EInvalid, Field: "dry_run", Msg: "1 or true for a dry run; 0, false or nothing for an import"}
	}
	data, err := sheetUpload(r)
	if err != nil {
		return err
	}
	rep, err := s.Service.ImportSheet(r.Context(), pr, caseimport.Read(data), dry)
	if err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		probs := make([]sheetProblem, len(rep.Errors))
		for i, e := range rep.Errors {
			field := "file"
			switch {
			case e.Column != "":
				field = fmt.Sprintf("line %d, column %s", e.Line, e.Column)
			case e.Line > 0:
				field = fmt.Sprintf("line %d", e.Line)
			}
			probs[i] = sheetProblem{Field: field, Line: e.Line, Column: e.Column, Reason: e.Reason, Message: e.Msg}
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnprocessableEntity)
		return json.NewEncoder(w).Encode(struct {
			Type   string         `json:"type"`
			Title  string         `json:"title"`
			Status int            `json:"status"`
			Detail string         `json:"detail"`
			Errors []sheetProblem `json:"errors"`
		}{"about:blank", "invalid", http.StatusUnprocessableEntity, fmt.Sprintf("the file is refused, with %d errors: nothing was imported", len(probs)), probs})
	}
	out := sheetJSON{DryRun: rep.DryRun, Rows: rep.Rows, Created: rep.Created, Unchanged: rep.Unchanged, Cases: []sheetCaseJSON{}}
	for _, c := range rep.Cases {
		out.Cases = append(out.Cases, sheetCaseJSON(c))
	}
	status := http.StatusCreated
	if dry {
		status = http.StatusOK
	}
	return writeJSON(w, status, out)
}

// sheetUpload reads the file of an import: the part "file" of a
// multipart form, or else the body itself.
func sheetUpload(r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return readBody(r)
	}
	// The form holds only the file, so keep it in memory: no temporary
	// files to remove.
	if err := r.ParseMultipartForm(MaxSheetBody); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, err
		}
		return nil, &caseload.Error{Code: caseload.EInvalid, Field: "file", Msg: "the form could not be read"}
	}
	defer r.MultipartForm.RemoveAll()
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, &caseload.Error{Code: caseload.EInvalid, Field: "file", Msg: "required: the spreadsheet, as the form's part \"file\""}
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, caseimport.MaxBytes+1))
}
