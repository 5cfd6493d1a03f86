package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

func openSQLite(t *testing.T) *sqlstore.Store   { return sqlstoretest.SQLite(t) }
func openPostgres(t *testing.T) *sqlstore.Store { return sqlstoretest.Postgres(t, "vc_test_") }

func TestSQLite(t *testing.T)   { testStore(t, openSQLite) }
func TestPostgres(t *testing.T) { testStore(t, openPostgres) }

// clock is a settable clock for the service.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// admin is an admin of org, as the service sees one.
func admin(org string) caseload.Principal {
	if org == "" {
		org = caseload.DefaultOrg
	}
	return caseload.Principal{User: "u_admin", Org: org, Role: caseload.RoleAdmin}
}

func day(s string) date.Date { return date.MustParse(s) }

func at(s string) time.Time {
	y, m, d := day(s).YMD()
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

// testStore is the conformance suite every caseload.Store must pass.
func testStore(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	newService := func(t *testing.T) (*caseload.Service, *clock) {
		clk := &clock{now: at("2026-01-10")}
		return &caseload.Service{Store: open(t), Lookup: reg.Lookup, Now: clk.Now}, clk
	}
	schengen := func(entry, exit string) stay.History {
		h := stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}, Trips: []stay.Trip{{Entry: day(entry)}}}
		if exit != "" {
			h.Trips[0].Exit = day(exit)
		}
		return h
	}

	t.Run("migrations apply once, also when servers start together", func(t *testing.T) {
		s := open(t)
		errs := make(chan error, 4)
		for range 4 {
			go func() { _, err := s.Migrate(ctx); errs <- err }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Migrate: %v", err)
			}
		}
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("another Migrate applied %v, %v; want nothing", applied, err)
		}
	})

	t.Run("create and find", func(t *testing.T) {
		svc, _ := newService(t)
		c := &caseload.Case{Reference: "A-1", Notes: "first visit", History: schengen("2026-01-01", "")}
		if err := svc.Create(ctx, admin(c.Org), c); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Store.FindCase(ctx, caseload.DefaultOrg, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reference != "A-1" || got.Notes != "first visit" || got.Version != 1 || got.History.String() != c.History.String() {
			t.Errorf("found %+v, want what was stored", got)
		}
		if !slices.Equal(got.Segments, c.Segments) || len(got.Segments) == 0 {
			t.Errorf("segments %+v, want %+v", got.Segments, c.Segments)
		}
		if got.Summary != c.Summary || got.Summary.State != stay.StateLawful || got.Summary.AuthorizedUntil != day("2026-03-31") {
			t.Errorf("summary %+v", got.Summary)
		}
		if !got.Created.Equal(c.Created) {
			t.Errorf("created %v, want %v", got.Created, c.Created)
		}
	})

	t.Run("organisations do not see each other's cases", func(t *testing.T) {
		svc, _ := newService(t)
		c := &caseload.Case{Org: "ngo-a", Reference: "A-1", History: schengen("2026-01-01", "")}
		if err := svc.Create(ctx, admin(c.Org), c); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Store.FindCase(ctx, "ngo-b", c.ID); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("FindCase from another org = %v, want not found", err)
		}
		c2 := *c
		c2.Org = "ngo-b"
		if err := svc.Store.UpdateCase(ctx, &c2, nil); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("UpdateCase from another org = %v, want not found", err)
		}
		if err := svc.Store.DeleteCase(ctx, "ngo-b", c.ID, 0, nil); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("DeleteCase from another org = %v, want not found", err)
		}
		items, _, err := svc.Store.FindCases(ctx, "ngo-b", caseload.Filter{On: day("2026-01-10")})
		if err != nil || len(items) != 0 {
			t.Errorf("another org's list = %v, %v; want empty", items, err)
		}
		entries, err := svc.Store.Deadlines(ctx, "ngo-b", "", "", day("2026-01-01"))
		if err != nil || len(entries) != 0 {
			t.Errorf("another org's deadlines = %v, %v; want none", entries, err)
		}
		if _, err := svc.Store.FindCase(ctx, "ngo-a", c.ID); err != nil {
			t.Errorf("the owner cannot find its case: %v", err)
		}
	})

	t.Run("no update is lost", func(t *testing.T) {
		svc, _ := newService(t)
		c := &caseload.Case{Reference: "A-1", History: schengen("2026-01-01", "")}
		if err := svc.Create(ctx, admin(c.Org), c); err != nil {
			t.Fatal(err)
		}
		first, err := svc.Update(ctx, admin(caseload.DefaultOrg), c.ID, 1, "notes", func(c *caseload.Case) error { c.Notes = "one"; return nil })
		if err != nil || first.Version != 2 {
			t.Fatalf("update = %v, %v; want version 2", first, err)
		}
		if _, err := svc.Update(ctx, admin(caseload.DefaultOrg), c.ID, 1, "notes", func(c *caseload.Case) error { c.Notes = "two"; return nil }); !errors.Is(err, caseload.ErrConflict) {
			t.Fatalf("update at a stale version = %v, want conflict", err)
		}
		stale := *first
		stale.Version = 1
		if err := svc.Store.UpdateCase(ctx, &stale, nil); !errors.Is(err, caseload.ErrConflict) {
			t.Fatalf("store update at a stale version = %v, want conflict", err)
		}
		got, _ := svc.Store.FindCase(ctx, caseload.DefaultOrg, c.ID)
		if got.Notes != "one" || got.Version != 2 {
			t.Errorf("after the conflict: notes %q version %d", got.Notes, got.Version)
		}
		if err := svc.Store.DeleteCase(ctx, caseload.DefaultOrg, c.ID, 1, nil); !errors.Is(err, caseload.ErrConflict) {
			t.Errorf("delete at a stale version = %v, want conflict", err)
		}
		if err := svc.Store.DeleteCase(ctx, caseload.DefaultOrg, c.ID, 9_999_999_999, nil); !errors.Is(err, caseload.ErrConflict) {
			t.Errorf("delete at a version beyond 32 bits = %v, want conflict", err)
		}
		if err := svc.Store.DeleteCase(ctx, caseload.DefaultOrg, c.ID, 2, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Store.FindCase(ctx, caseload.DefaultOrg, c.ID); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := svc.Store.DeleteCase(ctx, caseload.DefaultOrg, c.ID, 0, nil); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("delete twice = %v, want not found", err)
		}
	})

	t.Run("the working list follows the calendar", func(t *testing.T) {
		svc, clk := newService(t)
		mk := func(ref string, h stay.History) string {
			c := &caseload.Case{Reference: ref, History: h}
			if err := svc.Create(ctx, admin(c.Org), c); err != nil {
				t.Fatal(err)
			}
			return ref
		}
		// Entered 2025-11-01: 90 days end on 2026-01-29; the 91st, 01-30, is unlawful.
		mk("ends-jan-29", schengen("2025-11-01", ""))
		// Already overstaying since 2025-12-01.
		mk("over", schengen("2025-09-02", ""))
		// Lawful until 2026-03-31.
		mk("ends-mar-31", schengen("2026-01-01", ""))
		// A family visit with a timely extension pending past expiry.
		mk("pending", stay.History{Grants: []stay.Grant{{ID: "q2", Rule: "cn-family-visit", StayDays: 30}},
			Trips:      []stay.Trip{{Entry: day("2025-12-01")}},
			Extensions: []stay.Extension{{Filed: day("2025-12-20"), Outcome: stay.Pending}}})
		// Gone: absent.
		mk("gone", schengen("2025-10-01", "2025-10-20"))

		list := func(f caseload.Filter) []string {
			t.Helper()
			items, next, err := svc.Store.FindCases(ctx, caseload.DefaultOrg, f)
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Fatalf("unexpected next page")
			}
			var refs []string
			for _, it := range items {
				refs = append(refs, it.Reference+":"+string(it.State))
			}
			return refs
		}
		on := func(s string) caseload.Filter {
			return caseload.Filter{On: day(s), Due: true, DueWithin: 14, States: []stay.State{stay.StateOverstay, stay.StatePending, stay.StateLawful}}
		}
		want := []string{"over:overstay", "pending:pending", "ends-jan-29:lawful"}
		if got := list(on("2026-01-20")); !slices.Equal(got, want) {
			t.Errorf("on 2026-01-20: %v, want %v", got, want)
		}
		// Ten days later, with no write in between, the stay that ended on
		// 01-29 is an overstay, listed after the older one.
		clk.now = at("2026-01-30")
		want = []string{"over:overstay", "ends-jan-29:overstay", "pending:pending"}
		if got := list(on("2026-01-30")); !slices.Equal(got, want) {
			t.Errorf("on 2026-01-30: %v, want %v", got, want)
		}
		// In late March the last lawful one comes due.
		want = []string{"over:overstay", "ends-jan-29:overstay", "pending:pending", "ends-mar-31:lawful"}
		if got := list(on("2026-03-25")); !slices.Equal(got, want) {
			t.Errorf("on 2026-03-25: %v, want %v", got, want)
		}
		// Due within 0 days: only what falls due that very day.
		due0 := caseload.Filter{On: day("2026-01-29"), Due: true, States: []stay.State{stay.StateLawful}}
		if got := list(due0); !slices.Equal(got, []string{"ends-jan-29:lawful"}) {
			t.Errorf("due within 0 days on 2026-01-29: %v", got)
		}
		// All states, no deadline filter.
		all := list(caseload.Filter{On: day("2026-01-20")})
		if len(all) != 5 || all[4] != "gone:absent" {
			t.Errorf("everything on 2026-01-20: %v", all)
		}
	})

	t.Run("pages follow each other without gaps or repeats", func(t *testing.T) {
		svc, _ := newService(t)
		var want []string
		for i := range 23 {
			entry := day("2025-11-01").AddDays(i * 3)
			c := &caseload.Case{Reference: "P-" + entry.String(), History: schengen(entry.String(), "")}
			if err := svc.Create(ctx, admin(c.Org), c); err != nil {
				t.Fatal(err)
			}
			want = append(want, c.ID)
		}
		var got []string
		f := caseload.Filter{On: day("2026-01-20"), Limit: 5}
		for range 10 {
			items, next, err := svc.Store.FindCases(ctx, caseload.DefaultOrg, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				got = append(got, it.ID)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("paged through %d cases, want %d, each once", len(got), len(want))
		}
		if _, _, err := svc.Store.FindCases(ctx, caseload.DefaultOrg, caseload.Filter{On: day("2026-01-20"), Cursor: "bogus"}); caseload.ErrorCode(err) != caseload.EInvalid {
			t.Errorf("a bad cursor = %v, want invalid", err)
		}
	})

	t.Run("calendar tokens and deadlines", func(t *testing.T) {
		svc, clk := newService(t)
		c := &caseload.Case{Reference: "CAL-1", History: schengen("2026-01-01", "")}
		if err := svc.Create(ctx, admin(c.Org), c); err != nil {
			t.Fatal(err)
		}
		hash := []byte("0123456789abcdef0123456789abcdef")
		id := caseload.NewID("cal_")
		if err := svc.Store.CreateCalendarToken(ctx, caseload.DefaultOrg, "u_1", id, hash, clk.now, nil); err != nil {
			t.Fatal(err)
		}
		org, user, err := svc.Store.FindCalendarToken(ctx, hash)
		if err != nil || org != caseload.DefaultOrg || user != "u_1" {
			t.Fatalf("token lookup = %q, %q, %v", org, user, err)
		}
		if err := svc.Store.RevokeCalendarToken(ctx, "other-org", "u_1", id, nil); caseload.ErrorCode(err) != caseload.ENotFound {
			t.Errorf("revoking from another org = %v, want not found", err)
		}
		if err := svc.Store.RevokeCalendarToken(ctx, caseload.DefaultOrg, "u_1", id, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Store.FindCalendarToken(ctx, hash); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("a revoked token still works: %v", err)
		}
		entries, err := svc.Store.Deadlines(ctx, caseload.DefaultOrg, "", "", day("2026-01-10"))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Kind != stay.MustLeaveBy || entries[0].Date != day("2026-03-31") || entries[0].Reference != "CAL-1" {
			t.Errorf("deadlines = %+v, want must_leave_by 2026-03-31", entries)
		}
	})
}
