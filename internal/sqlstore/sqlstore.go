// Package sqlstore implements caseload.Store on database/sql, for SQLite
// (embedded, the default) and PostgreSQL, with one set of hand-written
// queries. The few differences between the two live in dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/vault"
)

//go:embed migrations
var migrations embed.FS

type dialect struct {
	name     string // directory under migrations/
	driver   string
	lockStmt string // taken around migrations so that servers starting together take turns
	// auditLock is taken before appending to the audit chain, so that two
	// writers do not both chain to the same last entry. SQLite needs none:
	// its write transactions are immediate, so writers already take turns.
	auditLock string
}

var (
	sqliteDialect   = dialect{name: "sqlite", driver: "sqlite"}
	postgresDialect = dialect{name: "postgres", driver: "pgx", lockStmt: "SELECT pg_advisory_xact_lock(4242001)", auditLock: "SELECT pg_advisory_xact_lock(4242002)"}
)

// Store is a caseload.Store on SQLite or PostgreSQL.
type Store struct {
	db  *sql.DB
	d   dialect
	dsn string
	// chain seals audit entries; without it, audited writes fail rather
	// than land unaudited. Open makes it from Options.Keys.
	chain *audit.Chain
	// beforeCommit, when set (by tests only), runs after a transaction's
	// work and before its commit; an error rolls the transaction back.
	beforeCommit func(what string) error
	// knownSets holds the rule-set digests known to be in rule_sets.
	knownSets sync.Map
}

var _ caseload.Store = (*Store)(nil)

// Options are what a store needs besides its database.
type Options struct {
	// Keys is the master keyring. The audit chain is keyed from the audit
	// key stored in the database and wrapped under it (made and stored on
	// first use). Without Keys, the store reads but refuses every audited
	// write, so that nothing lands unaudited: enough for migrate and
	// backup, not for serving.
	Keys *vault.Keyring
	// Migrate applies the migrations not yet applied before the store is
	// returned. Keys needs a migrated database.
	Migrate bool
	// CacheMB is SQLite's page cache per connection; 0 means 8 MiB. Bulk
	// loads want more; a server at a million cases is fine with little.
	CacheMB int
}

// Open opens the database named by dsn (a postgres:// or postgresql://
// URL, or a SQLite file path) with everything it needs: migrated when
// o.Migrate is set, with its audit chain when o.Keys is set.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	s, err := openDB(dsn, o)
	if err != nil {
		return nil, err
	}
	if o.Migrate {
		if _, err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if o.Keys != nil {
		if s.chain, err = caseload.OpenAudit(ctx, s, o.Keys); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// openDB opens the database, without migrating it or keying its audit
// chain.
func openDB(dsn string, o Options) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		return &Store{db: db, d: postgresDialect, dsn: dsn}, nil
	}
	// WAL lets readers go on while one writer writes; synchronous=NORMAL in
	// WAL mode keeps every committed write through a crash of the process.
	// secure_delete overwrites deleted rows, so that an erased case's
	// sealed identity does not linger in free pages.
	cache := o.CacheMB
	if cache <= 0 {
		cache = 8
	}
	// The file is made readable by its owner only before SQLite opens it;
	// SQLite gives its -wal and -shm files the database file's mode.
	if f, err := os.OpenFile(dsn, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	q := fmt.Sprintf("?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)&_pragma=cache_size(-%d)&_txlock=immediate", cache*1024)
	db, err := sql.Open("sqlite", "file:"+dsn+q)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", dsn, err)
	}
	db.SetMaxOpenConns(4)
	return &Store{db: db, d: sqliteDialect, dsn: dsn}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// DSN is what the store was opened with: a SQLite file or a PostgreSQL
// URL. Tests use it to look at the raw database.
func (s *Store) DSN() string { return s.dsn }

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// nullBytes stores an empty slice as NULL, so that "no identity" is one
// value in both databases.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// insertRows inserts rows into table (written with its column list).
// PostgreSQL takes them in multi-row statements, as few as its limit of
// 65535 parameters allows. SQLite binds $N as named parameters, which makes
// long statements slow to prepare, so there one prepared statement runs
// once a row, which SQLite does fast inside a transaction.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	tuple := func(b *strings.Builder, first int) {
		b.WriteByte('(')
		for i := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "$%d", first+i+1)
		}
		b.WriteByte(')')
	}
	if s.d.name == "sqlite" {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		tuple(&b, 0)
		stmt, err := tx.PrepareContext(ctx, b.String())
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				return err
			}
		}
		return nil
	}
	perStmt := 60000 / cols
	for lo := 0; lo < len(rows); lo += perStmt {
		chunk := rows[lo:min(lo+perStmt, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		args := make([]any, 0, cols*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			tuple(&b, len(args))
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs fn in a transaction. If the database goes away before the
// commit, the transaction is rolled back by the server and is tried again;
// a failure of the commit itself is returned, since the write may have
// landed.
func (s *Store) inTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	var tx *sql.Tx
	err := retry(ctx, func() error {
		var err error
		if tx, err = s.db.BeginTx(ctx, nil); err != nil {
			return err
		}
		if err = fn(tx); err == nil && s.beforeCommit != nil {
			err = s.beforeCommit(what)
		}
		if err != nil {
			tx.Rollback()
		}
		return err
	})
	if err != nil {
		var ae *caseload.Error
		if errors.As(err, &ae) {
			return err
		}
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: %s: commit: %w", what, err)
	}
	return nil
}

// query runs a read, retrying while the database is away.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	var rows *sql.Rows
	err := retry(ctx, func() error {
		var err error
		rows, err = s.db.QueryContext(ctx, q, args...)
		return err
	})
	return rows, err
}

// queryRow runs a one-row read, retrying while the database is away.
func (s *Store) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	return retry(ctx, func() error {
		return s.db.QueryRowContext(ctx, q, args...).Scan(dest...)
	})
}

// Analyze refreshes the planner's statistics, as after a bulk load.
func (s *Store) Analyze(ctx context.Context) error {
	stmt := "ANALYZE"
	if s.d.name == "sqlite" {
		stmt = "PRAGMA optimize"
	}
	if _, err := s.db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("sqlstore: analyze: %w", err)
	}
	return nil
}

// Backup writes a consistent snapshot of a SQLite database to path while
// it serves: VACUUM INTO reads one transaction's view, so writers go on
// and the copy holds every write committed before it began. PostgreSQL
// has its own tools; see docs/security.md.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.d.name != "sqlite" {
		return errors.New("sqlstore: backup: for PostgreSQL use pg_dump --format=custom (a consistent snapshot while serving) and pg_restore; see docs/security.md")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlstore: backup: %s exists; choose a new file", path)
	}
	// Made first, owner-only, so that the snapshot is never readable by
	// others, even for a moment; VACUUM INTO fills an empty file.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqlstore: backup: %w", err)
	}
	f.Close()
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO `+sqliteString(path)); err != nil {
		os.Remove(path)
		return fmt.Errorf("sqlstore: backup to %s: %w", path, err)
	}
	return nil
}

// sqliteString quotes s as an SQL string literal.
func sqliteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}
