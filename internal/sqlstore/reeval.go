package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
)

// putRuleSets records the rule sets of cs not known to be stored yet.
func (s *Store) putRuleSets(ctx context.Context, tx *sql.Tx, cs []*caseload.Case) error {
	var seen []string
	for _, c := range cs {
		r := c.Summary.Rules
		if r.Digest == "" {
			continue
		}
		if _, ok := s.knownSets.Load(r.Digest); ok {
			continue
		}
		if slices.Contains(seen, r.Digest) {
			continue
		}
		seen = append(seen, r.Digest)
		if _, err := tx.ExecContext(ctx, `INSERT INTO rule_sets (digest, packs) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING`, r.Digest, r.Packs); err != nil {
			return fmt.Errorf("rule set: %w", err)
		}
	}
	return nil
}

// knowRuleSets notes, once their transaction has committed, that the rule
// sets of cs are stored.
func (s *Store) knowRuleSets(cs []*caseload.Case) {
	for _, c := range cs {
		if d := c.Summary.Rules.Digest; d != "" {
			s.knownSets.Store(d, true)
		}
	}
}

// RuleSets returns every recorded set of rule packs.
func (s *Store) RuleSets(ctx context.Context) ([]caseload.Rules, error) {
	rows, err := s.query(ctx, `SELECT digest, packs FROM rule_sets ORDER BY digest`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: rule sets: %w", err)
	}
	defer rows.Close()
	var out []caseload.Rules
	for rows.Next() {
		var r caseload.Rules
		if err := rows.Scan(&r.Digest, &r.Packs); err != nil {
			return nil, fmt.Errorf("sqlstore: rule sets: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// inList writes "$first, …" for n parameters.
func inList(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", first+i)
	}
	return b.String()
}

// CountRules counts, by organisation, the cases whose digest is one of
// digests (each an index range), and the cases of org when it is set.
func (s *Store) CountRules(ctx context.Context, org string, digests []string) (map[string]int, int, error) {
	stale := map[string]int{}
	if len(digests) == 0 {
		return stale, 0, nil
	}
	args := make([]any, 0, len(digests)+1)
	for _, d := range digests {
		args = append(args, d)
	}
	q := `SELECT org, COUNT(*) FROM cases WHERE rules_digest IN (` + inList(1, len(digests)) + `)`
	if org != "" {
		q += fmt.Sprintf(" AND org = $%d", len(args)+1)
		args = append(args, org)
	}
	rows, err := s.query(ctx, q+` GROUP BY org`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: count stale cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			return nil, 0, fmt.Errorf("sqlstore: count stale cases: %w", err)
		}
		stale[o] = n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlstore: count stale cases: %w", err)
	}
	total := 0
	if org != "" {
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE org = $1`, []any{org}, &total); err != nil {
			return nil, 0, fmt.Errorf("sqlstore: count cases: %w", err)
		}
	}
	return stale, total, nil
}

// CasesWithRules returns up to limit cases whose digest is digest after
// (afterOrg, afterID), in (org, id) order: one range of the cases_rules
// index. Each has what re-evaluating and storing it needs: its history,
// sealed identity, version, and the assignee and team its segments and
// deadlines repeat.
func (s *Store) CasesWithRules(ctx context.Context, digest, afterOrg, afterID string, limit int) ([]*caseload.Case, error) {
	rows, err := s.query(ctx, `SELECT id, org, history, identity, version, assignee, team FROM cases
		WHERE rules_digest = $1 AND (org > $2 OR (org = $2 AND id > $3))
		ORDER BY org, id LIMIT $4`, digest, afterOrg, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: stale cases: %w", err)
	}
	defer rows.Close()
	var out []*caseload.Case
	for rows.Next() {
		c := &caseload.Case{}
		var hist []byte
		if err := rows.Scan(&c.ID, &c.Org, &hist, &c.Sealed, &c.Version, &c.Assignee, &c.Team); err != nil {
			return nil, fmt.Errorf("sqlstore: stale cases: %w", err)
		}
		if err := json.Unmarshal(hist, &c.History); err != nil {
			return nil, fmt.Errorf("sqlstore: case %s history: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Reevaluated stores the re-evaluated summaries, digests, segments and
// deadlines of cs in one transaction, while l is held, with evs. Versions
// and updated times are left alone: re-evaluation is not a user's change.
// Of the segments and deadlines, only the rows that differ from the stored
// ones are written (reeval_timeline.go).
func (s *Store) Reevaluated(ctx context.Context, l caseload.Lease, cs []*caseload.Case, evs ...*audit.Entry) (int, error) {
	var stored int
	err := s.inTx(ctx, "re-evaluate", func(tx *sql.Tx) error {
		stored = 0
		if err := s.holdLease(ctx, tx, l); err != nil {
			return err
		}
		sums := make([]string, len(cs))
		for i, c := range cs {
			b, err := json.Marshal(summaryJSON(c.Summary))
			if err != nil {
				return err
			}
			sums[i] = string(b)
		}
		var (
			done []*caseload.Case
			err  error
		)
		if s.d.name == "postgres" {
			done, err = s.reevaluatedPostgres(ctx, tx, cs, sums)
		} else {
			done, err = s.reevaluatedSQLite(ctx, tx, cs, sums)
		}
		if err != nil {
			return err
		}
		if err := s.writeTimelines(ctx, tx, done); err != nil {
			return err
		}
		if err := s.putRuleSets(ctx, tx, done); err != nil {
			return err
		}
		stored = len(done)
		return s.appendAudits(ctx, tx, evs)
	})
	if err != nil {
		return 0, err
	}
	s.knowRuleSets(cs)
	return stored, nil
}

// holdLease renews l to l.Until within tx, or, when l.Until is zero,
// checks that l.Holder holds it. On PostgreSQL the check takes a share
// lock on the lease row, which lets several writers of one holder commit
// side by side but makes TakeLease, a row update, wait until they have: a
// server never takes over the lease while another's batch may still
// commit. SQLite's writers take turns anyway.
func (s *Store) holdLease(ctx context.Context, tx *sql.Tx, l caseload.Lease) error {
	if l.Until.IsZero() {
		q := `SELECT 1 FROM leases WHERE name = $1 AND holder = $2`
		if s.d.name == "postgres" {
			q += ` FOR SHARE`
		}
		var one int
		err := tx.QueryRowContext(ctx, q, l.Name, l.Holder).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return caseload.ErrLeaseLost
		}
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE leases SET expires_us = $3 WHERE name = $1 AND holder = $2`, l.Name, l.Holder, l.Until.UnixMicro())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return caseload.ErrLeaseLost
	}
	return nil
}

// reevaluatedSQLite updates cs one prepared statement a row, which SQLite
// runs fast within a transaction, and returns those whose version was
// still theirs.
func (s *Store) reevaluatedSQLite(ctx context.Context, tx *sql.Tx, cs []*caseload.Case, sums []string) ([]*caseload.Case, error) {
	upd, err := tx.PrepareContext(ctx, `UPDATE cases SET summary = $1, rules_digest = $2 WHERE id = $3 AND version = $4`)
	if err != nil {
		return nil, err
	}
	defer upd.Close()
	done := make([]*caseload.Case, 0, len(cs))
	for i, c := range cs {
		res, err := upd.ExecContext(ctx, sums[i], c.Summary.Rules.Digest, c.ID, c.Version)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return nil, err
			}
			continue // written meanwhile, and evaluated then
		}
		done = append(done, c)
	}
	return done, nil
}

