package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

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

// RewrapKeys re-wraps every organisation's data key and every stored key,
// and appends ev, in one transaction, so that a failure leaves all of them
// as they were and unaudited.
func (s *Store) RewrapKeys(ctx context.Context, rewrap func(name string, w []byte) ([]byte, error), ev *audit.Entry) (int, error) {
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
		return s.appendAudit(ctx, tx, ev)
	})
	return n, err
}
