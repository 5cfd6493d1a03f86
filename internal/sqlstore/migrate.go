package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Migrate applies the embedded migrations not yet applied, each in its own
// transaction, in order, and then River's (the reminder queue's tables).
// Migrations are forward-only.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	dir := path.Join("migrations", s.d.name)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	// The bookkeeping table is created under the same lock as migrations:
	// servers starting together on an empty PostgreSQL would otherwise race
	// to create it.
	if err := s.inTx(ctx, "migrate", func(tx *sql.Tx) error {
		if s.d.lockStmt != "" {
			if _, err := tx.ExecContext(ctx, s.d.lockStmt); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_us BIGINT NOT NULL)`)
		return err
	}); err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		body, err := fs.ReadFile(migrations, path.Join(dir, name))
		if err != nil {
			return applied, err
		}
		done, err := s.migrateOne(ctx, name, string(body))
		if err != nil {
			return applied, fmt.Errorf("sqlstore: migration %s: %w", name, err)
		}
		if done {
			applied = append(applied, name)
		}
	}
	// The reminder queue's tables are River's, made by its own migrations.
	river, err := s.migrateQueue(ctx)
	if err != nil {
		return applied, fmt.Errorf("sqlstore: the queue's migrations: %w", err)
	}
	return append(applied, river...), nil
}

func (s *Store) migrateOne(ctx context.Context, name, body string) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if s.d.lockStmt != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockStmt); err != nil {
			return false, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	for _, stmt := range strings.Split(body, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_us) VALUES ($1, $2)`, name, time.Now().UnixMicro()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
