package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"visaclock/internal/caseimport"
	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

func TestSheetImportSQLite(t *testing.T)   { testSheetImport(t, openSQLite) }
func TestSheetImportPostgres(t *testing.T) { testSheetImport(t, openPostgres) }

// sheetErrors lists a report's errors as their English lines.
func sheetErrors(r *caseload.SheetReport) string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Error())
	}
	return strings.Join(out, "\n")
}

// testSheetImport imports the documented template end to end: a dry run
// stores nothing, the import stores every case with its identity sealed
// and audited in one transaction, importing it again changes nothing, a
// changed row or a row the rule packs refuse refuses the file whole with
// the line and column, and a failed commit leaves nothing.
func testSheetImport(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := open(t)
	svc := &caseload.Service{Store: st, Lookup: reg.Lookup, Now: (&clock{now: at("2026-11-10")}).Now, Keys: sqlstoretest.Keyring()}
	pa := admin("ngo-sheet")
	if _, _, err := svc.CreateOrg(ctx, pa.Org, "NGO sheet"); err != nil {
		t.Fatal(err)
	}
	refs := []string{"FV-2026-101", "US-2026-007", "SC-2026-040"}
	stored := func(t *testing.T) []caseload.Case {
		t.Helper()
		cs, err := st.CasesByReference(ctx, pa.Org, refs)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	entries := func(t *testing.T) []string {
		t.Helper()
		es, err := st.AuditEntries(ctx, pa.Org, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action+" "+e.Detail)
		}
		return out
	}
	summary := func(r *caseload.SheetReport) string {
		var b strings.Builder
		fmt.Fprintf(&b, "rows=%d created=%d unchanged=%d", r.Rows, r.Created, r.Unchanged)
		for _, c := range r.Cases {
			fmt.Fprintf(&b, "; %s %v %s %s %s g=%d t=%d e=%d id=%v", c.Reference, c.Lines, c.Action, c.State, c.AuthorizedUntil, c.Grants, c.Trips, c.Extensions, c.Identity)
		}
		return b.String()
	}
	tmpl := caseimport.Read(caseimport.Template)
	entries0 := entries(t)[0]

	t.Run("a dry run says what it would create, and stores nothing", func(t *testing.T) {
		r, err := svc.ImportSheet(ctx, pa, tmpl, true)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %s", err, sheetErrors(r))
		}
		want := "rows=5 created=3 unchanged=0; FV-2026-101 [2 3] create lawful 2026-11-18 g=1 t=2 e=1 id=true" +
			"; US-2026-007 [4] create overstay 2026-03-15 g=1 t=1 e=0 id=true; SC-2026-040 [5 6] create absent  g=1 t=2 e=0 id=false"
		if got := summary(r); got != want {
			t.Errorf("dry run:\n got %s\nwant %s", got, want)
		}
		for _, c := range r.Cases {
			if c.ID != "" {
				t.Errorf("a dry run names case %s", c.ID)
			}
		}
		if n := len(stored(t)); n != 0 {
			t.Errorf("a dry run stored %d cases", n)
		}
		if es := entries(t); len(es) != 1 {
			t.Errorf("a dry run audited %v", es) // beyond the organisation's creation
		}
	})

	t.Run("a failed commit stores nothing", func(t *testing.T) {
		sqlstore.FailBeforeCommit(st, "create new cases", errors.New("the connection is lost"))
		_, err := svc.ImportSheet(ctx, pa, tmpl, false)
		sqlstore.FailBeforeCommit(st, "", nil)
		if err == nil || !strings.Contains(err.Error(), "the connection is lost") {
			t.Fatalf("import with a failed commit: %v", err)
		}
		if n := len(stored(t)); n != 0 {
			t.Errorf("%d cases stored", n)
		}
		if es := entries(t); len(es) != 1 {
			t.Errorf("audited %v", es)
		}
	})

	var ids map[string]string
	t.Run("the import stores every case, sealed and audited", func(t *testing.T) {
		r, err := svc.ImportSheet(ctx, pa, tmpl, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) > 0 {
			t.Fatal(sheetErrors(r))
		}
		if r.Created != 3 || r.Unchanged != 0 {
			t.Errorf("%s", summary(r))
		}
		ids = map[string]string{}
		for _, c := range r.Cases {
			ids[c.Reference] = c.ID
		}
		cs := stored(t)
		if len(cs) != 3 {
			t.Fatalf("%d cases stored, want 3", len(cs))
		}
		for _, c := range cs {
			if ids[c.Reference] != c.ID || c.Assignee != pa.User {
				t.Errorf("stored %s as %s for %q, want %s for %q", c.Reference, c.ID, c.Assignee, ids[c.Reference], pa.User)
			}
			if strings.Contains(string(c.Sealed), "Ri Chun-hui") {
				t.Error("the name is stored in clear")
			}
		}
		fv, err := svc.Get(ctx, pa, ids["FV-2026-101"])
		if err != nil {
			t.Fatal(err)
		}
		ident, err := svc.Reveal(ctx, pa, fv)
		if err != nil || ident == nil || ident.Name != "Ri Chun-hui" || ident.Nationality != "DPRK" {
			t.Errorf("the identity revealed: %+v, %v", ident, err)
		}
		if fv.Summary.State != stay.StateLawful || fv.Notes != "Visits her daughter in Dalian" {
			t.Errorf("FV-2026-101: %+v %q", fv.Summary, fv.Notes)
		}
		want := []string{entries0, "case.create sheet", "case.create sheet", "case.create sheet", "case.import sheet rows=5 cases=3 unchanged=0", "identity.reveal "}
		if got := entries(t); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("audit %v, want %v", got, want)
		}
	})

	t.Run("importing the same file again creates nothing", func(t *testing.T) {
		before := len(entries(t))
		for _, dry := range []bool{true, false} {
			r, err := svc.ImportSheet(ctx, pa, caseimport.Read(caseimport.Template), dry)
			if err != nil || len(r.Errors) > 0 {
				t.Fatalf("%v %s", err, sheetErrors(r))
			}
			if r.Created != 0 || r.Unchanged != 3 {
				t.Errorf("again (dry run %v): %s", dry, summary(r))
			}
			for _, c := range r.Cases {
				if c.Action != caseload.SheetUnchanged || c.ID != ids[c.Reference] {
					t.Errorf("%s: %s %s, want unchanged %s", c.Reference, c.Action, c.ID, ids[c.Reference])
				}
			}
		}
		if n := len(stored(t)); n != 3 {
			t.Errorf("%d cases, want 3", n)
		}
		if n := len(entries(t)); n != before {
			t.Errorf("audited %d entries for nothing done", n-before)
		}
	})

	t.Run("a changed row, a row the packs refuse: the file is refused whole", func(t *testing.T) {
		changed := strings.Replace(string(caseimport.Template), "multiple,60", "multiple,90", 1) +
			"NEW-1,cn-family-visit,,,,,60,,,2026-05-01,2026-04-01,,,,,,,,,,,,,,,,\n" +
			"NEW-2,no-such-pack,,,,,,,,2026-05-01,,,,,,,,,,,,,,,,,\n" +
			"NEW-3,us-visitor,,,,,,,,2026-05-01,,,,,,,,,,,,,,2030-01-01,,,\n"
		r, err := svc.ImportSheet(ctx, pa, caseimport.Read([]byte(changed)), false)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join([]string{
			"line 2, column reference: a case with reference FV-2026-101 exists and differs from these rows: change it on its page, or give these rows another reference",
			"line 7, column exit: 2026-04-01 is before the entry 2026-05-01",
			`line 8, column rule: unknown rule pack "no-such-pack" (see 'visaclock rules list')`,
			"line 9, column birth_date: is after today; a date of birth is in the past",
		}, "\n")
		if got := sheetErrors(r); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
		if len(r.Cases) != 0 || r.Created != 0 {
			t.Errorf("a refused file reports cases: %s", summary(r))
		}
		all, err := st.CasesByReference(ctx, pa.Org, []string{"NEW-1", "NEW-2", "NEW-3", "SC-2026-040"})
		if err != nil || len(all) != 1 {
			t.Errorf("after a refused import: %d cases, %v; want only SC-2026-040", len(all), err)
		}
	})

	t.Run("a caseworker cannot import over a case out of reach", func(t *testing.T) {
		cw := caseload.Principal{User: "u_cw", Org: pa.Org, Role: caseload.RoleCaseworker}
		r, err := svc.ImportSheet(ctx, cw, caseimport.Read(caseimport.Template), true)
		if err != nil {
			t.Fatal(err)
		}
		if got := sheetErrors(r); !strings.HasPrefix(got, "line 2, column reference: a case with reference FV-2026-101 exists that you cannot reach") {
			t.Errorf("got %s", got)
		}
		viewer := caseload.Principal{User: "u_v", Org: pa.Org, Role: caseload.RoleViewer}
		if _, err := svc.ImportSheet(ctx, viewer, tmpl, true); !errors.Is(err, caseload.ErrForbidden) {
			t.Errorf("a viewer's import: %v, want forbidden", err)
		}
	})
}

