package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

// CreateOrg stores a new organisation with the hash of a one-time set-up
// token for its first admin.
func (s *Store) CreateOrg(ctx context.Context, o *caseload.Org, setupHash []byte, setupExpires time.Time, ev *audit.Entry) error {
	return s.inTx(ctx, "create org", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, name, data_key, require_totp, retention_days, created_us) VALUES ($1, $2, $3, $4, $5, $6)`,
			o.ID, o.Name, o.DataKey, b2i(o.RequireTOTP), o.RetentionDays, o.Created.UnixMicro()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (hash, org, expires_us) VALUES ($1, $2, $3)`, setupHash, o.ID, setupExpires.UnixMicro()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// NewSetupToken replaces org's set-up token while org has no account.
func (s *Store) NewSetupToken(ctx context.Context, org string, hash []byte, expires time.Time) error {
	return s.inTx(ctx, "new setup token", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE org = $1`, org).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return caseload.Errorf(caseload.EExists, "", "the organisation has accounts already; its admins add the others")
		}
		var orgs int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, org).Scan(&orgs); err != nil {
			return err
		}
		if orgs == 0 {
			return caseload.Errorf(caseload.ENotFound, "org", "no such organisation")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE org = $1`, org); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (hash, org, expires_us) VALUES ($1, $2, $3)`, hash, org, expires.UnixMicro())
		return err
	})
}

// ClaimSetup creates the first admin of the organisation whose set-up token
// has this hash, and spends the token, in one transaction: two people using
// one link at once make one admin.
func (s *Store) ClaimSetup(ctx context.Context, hash []byte, now time.Time, u *caseload.User, ev *audit.Entry) error {
	return s.inTx(ctx, "claim setup", func(tx *sql.Tx) error {
		var org string
		err := tx.QueryRowContext(ctx, `SELECT org FROM setup_tokens WHERE hash = $1 AND expires_us > $2`, hash, now.UnixMicro()).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) {
			return caseload.Errorf(caseload.ENotFound, "token", "this set-up link is not valid: it was used, it expired, or it was replaced")
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE hash = $1`, hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return caseload.Errorf(caseload.ENotFound, "token", "this set-up link was used already")
		}
		u.Org = org
		if ev != nil {
			ev.Org = org
		}
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// FindOrg returns an organisation.
func (s *Store) FindOrg(ctx context.Context, id string) (*caseload.Org, error) {
	var o caseload.Org
	var totp int
	var created int64
	err := s.queryRow(ctx, `SELECT id, name, data_key, require_totp, retention_days, created_us FROM orgs WHERE id = $1`, []any{id},
		&o.ID, &o.Name, &o.DataKey, &totp, &o.RetentionDays, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.Errorf(caseload.ENotFound, "", "no such organisation")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find org: %w", err)
	}
	o.RequireTOTP, o.Created = totp != 0, fromMicros(created)
	return &o, nil
}

// Orgs lists every organisation.
func (s *Store) Orgs(ctx context.Context) ([]caseload.Org, error) {
	rows, err := s.query(ctx, `SELECT id, name, data_key, require_totp, retention_days, created_us FROM orgs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: orgs: %w", err)
	}
	defer rows.Close()
	var out []caseload.Org
	for rows.Next() {
		var o caseload.Org
		var totp int
		var created int64
		if err := rows.Scan(&o.ID, &o.Name, &o.DataKey, &totp, &o.RetentionDays, &created); err != nil {
			return nil, fmt.Errorf("sqlstore: orgs: %w", err)
		}
		o.RequireTOTP, o.Created = totp != 0, fromMicros(created)
		out = append(out, o)
	}
	return out, rows.Err()
}

// UpdateOrgSettings stores an organisation's retention period and whether
// it requires a second factor.
func (s *Store) UpdateOrgSettings(ctx context.Context, o *caseload.Org, ev *audit.Entry) error {
	return s.inTx(ctx, "update org", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET require_totp = $1, retention_days = $2 WHERE id = $3`, b2i(o.RequireTOTP), o.RetentionDays, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return caseload.Errorf(caseload.ENotFound, "", "no such organisation")
		}
		return s.appendAudit(ctx, tx, ev)
	})
}
