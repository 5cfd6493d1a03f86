package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

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
