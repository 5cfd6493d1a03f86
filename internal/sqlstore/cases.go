package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// stateRank orders the working list: overstays, then pending applications,
// then the rest by deadline.
func stateRank(st stay.State) int {
	switch st {
	case stay.StateOverstay:
		return 0
	case stay.StatePending:
		return 1
	case stay.StateLawful:
		return 2
	}
	return 3
}

var rankState = []stay.State{stay.StateOverstay, stay.StatePending, stay.StateLawful, stay.StateAbsent}

// sortDay is the key a segment is listed by within its rank: for overstays
// and pending applications the day they began (the oldest first), for the
// rest the next deadline (the nearest first; none sorts last).
func sortDay(seg caseload.Segment) date.Date {
	switch seg.State {
	case stay.StateOverstay, stay.StatePending:
		if seg.Since != 0 {
			return seg.Since
		}
		return seg.From
	}
	if seg.Deadline != 0 {
		return seg.Deadline
	}
	return date.Max
}

type summaryJSON struct {
	AsOf            date.Date  `json:"as_of"`
	State           stay.State `json:"state"`
	AuthorizedUntil date.Date  `json:"authorized_until,omitzero"`
	OverstayDays    int        `json:"overstay_days"`
	NextDeadline    date.Date  `json:"next_deadline,omitzero"`
	DeadlineKind    string     `json:"deadline_kind,omitempty"`
	// Rules is kept in the rules_digest column and the rule_sets table.
	Rules caseload.Rules `json:"-"`
}

// CreateCase stores a new case at version 1.
func (s *Store) CreateCase(ctx context.Context, c *caseload.Case, ev *audit.Entry) error {
	return s.CreateCases(ctx, []*caseload.Case{c}, ev)
}

// caseColumns are the columns of cases that CreateCases writes, in the
// order caseRow gives them.
const caseColumns = "cases (id, org, reference, history, notes, summary, created_us, updated_us, version, identity, passport_index, assignee, team, closed_us, rules_digest, household)"

func caseRow(c *caseload.Case) ([]any, error) {
	hist, sum, err := encode(c)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.Org, c.Reference, hist, c.Notes, sum, c.Created.UnixMicro(), c.Updated.UnixMicro(), c.Version,
		nullBytes(c.Sealed), nullBytes(c.PassportIndex), c.Assignee, c.Team, micros(c.Closed), c.Summary.Rules.Digest, c.Household}, nil
}

func encode(c *caseload.Case) (hist, sum string, err error) {
	h, err := json.Marshal(&c.History)
	if err != nil {
		return "", "", err
	}
	sm, err := json.Marshal(summaryJSON(c.Summary))
	if err != nil {
		return "", "", err
	}
	return string(h), string(sm), nil
}

func (s *Store) insertSegments(ctx context.Context, tx *sql.Tx, c *caseload.Case) error {
	return s.insertTimelines(ctx, tx, []*caseload.Case{c})
}

// insertTimelines stores the segments and deadlines of cs.
func (s *Store) insertTimelines(ctx context.Context, tx *sql.Tx, cs []*caseload.Case) error {
	var segs, deadlines [][]any
	for _, c := range cs {
		for _, seg := range c.Segments {
			segs = append(segs, []any{c.ID, c.Org, int64(seg.From), int64(seg.Until), stateRank(seg.State), int64(sortDay(seg)),
				int64(seg.AuthorizedUntil), int64(seg.Deadline), seg.DeadlineKind, c.Assignee, c.Team})
		}
		for _, d := range c.Deadlines {
			deadlines = append(deadlines, []any{c.ID, c.Org, int64(d.Date), d.Kind, c.Assignee, c.Team})
		}
	}
	if err := s.insertRows(ctx, tx, "case_segments (case_id, org, from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind, assignee, team)", segs); err != nil {
		return err
	}
	return s.insertRows(ctx, tx, "case_deadlines (case_id, org, day, kind, assignee, team)", deadlines)
}

