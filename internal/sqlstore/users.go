package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

// CountUsers counts every account of every organisation.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`, nil, &n); err != nil {
		return 0, fmt.Errorf("sqlstore: count users: %w", err)
	}
	return n, nil
}

const userColumns = `id, org, username, password, role, team, totp_secret, totp_pending, totp_last_step, disabled, created_us, version`

func insertUser(ctx context.Context, tx *sql.Tx, u *caseload.User) error {
	u.Version = 1
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Org, u.Username, u.Password, string(u.Role), u.Team, nullBytes(u.TOTPSecret), b2i(u.TOTPPending), u.TOTPLastStep,
		b2i(u.Disabled), u.Created.UnixMicro(), u.Version)
	if err != nil && isUnique(err) {
		return caseload.Errorf(caseload.EExists, "username", "this username is taken")
	}
	return err
}

// CreateUser stores a new account.
func (s *Store) CreateUser(ctx context.Context, u *caseload.User, ev *audit.Entry) error {
	return s.inTx(ctx, "create user", func(tx *sql.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

func scanUser(sc interface{ Scan(...any) error }) (*caseload.User, error) {
	var u caseload.User
	var role string
	var pending, disabled int
	var created int64
	if err := sc.Scan(&u.ID, &u.Org, &u.Username, &u.Password, &role, &u.Team, &u.TOTPSecret, &pending, &u.TOTPLastStep, &disabled, &created, &u.Version); err != nil {
		return nil, err
	}
	u.Role, u.TOTPPending, u.Disabled, u.Created = caseload.Role(role), pending != 0, disabled != 0, fromMicros(created)
	return &u, nil
}

func (s *Store) findUser(ctx context.Context, where string, args ...any) (*caseload.User, error) {
	var u *caseload.User
	err := retry(ctx, func() error {
		var err error
		u, err = scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.Errorf(caseload.ENotFound, "", "no such account")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find user: %w", err)
	}
	return u, nil
}

// FindUser returns an account of org.
func (s *Store) FindUser(ctx context.Context, org, id string) (*caseload.User, error) {
	return s.findUser(ctx, `org = $1 AND id = $2`, org, id)
}

// FindUserByName returns the account with this username, of any org.
func (s *Store) FindUserByName(ctx context.Context, username string) (*caseload.User, error) {
	return s.findUser(ctx, `username = $1`, username)
}

// FindAccount returns the account with this id, of any org, and whether
// its organisation requires a second factor, in one query.
func (s *Store) FindAccount(ctx context.Context, id string) (*caseload.User, bool, error) {
	var u caseload.User
	var role string
	var pending, disabled, totp int
	var created int64
	err := s.queryRow(ctx, `SELECT u.id, u.org, u.username, u.password, u.role, u.team, u.totp_secret, u.totp_pending,
			u.totp_last_step, u.disabled, u.created_us, u.version, o.require_totp
		FROM users u JOIN orgs o ON o.id = u.org WHERE u.id = $1`, []any{id},
		&u.ID, &u.Org, &u.Username, &u.Password, &role, &u.Team, &u.TOTPSecret, &pending, &u.TOTPLastStep, &disabled, &created, &u.Version, &totp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, caseload.Errorf(caseload.ENotFound, "", "no such account")
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlstore: find account: %w", err)
	}
	u.Role, u.TOTPPending, u.Disabled, u.Created = caseload.Role(role), pending != 0, disabled != 0, fromMicros(created)
	return &u, totp != 0, nil
}

// Users lists org's accounts by username.
func (s *Store) Users(ctx context.Context, org string) ([]caseload.User, error) {
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM users WHERE org = $1 ORDER BY username`, org)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: users: %w", err)
	}
	defer rows.Close()
	var out []caseload.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// UpdateUser stores u if its version is still u.Version.
func (s *Store) UpdateUser(ctx context.Context, u *caseload.User, ev *audit.Entry) error {
	err := s.inTx(ctx, "update user", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password = $1, role = $2, team = $3, totp_secret = $4, totp_pending = $5,
				totp_last_step = $6, disabled = $7, version = version + 1
			WHERE org = $8 AND id = $9 AND version = $10`,
			u.Password, string(u.Role), u.Team, nullBytes(u.TOTPSecret), b2i(u.TOTPPending), u.TOTPLastStep, b2i(u.Disabled), u.Org, u.ID, u.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var c int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE org = $1 AND id = $2`, u.Org, u.ID).Scan(&c); err != nil {
				return err
			}
			if c == 0 {
				return caseload.Errorf(caseload.ENotFound, "", "no such account")
			}
			return caseload.Errorf(caseload.EConflict, "", "the account was changed by someone else; fetch it again and retry")
		}
		return s.appendAudit(ctx, tx, ev)
	})
	if err == nil {
		u.Version++
	}
	return err
}
