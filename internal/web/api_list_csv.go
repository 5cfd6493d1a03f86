package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/wording"
)

// listColumns are the CSV export's columns, and identityColumns those
// added with ?identities=1. The names are a contract: add columns at the
// end, never rename or remove them.
var (
	listColumns     = []string{"reference", "state", "last_lawful_day", "next_deadline", "next_deadline_date", "next_action", "stale"}
	identityColumns = []string{"name", "passport", "nationality", "birth_date", "contact"}
)

// utf8BOM lets spreadsheet programs that guess the encoding (Excel) read
// names in Chinese and Korean as UTF-8.
const utf8BOM = "\ufeff"

// listCSV serves GET /v1/cases.csv: the whole working list, with the
// list's filters, as CSV (RFC 4180: CRLF, a header row). ?identities=1
// adds the people in clear, for those whose identity.reveal reaches every
// case of their list; ?bom=1 starts the file with a byte order mark;
// ?lang= (else the reader's language) words the next action. Every export
// is audited, with its count.
func (s *Server) listCSV(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := listFilter(q, s.Service.Today())
	if err != nil {
		return err
	}
	for _, k := range []string{"limit", "cursor"} {
		if q.Has(k) {
			return &caseload.Error{Code: caseload.EInvalid, Field: k, Msg: "the export is the whole list, in one file; leave " + k + " out"}
		}
	}
	identities, err := boolParam(q.Get("identities"), "identities")
	if err != nil {
		return err
	}
	bom, err := boolParam(q.Get("bom"), "bom")
	if err != nil {
		return err
	}
	l := lang(r)
	if v := q.Get("lang"); v != "" {
		var ok bool
		if l, ok = i18n.Parse(v); !ok {
			return &caseload.Error{Code: caseload.EInvalid, Field: "lang", Msg: fmt.Sprintf("%q is not a language; accepted: en, zh, ko, ko-KP", v)}
		}
	}
	rows, err := s.Service.ExportList(r.Context(), principal(r), f, identities)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if bom {
		buf.WriteString(utf8BOM)
	}
	if err := writeListCSV(&buf, s.catalog.Printer(l), rows, identities); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="cases-%s.csv"`, f.On))
	h.Set("Content-Language", htmlLang[l])
	// The file may hold identities: no cache keeps it.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}

// boolParam reads a yes-or-no query parameter.
func boolParam(v, field string) (bool, error) {
	switch v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, &caseload.Error{Code: caseload.EInvalid, Field: field, Msg: fmt.Sprintf("%q is not accepted; accepted: 1 or 0", v)}
}

// writeListCSV writes rows as CSV, every text cell made safe to open in a
// spreadsheet.
func writeListCSV(b *bytes.Buffer, p *i18n.Printer, rows []caseload.ListRow, identities bool) error {
	cw := csv.NewWriter(b)
	cw.UseCRLF = true
	head := listColumns
	if identities {
		head = append(append([]string{}, listColumns...), identityColumns...)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, 0, len(head))
	for _, it := range rows {
		rec = append(rec[:0], it.Reference, string(it.State), isoDate(it.AuthorizedUntil), it.DeadlineKind, isoDate(it.Deadline),
			wording.Deadline(p, it.DeadlineKind, it.Deadline), fmt.Sprint(it.Stale))
		if identities {
			id := it.Identity
			if id == nil {
				id = &caseload.Identity{}
			}
			rec = append(rec, id.Name, id.Passport, id.Nationality, isoDate(id.BirthDate), id.Contact)
		}
		for i := range rec {
			rec[i] = safeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from running a cell as a formula (CSV
// injection): text that starts with =, +, -, @, a tab or a carriage return
// gets a leading apostrophe, which spreadsheets show as text and do not
// evaluate. References, notes and names are typed by people, so any of
// them may start so.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// isoDate is d as YYYY-MM-DD, or empty for none.
func isoDate(d date.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
