package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"visaclock/internal/audit"
)

// appendAudit chains ev to the last entry and inserts it, inside tx. A nil
// entry appends nothing; an entry without a chain key is an error, so that
// nothing lands unaudited.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, ev *audit.Entry) error {
	return s.appendAudits(ctx, tx, []*audit.Entry{ev})
}

// appendAudits chains evs, in order, to the last entry and inserts them,
// inside tx, skipping nil entries. The last entry is read once, so that a
// batch of a thousand cases costs one read and a thousand inserts.
func (s *Store) appendAudits(ctx context.Context, tx *sql.Tx, evs []*audit.Entry) error {
	evs = slices.DeleteFunc(slices.Clone(evs), func(e *audit.Entry) bool { return e == nil })
	if len(evs) == 0 {
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
	chained := make([]audit.Entry, len(evs))
	rows := make([][]any, len(evs))
	for i, ev := range evs {
		e := s.chain.Next(prev, *ev)
		chained[i], prev = e, &chained[i]
		rows[i] = []any{e.Seq, e.At.UnixNano(), e.Org, e.Actor, e.Action, e.Case, e.Detail, append([]byte{}, e.Prev...), e.Hash}
	}
	if err := s.insertRows(ctx, tx, "audit_log ("+auditColumns+")", rows); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	for i, ev := range evs {
		*ev = chained[i]
	}
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
