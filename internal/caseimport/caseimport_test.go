package caseimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// errs lists a file's errors as their English lines.
func errs(f *File) []string {
	var out []string
	for _, e := range f.Errors {
		out = append(out, e.Error())
	}
	return out
}

func historyJSON(t *testing.T, h stay.History) string {
	t.Helper()
	b, err := json.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadTemplate: the documented template reads into the cases it
// documents, and examples/import-template.csv is the embedded template.
func TestReadTemplate(t *testing.T) {
	ex, err := os.ReadFile("../../examples/import-template.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ex, Template) {
		t.Error("examples/import-template.csv differs from internal/caseimport/template.csv")
	}
	f := Read(Template)
	if len(f.Errors) > 0 {
		t.Fatalf("the template is refused: %v", errs(f))
	}
	if f.Rows != 5 || len(f.Cases) != 3 {
		t.Fatalf("%d rows, %d cases; want 5 rows, 3 cases", f.Rows, len(f.Cases))
	}
	want := []struct {
		ref, history string
		ident        Identity
		notes        string
		lines        []int
	}{
		{"FV-2026-101",
			`{"grants":[{"id":"q2","rule":"cn-family-visit","valid_until":"2026-12-31","entries":"multiple","stay_days":60}],` +
				`"trips":[{"entry":"2026-03-02","exit":"2026-04-20","grant":"q2"},{"entry":"2026-08-20","grant":"q2"}],` +
				`"extensions":[{"grant":"q2","filed":"2026-10-05","requested_days":30,"outcome":"granted","decided":"2026-10-12","granted_days":30}]}`,
			Identity{Name: "Ri Chun-hui", Nationality: "DPRK"}, "Visits her daughter in Dalian", []int{2, 3}},
		{"US-2026-007", `{"grants":[{"id":"g1","rule":"us-visitor","admit_until":"2026-03-15"}],"trips":[{"entry":"2025-09-16","grant":"g1"}]}`,
			Identity{BirthDate: date.MustParse("1990-02-01")}, "", []int{4}},
		{"SC-2026-040", `{"grants":[{"id":"g1","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-05","exit":"2026-02-14","grant":"g1"},{"entry":"2026-04-01","exit":"2026-04-30","grant":"g1"}]}`,
			Identity{}, "", []int{5, 6}},
	}
	for i, w := range want {
		c := f.Cases[i]
		if c.Reference != w.ref || historyJSON(t, c.History) != w.history || c.Identity != w.ident || c.Notes != w.notes || fmt.Sprint(c.Lines) != fmt.Sprint(w.lines) {
			t.Errorf("case %d:\n got %s %s %+v %q %v\nwant %s %s %+v %q %v", i, c.Reference, historyJSON(t, c.History), c.Identity, c.Notes, c.Lines,
				w.ref, w.history, w.ident, w.notes, w.lines)
		}
	}
	// Errors of the Service, by field path, land on the cells.
	c := f.Cases[0]
	for path, want := range map[string]string{
		"history.trips[1].exit":              "3 exit",  // no exit given: the trip's row
		"history.trips[1].entry":             "3 entry", // given
		"history.extensions[0].granted_days": "3 extension_granted_days",
		"history.extensions[0]":              "3 extension_filed",
		"history.grants[0].stay_days":        "2 stay_days",
		"history.grants[0].admit_until":      "2 admit_until", // not given: the grant's first row
		"history.grants[0]":                  "2 rule",
		"history.grants":                     "2 reference",
		"identity.name":                      "2 name",
		"identity.passport":                  "2 reference",
		"reference":                          "2 reference",
		"notes":                              "2 notes",
	} {
		line, col := c.Locate(path)
		if got := fmt.Sprintf("%d %s", line, col); got != want {
			t.Errorf("Locate(%q) = %s, want %s", path, got, want)
		}
	}
	if line, col := f.Cases[1].Locate("history.person.born"); line != 4 || col != "birth_date" {
		t.Errorf("Locate(person.born) = %d %s, want 4 birth_date", line, col)
	}
}

const head = "reference,rule,grant,stay_days,valid_until,admit_until,entries,entry,exit,extension_filed,extension_outcome,extension_granted_days,notes,name,birth_date"

// TestReadRefused: each bad file is refused with every error, each naming
// its line (the header is line 1) and column and what is accepted.
func TestReadRefused(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"empty", "", []string{"line 1: the file is empty: the first line names the columns (see the template)"}},
		{"header only", head + "\n", []string{"line 2: the file has column names and no rows to import"}},
		{"unknown and missing columns", "ref,rule,Entry,entry\nA,cn-family-visit,2026-01-01,2026-01-01\n", []string{
			`line 1, column ref: "ref" is not a column of the template; accepted: ` + columnNames(),
			`line 1, column entry: "entry" is given twice: each column once`,
			"line 1: there is no reference column; the template's columns are: " + columnNames()}},
		{"bad cells, each", head + "\n" +
			"A,cn-family-visit,,sixty,2026-02-30,,twice,2026-1-5,,,,,,,\n" +
			",cn-family-visit,,,,,,,,,,,,,\n" +
			"B,us-visitor,,,,2026-03-15,,2026-01-01,,2026-02-01,maybe,x,,,\n",
			[]string{
				`line 2, column valid_until: "2026-02-30" is not a date: write it as YYYY-MM-DD, such as 2026-03-05`,
				`line 2, column entries: "twice" is not a number of entries: a whole number from 1, or multiple`,
				`line 2, column stay_days: "sixty" is not a whole number: write digits alone, such as 30`,
				`line 2, column entry: "2026-1-5" is not a date: write it as YYYY-MM-DD, such as 2026-03-05`,
				"line 3, column reference: required: every row names its case's reference",
				`line 4, column extension_outcome: "maybe" is not accepted here: one of pending, granted, refused`,
				`line 4, column extension_granted_days: "x" is not a whole number: write digits alone, such as 30`,
			}},
		{"conflicts within a case", head + "\n" +
			"A,cn-family-visit,q2,60,,,,2026-01-01,2026-01-10,,,,note one,Kim,\n" +
			"A,,q2,30,,,,2026-02-01,,,,,note two,Kim,\n" +
			"A,cn-visa-free-unilateral,,,,,,,,,,,,,\n" +
			"A,,,,,,,2026-05-01,,,,,,,\n",
			[]string{
				`line 3, column stay_days: "30" differs from line 2 for the same grant: give a grant's columns once, or the same on each of its rows`,
				`line 3, column notes: "note two" differs from line 2: a case's notes is given once, or the same on each of its rows`,
				"line 5, column grant: case A has 2 grants: name this row's in the grant column",
			}},
		{"no rule, exit alone", head + "\n" + "A,,,,,,,,2026-01-01,,,,,,\n",
			[]string{"line 2, column rule: no row of case A gives a rule: name the regime (visaclock rules list) on its first row"}},
		{"exit without entry", head + "\n" + "A,cn-family-visit,,60,,,,,2026-01-01,,,,,,\n",
			[]string{"line 2, column exit: an exit needs its trip's entry on the same row"}},
		{"a value under no column", "reference,rule,,\nA,cn-family-visit,,x\n",
			[]string{"line 2, column D: a value in a column with no name: name the column in line 1, or leave it empty"}},
		{"not UTF-8", head + "\nA,cn-family-visit,,60,,,,2026-01-01,,,,,,Gr\xfcn,\n",
			[]string{"line 2: the file is not UTF-8 text: save it as “CSV UTF-8”, or as XLSX"}},
		{"a quote left open, after a blank row and a quoted line break", head + "\n\n\"A\nB\",cn-family-visit\nC,\"x\n",
			[]string{`line 4: the CSV cannot be read here: extraneous or missing " in quoted-field`}},
		{"a workbook that is not one", "PK\x03\x04garbage", []string{"the file cannot be read as an XLSX workbook (zip: not a valid zip file): save it as XLSX or as CSV UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Read([]byte(tc.file))
			got := errs(f)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if len(f.Cases) > 0 && len(f.Errors) > 0 && tc.name != "conflicts within a case" {
				t.Errorf("cases despite errors: %d", len(f.Cases))
			}
		})
	}
}

