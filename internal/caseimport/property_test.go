package caseimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
	"pgregory.net/rapid"

	"visaclock/internal/date"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

// genCase draws a case as the template can hold it: grants labelled,
// every trip and extension under one, an identity in part or not at all.
func genCase(t *rapid.T, ref string) *Case {
	day := func(label string) date.Date {
		return date.MustParse("2020-01-01").AddDays(rapid.IntRange(0, 3000).Draw(t, label))
	}
	opt := func(label string, f func() date.Date) date.Date {
		if rapid.Bool().Draw(t, label+"?") {
			return f()
		}
		return 0
	}
	c := &Case{Reference: ref}
	ng := rapid.IntRange(1, 3).Draw(t, "grants")
	for i := range ng {
		g := stay.Grant{ID: "v" + strconv.Itoa(i), Rule: rapid.SampledFrom([]string{"cn-family-visit", "us-visitor", "x y"}).Draw(t, "rule"),
			StayDays: rapid.IntRange(0, 400).Draw(t, "days"), Nationality: rapid.SampledFrom([]string{"", "FRA"}).Draw(t, "nat"),
			ValidFrom: opt("from", func() date.Date { return day("from") }), AdmitUntil: opt("admit", func() date.Date { return day("admit") }),
			Entries: rules.Count(rapid.SampledFrom([]int{0, 1, 2, -1}).Draw(t, "entries"))}
		c.History.Grants = append(c.History.Grants, g)
	}
	nt := rapid.IntRange(0, 4).Draw(t, "trips")
	for range nt {
		g := c.History.Grants[rapid.IntRange(0, ng-1).Draw(t, "tg")].ID
		c.History.Trips = append(c.History.Trips, stay.Trip{Entry: day("entry"), Exit: opt("exit", func() date.Date { return day("exit") }), Grant: g})
	}
	ne := rapid.IntRange(0, 2).Draw(t, "extensions")
	for range ne {
		g := c.History.Grants[rapid.IntRange(0, ng-1).Draw(t, "eg")].ID
		c.History.Extensions = append(c.History.Extensions, stay.Extension{Grant: g, Filed: day("filed"),
			Outcome:       rapid.SampledFrom([]stay.Outcome{"", stay.Pending, stay.Granted}).Draw(t, "outcome"),
			RequestedDays: rapid.IntRange(0, 90).Draw(t, "req"), Decided: opt("decided", func() date.Date { return day("decided") }),
			Filing: rapid.SampledFrom([]stay.Filing{"", stay.Paper}).Draw(t, "filing")})
	}
	c.Notes = rapid.SampledFrom([]string{"", "a note", "two\nlines, \"quoted\""}).Draw(t, "notes")
	c.Identity = Identity{Name: rapid.SampledFrom([]string{"", "김 선희", "Ri Chun-hui"}).Draw(t, "name"),
		BirthDate: opt("born", func() date.Date { return day("born") }), Passport: rapid.SampledFrom([]string{"", "P1234567"}).Draw(t, "passport")}
	return c
}

