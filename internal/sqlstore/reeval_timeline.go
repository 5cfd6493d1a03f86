package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"visaclock/internal/caseload"
)

// # Re-evaluation writes only what changed
//
// A pack change leaves most cases' spans and deadlines as they were: only
// their digest and summary change. Re-evaluation therefore reads, in its
// transaction and after the version check has locked (PostgreSQL) or the
// write lock holds (SQLite) the cases, the rows the cases have, compares
// them with the new ones, and deletes and inserts only the rows that
// differ. What is stored afterwards is exactly what deleting every row and
// inserting the new ones would store.

// segRow is a case_segments row less its case_id and org.
type segRow struct {
	from, until, rank, sortDay, authorized, deadline int64
	kind, assignee, team                             string
}

// dlRow is a case_deadlines row less its case_id and org.
type dlRow struct {
	day                  int64
	kind, assignee, team string
}

func segRowsOf(c *caseload.Case) []segRow {
	rows := make([]segRow, len(c.Segments))
	for i, seg := range c.Segments {
		rows[i] = segRow{int64(seg.From), int64(seg.Until), int64(stateRank(seg.State)), int64(sortDay(seg)),
			int64(seg.AuthorizedUntil), int64(seg.Deadline), seg.DeadlineKind, c.Assignee, c.Team}
	}
	return rows
}

func dlRowsOf(c *caseload.Case) []dlRow {
	rows := make([]dlRow, len(c.Deadlines))
	for i, d := range c.Deadlines {
		rows[i] = dlRow{int64(d.Date), d.Kind, c.Assignee, c.Team}
	}
	return rows
}

// timelineDiff is what turns the stored rows of some cases into their new
// ones: the cases all of whose rows go, single rows to delete (by primary
// key), rows to update in place (same primary key, other values: no
// foreign-key check, and no index entry when only unindexed columns
// change) and rows to insert.
type timelineDiff struct {
	clearSeg, clearDl []string
	delSeg, updSeg    []keyed[segRow]
	delDl, updDl      []keyed[dlRow]
	insSeg            []keyed[segRow]
	insDl             []keyed[dlRow]
}

type keyed[R any] struct {
	c   *caseload.Case
	row R
}

func segKey(r segRow) int64 { return r.from }

type dlKeyT struct {
	day  int64
	kind string
}

func dlKey(r dlRow) dlKeyT { return dlKeyT{r.day, r.kind} }

// diffRows adds to d's lists what turns old into new for c, rows keyed by
// their primary key (less case_id): rows of old that new has unchanged
// stay, rows whose key both have are updated, the others deleted or
// inserted. When no row of old stays or is updated, c's rows are cleared
// in one statement rather than one at a time.
func diffRows[R comparable, K comparable](c *caseload.Case, old, new []R, key func(R) K,
	clear *[]string, del, upd, ins *[]keyed[R]) {
	matched := make([]bool, len(old))
	nMatched := 0
	for _, n := range new {
		k := key(n)
		j := slices.IndexFunc(old, func(o R) bool { return key(o) == k })
		switch {
		case j < 0:
			*ins = append(*ins, keyed[R]{c, n})
			continue
		case old[j] != n:
			*upd = append(*upd, keyed[R]{c, n})
		}
		matched[j] = true
		nMatched++
	}
	switch nMatched {
	case len(old):
	case 0:
		*clear = append(*clear, c.ID)
	default:
		for j, o := range old {
			if !matched[j] {
				*del = append(*del, keyed[R]{c, o})
			}
		}
	}
}

// diffTimelines compares the new segments and deadlines of cs with the
// stored ones, segs and dls by case id.
func diffTimelines(cs []*caseload.Case, segs map[string][]segRow, dls map[string][]dlRow) *timelineDiff {
	d := &timelineDiff{}
	for _, c := range cs {
		diffRows(c, segs[c.ID], segRowsOf(c), segKey, &d.clearSeg, &d.delSeg, &d.updSeg, &d.insSeg)
		diffRows(c, dls[c.ID], dlRowsOf(c), dlKey, &d.clearDl, &d.delDl, &d.updDl, &d.insDl)
	}
	return d
}

