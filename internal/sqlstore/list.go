package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
)

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
		rows, err := s.query(ctx, `SELECT s.case_id, c.reference, s.sort_day, s.authorized_until, s.deadline, s.deadline_kind, c.version, c.identity, c.rules_digest, c.household, COALESCE(h.label, '')
			FROM case_segments s JOIN cases c ON c.id = s.case_id
			LEFT JOIN households h ON h.org = c.org AND h.id = c.household
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
			if err := rows.Scan(&it.ID, &it.Reference, &sd, &au, &dl, &it.DeadlineKind, &it.Version, &it.Sealed, &it.Rules, &it.Household, &it.HouseholdLabel); err != nil {
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
	rows, err := s.query(ctx, `SELECT c.id, c.reference, s.state_rank, s.sort_day, s.authorized_until, s.deadline, s.deadline_kind, c.version, c.identity, c.rules_digest, c.household, COALESCE(h.label, '')
		FROM cases c JOIN case_segments s ON s.case_id = c.id AND s.from_day <= $3 AND s.until_day >= $3
		LEFT JOIN households h ON h.org = c.org AND h.id = c.household
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
		if err := rows.Scan(&it.ID, &it.Reference, &rank, &sd, &au, &dl, &it.DeadlineKind, &it.Version, &it.Sealed, &it.Rules, &it.Household, &it.HouseholdLabel); err != nil {
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
