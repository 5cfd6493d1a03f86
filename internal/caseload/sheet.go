package caseload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"visaclock/internal/audit"
	"visaclock/internal/caseimport"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Actions of a spreadsheet's case.
const (
	SheetCreate    = "create"    // a new case
	SheetUnchanged = "unchanged" // a case with its reference exists, as the rows give it
)

// SheetCase is what an import does with the rows of one reference.
type SheetCase struct {
	Reference string
	Lines     []int
	Action    string
	// ID is the case created, or the one found unchanged; empty in a dry
	// run's new cases.
	ID string
	// The case's state today, as it would be stored.
	State           stay.State
	AuthorizedUntil date.Date
	Grants, Trips   int
	Extensions      int
	Identity        bool
}

// SheetReport is the outcome of an import, or of a dry run: each case,
// or the errors that refuse the file.
type SheetReport struct {
	DryRun    bool
	Rows      int
	Cases     []SheetCase
	Created   int
	Unchanged int
	// Errors refuse the file whole: nothing was stored.
	Errors []*caseimport.Error
}

// ImportSheet imports a spreadsheet's cases for p, as Create makes each
// (assigned, evaluated, sealed), all in one transaction, or, in a dry
// run, says what it would do. A case is known by its organisation and
// reference: rows whose reference exists already, giving the same history,
// notes and identity, are left alone ("unchanged"), so that importing a
// file again creates nothing; rows that give something else for an
// existing reference refuse the file, as does a reference p cannot reach.
// Any error refuses the whole file: the report lists every one, each with
// its line and column, and nothing is stored. An import that finds, as it
// stores, that another one stored some of its references meanwhile starts
// again, and then finds those cases there.
func (s *Service) ImportSheet(ctx context.Context, p Principal, f *caseimport.File, dryRun bool) (*SheetReport, error) {
	for attempt := 0; ; attempt++ {
		r, err := s.importSheet(ctx, p, f, dryRun)
		if errors.Is(err, ErrReferenceTaken) && attempt < 3 {
			continue
		}
		return r, err
	}
}

func (s *Service) importSheet(ctx context.Context, p Principal, f *caseimport.File, dryRun bool) (*SheetReport, error) {
	if !p.Can(PermCaseCreate) {
		return nil, ErrForbidden
	}
	r := &SheetReport{DryRun: dryRun, Rows: f.Rows, Errors: slices.Clone(f.Errors)}
	fail := func(sc *caseimport.Case, err error) error {
		var e *Error
		if !errors.As(err, &e) || (e.Code != EInvalid && e.Code != EExists) {
			return err
		}
		line, col := sc.Locate(e.Field)
		r.Errors = append(r.Errors, &caseimport.Error{Line: line, Column: col, Reason: e.Reason, Args: e.Args, Msg: e.Msg})
		return nil
	}
	if len(r.Errors) > caseimport.MaxErrors {
		return r, nil // reading stopped: the rest waits for these to be corrected
	}
	refs := make([]string, len(f.Cases))
	for i, sc := range f.Cases {
		refs[i] = sc.Reference
	}
	found, err := s.Store.CasesByReference(ctx, p.Org, refs)
	if err != nil {
		return nil, err
	}
	existing := map[string][]*Case{}
	for i := range found {
		existing[found[i].Reference] = append(existing[found[i].Reference], &found[i])
	}
	now := s.now()
	var create []*Case
	var from []*caseimport.Case // the rows of each case in create
	for _, sc := range f.Cases {
		c := &Case{Org: p.Org, Reference: sc.Reference, Notes: sc.Notes, History: sc.History, Assignee: p.User, Team: p.Team,
			Created: now, Updated: now}
		if id := sc.Identity; id != (caseimport.Identity{}) {
			c.Identity = &Identity{Name: id.Name, BirthDate: id.BirthDate, Nationality: id.Nationality, Passport: id.Passport, Contact: id.Contact}
		}
		if same, err := s.sameAs(ctx, p, c, existing[sc.Reference]); err != nil {
			if err := fail(sc, err); err != nil {
				return nil, err
			}
			continue
		} else if same != nil {
			r.Cases = append(r.Cases, sheetCase(sc, same, SheetUnchanged))
			r.Unchanged++
			continue
		}
		c.ID = NewID("c_")
		create = append(create, c)
		from = append(from, sc)
	}
	for i, err := range s.prepareAll(ctx, create, !dryRun && len(r.Errors) == 0) {
		if err != nil {
			if err := fail(from[i], err); err != nil {
				return nil, err
			}
		}
	}
	if len(r.Errors) > 0 {
		caseimport.Sort(r.Errors)
		r.Cases, r.Unchanged = nil, 0
		return r, nil
	}
	for i, c := range create {
		sc := sheetCase(from[i], c, SheetCreate)
		if dryRun {
			sc.ID = ""
		}
		r.Cases = append(r.Cases, sc)
	}
	r.Created = len(create)
	// The preview lists cases in the order of the file.
	slices.SortStableFunc(r.Cases, func(a, b SheetCase) int { return a.Lines[0] - b.Lines[0] })
	if dryRun || len(create) == 0 {
		return r, nil
	}
	evs := make([]*audit.Entry, 0, len(create)+1)
	for _, c := range create {
		evs = append(evs, s.event(p, "case.create", c.ID, "sheet"))
	}
	evs = append(evs, s.event(p, "case.import", "", fmt.Sprintf("sheet rows=%d cases=%d unchanged=%d", r.Rows, r.Created, r.Unchanged)))
	if err := s.Store.CreateNewCases(ctx, p.Org, create, evs...); err != nil {
		return nil, err
	}
	return r, nil
}

// sameAs returns the existing case with c's reference that has c's
// history, notes and identity, nil if there is none with the reference,
// or an error if those there differ or are out of p's reach.
func (s *Service) sameAs(ctx context.Context, p Principal, c *Case, there []*Case) (*Case, error) {
	if len(there) == 0 {
		return nil, nil
	}
	want, err := json.Marshal(&c.History)
	if err != nil {
		return nil, err
	}
	reached := false
	for _, e := range there {
		if !p.Reaches(PermCaseRead, e) {
			continue
		}
		reached = true
		got, err := json.Marshal(&e.History)
		if err != nil {
			return nil, err
		}
		if string(got) != string(want) || e.Notes != c.Notes {
			continue
		}
		ident, err := s.open(ctx, e.Org, e.ID, e.Sealed)
		if err != nil {
			return nil, err
		}
		if ident.Empty() && c.Identity.Empty() || !ident.Empty() && !c.Identity.Empty() && *ident == *c.Identity {
			return e, nil
		}
	}
	if !reached {
		return nil, &Error{Code: EExists, Field: "reference", Reason: "sheet_reference_taken", Args: []any{c.Reference},
			Msg: fmt.Sprintf("a case with reference %s exists that you cannot reach: give these rows another reference", c.Reference)}
	}
	return nil, &Error{Code: EExists, Field: "reference", Reason: "sheet_exists_differs", Args: []any{c.Reference},
		Msg: fmt.Sprintf("a case with reference %s exists and differs from these rows: change it on its page, or give these rows another reference", c.Reference)}
}

func sheetCase(sc *caseimport.Case, c *Case, action string) SheetCase {
	return SheetCase{Reference: sc.Reference, Lines: sc.Lines, Action: action, ID: c.ID, State: c.Summary.State,
		AuthorizedUntil: c.Summary.AuthorizedUntil, Grants: len(sc.History.Grants), Trips: len(sc.History.Trips),
		Extensions: len(sc.History.Extensions), Identity: sc.Identity != (caseimport.Identity{})}
}
