package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"visaclock/internal/caseimport"
	"visaclock/internal/caseload"
)

// templateXLSX is the template's rows as a workbook, the dates as date
// cells shown m/d/yy.
func templateXLSX(t *testing.T) []byte {
	t.Helper()
	f := caseimport.Read(caseimport.Template)
	if len(f.Errors) > 0 {
		t.Fatal(f.Errors[0])
	}
	x := excelize.NewFile()
	sh := x.GetSheetName(0)
	style, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	for i, line := range strings.Split(strings.TrimSpace(string(caseimport.Template)), "\n") {
		for j, v := range strings.Split(line, ",") {
			cellName, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if len(v) == 10 && v[4] == '-' && v[7] == '-' && i > 0 {
				d, _ := time.Parse(time.DateOnly, v)
				x.SetCellValue(sh, cellName, d)
				x.SetCellStyle(sh, cellName, cellName, style)
				continue
			}
			x.SetCellValue(sh, cellName, v)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartFile is a form with data as its part "file".
func multipartFile(t *testing.T, name string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

type sheetAnswer struct {
	DryRun    bool `json:"dry_run"`
	Rows      int  `json:"rows"`
	Created   int  `json:"created"`
	Unchanged int  `json:"unchanged"`
	Cases     []struct {
		Reference string `json:"reference"`
		Lines     []int  `json:"lines"`
		Action    string `json:"action"`
		ID        string `json:"id"`
		State     string `json:"state"`
	} `json:"cases"`
}

func decodeSheet(t *testing.T, r *response) sheetAnswer {
	t.Helper()
	var a sheetAnswer
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("%s: %v\n%s", r.req, err, r.Body)
	}
	return a
}

func (a sheetAnswer) String() string {
	s := fmt.Sprintf("dry=%v rows=%d created=%d unchanged=%d", a.DryRun, a.Rows, a.Created, a.Unchanged)
	for _, c := range a.Cases {
		s += fmt.Sprintf("; %s %v %s %s id=%v", c.Reference, c.Lines, c.Action, c.State, c.ID != "")
	}
	return s
}

// TestAPIImportSheet: POST /v1/cases/import over real HTTP on SQLite and
// PostgreSQL: a dry run of the template in CSV and, as a multipart upload,
// in XLSX; the import; the same file again; a bad file refused with each
// line and column; a token without case.create refused.
func TestAPIImportSheet(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2026-11-10")
		csv := []string{"Content-Type", "text/csv"}

		r := e.do("POST", "/v1/cases/import?dry_run=1", caseimport.Template, csv...).want(t, http.StatusOK)
		conform(t, doc, "POST", "/v1/cases/import", r)
		want := "dry=true rows=5 created=3 unchanged=0; FV-2026-101 [2 3] create lawful id=false; US-2026-007 [4] create overstay id=false; SC-2026-040 [5 6] create absent id=false"
		if got := decodeSheet(t, r).String(); got != want {
			t.Errorf("dry run:\n got %s\nwant %s", got, want)
		}
		body, ct := multipartFile(t, "cases.xlsx", templateXLSX(t))
		r = e.do("POST", "/v1/cases/import?dry_run=true", body, "Content-Type", ct).want(t, http.StatusOK)
		if got := decodeSheet(t, r).String(); got != want {
			t.Errorf("dry run of the workbook:\n got %s\nwant %s", got, want)
		}
		if n := countCases(t, e); n != 0 {
			t.Errorf("the dry runs stored %d cases", n)
		}

		r = e.do("POST", "/v1/cases/import", caseimport.Template, csv...).want(t, http.StatusCreated)
		conform(t, doc, "POST", "/v1/cases/import", r)
		a := decodeSheet(t, r)
		if a.Created != 3 || a.DryRun {
			t.Errorf("import: %s", a)
		}
		for _, c := range a.Cases {
			got := e.do("GET", "/v1/cases/"+c.ID, nil).want(t, http.StatusOK).object(t)
			if got["reference"] != c.Reference {
				t.Errorf("case %s: reference %v, want %s", c.ID, got["reference"], c.Reference)
			}
		}
		r = e.do("POST", "/v1/cases/import", body, "Content-Type", ct).want(t, http.StatusCreated)
		if a2 := decodeSheet(t, r); a2.Created != 0 || a2.Unchanged != 3 || a2.Cases[0].ID != a.Cases[0].ID {
			t.Errorf("the same cases again, as a workbook: %s", a2)
		}

		bad := "reference,rule,stay_days,entry,exit\nA,cn-family-visit,60,2026-03-01,2026-02-01\nB,cn-family-visit,sixty,2026-03-01,\n"
		r = e.do("POST", "/v1/cases/import", bad, csv...).want(t, http.StatusUnprocessableEntity)
		conform(t, doc, "POST", "/v1/cases/import", r)
		var p struct {
			Errors []sheetProblem `json:"errors"`
		}
		json.Unmarshal(r.Body, &p)
		wantErrs := []sheetProblem{
			{Field: "line 2, column exit", Line: 2, Column: "exit", Reason: "exit_before_entry", Message: "2026-02-01 is before the entry 2026-03-01"},
			{Field: "line 3, column stay_days", Line: 3, Column: "stay_days", Reason: "sheet_bad_number", Message: `"sixty" is not a whole number: write digits alone, such as 30`},
		}
		if fmt.Sprint(p.Errors) != fmt.Sprint(wantErrs) {
			t.Errorf("errors:\n got %+v\nwant %+v", p.Errors, wantErrs)
		}
		if n := countCases(t, e); n != 3 {
			t.Errorf("%d cases after a refused file, want 3", n)
		}
		e.do("POST", "/v1/cases/import?dry_run=maybe", bad, csv...).want(t, http.StatusUnprocessableEntity)

		reader := e.tokenFor(e.Admin, caseload.PermCaseRead, caseload.PermCaseList)
		r = e.do("POST", "/v1/cases/import", caseimport.Template, "Authorization", "Bearer "+reader, "Content-Type", "text/csv").want(t, http.StatusForbidden)
		conform(t, doc, "POST", "/v1/cases/import", r)
	})
}

// countCases counts the cases of the working list.
func countCases(t *testing.T, e *apiEnv) int {
	t.Helper()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(e.do("GET", "/v1/cases", nil).want(t, http.StatusOK).Body, &page); err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}