// reevaluatedPostgres updates cs in one statement over arrays, and returns
// those whose version was still theirs.
// The ANY condition lets PostgreSQL find the rows by primary key: joined
// to the unnested arrays alone, it reads the whole table into a hash each
// batch, a cost that grows with the caseload.
func (s *Store) reevaluatedPostgres(ctx context.Context, tx *sql.Tx, cs []*caseload.Case, sums []string) ([]*caseload.Case, error) {
	ids := make([]string, len(cs))
	digests := make([]string, len(cs))
	versions := make([]int64, len(cs))
	byID := make(map[string]*caseload.Case, len(cs))
	for i, c := range cs {
		ids[i], digests[i], versions[i] = c.ID, c.Summary.Rules.Digest, c.Version
		byID[c.ID] = c
	}
	rows, err := tx.QueryContext(ctx, `UPDATE cases AS c SET summary = v.summary, rules_digest = v.digest
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS v(id, summary, digest, version)
		WHERE c.id = ANY($1::text[]) AND c.id = v.id AND c.version = v.version
		RETURNING c.id`, ids, sums, digests, versions)
	if err != nil {
		return nil, err
	}
	var updated []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		updated = append(updated, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	done := make([]*caseload.Case, 0, len(updated))
	for _, id := range updated {
		done = append(done, byID[id])
	}
	return done, nil
}

// TakeLease gives l.Name to l.Holder until l.Until if it is free, expired
// at now, or l.Holder's already.
func (s *Store) TakeLease(ctx context.Context, l caseload.Lease, now time.Time) (bool, error) {
	var took bool
	err := s.inTx(ctx, "take lease", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_us) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_us = excluded.expires_us
			WHERE leases.holder = excluded.holder OR leases.expires_us < $4`,
			l.Name, l.Holder, l.Until.UnixMicro(), now.UnixMicro())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		took = n > 0
		return err
	})
	return took, err
}

// ReleaseLease frees l.Name if l.Holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, l caseload.Lease) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, l.Name, l.Holder)
	if err != nil {
		return fmt.Errorf("sqlstore: release lease: %w", err)
	}
	return nil
}
