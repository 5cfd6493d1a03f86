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
// read older files.
const ExportFormat = "visaclock-export/1"

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
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, Errorf(EInvalid, te.Field, "not an export: wrong type %s", te.Value)
		}
		return nil, Errorf(EInvalid, "body", "not an export: %s", err.Error())
	}
	return &b, nil
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
	add := func(c *Case) error {
		ident, err := s.open(ctx, c.Org, c.ID, c.Sealed)
		if err != nil {
			return err
		}
		b.Cases = append(b.Cases, ExportCase{ID: c.ID, Reference: c.Reference, Notes: c.Notes, History: c.History, Identity: ident,
			Assignee: c.Assignee, Team: c.Team, Closed: c.Closed, Created: c.Created, Updated: c.Updated})
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
// under this organisation's key. It stores all of them or none: an id that
// is taken already, or a case that does not validate, refuses the import.
func (s *Service) Import(ctx context.Context, p Principal, b *Bundle) (int, error) {
	if !p.Can(PermCaseImport) {
		return 0, ErrForbidden
	}
	if b.Format != ExportFormat {
		return 0, Errorf(EInvalid, "format", "an export of format %q; this file says %q", ExportFormat, b.Format)
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
	cs := make([]*Case, 0, len(b.Cases))
	seen := map[string]bool{}
	for i, ec := range b.Cases {
		field := fmt.Sprintf("cases[%d]", i)
		if !ValidID(ec.ID, "c_") || seen[ec.ID] {
			return 0, Errorf(EInvalid, field+".id", "a case id as visaclock makes them, once per file")
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
		taken, err := s.Store.CaseIDTaken(ctx, id)
		if err != nil {
			return 0, err
		}
		if taken {
			id = NewID("c_")
		}
		c := &Case{ID: id, Org: p.Org, Reference: ec.Reference, Notes: ec.Notes, History: ec.History, Identity: ec.Identity,
			Team: ec.Team, Closed: ec.Closed, Created: ec.Created.UTC(), Updated: ec.Updated.UTC()}
		if known(ec.Assignee) {
			c.Assignee = ec.Assignee
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
	// One entry a case, so that each case's entry can be found
	// (VerifyAuditCoverage).
	evs := make([]*audit.Entry, len(cs))
	for i, c := range cs {
		evs[i] = s.event(p, actionCaseImport, c.ID, fmt.Sprintf("import=%d/%d", i+1, len(cs)))
	}
	if err := s.Store.CreateCases(ctx, cs, evs...); err != nil {
		return 0, err
	}
	return len(cs), nil
}
