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

// CreateCalendarToken stores the hash of a new calendar token of an
// account, with its audit entry.
func (s *Store) CreateCalendarToken(ctx context.Context, org, user, id string, hash []byte, created time.Time, ev *audit.Entry) error {
	return s.inTx(ctx, "create calendar token", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_tokens (id, org, user_id, hash, created_us) VALUES ($1, $2, $3, $4, $5)`,
			id, org, user, hash, created.UnixMicro()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// RevokeCalendarToken makes an account's token stop working, with its
// audit entry.
func (s *Store) RevokeCalendarToken(ctx context.Context, org, user, id string, ev *audit.Entry) error {
	return s.inTx(ctx, "revoke calendar token", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_tokens SET revoked = 1 WHERE org = $1 AND user_id = $2 AND id = $3 AND revoked = 0`, org, user, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return caseload.Errorf(caseload.ENotFound, "", "no such calendar token")
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// FindCalendarToken returns the org and account of a live token with this
// hash.
func (s *Store) FindCalendarToken(ctx context.Context, hash []byte) (org, user string, err error) {
	err = s.queryRow(ctx, `SELECT org, user_id FROM calendar_tokens WHERE hash = $1 AND revoked = 0`, []any{hash}, &org, &user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", caseload.ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("sqlstore: calendar token: %w", err)
	}
	return org, user, nil
}

// Deadlines lists the case deadlines of org on or after from, within the
// scope of assignee and team when set.
func (s *Store) Deadlines(ctx context.Context, org, assignee, team string, from date.Date) ([]caseload.CalendarEntry, error) {
	extra, args := scopeSQL("d", 3, assignee, team)
	rows, err := s.query(ctx, `SELECT d.case_id, c.reference, d.kind, d.day
		FROM case_deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.org = $1 AND d.day >= $2`+extra+`
		ORDER BY d.day, d.case_id, d.kind`, append([]any{org, int64(from)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deadlines: %w", err)
	}
	defer rows.Close()
	var out []caseload.CalendarEntry
	for rows.Next() {
		var e caseload.CalendarEntry
		var d int64
		if err := rows.Scan(&e.CaseID, &e.Reference, &e.Kind, &d); err != nil {
			return nil, fmt.Errorf("sqlstore: deadlines: %w", err)
		}
		e.Date = date.Date(d)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CalendarTokens lists an account's calendar tokens, newest first, revoked
// ones included. Hashes stay in the database.
func (s *Store) CalendarTokens(ctx context.Context, org, user string) ([]caseload.CalendarToken, error) {
	rows, err := s.query(ctx, `SELECT id, created_us, revoked FROM calendar_tokens
		WHERE org = $1 AND user_id = $2 ORDER BY created_us DESC, id DESC`, org, user)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: calendar tokens: %w", err)
	}
	defer rows.Close()
	var out []caseload.CalendarToken
	for rows.Next() {
		var t caseload.CalendarToken
		var created, revoked int64
		if err := rows.Scan(&t.ID, &created, &revoked); err != nil {
			return nil, fmt.Errorf("sqlstore: calendar tokens: %w", err)
		}
		t.Created, t.Revoked = fromMicros(created), revoked != 0
		out = append(out, t)
	}
	return out, rows.Err()
}
