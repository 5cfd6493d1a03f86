package caseimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// table is a file's cells: the header, and the rows under it with their
// lines, blank rows left out.
type table struct {
	header []string
	rows   []row
	errs   []*Error
	// xlsx marks cells read from a workbook, where a date may be a date
	// cell (a serial day number); date1904 is the workbook's day zero.
	xlsx, date1904 bool
}

type row struct {
	line  int
	cells []string
}

// add keeps a row read at line, refusing rows beyond MaxRows.
func (t *table) add(line int, cells []string) bool {
	if line == 1 {
		t.header = cells
		return true
	}
	if blank(cells) {
		return true
	}
	if len(t.rows) == MaxRows {
		t.errs = append(t.errs, errorf(line, "", "sheet_too_many_rows", "more than %d rows; import the file in parts", MaxRows))
		return false
	}
	t.rows = append(t.rows, row{line: line, cells: cells})
	return true
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readCSV reads UTF-8 CSV, with or without a byte-order mark, separated by
// commas, or by semicolons or tabs when the header has those and no comma
// (as spreadsheets save CSV in some locales). Lines are numbered as a
// spreadsheet numbers its rows: a quoted line break stays in its row, and
// a blank line is a row.
func readCSV(data []byte) *table {
	t := &table{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		bad := 0
		for bad < len(data) {
			r, n := utf8.DecodeRune(data[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
		// The row of the byte, counting physical lines: before it, no
		// quoted line break can be told from a row's end without reading
		// the CSV, which needs the text to be valid.
		line := bytes.Count(data[:bad], []byte("\n")) + 1
		t.errs = append(t.errs, errorf(line, "", "sheet_not_utf8", "the file is not UTF-8 text: save it as “CSV UTF-8”, or as XLSX"))
		return t
	}
	if len(bytes.TrimSpace(data)) == 0 {
		t.errs = append(t.errs, errorf(1, "", "sheet_empty", "the file is empty: the first line names the columns (see the template)"))
		return t
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	r.FieldsPerRecord = -1
	line, end := 0, 0 // the spreadsheet's row, and the physical line the last record ended on
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				t.errs = append(t.errs, errorf(line+max(1, pe.StartLine-end), "", "sheet_bad_csv", "the CSV cannot be read here: %s", pe.Err.Error()))
			} else {
				t.errs = append(t.errs, errorf(0, "", "sheet_bad_csv", "the CSV cannot be read: %s", err.Error()))
			}
			return t
		}
		start, _ := r.FieldPos(0)
		last, _ := r.FieldPos(len(rec) - 1)
		line += start - end // blank lines before it are rows too
		end = last + strings.Count(rec[len(rec)-1], "\n")
		if !t.add(line, rec) {
			return t
		}
	}
	return t
}

// separator is the header line's separator: a comma, unless the line has
// none and has semicolons or tabs.
func separator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.IndexByte(first, ',') >= 0 {
		return ','
	}
	if bytes.Count(first, []byte(";")) >= bytes.Count(first, []byte("\t")) && bytes.IndexByte(first, ';') >= 0 {
		return ';'
	}
	if bytes.IndexByte(first, '\t') >= 0 {
		return '\t'
	}
	return ','
}

// Workbooks are ZIP files: their parts are bounded unpacked, so that a
// small file cannot unpack into a huge one, and kept in memory.
const (
	maxUnzipped    = 256 << 20
	maxUnzippedXML = 256 << 20
)

// readXLSX reads the first worksheet of a workbook, with cell values as
// stored (a number unformatted, a date cell as its serial day), so that
// no display format can turn 2026-03-05 into 3/5/26.
func readXLSX(data []byte) (t *table) {
	t = &table{xlsx: true}
	notBook := func(err error) *table {
		t.errs = append(t.errs, errorf(0, "", "sheet_not_spreadsheet", "the file cannot be read as an XLSX workbook (%s): save it as XLSX or as CSV UTF-8", err.Error()))
		return t
	}
	defer func() {
		// A damaged workbook must not take the server down with it.
		if p := recover(); p != nil {
			t.errs = append(t.errs[:0], errorf(0, "", "sheet_not_spreadsheet", "the file cannot be read as an XLSX workbook (%s): save it as XLSX or as CSV UTF-8", "it is damaged"))
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return notBook(err)
	}
	defer f.Close()
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.date1904 = *props.Date1904
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return notBook(errors.New("it has no worksheet"))
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return notBook(err)
	}
	defer rows.Close()
	line := 0
	for rows.Next() {
		line++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return notBook(err)
		}
		if !t.add(line, cells) {
			return t
		}
	}
	if err := rows.Error(); err != nil {
		return notBook(err)
	}
	if line == 0 || blank(t.header) {
		t.errs = append(t.errs, errorf(1, "", "sheet_empty", "the first worksheet has no header: its first row names the columns (see the template)"))
	}
	return t
}
