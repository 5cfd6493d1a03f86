package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

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

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
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

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se *caseload.Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_us, seen_us) VALUES ($1, $2, $3, $4)`,
		se.Hash, se.User, se.Created.UnixMicro(), se.Seen.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlstore: create session: %w", err)
	}
	return nil
}

// FindSession returns the session with this hash.
func (s *Store) FindSession(ctx context.Context, hash []byte) (*caseload.Session, error) {
	se := caseload.Session{Hash: hash}
	var created, seen int64
	err := s.queryRow(ctx, `SELECT user_id, created_us, seen_us FROM sessions WHERE hash = $1`, []any{hash}, &se.User, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.Errorf(caseload.ENotFound, "", "no such session")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find session: %w", err)
	}
	se.Created, se.Seen = fromMicros(created), fromMicros(seen)
	return &se, nil
}

// TouchSession records that a session was used.
func (s *Store) TouchSession(ctx context.Context, hash []byte, seen time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET seen_us = $1 WHERE hash = $2`, seen.UnixMicro(), hash); err != nil {
		return fmt.Errorf("sqlstore: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("sqlstore: delete session: %w", err)
	}
	return nil
}

// DeleteSessions ends every session of an account.
func (s *Store) DeleteSessions(ctx context.Context, user string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("sqlstore: delete sessions: %w", err)
	}
	return nil
}

