package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
	"visaclock/internal/vault"
)

func TestChangeAndAuditTogetherSQLite(t *testing.T)   { testChangeAndAudit(t, openSQLite) }
func TestChangeAndAuditTogetherPostgres(t *testing.T) { testChangeAndAudit(t, openPostgres) }

// testChangeAndAudit: every change and its audit entry share one
// transaction. A failure after the change and before the commit leaves
// neither; a change that lands has its entry, and `audit verify` counts
// every one.
func testChangeAndAudit(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	errCrash := errors.New("injected: the database went away before the commit")
	const org = "ngo-audit"
	p := admin(org)
	setup := func(t *testing.T) (*caseload.Service, *sqlstore.Store) {
		t.Helper()
		st := open(t)
		clk := &clock{now: at("2026-01-10")}
		svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateOrg(ctx, org, "NGO"); err != nil {
			t.Fatal(err)
		}
		return svc, st
	}
	entries := func(t *testing.T, st *sqlstore.Store) []audit.Entry {
		t.Helper()
		es, err := st.AuditEntries(ctx, "", 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	// verified checks the whole chain, as `visaclock audit verify` does,
	// and that it counted every entry.
	verified := func(t *testing.T, st *sqlstore.Store, kr *vault.Keyring) {
		t.Helper()
		chain, err := caseload.OpenAudit(ctx, st, kr)
		if err != nil {
			t.Fatal(err)
		}
		n, err := caseload.VerifyAudit(ctx, st, chain)
		if want := len(entries(t, st)); err != nil || n != want {
			t.Errorf("VerifyAudit = %d, %v; want all %d entries", n, err, want)
		}
	}
	last := func(t *testing.T, st *sqlstore.Store) audit.Entry {
		t.Helper()
		es := entries(t, st)
		if len(es) == 0 {
			t.Fatal("no audit entries")
		}
		return es[len(es)-1]
	}

	t.Run("calendar tokens", func(t *testing.T) {
		svc, st := setup(t)
		hash := []byte("0123456789abcdef0123456789abcdef")
		before := len(entries(t, st))
		sqlstore.FailBeforeCommit(st, "create calendar token", errCrash)
		if _, err := svc.CreateCalendarToken(ctx, p, hash); !errors.Is(err, errCrash) {
			t.Fatalf("create with a failing commit = %v, want the injected failure", err)
		}
		if toks, err := svc.CalendarTokens(ctx, p); err != nil || len(toks) != 0 {
			t.Errorf("after a failed create: tokens %v, %v; want none", toks, err)
		}
		if got := len(entries(t, st)); got != before {
			t.Errorf("after a failed create: %d audit entries, want %d", got, before)
		}
		sqlstore.FailBeforeCommit(st, "", nil)
		id, err := svc.CreateCalendarToken(ctx, p, hash)
		if err != nil {
			t.Fatal(err)
		}
		if e := last(t, st); e.Action != "calendar.create" || e.Detail != "token="+id || e.Org != org || e.Actor != p.User {
			t.Errorf("audit of the create = %+v", e)
		}

		before = len(entries(t, st))
		sqlstore.FailBeforeCommit(st, "revoke calendar token", errCrash)
		if err := svc.RevokeCalendarToken(ctx, p, id); !errors.Is(err, errCrash) {
			t.Fatalf("revoke with a failing commit = %v, want the injected failure", err)
		}
		if _, _, err := st.FindCalendarToken(ctx, hash); err != nil {
			t.Errorf("after a failed revoke the token does not work: %v", err)
		}
		if got := len(entries(t, st)); got != before {
			t.Errorf("after a failed revoke: %d audit entries, want %d", got, before)
		}
		sqlstore.FailBeforeCommit(st, "", nil)
		if err := svc.RevokeCalendarToken(ctx, p, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.FindCalendarToken(ctx, hash); !errors.Is(err, caseload.ErrNotFound) {
			t.Errorf("a revoked token still works: %v", err)
		}
		if e := last(t, st); e.Action != "calendar.revoke" || e.Detail != "token="+id {
			t.Errorf("audit of the revoke = %+v", e)
		}
		// Revoking again changes nothing, and so audits nothing.
		before = len(entries(t, st))
		if err := svc.RevokeCalendarToken(ctx, p, id); caseload.ErrorCode(err) != caseload.ENotFound {
			t.Errorf("revoking twice = %v, want not found", err)
		}
		if got := len(entries(t, st)); got != before {
			t.Errorf("a revoke that changed nothing was audited")
		}
		verified(t, st, sqlstoretest.Keyring())
	})

	t.Run("key rotation", func(t *testing.T) {
		_, st := setup(t)
		k2, err := vault.NewMasterKey(2)
		if err != nil {
			t.Fatal(err)
		}
		kr2, err := vault.NewKeyring(k2, sqlstoretest.MasterKey())
		if err != nil {
			t.Fatal(err)
		}
		svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: (&clock{now: at("2026-01-10")}).Now, Keys: kr2})
		if err != nil {
			t.Fatal(err)
		}
		keys := func() [2][]byte {
			t.Helper()
			o, err := st.FindOrg(ctx, org)
			if err != nil {
				t.Fatal(err)
			}
			w, err := st.WrappedKey(ctx, "audit")
			if err != nil {
				t.Fatal(err)
			}
			return [2][]byte{o.DataKey, w}
		}
		was, before := keys(), len(entries(t, st))
		operator := caseload.Principal{User: "operator", Role: caseload.RoleAdmin}
		sqlstore.FailBeforeCommit(st, "rewrap keys", errCrash)
		if _, err := svc.RotateKeys(ctx, operator); !errors.Is(err, errCrash) {
			t.Fatalf("rotate with a failing commit = %v, want the injected failure", err)
		}
		if now := keys(); !slices.Equal(now[0], was[0]) || !slices.Equal(now[1], was[1]) {
			t.Error("a failed rotation changed the wrapped keys")
		}
		if got := len(entries(t, st)); got != before {
			t.Errorf("after a failed rotation: %d audit entries, want %d", got, before)
		}
		sqlstore.FailBeforeCommit(st, "", nil)
		n, err := svc.RotateKeys(ctx, operator)
		if err != nil || n != 2 {
			t.Fatalf("rotate = %d, %v; want 2 keys", n, err)
		}
		if now := keys(); slices.Equal(now[0], was[0]) || slices.Equal(now[1], was[1]) {
			t.Error("the rotation left a key as it was")
		}
		if e := last(t, st); e.Action != "keys.rotate" || e.Detail != "master=2" || e.Actor != "operator" || e.Org != "" {
			t.Errorf("audit of the rotation = %+v", e)
		}
		// The new master key alone opens the chain, which holds every entry.
		only2, err := vault.NewKeyring(k2)
		if err != nil {
			t.Fatal(err)
		}
		verified(t, st, only2)
	})

	t.Run("bulk creation", func(t *testing.T) {
		svc, st := setup(t)
		n := caseload.BatchSize + 5 // two transactions
		cases := func(yield func(*caseload.Case) bool) {
			for i := range n {
				h := stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}, Trips: []stay.Trip{{Entry: day("2026-01-01").AddDays(-i % 60)}}}
				if !yield(&caseload.Case{Reference: fmt.Sprintf("B-%05d", i), History: h}) {
					return
				}
			}
		}
		before := len(entries(t, st))
		sqlstore.FailBeforeCommit(st, "create cases", errCrash)
		if got, err := svc.CreateMany(ctx, p, cases); !errors.Is(err, errCrash) || got != 0 {
			t.Fatalf("bulk create with a failing commit = %d, %v; want 0 and the injected failure", got, err)
		}
		if ids, err := st.CaseIDs(ctx, org, "", 10); err != nil || len(ids) != 0 {
			t.Errorf("after a failed bulk create: cases %v, %v; want none", ids, err)
		}
		if got := len(entries(t, st)); got != before {
			t.Errorf("after a failed bulk create: %d audit entries, want %d", got, before)
		}
		sqlstore.FailBeforeCommit(st, "", nil)
		got, err := svc.CreateMany(ctx, p, cases)
		if err != nil || got != n {
			t.Fatalf("bulk create = %d, %v; want %d", got, err, n)
		}
		ids, err := st.CaseIDs(ctx, org, "", 2*n)
		if err != nil || len(ids) != n {
			t.Fatalf("stored %d cases, %v; want %d", len(ids), err, n)
		}
		var audited []string
		for _, e := range entries(t, st)[before:] {
			if e.Action != "case.create" || e.Org != org || e.Actor != p.User {
				t.Fatalf("bulk create audited %+v", e)
			}
			audited = append(audited, e.Case)
		}
		slices.Sort(audited)
		if !slices.Equal(audited, ids) {
			t.Errorf("audited %d cases, stored %d: want one entry a case", len(audited), len(ids))
		}
		c, err := svc.Get(ctx, p, ids[0])
		if err != nil || len(c.Segments) == 0 || c.Summary.State == "" || c.Version != 1 {
			t.Errorf("a bulk-created case = %+v, %v; want it evaluated as Create does", c, err)
		}
		// A case that does not validate stops the load before its batch.
		bad := func(yield func(*caseload.Case) bool) {
			yield(&caseload.Case{Reference: "", History: stay.History{}})
		}
		if got, err := svc.CreateMany(ctx, p, bad); caseload.ErrorCode(err) != caseload.EInvalid || got != 0 {
			t.Errorf("bulk create of an invalid case = %d, %v; want 0 and invalid", got, err)
		}
		verified(t, st, sqlstoretest.Keyring())
	})
}