// TestReadForms: what a spreadsheet program writes is read alike: a BOM,
// semicolons, headers in any case, blank rows (which still count as
// lines), quoted line breaks, and a workbook's date and number cells.
func TestReadForms(t *testing.T) {
	const want = `{"grants":[{"id":"g1","rule":"cn-family-visit","stay_days":60}],"trips":[{"entry":"2026-01-05","exit":"2026-02-01","grant":"g1"}]}`
	for _, tc := range []struct{ name, file string }{
		{"plain", "reference,rule,stay_days,entry,exit\nA,cn-family-visit,60,2026-01-05,2026-02-01\n"},
		{"BOM and CRLF", "\xef\xbb\xbfreference,rule,stay_days,entry,exit\r\nA,cn-family-visit,60,2026-01-05,2026-02-01\r\n"},
		{"semicolons, spaced names", "Reference;Rule;Stay Days;Entry;Exit\nA;cn-family-visit;60;2026-01-05;2026-02-01\n"},
		{"tabs", "reference\trule\tstay_days\tentry\texit\nA\tcn-family-visit\t60\t2026-01-05\t2026-02-01\n"},
		{"padded", "reference , rule,stay_days,entry,exit\n  A ,cn-family-visit , 60,2026-01-05 ,2026-02-01\n"},
	} {
		f := Read([]byte(tc.file))
		if len(f.Errors) > 0 || len(f.Cases) != 1 || historyJSON(t, f.Cases[0].History) != want {
			t.Errorf("%s: %v %d cases", tc.name, errs(f), len(f.Cases))
			continue
		}
	}
	// Lines as a spreadsheet numbers rows: a blank row counts, a quoted
	// line break does not start one.
	f := Read([]byte("reference,rule,notes,entry\n\nA,cn-family-visit,\"two\nlines\",2026-01-05\n\nB,cn-family-visit,,someday\n"))
	if got := errs(f); len(got) != 1 || got[0] != `line 5, column entry: "someday" is not a date: write it as YYYY-MM-DD, such as 2026-03-05` {
		t.Errorf("lines: %v", got)
	}

	// A workbook: a date cell, a text date, numbers as numbers, the 1904
	// day count.
	for _, d1904 := range []bool{false, true} {
		x := excelize.NewFile()
		if d1904 {
			if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &d1904}); err != nil {
				t.Fatal(err)
			}
		}
		sh := x.GetSheetName(0)
		for i, v := range []any{"reference", "rule", "stay_days", "entry", "exit"} {
			cellName, _ := excelize.CoordinatesToCellName(i+1, 1)
			x.SetCellValue(sh, cellName, v)
		}
		x.SetCellValue(sh, "A2", "A")
		x.SetCellValue(sh, "B2", "cn-family-visit")
		x.SetCellValue(sh, "C2", 60)
		serial := 46027.0 // 2026-01-05 counted from 1899-12-30
		if d1904 {
			serial -= 1462
		}
		x.SetCellValue(sh, "D2", serial)
		style, _ := x.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yy on screen
		x.SetCellStyle(sh, "D2", "D2", style)
		x.SetCellValue(sh, "E2", "2026-02-01")
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		f := Read(buf.Bytes())
		if len(f.Errors) > 0 || len(f.Cases) != 1 || historyJSON(t, f.Cases[0].History) != want {
			t.Errorf("workbook (1904: %v): %v %d cases", d1904, errs(f), len(f.Cases))
			if len(f.Cases) == 1 {
				t.Log(historyJSON(t, f.Cases[0].History))
			}
		}
	}
}