// readTimelines returns the stored segments and deadlines of the cases
// ids, by case id.
func (s *Store) readTimelines(ctx context.Context, tx *sql.Tx, ids []string) (map[string][]segRow, map[string][]dlRow, error) {
	segs := make(map[string][]segRow, len(ids))
	dls := make(map[string][]dlRow, len(ids))
	if len(ids) == 0 {
		return segs, dls, nil
	}
	const segCols = `case_id, from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind, assignee, team`
	const dlCols = `case_id, day, kind, assignee, team`
	scanSegs := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var id string
			var r segRow
			if err := rows.Scan(&id, &r.from, &r.until, &r.rank, &r.sortDay, &r.authorized, &r.deadline, &r.kind, &r.assignee, &r.team); err != nil {
				return err
			}
			segs[id] = append(segs[id], r)
		}
		return rows.Err()
	}
	scanDls := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var id string
			var r dlRow
			if err := rows.Scan(&id, &r.day, &r.kind, &r.assignee, &r.team); err != nil {
				return err
			}
			dls[id] = append(dls[id], r)
		}
		return rows.Err()
	}
	if s.d.name == "postgres" {
		rows, err := tx.QueryContext(ctx, `SELECT `+segCols+` FROM case_segments WHERE case_id = ANY($1::text[])`, ids)
		if err != nil {
			return nil, nil, err
		}
		if err := scanSegs(rows); err != nil {
			return nil, nil, err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+dlCols+` FROM case_deadlines WHERE case_id = ANY($1::text[])`, ids)
		if err != nil {
			return nil, nil, err
		}
		return segs, dls, scanDls(rows)
	}
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		in := inList(1, len(part))
		rows, err := tx.QueryContext(ctx, `SELECT `+segCols+` FROM case_segments WHERE case_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, nil, err
		}
		if err := scanSegs(rows); err != nil {
			return nil, nil, err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+dlCols+` FROM case_deadlines WHERE case_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, nil, err
		}
		if err := scanDls(rows); err != nil {
			return nil, nil, err
		}
	}
	return segs, dls, nil
}

// writeTimelines brings the stored segments and deadlines of cs to their
// new ones, writing only the rows that differ.
func (s *Store) writeTimelines(ctx context.Context, tx *sql.Tx, cs []*caseload.Case) error {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	segs, dls, err := s.readTimelines(ctx, tx, ids)
	if err != nil {
		return fmt.Errorf("read timelines: %w", err)
	}
	d := diffTimelines(cs, segs, dls)
	if s.d.name == "postgres" {
		return s.writeDiffPostgres(ctx, tx, d)
	}
	return s.writeDiffSQLite(ctx, tx, d)
}

const (
	segInsertCols = "case_segments (case_id, org, from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind, assignee, team)"
	dlInsertCols  = "case_deadlines (case_id, org, day, kind, assignee, team)"
)

// writeDiffPostgres writes d in at most eight statements, whatever the
// number of cases: arrays bound as parameters and unnested. Each names
// the cases with case_id = ANY, so that PostgreSQL finds the rows by
// primary key rather than hashing the whole table.
func (s *Store) writeDiffPostgres(ctx context.Context, tx *sql.Tx, d *timelineDiff) error {
	for _, cl := range []struct {
		table string
		ids   []string
	}{{"case_segments", d.clearSeg}, {"case_deadlines", d.clearDl}} {
		if len(cl.ids) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+cl.table+` WHERE case_id = ANY($1::text[])`, cl.ids); err != nil {
			return err
		}
	}
	if n := len(d.delSeg); n > 0 {
		ids, from := make([]string, n), make([]int64, n)
		for i, k := range d.delSeg {
			ids[i], from[i] = k.c.ID, k.row.from
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_segments WHERE case_id = ANY($1::text[]) AND (case_id, from_day) IN
			(SELECT * FROM unnest($1::text[], $2::bigint[]))`, ids, from); err != nil {
			return err
		}
	}
	if n := len(d.delDl); n > 0 {
		ids, day, kind := make([]string, n), make([]int64, n), make([]string, n)
		for i, k := range d.delDl {
			ids[i], day[i], kind[i] = k.c.ID, k.row.day, k.row.kind
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_deadlines WHERE case_id = ANY($1::text[]) AND (case_id, day, kind) IN
			(SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]))`, ids, day, kind); err != nil {
			return err
		}
	}
	if n := len(d.updSeg); n > 0 {
		ids := make([]string, n)
		from, until, rank, sd, au, dl := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		kind, asg, team := make([]string, n), make([]string, n), make([]string, n)
		for i, k := range d.updSeg {
			r := k.row
			ids[i] = k.c.ID
			from[i], until[i], rank[i], sd[i], au[i], dl[i] = r.from, r.until, r.rank, r.sortDay, r.authorized, r.deadline
			kind[i], asg[i], team[i] = r.kind, r.assignee, r.team
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_segments AS s SET until_day = v.until_day, state_rank = v.state_rank,
				sort_day = v.sort_day, authorized_until = v.authorized_until, deadline = v.deadline, deadline_kind = v.deadline_kind,
				assignee = v.assignee, team = v.team
			FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
				$8::text[], $9::text[], $10::text[])
				AS v(case_id, from_day, until_day, state_rank, sort_day, authorized_until, deadline, deadline_kind, assignee, team)
			WHERE s.case_id = ANY($1::text[]) AND s.case_id = v.case_id AND s.from_day = v.from_day`,
			ids, from, until, rank, sd, au, dl, kind, asg, team); err != nil {
			return err
		}
	}
	if n := len(d.updDl); n > 0 {
		ids, day := make([]string, n), make([]int64, n)
		kind, asg, team := make([]string, n), make([]string, n), make([]string, n)
		for i, k := range d.updDl {
			ids[i], day[i] = k.c.ID, k.row.day
			kind[i], asg[i], team[i] = k.row.kind, k.row.assignee, k.row.team
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_deadlines AS d SET assignee = v.assignee, team = v.team
			FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS v(case_id, day, kind, assignee, team)
			WHERE d.case_id = ANY($1::text[]) AND d.case_id = v.case_id AND d.day = v.day AND d.kind = v.kind`, ids, day, kind, asg, team); err != nil {
			return err
		}
	}
	if n := len(d.insSeg); n > 0 {
		ids, orgs := make([]string, n), make([]string, n)
		from, until, rank, sd, au, dl := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		kind, asg, team := make([]string, n), make([]string, n), make([]string, n)
		for i, k := range d.insSeg {
			r := k.row
			ids[i], orgs[i] = k.c.ID, k.c.Org
			from[i], until[i], rank[i], sd[i], au[i], dl[i] = r.from, r.until, r.rank, r.sortDay, r.authorized, r.deadline
			kind[i], asg[i], team[i] = r.kind, r.assignee, r.team
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+segInsertCols+` SELECT * FROM unnest($1::text[], $2::text[],
			$3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[])`,
			ids, orgs, from, until, rank, sd, au, dl, kind, asg, team); err != nil {
			return err
		}
	}
	if n := len(d.insDl); n > 0 {
		ids, orgs, day := make([]string, n), make([]string, n), make([]int64, n)
		kind, asg, team := make([]string, n), make([]string, n), make([]string, n)
		for i, k := range d.insDl {
			ids[i], orgs[i], day[i] = k.c.ID, k.c.Org, k.row.day
			kind[i], asg[i], team[i] = k.row.kind, k.row.assignee, k.row.team
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+dlInsertCols+` SELECT * FROM unnest($1::text[], $2::text[],
			$3::bigint[], $4::text[], $5::text[], $6::text[])`, ids, orgs, day, kind, asg, team); err != nil {
			return err
		}
	}
	return nil
}

