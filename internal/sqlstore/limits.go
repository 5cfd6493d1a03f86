package sqlstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"visaclock/internal/login"
)

// The store keeps the failed-login limits every server shares, so that a
// login.SharedLimiter on it counts alike on every server. Keys arrive
// hashed; each call is one statement, atomic on its own.
var _ login.LimitStore = (*Store)(nil)

// LimitsFull implements login.LimitStore.
func (s *Store) LimitsFull(ctx context.Context, keys ...[]byte) ([]time.Time, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	marks := make([]string, len(keys))
	for i, k := range keys {
		args[i], marks[i] = k, fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.query(ctx, `SELECT hash, full_us FROM login_limits WHERE hash IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read login limits: %w", err)
	}
	defer rows.Close()
	full := make([]time.Time, len(keys))
	for rows.Next() {
		var h []byte
		var us int64
		if err := rows.Scan(&h, &us); err != nil {
			return nil, fmt.Errorf("sqlstore: read login limits: %w", err)
		}
		for i, k := range keys {
			if bytes.Equal(k, h) {
				full[i] = fromMicros(us)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: read login limits: %w", err)
	}
	return full, nil
}

// SpendLimits implements login.LimitStore in one upsert: a bucket's full
// time moves to the later of it and now, plus the spend's interval, which
// the new row's full time (now plus the interval) carries in. Rows are
// written in the order of their keys, so that two servers spending on the
// same buckets at once lock them in the same order and cannot deadlock.
func (s *Store) SpendLimits(ctx context.Context, now time.Time, spends ...login.LimitSpend) error {
	if len(spends) == 0 {
		return nil
	}
	spends = slices.Clone(spends)
	slices.SortFunc(spends, func(a, b login.LimitSpend) int { return bytes.Compare(a.Key, b.Key) })
	spends = slices.CompactFunc(spends, func(a, b login.LimitSpend) bool { return bytes.Equal(a.Key, b.Key) })
	nowUS := now.UnixMicro()
	args := []any{nowUS}
	var q strings.Builder
	q.WriteString(`INSERT INTO login_limits (hash, full_us) VALUES `)
	for i, sp := range spends {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, $%d)", len(args)+1, len(args)+2)
		args = append(args, sp.Key, nowUS+sp.Every.Microseconds())
	}
	q.WriteString(` ON CONFLICT (hash) DO UPDATE SET full_us =
		CASE WHEN login_limits.full_us > $1 THEN login_limits.full_us ELSE $1 END + excluded.full_us - $1`)
	if err := retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, q.String(), args...)
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: spend login limits: %w", err)
	}
	return nil
}

// ForgetLimit implements login.LimitStore.
func (s *Store) ForgetLimit(ctx context.Context, key []byte) error {
	if err := retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, `DELETE FROM login_limits WHERE hash = $1`, key)
		return err
	}); err != nil {
		return fmt.Errorf("sqlstore: forget a login limit: %w", err)
	}
	return nil
}

// PruneLimits implements login.LimitStore.
func (s *Store) PruneLimits(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_limits WHERE full_us <= $1`, now.UnixMicro()); err != nil {
		return fmt.Errorf("sqlstore: prune login limits: %w", err)
	}
	return nil
}
