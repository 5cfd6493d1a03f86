package caseimport

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"visaclock/internal/date"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

type level int

const (
	caseLevel level = iota
	grantLevel
	tripLevel
	extensionLevel
)

type kind int

const (
	textKind kind = iota
	dateKind
	intKind
	entriesKind
	outcomeKind
	filingKind
)

// Column is one column of the template.
type Column struct {
	Name     string
	level    level
	kind     kind
	field    string // the field path within its part ("exit", "identity.name")
	Required bool   // the header must have it
}

// Columns are the template's columns, in its order.
var Columns = []Column{
	{Name: "reference", level: caseLevel, field: "reference", Required: true},
	{Name: "rule", level: grantLevel, field: "rule", Required: true},
	{Name: "grant", level: grantLevel, field: "id"},
	{Name: "valid_from", level: grantLevel, kind: dateKind, field: "valid_from"},
	{Name: "valid_until", level: grantLevel, kind: dateKind, field: "valid_until"},
	{Name: "entries", level: grantLevel, kind: entriesKind, field: "entries"},
	{Name: "stay_days", level: grantLevel, kind: intKind, field: "stay_days"},
	{Name: "admit_until", level: grantLevel, kind: dateKind, field: "admit_until"},
	{Name: "nationality", level: grantLevel, field: "nationality"},
	{Name: "entry", level: tripLevel, kind: dateKind, field: "entry"},
	{Name: "exit", level: tripLevel, kind: dateKind, field: "exit"},
	{Name: "extension_filed", level: extensionLevel, kind: dateKind, field: "filed"},
	{Name: "extension_requested_days", level: extensionLevel, kind: intKind, field: "requested_days"},
	{Name: "extension_requested_months", level: extensionLevel, kind: intKind, field: "requested_months"},
	{Name: "extension_outcome", level: extensionLevel, kind: outcomeKind, field: "outcome"},
	{Name: "extension_decided", level: extensionLevel, kind: dateKind, field: "decided"},
	{Name: "extension_granted_days", level: extensionLevel, kind: intKind, field: "granted_days"},
	{Name: "extension_granted_months", level: extensionLevel, kind: intKind, field: "granted_months"},
	{Name: "extension_granted_until", level: extensionLevel, kind: dateKind, field: "granted_until"},
	{Name: "extension_filing", level: extensionLevel, kind: filingKind, field: "filing"},
	{Name: "extension_refusal_reason", level: extensionLevel, field: "refusal_reason"},
	{Name: "notes", level: caseLevel, field: "notes"},
	{Name: "name", level: caseLevel, field: "identity.name"},
	{Name: "birth_date", level: caseLevel, kind: dateKind, field: "identity.birth_date"},
	{Name: "person_nationality", level: caseLevel, field: "identity.nationality"},
	{Name: "passport", level: caseLevel, field: "identity.passport"},
	{Name: "contact", level: caseLevel, field: "identity.contact"},
}

