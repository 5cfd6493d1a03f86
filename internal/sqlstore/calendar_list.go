package sqlstore

import (
	"context"
	"fmt"

	"visaclock/internal/caseload"
)

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
