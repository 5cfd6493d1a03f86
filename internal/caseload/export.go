package caseload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/stay"
)

// ExportFormat names the layout of an export, so that a later version can
// read older files. Version 2 added each case's household; as the decoder
// refuses fields it does not know, a reader of version 1 could not have
// read a file with one, so it is a new version rather than an optional
// field, and the older reader says which version the file is.
const ExportFormat = "visaclock-export/2"

// ExportFormatV1 is the layout before households, which Import still reads.
const ExportFormatV1 = "visaclock-export/1"

// Bundle is an export: cases with their identities in clear, to be
// encrypted (package archive) before it leaves the process.
type Bundle struct {
	Format   string       `json:"format"`
	Org      string       `json:"org"`
	Exported time.Time    `json:"exported"`
	Cases    []ExportCase `json:"cases"`
}

// ExportCase is one case as exported: everything needed to make it again.
type ExportCase struct {
	ID        string       `json:"id"`
	Reference string       `json:"reference"`
	Notes     string       `json:"notes,omitempty"`
	History   stay.History `json:"history"`
	Identity  *Identity    `json:"identity,omitempty"`
	Assignee  string       `json:"assignee,omitempty"`
	Team      string       `json:"team,omitempty"`
	Closed    time.Time    `json:"closed,omitzero"`
	Created   time.Time    `json:"created"`
	Updated   time.Time    `json:"updated"`
	// Household is the label of the case's household ("" for none), and
	// all a file says of it: the cases of one label are its members in the
	// file, and an import makes the household again under a new id. Its
	// other members, those not exported, are nowhere in the file.
	Household string `json:"household,omitempty"`
}

// Encode writes the bundle as an export file holds it (before encryption).
func (b *Bundle) Encode() ([]byte, error) { return json.Marshal(b) }

// DecodeBundle reads an export's JSON strictly: a field this version does
// not know is an error, so that nothing in a file is silently dropped.
func DecodeBundle(plain []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		// A file of a later format fails on the fields it added; the
		// format is the better answer.
		var head struct {
			Format string `json:"format"`
		}
		if json.Unmarshal(plain, &head) == nil && head.Format != "" && !knownFormat(head.Format) {
			return nil, formatError(head.Format)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body" // the whole file is of the wrong type
			}
			return nil, Errorf(EInvalid, field, "not an export: wrong type %s", te.Value)
		}
		return nil, Errorf(EInvalid, "body", "not an export: %s", err.Error())
	}
	return &b, nil
}

func knownFormat(f string) bool { return f == ExportFormat || f == ExportFormatV1 }

func formatError(got string) error {
	return Errorf(EInvalid, "format", "an export of format %q or %q; this file says %q", ExportFormat, ExportFormatV1, got)
}

// MaxExport bounds the cases in one export, which is held in memory.
const MaxExport = 200_000

// Export gathers the cases with ids (every case of p's organisation when
// ids is empty) into a bundle, and audits the export before returning it.
func (s *Service) Export(ctx context.Context, p Principal, ids []string) (*Bundle, error) {
	if !p.Can(PermCaseExport) {
		return nil, ErrForbidden
	}
	b := &Bundle{Format: ExportFormat, Org: p.Org, Exported: s.now()}
	var labels map[string]string // household id → label, read at the first member
	add := func(c *Case) error {
		ident, err := s.open(ctx, c.Org, c.ID, c.Sealed)
		if err != nil {
			return err
		}
		ec := ExportCase{ID: c.ID, Reference: c.Reference, Notes: c.Notes, History: c.History, Identity: ident,
			Assignee: c.Assignee, Team: c.Team, Closed: c.Closed, Created: c.Created, Updated: c.Updated}
		if c.Household != "" {
			if labels == nil {
				hs, err := s.Store.Households(ctx, p.Org, "", "")
				if err != nil {
					return err
				}
				labels = make(map[string]string, len(hs))
				for _, h := range hs {
					labels[h.ID] = h.Label
				}
			}
			ec.Household = labels[c.Household]
		}
		b.Cases = append(b.Cases, ec)
		return nil
	}
	if len(ids) == 0 {
		// Everything: what the principal reaches, a thousand cases a query.
		for after := ""; ; {
			page, err := s.Store.CasePage(ctx, p.Org, after, 1000)
			if err != nil {
				return nil, err
			}
			if len(page) == 0 {
				break
			}
			for i := range page {
				if p.Reaches(PermCaseExport, &page[i]) {
					if err := add(&page[i]); err != nil {
						return nil, err
					}
				}
			}
			if len(b.Cases) > MaxExport {
				return nil, Errorf(EInvalid, "ids", "more than %d cases; export them in parts", MaxExport)
			}
			after = page[len(page)-1].ID
		}
	}
	// Named cases: one out of reach is not found, whoever owns it.
	for _, id := range ids {
		c, err := s.Store.FindCase(ctx, p.Org, id)
		if err != nil {
			if ErrorCode(err) == ENotFound {
				return nil, Errorf(ENotFound, "ids", "no case %s", id)
			}
			return nil, err
		}
		if !p.Reaches(PermCaseExport, c) {
			return nil, Errorf(ENotFound, "ids", "no case %s", id)
		}
		if err := add(c); err != nil {
			return nil, err
		}
	}
	if err := s.Audit(ctx, p, "case.export", "", fmt.Sprintf("cases=%d", len(b.Cases))); err != nil {
		return nil, err
	}
	return b, nil
}