func columnNames() string {
	names := make([]string, len(Columns))
	for i, c := range Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// headerName reads a header cell as the template names columns: any case,
// spaces or hyphens for underscores.
func headerName(s string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// parser turns a table's rows into cases.
type parser struct {
	t    *table
	f    *File
	cols []*Column // by position; nil for an unnamed column
	full bool      // MaxErrors reached
}

func (p *parser) fail(e *Error) {
	if p.full {
		return
	}
	if len(p.f.Errors) == MaxErrors {
		p.f.Errors = append(p.f.Errors, errorf(0, "", "sheet_too_many_errors", "more than %d errors: correct these and try again", MaxErrors))
		p.full = true
		return
	}
	p.f.Errors = append(p.f.Errors, e)
}

func parseRows(t *table, f *File) {
	p := &parser{t: t, f: f}
	if t.header == nil || blank(t.header) {
		p.fail(errorf(1, "", "sheet_empty", "line 1 has no column names: the first line names the columns (see the template)"))
		return
	}
	if !p.readHeader() {
		return
	}
	f.Rows = len(t.rows)
	if len(t.rows) == 0 {
		p.fail(errorf(2, "", "sheet_no_rows", "the file has column names and no rows to import"))
		return
	}
	// The rows of each reference, in the order references first appear.
	var order []string
	byRef := map[string][]vals{}
	for _, r := range t.rows {
		v, ok := p.values(r)
		if !ok {
			continue
		}
		ref := v.get("reference")
		if ref == "" {
			p.fail(errorf(r.line, "reference", "required", "required: every row names its case's reference"))
			continue
		}
		if _, seen := byRef[ref]; !seen {
			order = append(order, ref)
		}
		byRef[ref] = append(byRef[ref], v)
	}
	for _, ref := range order {
		if c := p.makeCase(ref, byRef[ref]); c != nil {
			f.Cases = append(f.Cases, c)
		}
	}
	Sort(f.Errors)
}

// Sort puts errors in the order of the file: by line, then by the
// template's order of columns; the note that errors were left out stays
// last.
func Sort(errs []*Error) {
	pos := func(e *Error) (int, int) {
		if e.Line == 0 {
			return math.MaxInt, 0
		}
		for i, c := range Columns {
			if c.Name == e.Column {
				return e.Line, i
			}
		}
		return e.Line, -1
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		la, ca := pos(a)
		lb, cb := pos(b)
		if la != lb {
			return cmp.Compare(la, lb)
		}
		return cmp.Compare(ca, cb)
	})
}

// readHeader reads line 1.
func (p *parser) readHeader() bool {
	p.cols = make([]*Column, len(p.t.header))
	seen := map[string]bool{}
	ok := true
	for i, h := range p.t.header {
		name := headerName(h)
		if name == "" {
			continue
		}
		var col *Column
		for j := range Columns {
			if Columns[j].Name == name {
				col = &Columns[j]
			}
		}
		switch {
		case col == nil:
			p.fail(errorf(1, strings.TrimSpace(h), "sheet_unknown_column", "%q is not a column of the template; accepted: %s", strings.TrimSpace(h), columnNames()))
			ok = false
		case seen[name]:
			p.fail(errorf(1, name, "sheet_duplicate_column", "%q is given twice: each column once", name))
			ok = false
		}
		seen[name] = true
		p.cols[i] = col
	}
	for _, c := range Columns {
		if c.Required && !seen[c.Name] {
			p.fail(errorf(1, "", "sheet_missing_column", "there is no %s column; the template's columns are: %s", c.Name, columnNames()))
			ok = false
		}
	}
	return ok
}

// vals are a row's values by column name, trimmed, empty ones left out.
type vals struct {
	line int
	m    map[string]string
}

func (v vals) get(name string) string { return v.m[name] }

func (p *parser) values(r row) (vals, bool) {
	v := vals{line: r.line, m: make(map[string]string, len(r.cells))}
	ok := true
	for i, c := range r.cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if i >= len(p.cols) || p.cols[i] == nil {
			name, _ := excelize.ColumnNumberToName(i + 1)
			p.fail(errorf(r.line, name, "sheet_no_header", "a value in a column with no name: name the column in line 1, or leave it empty"))
			ok = false
			continue
		}
		v.m[p.cols[i].Name] = c
	}
	return v, ok
}

// grantOf is one grant of a case as its rows give it.
type grantOf struct {
	key   string
	id    string // as given in the grant column, or made
	given map[string]vals
	line  int // its first row
}