func TestSheetImportsAtOnceSQLite(t *testing.T)   { testSheetImportsAtOnce(t, openSQLite) }
func TestSheetImportsAtOncePostgres(t *testing.T) { testSheetImportsAtOnce(t, openPostgres) }

// testSheetImportsAtOnce imports one file twice at once: the second import
// reads the references before the first commits, and still creates
// nothing, because the store checks them again in its transaction and the
// import starts again. The store refuses a taken reference on its own too.
func testSheetImportsAtOnce(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := open(t)
	svc := &caseload.Service{Store: st, Lookup: reg.Lookup, Now: (&clock{now: at("2026-11-10")}).Now, Keys: sqlstoretest.Keyring()}
	pa := admin("ngo-race")
	if _, _, err := svc.CreateOrg(ctx, pa.Org, "NGO race"); err != nil {
		t.Fatal(err)
	}
	tmpl := caseimport.Read(caseimport.Template)

	// The first import stops before its commit; the second reads then.
	reached, release := make(chan struct{}, 4), make(chan struct{})
	sqlstore.PauseBeforeCommit(st, "create new cases", reached, release)
	first := make(chan *caseload.SheetReport, 1)
	go func() {
		r, err := svc.ImportSheet(ctx, pa, tmpl, false)
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	<-reached
	found, err := st.CasesByReference(ctx, pa.Org, []string{"FV-2026-101", "US-2026-007", "SC-2026-040"})
	if err != nil || len(found) != 0 {
		t.Fatalf("before the first commits: %d cases, %v", len(found), err)
	}
	second := make(chan *caseload.SheetReport, 1)
	go func() {
		r, err := svc.ImportSheet(ctx, pa, tmpl, false)
		if err != nil {
			t.Error(err)
		}
		second <- r
	}()
	close(release)
	r1, r2 := <-first, <-second
	sqlstore.PauseBeforeCommit(st, "", nil, nil)
	if r1 == nil || r2 == nil {
		t.FailNow()
	}
	if r1.Created+r2.Created != 3 || r1.Unchanged+r2.Unchanged != 3 {
		t.Errorf("created %d+%d, unchanged %d+%d; want 3 created in all and 3 unchanged", r1.Created, r2.Created, r1.Unchanged, r2.Unchanged)
	}
	found, err = st.CasesByReference(ctx, pa.Org, []string{"FV-2026-101", "US-2026-007", "SC-2026-040"})
	if err != nil || len(found) != 3 {
		t.Errorf("after both: %d cases, %v; want 3", len(found), err)
	}

	c := found[0]
	c.ID = caseload.NewID("c_")
	if err := st.CreateNewCases(ctx, pa.Org, []*caseload.Case{&c}); !errors.Is(err, caseload.ErrReferenceTaken) {
		t.Errorf("a taken reference: %v, want ErrReferenceTaken", err)
	}
	if n, err := st.CasesByReference(ctx, pa.Org, []string{c.Reference}); err != nil || len(n) != 1 {
		t.Errorf("%d cases %s, %v; want 1", len(n), c.Reference, err)
	}
}