func joinScopes(ps []caseload.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

// CreateAPIToken stores a new token's hash.
func (s *Store) CreateAPIToken(ctx context.Context, t *caseload.APIToken, ev *audit.Entry) error {
	return s.inTx(ctx, "create token", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, hash, user_id, name, scopes, created_us, expires_us) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			t.ID, t.Hash, t.User, t.Name, joinScopes(t.Scopes), t.Created.UnixMicro(), t.Expires.UnixMicro()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

const tokenColumns = `id, hash, user_id, name, scopes, created_us, expires_us, revoked`

func scanToken(sc interface{ Scan(...any) error }) (*caseload.APIToken, error) {
	var t caseload.APIToken
	var scopes string
	var created, expires int64
	var revoked int
	if err := sc.Scan(&t.ID, &t.Hash, &t.User, &t.Name, &scopes, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	for _, p := range strings.Split(scopes, ",") {
		if p != "" {
			t.Scopes = append(t.Scopes, caseload.Permission(p))
		}
	}
	t.Created, t.Expires, t.Revoked = fromMicros(created), fromMicros(expires), revoked != 0
	return &t, nil
}

// FindAPIToken returns the token with this hash, revoked or not.
func (s *Store) FindAPIToken(ctx context.Context, hash []byte) (*caseload.APIToken, error) {
	var t *caseload.APIToken
	err := retry(ctx, func() error {
		var err error
		t, err = scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1`, hash))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.Errorf(caseload.ENotFound, "", "no such token")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find token: %w", err)
	}
	return t, nil
}

// APITokens lists an account's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, user string) ([]caseload.APIToken, error) {
	rows, err := s.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_us DESC, id`, user)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tokens: %w", err)
	}
	defer rows.Close()
	var out []caseload.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: tokens: %w", err)
		}
		t.Hash = nil
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeAPIToken makes an account's token stop working.
func (s *Store) RevokeAPIToken(ctx context.Context, user, id string, ev *audit.Entry) error {
	return s.inTx(ctx, "revoke token", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND id = $2 AND revoked = 0`, user, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return caseload.Errorf(caseload.ENotFound, "", "no such token, or it was revoked already")
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// appendAudit chains ev to the last entry and inserts it, inside tx. A nil
// entry appends nothing; an entry without a chain key is an error, so that
// nothing lands unaudited.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, ev *audit.Entry) error {
	if ev == nil {
		return nil
	}
	if s.chain == nil {
		return errors.New("no audit key: the store was opened without one")
	}
	if s.d.auditLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.auditLock); err != nil {
			return err
		}
	}
	prev, err := scanAudit(tx.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		prev, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("audit: last entry: %w", err)
	}
	e := s.chain.Next(prev, *ev)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, e.At.UnixNano(), e.Org, e.Actor, e.Action, e.Case, e.Detail, append([]byte{}, e.Prev...), e.Hash)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	*ev = e
	return nil
}

const auditColumns = `seq, at_ns, org, actor, action, case_id, detail, prev, hash`

func scanAudit(sc interface{ Scan(...any) error }) (*audit.Entry, error) {
	var e audit.Entry
	var at int64
	if err := sc.Scan(&e.Seq, &at, &e.Org, &e.Actor, &e.Action, &e.Case, &e.Detail, &e.Prev, &e.Hash); err != nil {
		return nil, err
	}
	e.At = time.Unix(0, at).UTC()
	if len(e.Prev) == 0 {
		e.Prev = nil
	}
	return &e, nil
}

// AppendAudit appends one entry to the audit chain.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	return s.inTx(ctx, "audit", func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, &e) })
}

// AuditEntries returns up to limit entries after seq, of org ("" for every
// organisation), in order.
func (s *Store) AuditEntries(ctx context.Context, org string, after int64, limit int) ([]audit.Entry, error) {
	q, args := `SELECT `+auditColumns+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, []any{after, limit}
	if org != "" {
		q, args = `SELECT `+auditColumns+` FROM audit_log WHERE org = $3 AND seq > $1 ORDER BY seq LIMIT $2`, append(args, org)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: audit: %w", err)
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// WrappedKey returns the wrapped key stored under name.
func (s *Store) WrappedKey(ctx context.Context, name string) ([]byte, error) {
	var w []byte
	err := s.queryRow(ctx, `SELECT wrapped FROM wrapped_keys WHERE name = $1`, []any{name}, &w)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: key %s: %w", name, err)
	}
	return w, nil
}

// PutWrappedKey stores w under name unless a key is there, and returns the
// key that is stored: of servers starting together, the first one's wins.
func (s *Store) PutWrappedKey(ctx context.Context, name string, w []byte) ([]byte, error) {
	var stored []byte
	err := s.inTx(ctx, "put key", func(tx *sql.Tx) error {
		if s.d.lockStmt != "" {
			if _, err := tx.ExecContext(ctx, s.d.lockStmt); err != nil {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `SELECT wrapped FROM wrapped_keys WHERE name = $1`, name).Scan(&stored)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		stored = w
		_, err = tx.ExecContext(ctx, `INSERT INTO wrapped_keys (name, wrapped) VALUES ($1, $2)`, name, w)
		return err
	})
	return stored, err
}

// RewrapKeys re-wraps every organisation's data key and every stored key
// in one transaction, so that a failure leaves all of them as they were.
func (s *Store) RewrapKeys(ctx context.Context, rewrap func(name string, w []byte) ([]byte, error)) (int, error) {
	n := 0
	err := s.inTx(ctx, "rewrap keys", func(tx *sql.Tx) error {
		n = 0
		type item struct {
			table, col, key, name string
			w                     []byte
		}
		var items []item
		for _, q := range []struct{ table, col, keyCol string }{
			{"orgs", "data_key", "id"},
			{"wrapped_keys", "wrapped", "name"},
		} {
			rows, err := tx.QueryContext(ctx, `SELECT `+q.keyCol+`, `+q.col+` FROM `+q.table+` ORDER BY `+q.keyCol)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k string
				var w []byte
				if err := rows.Scan(&k, &w); err != nil {
					rows.Close()
					return err
				}
				items = append(items, item{q.table, q.col, q.keyCol, k, w})
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		for _, it := range items {
			name := it.name
			if it.table == "orgs" {
				name = "org:" + it.name
			}
			nw, err := rewrap(name, it.w)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE `+it.table+` SET `+it.col+` = $1 WHERE `+it.key+` = $2`, nw, it.name); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