func str(d date.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func num(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// rowsOf writes a case as the template's rows: a row a trip, then a row an
// extension, the grant's columns on its first row only, a grant used by
// no trip or extension on a row of its own, the case's columns on the
// first row.
func rowsOf(c *Case) [][]string {
	idx := map[string]int{}
	for i, col := range Columns {
		idx[col.Name] = i
	}
	var rows [][]string
	shown := map[string]bool{}
	newRow := func(grant string) []string {
		r := make([]string, len(Columns))
		r[idx["reference"]] = c.Reference
		r[idx["grant"]] = grant
		if !shown[grant] {
			shown[grant] = true
			for _, g := range c.History.Grants {
				if g.ID == grant {
					r[idx["rule"]], r[idx["stay_days"]], r[idx["nationality"]] = g.Rule, num(g.StayDays), g.Nationality
					r[idx["valid_from"]], r[idx["admit_until"]] = str(g.ValidFrom), str(g.AdmitUntil)
					switch g.Entries {
					case rules.Multiple:
						r[idx["entries"]] = "multiple"
					case 0:
					default:
						r[idx["entries"]] = strconv.Itoa(int(g.Entries))
					}
				}
			}
		}
		if len(rows) == 0 {
			r[idx["notes"]], r[idx["name"]], r[idx["birth_date"]], r[idx["passport"]] = c.Notes, c.Identity.Name, str(c.Identity.BirthDate), c.Identity.Passport
		}
		return r
	}
	for _, t := range c.History.Trips {
		r := newRow(t.Grant)
		r[idx["entry"]], r[idx["exit"]] = str(t.Entry), str(t.Exit)
		rows = append(rows, r)
	}
	for _, e := range c.History.Extensions {
		r := newRow(e.Grant)
		r[idx["extension_filed"]], r[idx["extension_outcome"]], r[idx["extension_requested_days"]] = str(e.Filed), string(e.Outcome), num(e.RequestedDays)
		r[idx["extension_decided"]], r[idx["extension_filing"]] = str(e.Decided), string(e.Filing)
		rows = append(rows, r)
	}
	for _, g := range c.History.Grants {
		if !shown[g.ID] {
			rows = append(rows, newRow(g.ID))
		}
	}
	return rows
}

func header() []string {
	var h []string
	for _, c := range Columns {
		h = append(h, c.Name)
	}
	return h
}

// TestRoundTrip: cases written as the template's rows, in CSV and in
// XLSX, read back as the same cases, and their rows' lines are where they
// were written.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "cases")
		var cases []*Case
		all := [][]string{header()}
		for i := range n {
			c := genCase(t, fmt.Sprintf("R-%d", i))
			cases = append(cases, c)
			rows := rowsOf(c)
			// A case's grants are read in the order its rows first name them.
			var grants []stay.Grant
			for _, r := range rows {
				for _, g := range c.History.Grants {
					if g.ID == r[2] && !slices.ContainsFunc(grants, func(h stay.Grant) bool { return h.ID == g.ID }) {
						grants = append(grants, g)
					}
				}
			}
			c.History.Grants = grants
			all = append(all, rows...)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.WriteAll(all)
		x := excelize.NewFile()
		sh := x.GetSheetName(0)
		for i, r := range all {
			cellName, _ := excelize.CoordinatesToCellName(1, i+1)
			row := make([]any, len(r))
			for j, v := range r {
				row[j] = v
			}
			if err := x.SetSheetRow(sh, cellName, &row); err != nil {
				t.Fatal(err)
			}
		}
		var xb bytes.Buffer
		if err := x.Write(&xb); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"csv": buf.Bytes(), "xlsx": xb.Bytes()} {
			f := Read(data)
			if len(f.Errors) > 0 {
				t.Fatalf("%s: %v", name, f.Errors[0])
			}
			if len(f.Cases) != len(cases) || f.Rows != len(all)-1 {
				t.Fatalf("%s: %d cases from %d rows, want %d from %d", name, len(f.Cases), f.Rows, len(cases), len(all)-1)
			}
			line := 2
			for i, c := range cases {
				got := f.Cases[i]
				if got.History.String() != c.History.String() || got.Identity != c.Identity || got.Notes != c.Notes || got.Reference != c.Reference {
					t.Fatalf("%s case %d:\n got %s %+v %q\nwant %s %+v %q", name, i, got.History.String(), got.Identity, got.Notes, c.History.String(), c.Identity, c.Notes)
				}
				if got.Lines[0] != line {
					t.Fatalf("%s case %d starts at line %d, want %d", name, i, got.Lines[0], line)
				}
				line += len(got.Lines)
			}
		}
	})
}

// FuzzRead: no input makes Read panic or hang; what it reads it reads
// either as cases or as errors that each name a line (or the whole file),
// and each case's rows are lines of the file.
func FuzzRead(f *testing.F) {
	f.Add(Template)
	f.Add([]byte("reference;rule;entry\nA;cn-family-visit;2026-01-01\n"))
	f.Add([]byte("reference,rule,entry,exit\n\"A\n\",x,2026-01-01,2026-01-01\n\n,,\n"))
	f.Add([]byte("\xef\xbb\xbfreference,rule,grant,entry\nA,r,g,1\nA,,g,\nA,s,g\n"))
	f.Add([]byte("PK\x03\x04"))
	// A workbook: the template's first rows, a date cell among them.
	x := excelize.NewFile()
	sh := x.GetSheetName(0)
	x.SetSheetRow(sh, "A1", &[]any{"reference", "rule", "stay_days", "entry", "exit"})
	x.SetSheetRow(sh, "A2", &[]any{"A", "cn-family-visit", 60, 46027, "2026-02-01"})
	var xb bytes.Buffer
	x.Write(&xb)
	f.Add(xb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		file := Read(data)
		if len(file.Errors) > 0 && len(file.Errors) > MaxErrors+1 {
			t.Fatalf("%d errors", len(file.Errors))
		}
		for _, e := range file.Errors {
			if e.Reason == "" || e.Msg == "" || e.Line < 0 {
				t.Fatalf("an error without reason, message or line: %+v", e)
			}
		}
		for _, c := range file.Cases {
			if c.Reference == "" || len(c.Lines) == 0 || c.Lines[0] < 2 || len(c.History.Grants) == 0 {
				t.Fatalf("a case without reference, rows or grants: %+v", c)
			}
			for _, path := range []string{"reference", "history.trips[0].exit", "history.grants[0]", "history.extensions[9].x", "nothing"} {
				if line, _ := c.Locate(path); line < 2 {
					t.Fatalf("Locate(%q) = line %d", path, line)
				}
			}
		}
	})
}