// makeCase makes one case from its rows, or returns nil after failing.
func (p *parser) makeCase(ref string, rows []vals) *Case {
	before := len(p.f.Errors)
	c := &Case{Reference: ref, cells: map[string]cell{"reference": {rows[0].line, "reference"}}}
	caseGiven := map[string]vals{} // column → the row that gave it
	var grants []*grantOf
	byKey := map[string]*grantOf{}
	rowGrant := make([]*grantOf, len(rows))
	for i, v := range rows {
		c.Lines = append(c.Lines, v.line)
		for _, col := range Columns {
			if col.level != caseLevel || col.Name == "reference" {
				continue
			}
			if val := v.get(col.Name); val != "" {
				if prev, ok := caseGiven[col.Name]; ok && prev.get(col.Name) != val {
					p.fail(errorf(v.line, col.Name, "sheet_case_conflict", "%q differs from line %d: a case's %s is given once, or the same on each of its rows", val, prev.line, col.Name))
				} else if !ok {
					caseGiven[col.Name] = v
				}
			}
		}
		key := ""
		if id := v.get("grant"); id != "" {
			key = "id\x00" + id
		} else {
			var parts []string
			for _, col := range Columns {
				if col.level == grantLevel {
					parts = append(parts, v.get(col.Name))
				}
			}
			if !blank(parts) {
				key = "fields\x00" + strings.Join(parts, "\x00")
			}
		}
		if key == "" {
			continue
		}
		g := byKey[key]
		if g == nil {
			g = &grantOf{key: key, id: v.get("grant"), given: map[string]vals{}, line: v.line}
			byKey[key] = g
			grants = append(grants, g)
		}
		for _, col := range Columns {
			if col.level != grantLevel {
				continue
			}
			if val := v.get(col.Name); val != "" {
				if prev, ok := g.given[col.Name]; ok && prev.get(col.Name) != val {
					p.fail(errorf(v.line, col.Name, "sheet_grant_conflict", "%q differs from line %d for the same grant: give a grant's columns once, or the same on each of its rows", val, prev.line))
				} else if !ok {
					g.given[col.Name] = v
				}
			}
		}
		rowGrant[i] = g
	}
	if len(grants) == 0 {
		p.fail(errorf(rows[0].line, "rule", "sheet_no_grant", "no row of case %s gives a rule: name the regime (visaclock rules list) on its first row", ref))
		return nil
	}
	// Labels: those given, and g1, g2, … for the rest, skipping those given.
	used := map[string]bool{}
	for _, g := range grants {
		used[g.id] = g.id != ""
	}
	n := 0
	for _, g := range grants {
		for g.id == "" {
			n++
			if id := "g" + strconv.Itoa(n); !used[id] {
				g.id, used[id] = id, true
			}
		}
	}
	// Grants.
	for i, g := range grants {
		gr := stay.Grant{ID: g.id}
		path := fmt.Sprintf("grants[%d]", i)
		c.cells[path] = cell{g.line, "rule"}
		for _, col := range Columns {
			if col.level == grantLevel {
				c.cells[path+"."+col.field] = cell{g.line, col.Name}
			}
		}
		for name, v := range g.given {
			col := columnNamed(name)
			c.cells[path+"."+col.field] = cell{v.line, name}
			p.setGrant(&gr, col, v)
		}
		c.History.Grants = append(c.History.Grants, gr)
	}
	// Trips and extensions, under the row's grant, or the case's only one.
	for i, v := range rows {
		g := rowGrant[i]
		if g == nil {
			if hasLevel(v, tripLevel) || hasLevel(v, extensionLevel) {
				if len(grants) > 1 {
					p.fail(errorf(v.line, "grant", "sheet_which_grant", "case %s has %d grants: name this row's in the grant column", ref, len(grants)))
					continue
				}
				g = grants[0]
			}
		}
		if hasLevel(v, tripLevel) {
			path := fmt.Sprintf("trips[%d]", len(c.History.Trips))
			t := stay.Trip{Grant: g.id}
			c.cells[path] = cell{v.line, "entry"}
			c.cells[path+".exit"] = cell{v.line, "exit"}
			c.cells[path+".grant"] = cell{g.line, "grant"}
			if v.get("entry") == "" {
				p.fail(errorf(v.line, "exit", "sheet_exit_without_entry", "an exit needs its trip's entry on the same row"))
			}
			for _, name := range []string{"entry", "exit"} {
				if val := v.get(name); val != "" {
					c.cells[path+"."+name] = cell{v.line, name}
					d := p.date(v.line, name, val)
					if name == "entry" {
						t.Entry = d
					} else {
						t.Exit = d
					}
				}
			}
			c.History.Trips = append(c.History.Trips, t)
		}
		if hasLevel(v, extensionLevel) {
			path := fmt.Sprintf("extensions[%d]", len(c.History.Extensions))
			e := stay.Extension{Grant: g.id}
			c.cells[path] = cell{v.line, "extension_filed"}
			c.cells[path+".grant"] = cell{g.line, "grant"}
			for _, col := range Columns {
				if col.level == extensionLevel {
					c.cells[path+"."+col.field] = cell{v.line, col.Name}
					if v.get(col.Name) != "" {
						p.setExtension(&e, &col, v)
					}
				}
			}
			c.History.Extensions = append(c.History.Extensions, e)
		}
	}
	// The case's own columns.
	for name, v := range caseGiven {
		col := columnNamed(name)
		val := v.get(name)
		c.cells[col.field] = cell{v.line, name}
		switch name {
		case "notes":
			c.Notes = val
		case "name":
			c.Identity.Name = val
		case "birth_date":
			c.Identity.BirthDate = p.date(v.line, name, val)
		case "person_nationality":
			c.Identity.Nationality = val
		case "passport":
			c.Identity.Passport = val
		case "contact":
			c.Identity.Contact = val
		}
	}
	if len(p.f.Errors) > before {
		return nil
	}
	return c
}

func columnNamed(name string) *Column {
	for i := range Columns {
		if Columns[i].Name == name {
			return &Columns[i]
		}
	}
	panic("caseimport: no column " + name)
}

