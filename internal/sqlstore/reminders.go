package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
)

// QueueDriver is the River driver for this database, whose tables
// Migrate makes: reminders are River jobs in the same database as the
// cases, so that a job and its log row are enqueued in one transaction.
func (s *Store) QueueDriver() riverdriver.Driver[*sql.Tx] {
	if s.d.name == "sqlite" {
		return riversqlite.New(s.db)
	}
	return riverdatabasesql.New(s.db)
}

// migrateQueue applies River's own migrations and returns the versions it
// applied. On PostgreSQL they cannot share one transaction (one adds an
// enum value that a later one uses), so River applies each in its own,
// while this process holds a session advisory lock: servers starting
// together take turns.
func (s *Store) migrateQueue(ctx context.Context) ([]string, error) {
	m, err := rivermigrate.New(s.QueueDriver(), nil)
	if err != nil {
		return nil, err
	}
	if s.d.name == "postgres" {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(4242003)`); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(4242003)`)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river/%03d_%s", v.Version, v.Name))
	}
	return applied, nil
}

func formatOffsets(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

func parseOffsets(s string) []int {
	out := []int{}
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

const reminderCols = `org, user_id, email, webhook_url, webhook_secret, offsets, overstay, lang, updated_us`

func scanReminders(sc interface{ Scan(...any) error }) (*caseload.StoredReminders, error) {
	var r caseload.StoredReminders
	var offsets string
	var overstay, updated int64
	if err := sc.Scan(&r.Org, &r.User, &r.Email, &r.WebhookURL, &r.WebhookSecret, &offsets, &overstay, &r.Lang, &updated); err != nil {
		return nil, err
	}
	r.Offsets, r.Overstay, r.Updated = parseOffsets(offsets), overstay != 0, fromMicros(updated)
	return &r, nil
}

// ReminderSettings returns an account's reminder settings, or ErrNotFound.
func (s *Store) ReminderSettings(ctx context.Context, org, user string) (*caseload.StoredReminders, error) {
	var r *caseload.StoredReminders
	err := retry(ctx, func() error {
		var err error
		r, err = scanReminders(s.db.QueryRowContext(ctx, `SELECT `+reminderCols+` FROM reminder_settings WHERE org = $1 AND user_id = $2`, org, user))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, caseload.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reminder settings: %w", err)
	}
	return r, nil
}

// PutReminderSettings stores an account's reminder settings, with its
// audit entry.
func (s *Store) PutReminderSettings(ctx context.Context, r *caseload.StoredReminders, ev *audit.Entry) error {
	return s.inTx(ctx, "put reminder settings", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_settings (`+reminderCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (user_id) DO UPDATE SET org = excluded.org, email = excluded.email, webhook_url = excluded.webhook_url,
			webhook_secret = excluded.webhook_secret, offsets = excluded.offsets, overstay = excluded.overstay,
			lang = excluded.lang, updated_us = excluded.updated_us`,
			r.Org, r.User, r.Email, r.WebhookURL, nullBytes(r.WebhookSecret), formatOffsets(r.Offsets), b2i(r.Overstay), r.Lang, micros(r.Updated)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ev)
	})
}

// ReminderAccounts lists the settings of every account that chose a
// channel.
func (s *Store) ReminderAccounts(ctx context.Context) ([]caseload.StoredReminders, error) {
	rows, err := s.query(ctx, `SELECT `+reminderCols+` FROM reminder_settings WHERE email <> '' OR webhook_url <> '' ORDER BY org, user_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reminder accounts: %w", err)
	}
	defer rows.Close()
	var out []caseload.StoredReminders
	for rows.Next() {
		r, err := scanReminders(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: reminder accounts: %w", err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// DueDeadlines lists org's deadlines on days, and the cases whose
// overstay begins on overstay, within the scope of assignee and team.
func (s *Store) DueDeadlines(ctx context.Context, org, assignee, team string, days []date.Date, overstay date.Date) ([]caseload.CalendarEntry, error) {
	var out []caseload.CalendarEntry
	scan := func(q string, args ...any) error {
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e caseload.CalendarEntry
			var d int64
			if err := rows.Scan(&e.CaseID, &e.Reference, &e.Kind, &d); err != nil {
				return err
			}
			e.Date = date.Date(d)
			out = append(out, e)
		}
		return rows.Err()
	}
	for _, day := range days {
		extra, args := scopeSQL("d", 3, assignee, team)
		if err := scan(`SELECT d.case_id, c.reference, d.kind, d.day
			FROM case_deadlines d JOIN cases c ON c.id = d.case_id
			WHERE d.org = $1 AND d.day = $2`+extra+` ORDER BY d.case_id, d.kind`, append([]any{org, int64(day)}, args...)...); err != nil {
			return nil, fmt.Errorf("sqlstore: due deadlines: %w", err)
		}
	}
	if overstay != 0 {
		// A case starts to overstay on a day when a segment of rank 0 (the
		// overstay) begins then and its overstay began then too: a later
		// segment of the same overstay (a new deadline) is not a new one.
		extra, args := scopeSQL("g", 3, assignee, team)
		if err := scan(`SELECT g.case_id, c.reference, '`+caseload.ReminderOverstay+`', g.from_day
			FROM case_segments g JOIN cases c ON c.id = g.case_id
			WHERE g.org = $1 AND g.state_rank = 0 AND g.from_day = $2 AND g.sort_day = $2`+extra+` ORDER BY g.case_id`,
			append([]any{org, int64(overstay)}, args...)...); err != nil {
			return nil, fmt.Errorf("sqlstore: overstays starting: %w", err)
		}
	}
	return out, nil
}

// EnqueueReminders records the reminders of rs not yet in the log and, in
// the same transaction, has insert enqueue their jobs, so that a reminder
// is logged if and only if it is queued. It returns how many were new.
func (s *Store) EnqueueReminders(ctx context.Context, rs []caseload.Reminder, now time.Time, insert func(context.Context, *sql.Tx, []caseload.Reminder) error) (int, error) {
	var n int
	err := s.inTx(ctx, "enqueue reminders", func(tx *sql.Tx) error {
		var fresh []caseload.Reminder
		for _, r := range rs {
			res, err := tx.ExecContext(ctx, `INSERT INTO reminder_log (key, org, user_id, case_id, kind, day, offset_days, channel, queued_us)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO NOTHING`,
				r.Key, r.Org, r.User, r.CaseID, r.Kind, int64(r.Date), r.Offset, r.Channel, micros(now))
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil {
				return err
			} else if k > 0 {
				fresh = append(fresh, r)
			}
		}
		n = len(fresh)
		if n == 0 {
			return nil
		}
		return insert(ctx, tx, fresh)
	})
	return n, err
}

// ReminderSent records the sending of the reminder key.
func (s *Store) ReminderSent(ctx context.Context, key string, at time.Time, attempt int) error {
	return s.inTx(ctx, "reminder sent", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE reminder_log SET sent_us = $1, attempts = $2 WHERE key = $3`, micros(at), attempt, key)
		return err
	})
}

// ReminderSentAt returns when the reminder key was sent, zero if not
// yet.
func (s *Store) ReminderSentAt(ctx context.Context, key string) (time.Time, error) {
	var us int64
	err := s.queryRow(ctx, `SELECT sent_us FROM reminder_log WHERE key = $1`, []any{key}, &us)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, caseload.ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlstore: reminder log: %w", err)
	}
	return fromMicros(us), nil
}

// ReminderLog is one row of the reminder log, for tests and operators.
type ReminderLog struct {
	Key      string
	Sent     time.Time
	Attempts int
}

// ReminderLogs returns the whole reminder log, in key order.
func (s *Store) ReminderLogs(ctx context.Context) ([]ReminderLog, error) {
	rows, err := s.query(ctx, `SELECT key, sent_us, attempts FROM reminder_log ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reminder log: %w", err)
	}
	defer rows.Close()
	var out []ReminderLog
	for rows.Next() {
		var l ReminderLog
		var sent int64
		if err := rows.Scan(&l.Key, &sent, &l.Attempts); err != nil {
			return nil, err
		}
		l.Sent = fromMicros(sent)
		out = append(out, l)
	}
	return out, rows.Err()
}