// Import stores a bundle's cases in p's organisation, keeping their ids,
// references, histories, identities and dates; identities are sealed again
// under this organisation's key. The cases of one household label are made
// members of a new household with that label, audited as household.create.
// It stores all of them or none: an id that is taken already, a case that
// does not validate, or a household label the organisation uses already
// refuses the import.
//
// A label in use is refused rather than joined: labels are chosen in each
// organisation, so "H-1" there and "H-1" here may well be two families,
// and joining would record one family's trips for the other. Renaming the
// household here first lets the file in.
func (s *Service) Import(ctx context.Context, p Principal, b *Bundle) (int, error) {
	if !p.Can(PermCaseImport) {
		return 0, ErrForbidden
	}
	if !knownFormat(b.Format) {
		return 0, formatError(b.Format)
	}
	if len(b.Cases) > MaxExport {
		return 0, Errorf(EInvalid, "cases", "at most %d cases in one import", MaxExport)
	}
	users, err := s.Store.Users(ctx, p.Org)
	if err != nil {
		return 0, err
	}
	known := func(id string) bool {
		return slices.ContainsFunc(users, func(u User) bool { return u.ID == id })
	}
	taken, err := s.takenLabels(ctx, p.Org, b)
	if err != nil {
		return 0, err
	}
	now := s.now()
	byLabel := map[string]*Household{}
	var hs []*Household
	cs := make([]*Case, 0, len(b.Cases))
	seen := map[string]bool{}
	for i, ec := range b.Cases {
		field := fmt.Sprintf("cases[%d]", i)
		if !ValidID(ec.ID, "c_") || seen[ec.ID] {
			return 0, Errorf(EInvalid, field+".id", "a case id as visaclock makes them, once per file")
		}
		h := byLabel[ec.Household]
		if ec.Household != "" && h == nil {
			if b.Format == ExportFormatV1 {
				return 0, Errorf(EInvalid, field+".household", "format %q has no households; a file with them says %q", ExportFormatV1, ExportFormat)
			}
			if err := checkLabel(ec.Household); err != nil {
				var e *Error
				if errors.As(err, &e) {
					named := *e
					named.Field = field + ".household"
					return 0, &named
				}
				return 0, err
			}
			if taken[ec.Household] {
				return 0, labelTaken(i, ec.Household)
			}
			h = &Household{ID: NewID("h_"), Org: p.Org, Label: ec.Household, Created: now, Updated: now, Version: 1}
			byLabel[ec.Household] = h
			hs = append(hs, h)
		}
		seen[ec.ID] = true
		if _, err := s.Store.FindCase(ctx, p.Org, ec.ID); err == nil {
			return 0, Errorf(EExists, field+".id", "case %s exists already; erase it first or import elsewhere", ec.ID)
		} else if ErrorCode(err) != ENotFound {
			return 0, err
		}
		id := ec.ID
		// Ids are unique on the server, not only in an organisation. A case
		// whose id another organisation holds (the same export imported into
		// a second organisation) gets a new id, which is all it learns.
		idTaken, err := s.Store.CaseIDTaken(ctx, id)
		if err != nil {
			return 0, err
		}
		if idTaken {
			id = NewID("c_")
		}
		c := &Case{ID: id, Org: p.Org, Reference: ec.Reference, Notes: ec.Notes, History: ec.History, Identity: ec.Identity,
			Team: ec.Team, Closed: ec.Closed, Created: ec.Created.UTC(), Updated: ec.Updated.UTC()}
		if known(ec.Assignee) {
			c.Assignee = ec.Assignee
		}
		if h != nil {
			c.Household = h.ID
		}
		if err := s.evaluate(ctx, c); err != nil {
			if e, ok := err.(*Error); ok {
				return 0, Errorf(e.Code, field+"."+e.Field, "%s", e.Msg)
			}
			return 0, err
		}
		if err := s.seal(ctx, c); err != nil {
			return 0, err
		}
		cs = append(cs, c)
	}
	// One entry a household, as CreateHousehold appends, then one a case,
	// so that each case's entry can be found (VerifyAuditCoverage).
	evs := make([]*audit.Entry, 0, len(hs)+len(cs))
	for _, h := range hs {
		evs = append(evs, s.event(p, "household.create", "", h.ID))
	}
	for i, c := range cs {
		evs = append(evs, s.event(p, actionCaseImport, c.ID, fmt.Sprintf("import=%d/%d", i+1, len(cs))))
	}
	if err := s.Store.CreateCasesInHouseholds(ctx, hs, cs, evs...); err != nil {
		if ErrorCode(err) == EExists && len(hs) > 0 {
			// A household labelled as one of the file's was made
			// meanwhile: name the case, as the check above would have.
			if taken, terr := s.takenLabels(ctx, p.Org, b); terr == nil {
				for i, ec := range b.Cases {
					if taken[ec.Household] {
						return 0, labelTaken(i, ec.Household)
					}
				}
			}
		}
		return 0, err
	}
	return len(cs), nil
}

// takenLabels returns which of the household labels of b's cases org uses
// already.
func (s *Service) takenLabels(ctx context.Context, org string, b *Bundle) (map[string]bool, error) {
	if !slices.ContainsFunc(b.Cases, func(ec ExportCase) bool { return ec.Household != "" }) {
		return nil, nil
	}
	hs, err := s.Store.Households(ctx, org, "", "")
	if err != nil {
		return nil, err
	}
	taken := make(map[string]bool, len(hs))
	for _, h := range hs {
		taken[h.Label] = true
	}
	return taken, nil
}

// labelTaken is the error for case i of a file, whose household label the
// importing organisation uses already.
func labelTaken(i int, label string) error {
	return &Error{Code: EExists, Field: fmt.Sprintf("cases[%d].household", i), Args: []any{label},
		Msg: fmt.Sprintf("this organisation has a household labelled %q already; rename it here, then import again", label)}
}
