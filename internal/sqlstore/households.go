package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
)

// Membership is the column cases.household: the lists read it from the
// case row they join anyway, and re-evaluation, which writes only a case's
// summary, digest and spans, never touches it. A case's spans do not
// repeat it, as they repeat the assignee and team for the scope of a list,
// since no list is scanned by household.

func errLabelTaken() error {
	return caseload.Errorf(caseload.EExists, "label", "this organisation has a household with this label already")
}

// CreateHousehold stores h and makes the cases members, in one transaction.
func (s *Store) CreateHousehold(ctx context.Context, h *caseload.Household, members []*caseload.Case, ev *audit.Entry) error {
	err := s.inTx(ctx, "create household", func(tx *sql.Tx) error {
		if err := insertHousehold(ctx, tx, h); err != nil {
			return err
		}
		for _, c := range members {
			if err := s.setHousehold(ctx, tx, c, h.ID); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, ev)
	})
	if err == nil {
		for _, c := range members {
			c.Household = h.ID
			c.Version++
		}
	}
	return err
}

// insertHousehold stores h in tx.
func insertHousehold(ctx context.Context, tx *sql.Tx, h *caseload.Household) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO households (id, org, label, created_us, updated_us, version) VALUES ($1, $2, $3, $4, $5, $6)`,
		h.ID, h.Org, h.Label, h.Created.UnixMicro(), h.Updated.UnixMicro(), h.Version); err != nil {
		if isUnique(err) {
			return errLabelTaken()
		}
		return err
	}
	return nil
}

// CreateCasesInHouseholds stores the households hs, then the cases cs as
// CreateCases does, in one transaction: an import's households and their
// members land together or not at all. Its transaction is named as
// CreateCases's, "create cases".
func (s *Store) CreateCasesInHouseholds(ctx context.Context, hs []*caseload.Household, cs []*caseload.Case, evs ...*audit.Entry) error {
	err := s.inTx(ctx, "create cases", func(tx *sql.Tx) error {
		for _, h := range hs {
			if err := insertHousehold(ctx, tx, h); err != nil {
				return err
			}
		}
		return s.createCases(ctx, tx, cs, evs)
	})
	if err == nil {
		s.knowRuleSets(cs)
	}
	return err
}

// householdsExist checks in tx that every household the cases name is one
// of their organisation's, 500 a query. On PostgreSQL it locks them for
// share, so that a DeleteHousehold committing meanwhile waits, and then
// takes the new members out as it does the others, rather than leaving
// them in a household that is gone.
func (s *Store) householdsExist(ctx context.Context, tx *sql.Tx, cs []*caseload.Case) error {
	seen := map[[2]string]bool{}
	var orgs []string
	byOrg := map[string][]string{}
	for _, c := range cs {
		if c.Household == "" || seen[[2]string{c.Org, c.Household}] {
			continue
		}
		seen[[2]string{c.Org, c.Household}] = true
		if byOrg[c.Org] == nil {
			orgs = append(orgs, c.Org)
		}
		byOrg[c.Org] = append(byOrg[c.Org], c.Household)
	}
	lock := ""
	if s.d.name == "postgres" {
		lock = " FOR SHARE"
	}
	for _, org := range orgs {
		for ids := byOrg[org]; len(ids) > 0; {
			part := ids[:min(500, len(ids))]
			ids = ids[len(part):]
			args := make([]any, 0, len(part)+1)
			args = append(args, org)
			for _, id := range part {
				args = append(args, id)
			}
			rows, err := tx.QueryContext(ctx, `SELECT id FROM households WHERE org = $1 AND id IN (`+inList(2, len(part))+`)`+lock, args...)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				n++
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return err
			}
			if n != len(part) {
				return caseload.ErrNoHousehold
			}
		}
	}
	return nil
}

// setHousehold makes c, at c.Version, a member of household in tx.
func (s *Store) setHousehold(ctx context.Context, tx *sql.Tx, c *caseload.Case, household string) error {
	res, err := tx.ExecContext(ctx, `UPDATE cases SET household = $1, version = version + 1 WHERE org = $2 AND id = $3 AND version = $4`,
		household, c.Org, c.ID, c.Version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return s.missingOrConflict(ctx, tx, c.Org, c.ID)
	}
	return nil
}

// SetHousehold makes c, if still at c.Version, a member of household ("" for
// none), which must exist in c's organisation.
func (s *Store) SetHousehold(ctx context.Context, c *caseload.Case, household string, ev *audit.Entry) error {
	err := s.inTx(ctx, "set household", func(tx *sql.Tx) error {
		if household != "" {
			// The household's row is locked so that a DeleteHousehold
			// committing meanwhile cannot leave the case in a household
			// that is gone; SQLite runs one writer at a time anyway.
			lock := ""
			if s.d.name == "postgres" {
				lock = " FOR UPDATE"
			}
			var id string
			err := tx.QueryRowContext(ctx, `SELECT id FROM households WHERE org = $1 AND id = $2`+lock, c.Org, household).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return caseload.ErrNoHousehold
			}
			if err != nil {
				return err
			}
		}
		if err := s.setHousehold(ctx, tx, c, household); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
	if err == nil {
		c.Household = household
		c.Version++
	}
	return err
}

// FindHousehold returns the household with id in org, without members.
func (s *Store) FindHousehold(ctx context.Context, org, id string) (*caseload.Household, error) {
	h := &caseload.Household{}
	var created, updated int64
	err := s.queryRow(ctx, `SELECT id, org, label, created_us, updated_us, version FROM households WHERE org = $1 AND id = $2`, []any{org, id},
		&h.ID, &h.Org, &h.Label, &created, &updated, &h.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.ErrNoHousehold
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find household: %w", err)
	}
	h.Created, h.Updated = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return h, nil
}

// HouseholdMembers lists the members of household id in reference order,
// with their state on the day on.
func (s *Store) HouseholdMembers(ctx context.Context, org, id string, on date.Date) ([]caseload.Member, error) {
	rows, err := s.query(ctx, `SELECT c.id, c.reference, s.state_rank, s.sort_day, s.authorized_until, s.deadline, s.deadline_kind,
			c.version, c.identity, c.rules_digest, c.assignee, c.team, c.household, h.label
		FROM cases c JOIN households h ON h.org = c.org AND h.id = c.household
		JOIN case_segments s ON s.case_id = c.id AND s.from_day <= $3 AND s.until_day >= $3
		WHERE c.org = $1 AND c.household = $2
		ORDER BY c.reference, c.id`, org, id, int64(on))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: household members: %w", err)
	}
	defer rows.Close()
	var out []caseload.Member
	for rows.Next() {
		var m caseload.Member
		var rank int
		var sd, au, dl int64
		if err := rows.Scan(&m.ID, &m.Reference, &rank, &sd, &au, &dl, &m.DeadlineKind, &m.Version, &m.Sealed, &m.Rules,
			&m.Assignee, &m.Team, &m.Household, &m.HouseholdLabel); err != nil {
			return nil, fmt.Errorf("sqlstore: household members: %w", err)
		}
		m.State, m.AuthorizedUntil, m.Deadline = rankState[rank], date.Date(au), date.Date(dl)
		if rank <= 1 {
			m.Since = date.Date(sd)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Households lists org's households by label; with assignee or team set,
// only those with a member in that scope.
func (s *Store) Households(ctx context.Context, org, assignee, team string) ([]caseload.Household, error) {
	q := `SELECT h.id, h.org, h.label, h.created_us, h.updated_us, h.version FROM households h WHERE h.org = $1`
	extra, args := scopeSQL("c", 2, assignee, team)
	if extra != "" {
		q += ` AND EXISTS (SELECT 1 FROM cases c WHERE c.org = h.org AND c.household = h.id` + extra + `)`
	}
	rows, err := s.query(ctx, q+` ORDER BY h.label, h.id`, append([]any{org}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: households: %w", err)
	}
	defer rows.Close()
	var out []caseload.Household
	for rows.Next() {
		var h caseload.Household
		var created, updated int64
		if err := rows.Scan(&h.ID, &h.Org, &h.Label, &created, &updated, &h.Version); err != nil {
			return nil, fmt.Errorf("sqlstore: households: %w", err)
		}
		h.Created, h.Updated = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// householdGone tells a missing household from a changed one.
func householdGone(ctx context.Context, tx *sql.Tx, org, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE org = $1 AND id = $2`, org, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return caseload.ErrNoHousehold
	}
	return caseload.ErrConflict
}

