// Package caseimport reads cases from a spreadsheet: a CSV or XLSX file in
// the documented template (docs/import-format.md), one row per trip, the
// rows of one reference making one case. It is pure: bytes in, cases and
// errors out, every error naming the line as a spreadsheet numbers it (the
// header is line 1), the column, and what is accepted. Checking the
// histories against the rule packs, and storing them, is the Service's
// (caseload.Service.ImportSheet); Case.Locate turns the field path of its
// errors back into a line and a column.
package caseimport

import (
	"bytes"
	"fmt"
	"strings"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Limits on one file. A larger caseload is imported in several files.
const (
	MaxBytes  = 32 << 20 // the file as uploaded
	MaxRows   = 50_000   // rows under the header
	MaxErrors = 500      // errors listed; reading stops after them
)

// Error is one refusal: a cell, a row (Column empty) or the whole file
// (Line 0). Reason is a code, and Args its values, from which pages word
// the error in the reader's language (catalogue key "invalid."+Reason);
// Msg is the English.
type Error struct {
	Line   int
	Column string
	Reason string
	Args   []any
	Msg    string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return e.Msg
	case e.Column == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Msg)
}

func errorf(line int, column, reason, format string, args ...any) *Error {
	return &Error{Line: line, Column: column, Reason: reason, Args: args, Msg: fmt.Sprintf(format, args...)}
}

// Reasons lists every reason this package gives, for catalogues that must
// word them all.
var Reasons = []string{
	"sheet_too_large", "sheet_too_many_rows", "sheet_too_many_errors", "sheet_not_spreadsheet", "sheet_not_utf8",
	"sheet_bad_csv", "sheet_empty", "sheet_no_rows", "sheet_unknown_column", "sheet_duplicate_column",
	"sheet_missing_column", "sheet_no_header", "sheet_bad_date", "sheet_date_time", "sheet_bad_number",
	"sheet_bad_entries", "sheet_bad_choice", "sheet_case_conflict", "sheet_grant_conflict", "sheet_which_grant",
	"sheet_no_grant", "sheet_exit_without_entry", "sheet_exists_differs", "sheet_reference_taken",
}

// Identity is the person a case is about, every field optional; the
// Service seals it as it seals any identity.
type Identity struct {
	Name        string
	BirthDate   date.Date
	Nationality string
	Passport    string
	Contact     string
}

// Case is the case the rows of one reference make.
type Case struct {
	Reference string
	Notes     string
	History   stay.History
	Identity  Identity
	// Lines are the lines of its rows, in order.
	Lines []int
	// cells locate the history's fields (and reference, notes,
	// identity.*) in the file, by field path.
	cells map[string]cell
}

type cell struct {
	line   int
	column string
}

// Locate returns the line and column a field path of the case stands on,
// as the Service names fields ("history.trips[2].exit", "identity.name",
// "reference"): the cell that gave the value, or else the row of the
// nearest part named (a trip's row for "trips[2]"), or else the case's
// first row.
func (c *Case) Locate(path string) (line int, column string) {
	path = strings.TrimPrefix(path, "history.")
	if path == "person.born" || strings.HasPrefix(path, "person.") {
		path = "identity.birth_date"
	}
	for p := path; p != ""; {
		if at, ok := c.cells[p]; ok {
			return at.line, at.column
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	if len(c.Lines) == 0 {
		return 0, ""
	}
	return c.Lines[0], "reference"
}

// File is what a spreadsheet holds.
type File struct {
	// Rows counts the rows under the header, blank rows left out.
	Rows  int
	Cases []*Case
	// Errors are every refusal found, in the order of the file; a file
	// with any is imported not at all.
	Errors []*Error
}

// Read reads a CSV or XLSX file: an XLSX file is known by its ZIP
// signature, anything else is read as CSV. It reads at most MaxBytes.
func Read(data []byte) *File {
	f := &File{}
	if len(data) > MaxBytes {
		f.Errors = append(f.Errors, errorf(0, "", "sheet_too_large", "the file is larger than %d MiB; import it in parts", MaxBytes>>20))
		return f
	}
	var t *table
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		t = readXLSX(data)
	} else {
		t = readCSV(data)
	}
	f.Errors = t.errs
	if len(f.Errors) == 0 {
		parseRows(t, f)
	}
	return f
}