// TestReadLimits: a file over the size or the row limit is refused whole,
// with the line where the rows overflow.
func TestReadLimits(t *testing.T) {
	f := Read(make([]byte, MaxBytes+1))
	if got := errs(f); len(got) != 1 || got[0] != "the file is larger than 32 MiB; import it in parts" {
		t.Errorf("too large: %v", got)
	}
	var b strings.Builder
	b.WriteString("reference,rule,stay_days,entry\n")
	for i := range MaxRows + 1 {
		fmt.Fprintf(&b, "R%d,cn-family-visit,60,2026-01-05\n", i)
	}
	f = Read([]byte(b.String()))
	if got := errs(f); len(got) != 1 || got[0] != fmt.Sprintf("line %d: more than %d rows; import the file in parts", MaxRows+2, MaxRows) {
		t.Errorf("too many rows: %v", got)
	}
	// Errors stop at MaxErrors, said once.
	b.Reset()
	b.WriteString("reference,rule,entry\n")
	for i := range MaxErrors + 10 {
		fmt.Fprintf(&b, "R%d,cn-family-visit,bad\n", i)
	}
	f = Read([]byte(b.String()))
	if len(f.Errors) != MaxErrors+1 || f.Errors[MaxErrors].Reason != "sheet_too_many_errors" || f.Errors[0].Line != 2 {
		t.Errorf("%d errors, the last %v", len(f.Errors), f.Errors[len(f.Errors)-1])
	}
}

// TestReasonsListed: every reason given is in Reasons.
func TestReasonsListed(t *testing.T) {
	src := ""
	for _, name := range []string{"caseimport.go", "table.go", "rows.go"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src += string(b)
	}
	for _, r := range Reasons {
		if !strings.Contains(src, `"`+r+`", "`) && r != "sheet_exists_differs" && r != "sheet_reference_taken" {
			t.Errorf("Reasons lists %q, which no call gives", r)
		}
	}
}
