package sqlstore

import (
	"context"
	"fmt"
	"strings"

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
				identity, passport_index, assignee, team, closed_us
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