// FindCase returns the case with id in org, or caseload.ErrNotFound.
func (s *Store) FindCase(ctx context.Context, org, id string) (*caseload.Case, error) {
	c := &caseload.Case{}
	var hist, sum string
	var created, updated, closed int64
	var digest, packs string
	err := s.queryRow(ctx, `SELECT c.id, c.org, c.reference, c.history, c.notes, c.summary, c.created_us, c.updated_us, c.version,
			c.identity, c.passport_index, c.assignee, c.team, c.closed_us, c.rules_digest, COALESCE(r.packs, ''), c.household
		FROM cases c LEFT JOIN rule_sets r ON r.digest = c.rules_digest
		WHERE c.org = $1 AND c.id = $2`, []any{org, id},
		&c.ID, &c.Org, &c.Reference, &hist, &c.Notes, &sum, &created, &updated, &c.Version,
		&c.Sealed, &c.PassportIndex, &c.Assignee, &c.Team, &closed, &digest, &packs, &c.Household)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find case: %w", err)
	}
	c.Created, c.Updated, c.Closed = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC(), fromMicros(closed)
	if err := json.Unmarshal([]byte(hist), &c.History); err != nil {
		return nil, fmt.Errorf("sqlstore: case history: %w", err)
	}
	var sj summaryJSON
	if err := json.Unmarshal([]byte(sum), &sj); err != nil {
		return nil, fmt.Errorf("sqlstore: case summary: %w", err)
	}
	c.Summary = caseload.Summary(sj)
	c.Summary.Rules = caseload.Rules{Digest: digest, Packs: packs}
	rows, err := s.query(ctx, `SELECT from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind
		FROM case_segments WHERE org = $1 AND case_id = $2 ORDER BY from_day`, org, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case segments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seg caseload.Segment
		var from, until, sd, au, dl int64
		var rank int
		if err := rows.Scan(&from, &until, &rank, &sd, &au, &dl, &seg.DeadlineKind); err != nil {
			return nil, fmt.Errorf("sqlstore: case segments: %w", err)
		}
		seg.From, seg.Until, seg.AuthorizedUntil, seg.Deadline = date.Date(from), date.Date(until), date.Date(au), date.Date(dl)
		seg.State = rankState[rank]
		if rank <= 1 {
			seg.Since = date.Date(sd)
		}
		c.Segments = append(c.Segments, seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: case segments: %w", err)
	}
	drows, err := s.query(ctx, `SELECT day, kind FROM case_deadlines WHERE org = $1 AND case_id = $2 ORDER BY day, kind`, org, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case deadlines: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var d caseload.Deadline
		var day int64
		if err := drows.Scan(&day, &d.Kind); err != nil {
			return nil, fmt.Errorf("sqlstore: case deadlines: %w", err)
		}
		d.Date = date.Date(day)
		c.Deadlines = append(c.Deadlines, d)
	}
	return c, drows.Err()
}

// UpdateCase stores c if the stored version is still c.Version.
func (s *Store) UpdateCase(ctx context.Context, c *caseload.Case, ev *audit.Entry) error {
	err := s.inTx(ctx, "update case", func(tx *sql.Tx) error {
		if err := s.updateCase(ctx, tx, c); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
	if err == nil {
		c.Version++
		s.knowRuleSets([]*caseload.Case{c})
	}
	return err
}

// updateCase stores c in tx if the stored version is still c.Version,
// leaving c.Version as it was.
func (s *Store) updateCase(ctx context.Context, tx *sql.Tx, c *caseload.Case) error {
	hist, sum, err := encode(c)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE cases SET reference = $1, history = $2, notes = $3, summary = $4, updated_us = $5, version = version + 1,
				identity = $9, passport_index = $10, assignee = $11, team = $12, closed_us = $13, rules_digest = $14
			WHERE org = $6 AND id = $7 AND version = $8`,
		c.Reference, hist, c.Notes, sum, c.Updated.UnixMicro(), c.Org, c.ID, c.Version,
		nullBytes(c.Sealed), nullBytes(c.PassportIndex), c.Assignee, c.Team, micros(c.Closed), c.Summary.Rules.Digest)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return s.missingOrConflict(ctx, tx, c.Org, c.ID)
	}
	for _, table := range []string{"case_segments", "case_deadlines"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE org = $1 AND case_id = $2`, c.Org, c.ID); err != nil {
			return err
		}
	}
	if err := s.insertSegments(ctx, tx, c); err != nil {
		return err
	}
	return s.putRuleSets(ctx, tx, []*caseload.Case{c})
}

