// Package sqlstore implements caseload.Store on database/sql, for SQLite
// (embedded, the default) and PostgreSQL, with one set of hand-written
// queries. The few differences between the two live in dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/stay"
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
	// than land unaudited. Set it with SetAuditChain.
	chain *audit.Chain
}

// SetAuditChain sets the key that chains the audit log. Call it before
// serving.
func (s *Store) SetAuditChain(c *audit.Chain) { s.chain = c }

var _ caseload.Store = (*Store)(nil)

// Options tune a store.
type Options struct {
	// CacheMB is SQLite's page cache per connection; 0 means 8 MiB. Bulk
	// loads want more; a server at a million cases is fine with little.
	CacheMB int
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL,
// or a SQLite file path. It does not migrate; call Migrate.
func Open(dsn string) (*Store, error) { return OpenWith(dsn, Options{}) }

// OpenWith is Open with options.
func OpenWith(dsn string, o Options) (*Store, error) {
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

// Migrate applies the embedded migrations not yet applied, each in its own
// transaction, in order. Migrations are forward-only.
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
	return applied, nil
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

// stateRank orders the working list: overstays, then pending applications,
// then the rest by deadline.
func stateRank(st stay.State) int {
	switch st {
	case stay.StateOverstay:
		return 0
	case stay.StatePending:
		return 1
	case stay.StateLawful:
		return 2
	}
	return 3
}

var rankState = []stay.State{stay.StateOverstay, stay.StatePending, stay.StateLawful, stay.StateAbsent}

// sortDay is the key a segment is listed by within its rank: for overstays
// and pending applications the day they began (the oldest first), for the
// rest the next deadline (the nearest first; none sorts last).
func sortDay(seg caseload.Segment) date.Date {
	switch seg.State {
	case stay.StateOverstay, stay.StatePending:
		if seg.Since != 0 {
			return seg.Since
		}
		return seg.From
	}
	if seg.Deadline != 0 {
		return seg.Deadline
	}
	return date.Max
}

type summaryJSON struct {
	AsOf            date.Date  `json:"as_of"`
	State           stay.State `json:"state"`
	AuthorizedUntil date.Date  `json:"authorized_until,omitzero"`
	OverstayDays    int        `json:"overstay_days"`
	NextDeadline    date.Date  `json:"next_deadline,omitzero"`
	DeadlineKind    string     `json:"deadline_kind,omitempty"`
}

// CreateCase stores a new case at version 1.
func (s *Store) CreateCase(ctx context.Context, c *caseload.Case, ev *audit.Entry) error {
	return s.CreateCases(ctx, []*caseload.Case{c}, ev)
}

// caseColumns are the columns of cases that CreateCases writes, in the
// order caseRow gives them.
const caseColumns = "cases (id, org, reference, history, notes, summary, created_us, updated_us, version, identity, passport_index, assignee, team, closed_us)"

func caseRow(c *caseload.Case) ([]any, error) {
	hist, sum, err := encode(c)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.Org, c.Reference, hist, c.Notes, sum, c.Created.UnixMicro(), c.Updated.UnixMicro(), c.Version,
		nullBytes(c.Sealed), nullBytes(c.PassportIndex), c.Assignee, c.Team, micros(c.Closed)}, nil
}

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

func encode(c *caseload.Case) (hist, sum string, err error) {
	h, err := json.Marshal(&c.History)
	if err != nil {
		return "", "", err
	}
	sm, err := json.Marshal(summaryJSON(c.Summary))
	if err != nil {
		return "", "", err
	}
	return string(h), string(sm), nil
}

func (s *Store) insertSegments(ctx context.Context, tx *sql.Tx, c *caseload.Case) error {
	return s.insertTimelines(ctx, tx, []*caseload.Case{c})
}

// insertTimelines stores the segments and deadlines of cs.
func (s *Store) insertTimelines(ctx context.Context, tx *sql.Tx, cs []*caseload.Case) error {
	var segs, deadlines [][]any
	for _, c := range cs {
		for _, seg := range c.Segments {
			segs = append(segs, []any{c.ID, c.Org, int64(seg.From), int64(seg.Until), stateRank(seg.State), int64(sortDay(seg)),
				int64(seg.AuthorizedUntil), int64(seg.Deadline), seg.DeadlineKind, c.Assignee, c.Team})
		}
		for _, d := range c.Deadlines {
			deadlines = append(deadlines, []any{c.ID, c.Org, int64(d.Date), d.Kind, c.Assignee, c.Team})
		}
	}
	if err := s.insertRows(ctx, tx, "case_segments (case_id, org, from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind, assignee, team)", segs); err != nil {
		return err
	}
	return s.insertRows(ctx, tx, "case_deadlines (case_id, org, day, kind, assignee, team)", deadlines)
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

// FindCase returns the case with id in org, or caseload.ErrNotFound.
func (s *Store) FindCase(ctx context.Context, org, id string) (*caseload.Case, error) {
	c := &caseload.Case{}
	var hist, sum string
	var created, updated, closed int64
	err := s.queryRow(ctx, `SELECT id, org, reference, history, notes, summary, created_us, updated_us, version,
			identity, passport_index, assignee, team, closed_us
		FROM cases WHERE org = $1 AND id = $2`, []any{org, id},
		&c.ID, &c.Org, &c.Reference, &hist, &c.Notes, &sum, &created, &updated, &c.Version,
		&c.Sealed, &c.PassportIndex, &c.Assignee, &c.Team, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find case: %w", err)
	}
	c.Created, c.Updated, c.Closed = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC(), fromMicros(closed)
	if err := json.Unmarshal([]byte(hist), &c.History); err != nil {
		return nil, fmt.Errorf("sqlstore: case history: %w", err)
	}
	var sj summaryJSON
	if err := json.Unmarshal([]byte(sum), &sj); err != nil {
		return nil, fmt.Errorf("sqlstore: case summary: %w", err)
	}
	c.Summary = caseload.Summary(sj)
	rows, err := s.query(ctx, `SELECT from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind
		FROM case_segments WHERE org = $1 AND case_id = $2 ORDER BY from_day`, org, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case segments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seg caseload.Segment
		var from, until, sd, au, dl int64
		var rank int
		if err := rows.Scan(&from, &until, &rank, &sd, &au, &dl, &seg.DeadlineKind); err != nil {
			return nil, fmt.Errorf("sqlstore: case segments: %w", err)
		}
		seg.From, seg.Until, seg.AuthorizedUntil, seg.Deadline = date.Date(from), date.Date(until), date.Date(au), date.Date(dl)
		seg.State = rankState[rank]
		if rank <= 1 {
			seg.Since = date.Date(sd)
		}
		c.Segments = append(c.Segments, seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: case segments: %w", err)
	}
	drows, err := s.query(ctx, `SELECT day, kind FROM case_deadlines WHERE org = $1 AND case_id = $2 ORDER BY day, kind`, org, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case deadlines: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var d caseload.Deadline
		var day int64
		if err := drows.Scan(&day, &d.Kind); err != nil {
			return nil, fmt.Errorf("sqlstore: case deadlines: %w", err)
		}
		d.Date = date.Date(day)
		c.Deadlines = append(c.Deadlines, d)
	}
	return c, drows.Err()
}

// UpdateCase stores c if the stored version is still c.Version.
func (s *Store) UpdateCase(ctx context.Context, c *caseload.Case, ev *audit.Entry) error {
	err := s.inTx(ctx, "update case", func(tx *sql.Tx) error {
		hist, sum, err := encode(c)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE cases SET reference = $1, history = $2, notes = $3, summary = $4, updated_us = $5, version = version + 1,
				identity = $9, passport_index = $10, assignee = $11, team = $12, closed_us = $13
			WHERE org = $6 AND id = $7 AND version = $8`,
			c.Reference, hist, c.Notes, sum, c.Updated.UnixMicro(), c.Org, c.ID, c.Version,
			nullBytes(c.Sealed), nullBytes(c.PassportIndex), c.Assignee, c.Team, micros(c.Closed))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return s.missingOrConflict(ctx, tx, c.Org, c.ID)
		}
		for _, table := range []string{"case_segments", "case_deadlines"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE org = $1 AND case_id = $2`, c.Org, c.ID); err != nil {
				return err
			}
		}
		if err := s.insertSegments(ctx, tx, c); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
	if err == nil {
		c.Version++
	}
	return err
}

func (s *Store) missingOrConflict(ctx context.Context, tx *sql.Tx, org, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE org = $1 AND id = $2`, org, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return caseload.ErrNotFound
	}
	return caseload.ErrConflict
}

// DeleteCase removes the case if it is at version (any version when 0).
func (s *Store) DeleteCase(ctx context.Context, org, id string, version int64, ev *audit.Entry) error {
	if err := s.deleteCase(ctx, org, id, version, ev); err != nil {
		return err
	}
	return s.forget(ctx)
}

// forget makes deleted rows unrecoverable from the SQLite files:
// secure_delete has zeroed them in the database pages, and a TRUNCATE
// checkpoint empties the write-ahead log, which still holds the pages as
// they were written. PostgreSQL keeps dead rows until VACUUM reuses their
// space; see docs/security.md.
func (s *Store) forget(ctx context.Context) error {
	if s.d.name != "sqlite" {
		return nil
	}
	// A reader in the middle of a long query can hold the log; wait for
	// it, since the erase is not done until the log is empty.
	for wait := 10 * time.Millisecond; ; wait *= 2 {
		var busy, logged, done int
		if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); err != nil {
			return fmt.Errorf("sqlstore: checkpoint after erase: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if wait > 5*time.Second {
			return errors.New("sqlstore: the case is deleted, but readers kept the write-ahead log busy; it is emptied at the next checkpoint")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *Store) deleteCase(ctx context.Context, org, id string, version int64, ev *audit.Entry) error {
	return s.inTx(ctx, "delete case", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cases WHERE org = $1 AND id = $2 AND (CAST($3 AS BIGINT) = 0 OR version = CAST($3 AS BIGINT))`, org, id, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return s.missingOrConflict(ctx, tx, org, id)
		}
		// Segments and deadlines go with the case (ON DELETE CASCADE); said
		// again for stores where foreign keys are off.
		for _, table := range []string{"case_segments", "case_deadlines"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE org = $1 AND case_id = $2`, org, id); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// cursor is the position after the last row of a page.
type cursor struct {
	rank int
	day  int64
	id   string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d:%s", c.rank, c.day, c.id)))
}

func parseCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		parts := strings.SplitN(string(b), ":", 3)
		if len(parts) == 3 {
			r, err1 := strconv.Atoi(parts[0])
			d, err2 := strconv.ParseInt(parts[1], 10, 64)
			if err1 == nil && err2 == nil && r >= 0 && r < len(rankState) && caseload.ValidID(parts[2], "c_") {
				return cursor{r, d, parts[2]}, nil
			}
		}
	}
	return cursor{}, caseload.Errorf(caseload.EInvalid, "cursor", "not a cursor this server gave out; start again without one")
}

// FindCases returns a page of the working list for f.On: the cases whose
// state that day is among f.States, overstays first, then pending, then by
// the nearest deadline. Each state is one range scan of the list index.
func (s *Store) FindCases(ctx context.Context, org string, f caseload.Filter) ([]caseload.ListItem, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var after cursor
	if f.Cursor != "" {
		var err error
		if after, err = parseCursor(f.Cursor); err != nil {
			return nil, "", err
		}
	} else {
		after = cursor{rank: -1}
	}
	on := int64(f.On)
	// The scope and the passport lookup are written into the statement
	// only when set, so that an unscoped list keeps its plain index scan.
	extra, extraArgs := scopeSQL("s", 9, f.Assignee, f.Team)
	if len(f.PassportIndex) > 0 {
		extra += fmt.Sprintf(" AND c.passport_index = $%d", 9+len(extraArgs))
		extraArgs = append(extraArgs, f.PassportIndex)
	}
	var items []caseload.ListItem
	var last cursor
	for rank, st := range rankState {
		if rank < after.rank || (len(f.States) > 0 && !slices.Contains(f.States, st)) {
			continue
		}
		lo, hi := int64(0), int64(date.Max)
		switch {
		case rank <= 1: // began on or before the day
			hi = on
		case f.Due:
			lo, hi = on, on+int64(f.DueWithin)
		}
		afterDay, afterID := lo-1, ""
		if rank == after.rank {
			afterDay, afterID = after.day, after.id
		}
		rows, err := s.query(ctx, `SELECT s.case_id, c.reference, s.sort_day, s.authorized_until, s.deadline, s.deadline_kind, c.version, c.identity
			FROM case_segments s JOIN cases c ON c.id = s.case_id
			WHERE s.org = $1 AND s.state_rank = $2 AND s.sort_day >= $3 AND s.sort_day <= $4
			  AND (s.sort_day > $5 OR (s.sort_day = $5 AND s.case_id > $6))
			  AND s.from_day <= $7 AND s.until_day >= $7`+extra+`
			ORDER BY s.sort_day, s.case_id
			LIMIT $8`, append([]any{org, rank, lo, hi, afterDay, afterID, on, f.Limit - len(items) + 1}, extraArgs...)...)
		if err != nil {
			return nil, "", fmt.Errorf("sqlstore: list: %w", err)
		}
		for rows.Next() {
			var it caseload.ListItem
			var sd, au, dl int64
			if err := rows.Scan(&it.ID, &it.Reference, &sd, &au, &dl, &it.DeadlineKind, &it.Version, &it.Sealed); err != nil {
				rows.Close()
				return nil, "", fmt.Errorf("sqlstore: list: %w", err)
			}
			if len(items) == f.Limit {
				rows.Close()
				return items, last.String(), nil
			}
			it.State, it.AuthorizedUntil, it.Deadline = st, date.Date(au), date.Date(dl)
			if rank <= 1 {
				it.Since = date.Date(sd)
			}
			items = append(items, it)
			last = cursor{rank, sd, it.ID}
		}
		if err := rows.Close(); err != nil {
			return nil, "", err
		}
		if err := rows.Err(); err != nil {
			return nil, "", fmt.Errorf("sqlstore: list: %w", err)
		}
	}
	return items, "", nil
}

// scopeSQL is the condition that keeps a caseworker's or viewer's cases,
// on table alias t, with parameters numbered from n; empty for the whole
// organisation.
func scopeSQL(t string, n int, assignee, team string) (string, []any) {
	switch {
	case assignee == "" && team == "":
		return "", nil
	case team == "":
		return fmt.Sprintf(" AND %s.assignee = $%d", t, n), []any{assignee}
	}
	return fmt.Sprintf(" AND (%s.assignee = $%d OR %s.team = $%d)", t, n, t, n+1), []any{assignee, team}
}

// SearchCases lists up to limit of org's cases whose reference starts with
// prefix (case as written), in reference order, with their state on the
// day on, within the scope of assignee and team when set. It walks the
// (org, reference) index, so it costs what it returns.
func (s *Store) SearchCases(ctx context.Context, org, prefix, assignee, team string, on date.Date, limit int) ([]caseload.ListItem, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	extra, args := scopeSQL("c", 4, assignee, team)
	// SQLite compares text bytewise, so a prefix is a range of the index.
	// PostgreSQL may compare by a language's collation, where it is not;
	// there the prefix is tested as a prefix.
	match := "c.reference >= $2 AND c.reference < $2 || '\U0010FFFF' AND substr(c.reference, 1, length($2)) = $2"
	if s.d.name == "postgres" {
		match = `substr(c.reference, 1, length($2)) = $2`
	}
	rows, err := s.query(ctx, `SELECT c.id, c.reference, s.state_rank, s.sort_day, s.authorized_until, s.deadline, s.deadline_kind, c.version, c.identity
		FROM cases c JOIN case_segments s ON s.case_id = c.id AND s.from_day <= $3 AND s.until_day >= $3
		WHERE c.org = $1 AND `+match+extra+`
		ORDER BY c.reference, c.id
		LIMIT `+strconv.Itoa(limit), append([]any{org, prefix, int64(on)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: search: %w", err)
	}
	defer rows.Close()
	var items []caseload.ListItem
	for rows.Next() {
		var it caseload.ListItem
		var rank int
		var sd, au, dl int64
		if err := rows.Scan(&it.ID, &it.Reference, &rank, &sd, &au, &dl, &it.DeadlineKind, &it.Version, &it.Sealed); err != nil {
			return nil, fmt.Errorf("sqlstore: search: %w", err)
		}
		it.State, it.AuthorizedUntil, it.Deadline = rankState[rank], date.Date(au), date.Date(dl)
		if rank <= 1 {
			it.Since = date.Date(sd)
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// CaseIDTaken reports whether any organisation has a case with id.
func (s *Store) CaseIDTaken(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE id = $1`, []any{id}, &n); err != nil {
		return false, fmt.Errorf("sqlstore: case id: %w", err)
	}
	return n > 0, nil
}

// CasePage returns up to limit of org's cases after the id after, in id
// order, without spans and deadlines, in one query.
func (s *Store) CasePage(ctx context.Context, org, after string, limit int) ([]caseload.Case, error) {
	rows, err := s.query(ctx, `SELECT id, org, reference, history, notes, created_us, updated_us, version,
			identity, passport_index, assignee, team, closed_us
		FROM cases WHERE org = $1 AND id > $2 ORDER BY id LIMIT $3`, org, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case page: %w", err)
	}
	defer rows.Close()
	var out []caseload.Case
	for rows.Next() {
		var c caseload.Case
		var hist string
		var created, updated, closed int64
		if err := rows.Scan(&c.ID, &c.Org, &c.Reference, &hist, &c.Notes, &created, &updated, &c.Version,
			&c.Sealed, &c.PassportIndex, &c.Assignee, &c.Team, &closed); err != nil {
			return nil, fmt.Errorf("sqlstore: case page: %w", err)
		}
		if err := json.Unmarshal([]byte(hist), &c.History); err != nil {
			return nil, fmt.Errorf("sqlstore: case %s history: %w", c.ID, err)
		}
		c.Created, c.Updated, c.Closed = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC(), fromMicros(closed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseIDs lists up to limit ids of org's cases after the id after, in
// order, for exports.
func (s *Store) CaseIDs(ctx context.Context, org, after string, limit int) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM cases WHERE org = $1 AND id > $2 ORDER BY id LIMIT $3`, org, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: case ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: case ids: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ClosedBefore lists the ids of org's cases closed before t.
func (s *Store) ClosedBefore(ctx context.Context, org string, t time.Time) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM cases WHERE org = $1 AND closed_us > 0 AND closed_us < $2 ORDER BY id`, org, t.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: closed cases: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: closed cases: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CreateCalendarToken stores the hash of a new calendar token of an
// account.
func (s *Store) CreateCalendarToken(ctx context.Context, org, user string, hash []byte, created time.Time) (string, error) {
	id := caseload.NewID("cal_")
	_, err := s.db.ExecContext(ctx, `INSERT INTO calendar_tokens (id, org, user_id, hash, created_us) VALUES ($1, $2, $3, $4, $5)`, id, org, user, hash, created.UnixMicro())
	if err != nil {
		return "", fmt.Errorf("sqlstore: create calendar token: %w", err)
	}
	return id, nil
}

// RevokeCalendarToken makes an account's token stop working.
func (s *Store) RevokeCalendarToken(ctx context.Context, org, user, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE calendar_tokens SET revoked = 1 WHERE org = $1 AND user_id = $2 AND id = $3 AND revoked = 0`, org, user, id)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke calendar token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return caseload.Errorf(caseload.ENotFound, "", "no such calendar token")
	}
	return nil
}

// FindCalendarToken returns the org and account of a live token with this
// hash.
func (s *Store) FindCalendarToken(ctx context.Context, hash []byte) (org, user string, err error) {
	err = s.queryRow(ctx, `SELECT org, user_id FROM calendar_tokens WHERE hash = $1 AND revoked = 0`, []any{hash}, &org, &user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", caseload.ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("sqlstore: calendar token: %w", err)
	}
	return org, user, nil
}

// Deadlines lists the case deadlines of org on or after from, within the
// scope of assignee and team when set.
func (s *Store) Deadlines(ctx context.Context, org, assignee, team string, from date.Date) ([]caseload.CalendarEntry, error) {
	extra, args := scopeSQL("d", 3, assignee, team)
	rows, err := s.query(ctx, `SELECT d.case_id, c.reference, d.kind, d.day
		FROM case_deadlines d JOIN cases c ON c.id = d.case_id
		WHERE d.org = $1 AND d.day >= $2`+extra+`
		ORDER BY d.day, d.case_id, d.kind`, append([]any{org, int64(from)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: deadlines: %w", err)
	}
	defer rows.Close()
	var out []caseload.CalendarEntry
	for rows.Next() {
		var e caseload.CalendarEntry
		var d int64
		if err := rows.Scan(&e.CaseID, &e.Reference, &e.Kind, &d); err != nil {
			return nil, fmt.Errorf("sqlstore: deadlines: %w", err)
		}
		e.Date = date.Date(d)
		out = append(out, e)
	}
	return out, rows.Err()
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
		if err = fn(tx); err != nil {
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

// CreateCases stores many new cases in one transaction; it is how imports
// and `visaclock dev seed` load large caseloads.
// An audit entry, if given, is appended in the same transaction.
func (s *Store) CreateCases(ctx context.Context, cs []*caseload.Case, ev *audit.Entry) error {
	return s.inTx(ctx, "create cases", func(tx *sql.Tx) error {
		rows := make([][]any, 0, len(cs))
		for _, c := range cs {
			if c.Version == 0 {
				c.Version = 1
			}
			row, err := caseRow(c)
			if err != nil {
				return err
			}
			rows = append(rows, row)
		}
		if err := s.insertRows(ctx, tx, caseColumns, rows); err != nil {
			return err
		}
		if err := s.insertTimelines(ctx, tx, cs); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
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
