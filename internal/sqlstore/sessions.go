package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"visaclock/internal/caseload"
)

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