func hasLevel(v vals, l level) bool {
	for _, col := range Columns {
		if col.level == l && v.get(col.Name) != "" {
			return true
		}
	}
	return false
}

func (p *parser) setGrant(g *stay.Grant, col *Column, v vals) {
	val := v.get(col.Name)
	switch col.Name {
	case "rule":
		g.Rule = val
	case "nationality":
		g.Nationality = val
	case "valid_from":
		g.ValidFrom = p.date(v.line, col.Name, val)
	case "valid_until":
		g.ValidUntil = p.date(v.line, col.Name, val)
	case "admit_until":
		g.AdmitUntil = p.date(v.line, col.Name, val)
	case "stay_days":
		g.StayDays = p.int(v.line, col.Name, val)
	case "entries":
		if strings.EqualFold(val, "multiple") {
			g.Entries = rules.Multiple
		} else if n, ok := p.whole(val); ok && n >= 1 {
			g.Entries = rules.Count(n)
		} else {
			p.fail(errorf(v.line, col.Name, "sheet_bad_entries", "%q is not a number of entries: a whole number from 1, or multiple", val))
		}
	}
}

func (p *parser) setExtension(e *stay.Extension, col *Column, v vals) {
	val := v.get(col.Name)
	switch col.field {
	case "filed":
		e.Filed = p.date(v.line, col.Name, val)
	case "decided":
		e.Decided = p.date(v.line, col.Name, val)
	case "granted_until":
		e.GrantedUntil = p.date(v.line, col.Name, val)
	case "requested_days":
		e.RequestedDays = p.int(v.line, col.Name, val)
	case "requested_months":
		e.RequestedMonths = p.int(v.line, col.Name, val)
	case "granted_days":
		e.GrantedDays = p.int(v.line, col.Name, val)
	case "granted_months":
		e.GrantedMonths = p.int(v.line, col.Name, val)
	case "refusal_reason":
		e.RefusalReason = val
	case "outcome":
		if err := e.Outcome.UnmarshalText([]byte(strings.ToLower(val))); err != nil {
			p.fail(errorf(v.line, col.Name, "sheet_bad_choice", "%q is not accepted here: one of %s", val, "pending, granted, refused"))
		}
	case "filing":
		if err := e.Filing.UnmarshalText([]byte(strings.ToLower(val))); err != nil {
			p.fail(errorf(v.line, col.Name, "sheet_bad_choice", "%q is not accepted here: one of %s", val, "paper, electronic"))
		}
	}
}

// date reads YYYY-MM-DD, or in a workbook a date cell.
func (p *parser) date(line int, column, s string) date.Date {
	if d, err := date.Parse(s); err == nil {
		return d
	}
	if p.t.xlsx {
		// A date cell: its serial day number, or an ISO date-time.
		if day, _, ok := strings.Cut(s, "T"); ok && len(day) == 10 {
			if d, err := date.Parse(day); err == nil {
				rest := strings.TrimSuffix(strings.TrimSuffix(s[11:], "Z"), ".000")
				if rest == "00:00:00" {
					return d
				}
				p.fail(errorf(line, column, "sheet_date_time", "%q has a time of day: give the date alone", s))
				return 0
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 61 && f < 2958466 {
			if f != math.Trunc(f) {
				p.fail(errorf(line, column, "sheet_date_time", "%q has a time of day: give the date alone", s))
				return 0
			}
			// Day 1 is 1900-01-01 and day 60 the 29 February 1900 that
			// was not; from day 61 on, days count from 1899-12-30. The
			// 1904 system counts from 1904-01-01.
			if p.t.date1904 {
				return date.MustOf(1904, 1, 1).AddDays(int(f))
			}
			return date.MustOf(1899, 12, 30).AddDays(int(f))
		}
	}
	p.fail(errorf(line, column, "sheet_bad_date", "%q is not a date: write it as YYYY-MM-DD, such as 2026-03-05", s))
	return 0
}

// whole reads a whole number; a workbook's number cell may hold it as
// 30.0.
func (p *parser) whole(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && !strings.HasPrefix(s, "+") {
		return n, true
	}
	if p.t.xlsx {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e9 {
			return int(f), true
		}
	}
	return 0, false
}

func (p *parser) int(line int, column, s string) int {
	n, ok := p.whole(s)
	if !ok {
		p.fail(errorf(line, column, "sheet_bad_number", "%q is not a whole number: write digits alone, such as 30", s))
	}
	return n
}