// writeDiffSQLite writes d one prepared statement a row, which SQLite
// runs fast within a transaction.
func (s *Store) writeDiffSQLite(ctx context.Context, tx *sql.Tx, d *timelineDiff) error {
	exec := func(q string, n int, args func(i int) []any) error {
		if n == 0 {
			return nil
		}
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range n {
			if _, err := st.ExecContext(ctx, args(i)...); err != nil {
				return err
			}
		}
		return nil
	}
	steps := []struct {
		q    string
		n    int
		args func(i int) []any
	}{
		{`DELETE FROM case_segments WHERE case_id = $1`, len(d.clearSeg), func(i int) []any { return []any{d.clearSeg[i]} }},
		{`DELETE FROM case_deadlines WHERE case_id = $1`, len(d.clearDl), func(i int) []any { return []any{d.clearDl[i]} }},
		{`DELETE FROM case_segments WHERE case_id = $1 AND from_day = $2`, len(d.delSeg), func(i int) []any {
			return []any{d.delSeg[i].c.ID, d.delSeg[i].row.from}
		}},
		{`DELETE FROM case_deadlines WHERE case_id = $1 AND day = $2 AND kind = $3`, len(d.delDl), func(i int) []any {
			return []any{d.delDl[i].c.ID, d.delDl[i].row.day, d.delDl[i].row.kind}
		}},
		{`UPDATE case_segments SET until_day = $3, state_rank = $4, sort_day = $5, authorized_until = $6, deadline = $7,
				deadline_kind = $8, assignee = $9, team = $10 WHERE case_id = $1 AND from_day = $2`, len(d.updSeg), func(i int) []any {
			k := d.updSeg[i]
			r := k.row
			return []any{k.c.ID, r.from, r.until, r.rank, r.sortDay, r.authorized, r.deadline, r.kind, r.assignee, r.team}
		}},
		{`UPDATE case_deadlines SET assignee = $4, team = $5 WHERE case_id = $1 AND day = $2 AND kind = $3`, len(d.updDl), func(i int) []any {
			k := d.updDl[i]
			return []any{k.c.ID, k.row.day, k.row.kind, k.row.assignee, k.row.team}
		}},
		{`INSERT INTO ` + segInsertCols + ` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, len(d.insSeg), func(i int) []any {
			k := d.insSeg[i]
			r := k.row
			return []any{k.c.ID, k.c.Org, r.from, r.until, r.rank, r.sortDay, r.authorized, r.deadline, r.kind, r.assignee, r.team}
		}},
		{`INSERT INTO ` + dlInsertCols + ` VALUES ($1, $2, $3, $4, $5, $6)`, len(d.insDl), func(i int) []any {
			k := d.insDl[i]
			return []any{k.c.ID, k.c.Org, k.row.day, k.row.kind, k.row.assignee, k.row.team}
		}},
	}
	for _, st := range steps {
		if err := exec(st.q, st.n, st.args); err != nil {
			return err
		}
	}
	return nil
}
