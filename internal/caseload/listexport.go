package caseload

import (
	"context"
	"fmt"
)

// ListRow is one row of an exported working list.
type ListRow struct {
	ListItem
	// Identity is the person in clear, only in an export asked for with
	// identities; nil otherwise, and nil when the case has none.
	Identity *Identity
}

// MaxListExport bounds the rows of one exported list, which is held in
// memory so that the audit entry can name its count before any row leaves.
const MaxListExport = 100_000

// ExportList returns the whole of p's working list for f, every page of
// it (f.Limit and f.Cursor are ignored), for a file to take away. A list of
// people and their deadlines leaving the service is what the audit log is
// for: every export appends one case.list_export entry naming how many rows
// it had and whether they carried identities, never which cases or who.
//
// With identities, each row carries its identity in clear. That needs
// identity.reveal reaching every case the list may hold, that is, at least
// as far as p's case.list does; a principal whose list reaches further than
// their reveal is refused, not given a file with some identities missing.
func (s *Service) ExportList(ctx context.Context, p Principal, f Filter, identities bool) ([]ListRow, error) {
	assignee, team, ok := p.ListScope(PermCaseList)
	if !ok {
		return nil, ErrForbidden
	}
	if identities && !p.RevealsList() {
		return nil, Errorf(EForbidden, "identities", "your role or token may not see the identities of every case in your list; export it without them")
	}
	f.Assignee, f.Team, f.Limit, f.Cursor = assignee, team, 500, ""
	var rows []ListRow
	for {
		items, next, err := s.Store.FindCases(ctx, p.Org, f)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			r := ListRow{ListItem: it}
			r.Stale = !s.fresh(ctx, it.Rules)
			if identities {
				if r.Identity, err = s.open(ctx, p.Org, it.ID, it.Sealed); err != nil {
					return nil, err
				}
			}
			r.Sealed = nil
			rows = append(rows, r)
		}
		if len(rows) > MaxListExport {
			return nil, Errorf(EInvalid, "state", "more than %d cases; export the list in parts, by state or due_within", MaxListExport)
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if err := s.Audit(ctx, p, "case.list_export", "", fmt.Sprintf("rows=%d identities=%t", len(rows), identities)); err != nil {
		return nil, err
	}
	return rows, nil
}

// RevealsList reports whether p's identity.reveal reaches every case p's
// working list may hold, so that an export of the list may carry
// identities.
func (p Principal) RevealsList() bool {
	list := p.Scope(PermCaseList)
	return list != ScopeNone && p.Scope(PermIdentityReveal) >= list
}