func (s *Store) missingOrConflict(ctx context.Context, tx *sql.Tx, org, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE org = $1 AND id = $2`, org, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return caseload.ErrNotFound
	}
	return caseload.ErrConflict
}

// DeleteCase removes the case if it is at version (any version when 0).
func (s *Store) DeleteCase(ctx context.Context, org, id string, version int64, ev *audit.Entry) error {
	if err := s.deleteCase(ctx, org, id, version, ev); err != nil {
		return err
	}
	return s.forget(ctx)
}

// forget makes deleted rows unrecoverable from the SQLite files:
// secure_delete has zeroed them in the database pages, and a TRUNCATE
// checkpoint empties the write-ahead log, which still holds the pages as
// they were written. PostgreSQL keeps dead rows until VACUUM reuses their
// space; see docs/security.md.
func (s *Store) forget(ctx context.Context) error {
	if s.d.name != "sqlite" {
		return nil
	}
	// A reader in the middle of a long query can hold the log; wait for
	// it, since the erase is not done until the log is empty.
	for wait := 10 * time.Millisecond; ; wait *= 2 {
		var busy, logged, done int
		if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); err != nil {
			return fmt.Errorf("sqlstore: checkpoint after erase: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if wait > 5*time.Second {
			return errors.New("sqlstore: the case is deleted, but readers kept the write-ahead log busy; it is emptied at the next checkpoint")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *Store) deleteCase(ctx context.Context, org, id string, version int64, ev *audit.Entry) error {
	return s.inTx(ctx, "delete case", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cases WHERE org = $1 AND id = $2 AND (CAST($3 AS BIGINT) = 0 OR version = CAST($3 AS BIGINT))`, org, id, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return s.missingOrConflict(ctx, tx, org, id)
		}
		// Segments and deadlines go with the case (ON DELETE CASCADE); said
		// again for stores where foreign keys are off.
		for _, table := range []string{"case_segments", "case_deadlines"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE org = $1 AND case_id = $2`, org, id); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// CaseIDTaken reports whether any organisation has a case with id.
func (s *Store) CaseIDTaken(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE id = $1`, []any{id}, &n); err != nil {
		return false, fmt.Errorf("sqlstore: case id: %w", err)
	}
	return n > 0, nil
}

// CasePage returns up to limit of org's cases after the id after, in id
// order, without spans and deadlines, in one query.
func (s *Store) CasePage(ctx context.Context, org, after string, limit int) ([]caseload.Case, error) {
	rows, err := s.query(ctx, `SELECT id, org, reference, history, notes, created_us, updated_us, version,
			identity, passport_index, assignee, team, closed_us, household
		FROM cases WHERE org = $1 AND id > $2 ORDER BY id LIMIT $3`, org, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case page: %w", err)
	}
	return scanCases(rows)
}

// scanCases reads the rows of a query for CasePage's columns.
func scanCases(rows *sql.Rows) ([]caseload.Case, error) {
	defer rows.Close()
	var out []caseload.Case
	for rows.Next() {
		var c caseload.Case
		var hist string
		var created, updated, closed int64
		if err := rows.Scan(&c.ID, &c.Org, &c.Reference, &hist, &c.Notes, &created, &updated, &c.Version,
			&c.Sealed, &c.PassportIndex, &c.Assignee, &c.Team, &closed, &c.Household); err != nil {
			return nil, fmt.Errorf("sqlstore: cases: %w", err)
		}
		if err := json.Unmarshal([]byte(hist), &c.History); err != nil {
			return nil, fmt.Errorf("sqlstore: case %s history: %w", c.ID, err)
		}
		c.Created, c.Updated, c.Closed = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC(), fromMicros(closed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseIDs lists up to limit ids of org's cases after the id after, in
// order, for exports.
func (s *Store) CaseIDs(ctx context.Context, org, after string, limit int) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM cases WHERE org = $1 AND id > $2 ORDER BY id LIMIT $3`, org, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: case ids: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ClosedBefore lists the ids of org's cases closed before t.
func (s *Store) ClosedBefore(ctx context.Context, org string, t time.Time) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM cases WHERE org = $1 AND closed_us > 0 AND closed_us < $2 ORDER BY id`, org, t.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: closed cases: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: closed cases: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CreateCases stores many new cases in one transaction; it is how imports
// and the Service's bulk path (`visaclock dev seed`) load large caseloads.
// The audit entries given, one for the batch or one a case, are appended
// in the same transaction. A case's Household, when set, must name a
// household of its organisation.
func (s *Store) CreateCases(ctx context.Context, cs []*caseload.Case, evs ...*audit.Entry) error {
	err := s.inTx(ctx, "create cases", func(tx *sql.Tx) error { return s.createCases(ctx, tx, cs, evs) })
	if err == nil {
		s.knowRuleSets(cs)
	}
	return err
}

// createCases is CreateCases within tx.
func (s *Store) createCases(ctx context.Context, tx *sql.Tx, cs []*caseload.Case, evs []*audit.Entry) error {
	rows := make([][]any, 0, len(cs))
	for _, c := range cs {
		if c.Version == 0 {
			c.Version = 1
		}
		row, err := caseRow(c)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if err := s.householdsExist(ctx, tx, cs); err != nil {
		return err
	}
	if err := s.insertRows(ctx, tx, caseColumns, rows); err != nil {
		return err
	}
	if err := s.insertTimelines(ctx, tx, cs); err != nil {
		return err
	}
	if err := s.putRuleSets(ctx, tx, cs); err != nil {
		return err
	}
	return s.appendAudits(ctx, tx, evs)
}
