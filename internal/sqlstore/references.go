package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

// CasesByReference returns org's cases whose reference is one of refs,
// without spans and deadlines, in queries of up to 500 references on the
// (org, reference) index.
func (s *Store) CasesByReference(ctx context.Context, org string, refs []string) ([]caseload.Case, error) {
	var out []caseload.Case
	for len(refs) > 0 {
		part := refs[:min(500, len(refs))]
		refs = refs[len(part):]
		args := make([]any, 0, len(part)+1)
		args = append(args, org)
		marks := make([]string, len(part))
		for i, r := range part {
			args = append(args, r)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		rows, err := s.query(ctx, `SELECT id, org, reference, history, notes, created_us, updated_us, version,
				identity, passport_index, assignee, team, closed_us, household
			FROM cases WHERE org = $1 AND reference IN (`+strings.Join(marks, ",")+`) ORDER BY id`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: cases by reference: %w", err)
		}
		cs, err := scanCases(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// CreateNewCases stores cs as CreateCases does, unless a case of org has
// one of their references by then. The check and the inserts are one
// transaction under a lock of org's imports (PostgreSQL; SQLite's write
// transactions take turns anyway), so that of two imports of one file at
// once the second sees the first's cases.
func (s *Store) CreateNewCases(ctx context.Context, org string, cs []*caseload.Case, evs ...*audit.Entry) error {
	refs := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.Org != org {
			return fmt.Errorf("sqlstore: create new cases: case %s is not of %s", c.ID, org)
		}
		refs = append(refs, c.Reference)
	}
	err := s.inTx(ctx, "create new cases", func(tx *sql.Tx) error {
		if s.d.name == "postgres" {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4242003, hashtext($1))`, org); err != nil {
				return err
			}
		}
		for len(refs) > 0 {
			part := refs[:min(500, len(refs))]
			refs = refs[len(part):]
			args := make([]any, 0, len(part)+1)
			args = append(args, org)
			for _, r := range part {
				args = append(args, r)
			}
			var taken bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE org = $1 AND reference IN (`+inList(2, len(part))+`))`, args...).Scan(&taken)
			if err != nil {
				return err
			}
			if taken {
				return caseload.ErrReferenceTaken
			}
		}
		return s.createCases(ctx, tx, cs, evs)
	})
	if err == nil {
		s.knowRuleSets(cs)
	}
	return err
}