// UpdateHousehold stores h's label if its version is still h.Version.
func (s *Store) UpdateHousehold(ctx context.Context, h *caseload.Household, ev *audit.Entry) error {
	return s.inTx(ctx, "update household", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE households SET label = $1, updated_us = $2, version = version + 1 WHERE org = $3 AND id = $4 AND version = $5`,
			h.Label, h.Updated.UnixMicro(), h.Org, h.ID, h.Version)
		if err != nil {
			if isUnique(err) {
				return errLabelTaken()
			}
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return householdGone(ctx, tx, h.Org, h.ID)
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// DeleteHousehold removes the household at version (any when 0) and
// takes its members out of it.
func (s *Store) DeleteHousehold(ctx context.Context, org, id string, version int64, ev *audit.Entry) error {
	return s.inTx(ctx, "delete household", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM households WHERE org = $1 AND id = $2 AND (CAST($3 AS BIGINT) = 0 OR version = CAST($3 AS BIGINT))`, org, id, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return householdGone(ctx, tx, org, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET household = '', version = version + 1 WHERE org = $1 AND household = $2`, org, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// UpdateCases stores every case of cs, each if its stored version is still
// its Version, or none of them, in one transaction.
func (s *Store) UpdateCases(ctx context.Context, cs []*caseload.Case, evs ...*audit.Entry) error {
	err := s.inTx(ctx, "update cases", func(tx *sql.Tx) error {
		for _, c := range cs {
			if err := s.updateCase(ctx, tx, c); err != nil {
				return err
			}
		}
		return s.appendAudits(ctx, tx, evs)
	})
	if err == nil {
		for _, c := range cs {
			c.Version++
		}
		s.knowRuleSets(cs)
	}
	return err
}
