package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

func TestBirthDateSQLite(t *testing.T)   { testBirthDate(t, openSQLite) }
func TestBirthDatePostgres(t *testing.T) { testBirthDate(t, openPostgres) }

// The person of these tests: a US visitor admitted until 2023-11-20 (the
// I-94 date), so unlawfully present from 2023-11-21, who was born on
// 2006-03-01 and so turned 18 on 2024-03-01, partway through the overstay.
// The date of birth is given only in the sealed identity.
//
// INA 212(a)(9)(B)(iii)(I): "No period of time in which an alien is under
// 18 years of age shall be taken into account in determining the period of
// unlawful presence in the United States under clause (i)." The us-visitor
// pack says so with exclude_under_age: 18 on both bars: more than 180 days
// and less than one year bars re-entry for 3 years
// (INA 212(a)(9)(B)(i)(I)), one year or more (365 days) for 10 years
// (INA 212(a)(9)(B)(i)(II)), from departure.
const (
	bdBorn       = "2006-03-01"
	bdName       = "Kim Ha-eun 김하은"
	bdAdmitUntil = "2023-11-20"
	bdEntry      = "2023-05-21"
)

// usStay is the visitor's stay; exit "" for one still present.
func usStay(exit string) stay.History {
	h := stay.History{
		Grants: []stay.Grant{{ID: "b2", Rule: "us-visitor", AdmitUntil: day(bdAdmitUntil)}},
		Trips:  []stay.Trip{{Entry: day(bdEntry)}},
	}
	if exit != "" {
		h.Trips[0].Exit = day(exit)
	}
	return h
}

func testBirthDate(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := open(t)
	clk := &clock{now: at("2025-03-01")}
	svc := &caseload.Service{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()}
	const orgA, orgB = "ngo-born-a", "ngo-born-b"
	for _, org := range []string{orgA, orgB} {
		if _, _, err := svc.CreateOrg(ctx, org, "NGO "+org); err != nil {
			t.Fatal(err)
		}
	}
	pa, pb := admin(orgA), admin(orgB)
	withBorn := func() *caseload.Identity {
		return &caseload.Identity{Name: bdName, BirthDate: day(bdBorn)}
	}

	// bar evaluates the stored case as a read does (the live evaluation of
	// GET /v1/cases/{id}) and returns its one re-entry bar.
	bar := func(t *testing.T, id string) stay.Consequence {
		t.Helper()
		c, err := svc.Get(ctx, pa, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.History.Person != nil {
			t.Errorf("the stored history holds a person: %s", c.History.String())
		}
		h, err := svc.EngineHistory(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := stay.Prepare(&h, reg.Lookup)
		if err != nil {
			t.Fatal(err)
		}
		var bars []stay.Consequence
		for _, cs := range sc.Evaluate(svc.Today()).Consequences {
			if cs.Kind == stay.KindReentryBar {
				bars = append(bars, cs)
			}
		}
		if len(bars) != 1 {
			t.Fatalf("re-entry bars %+v, want one", bars)
		}
		return bars[0]
	}

	t.Run("an overstay that straddles the 18th birthday brings the 3-year bar, not the 10-year one", func(t *testing.T) {
		// Left on 2025-01-31. Unlawful presence 2023-11-21 to 2025-01-31:
		// 10 (Nov) + 31 (Dec) + 366 (2024) + 31 (Jan 2025) = 438 days. Under
		// (iii)(I) only the days from the 18th birthday count: 2024-03-01 to
		// 2025-01-31 = 365 - 28 = 337 days (2024-03-01 to 2025-02-28 is a
		// year without a leap day), more than 180 and less than a year: the
		// 3-year bar, from departure to 2028-01-31.
		c := &caseload.Case{Reference: "US-18-LEFT", History: usStay("2025-01-31"), Identity: withBorn()}
		if err := svc.Create(ctx, pa, c); err != nil {
			t.Fatal(err)
		}
		got := bar(t, c.ID)
		if got.Years != 3 || got.Days != 337 || got.Rule != "ina-212-a-9-b-i-I" || got.From != day("2025-01-31") || got.Until != day("2028-01-31") {
			t.Errorf("with the date of birth in the identity: %+v; want the 3-year bar on 337 days, 2025-01-31 to 2028-01-31", got)
		}

		// The same case with no date of birth counts all 438 days: one year
		// or more, the 10-year bar, to 2035-01-31.
		n := &caseload.Case{Reference: "US-18-LEFT-NOBIRTH", History: usStay("2025-01-31"), Identity: &caseload.Identity{Name: bdName}}
		if err := svc.Create(ctx, pa, n); err != nil {
			t.Fatal(err)
		}
		got = bar(t, n.ID)
		if got.Years != 10 || got.Days != 438 || got.Rule != "ina-212-a-9-b-i-II" || got.Until != day("2035-01-31") {
			t.Errorf("without a date of birth: %+v; want the 10-year bar on 438 days, to 2035-01-31", got)
		}
	})

	// leaveBy is the stored last day to leave before the 3-year bar, as
	// calendar feeds and lists read it.
	leaveBy := func(t *testing.T, org, id string) date.Date {
		t.Helper()
		ds, err := st.Deadlines(ctx, org, "", "", day("2024-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.CaseID == id && d.Kind == stay.LeaveToAvoidBar {
				return d.Date
			}
		}
		return 0
	}
	// Still present on 2024-01-10. With the date of birth no day so far
	// counts, and the 180th counted day, the last before the 3-year bar, is
	// 2024-03-01 + 179 days = 2024-08-27. Without it, 51 days count already
	// (2023-11-21 to 2024-01-10) and the 180th is 2024-05-18.
	wantBorn, wantNoBorn := day("2024-08-27"), day("2024-05-18")

	var presentID string
	t.Run("every write evaluates with the sealed date of birth", func(t *testing.T) {
		clk.now = at("2024-01-10")
		c := &caseload.Case{Reference: "US-18-PRESENT", History: usStay(""), Identity: withBorn()}
		if err := svc.Create(ctx, pa, c); err != nil {
			t.Fatal(err)
		}
		presentID = c.ID
		if got := leaveBy(t, orgA, c.ID); got != wantBorn {
			t.Errorf("after create: leave by %s, want %s", got, wantBorn)
		}
		// A write that leaves the identity as it is: the Service opens the
		// sealed one to evaluate.
		if _, err := svc.Update(ctx, pa, c.ID, 0, "notes", func(c *caseload.Case) error { c.Notes = "called"; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := leaveBy(t, orgA, c.ID); got != wantBorn {
			t.Errorf("after a notes update: leave by %s, want %s", got, wantBorn)
		}
		// Removing the identity removes its date of birth.
		if _, err := svc.Update(ctx, pa, c.ID, 0, "identity", func(c *caseload.Case) error { c.Identity = &caseload.Identity{}; return nil }); err != nil {
			t.Fatal(err)
		}
		if got := leaveBy(t, orgA, c.ID); got != wantNoBorn {
			t.Errorf("with the identity removed: leave by %s, want %s", got, wantNoBorn)
		}
		if _, err := svc.Update(ctx, pa, c.ID, 0, "identity", func(c *caseload.Case) error { c.Identity = withBorn(); return nil }); err != nil {
			t.Fatal(err)
		}
		if got := leaveBy(t, orgA, c.ID); got != wantBorn {
			t.Errorf("with the identity given again: leave by %s, want %s", got, wantBorn)
		}
		stored, err := svc.Get(ctx, pa, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.History.Person != nil {
			t.Errorf("the stored history holds a person: %s", stored.History.String())
		}
		if seg, ok := caseload.At(stored.Segments, day("2024-01-10")); !ok || seg.State != stay.StateOverstay {
			t.Errorf("segment on 2024-01-10: %+v", seg)
		}
	})

	t.Run("a history date that differs from the identity's is refused", func(t *testing.T) {
		before, err := svc.Get(ctx, pa, presentID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Update(ctx, pa, presentID, 0, "history", func(c *caseload.Case) error {
			c.History.Person = &stay.Person{Born: day("2006-03-02")}
			return nil
		})
		if e, ok := err.(*caseload.Error); !ok || e.Code != caseload.EInvalid || e.Field != "history.person.born" {
			t.Fatalf("update with a differing date = %v, want invalid history.person.born", err)
		}
		after, err := svc.Get(ctx, pa, presentID)
		if err != nil {
			t.Fatal(err)
		}
		if after.Version != before.Version || after.History.Person != nil {
			t.Errorf("a refused write changed the case: version %d → %d, history %s", before.Version, after.Version, after.History.String())
		}
		c := &caseload.Case{Reference: "US-18-CONFLICT", History: usStay(""), Identity: withBorn()}
		c.History.Person = &stay.Person{Born: day("2005-03-01")}
		if err := svc.Create(ctx, pa, c); caseload.ErrorCode(err) != caseload.EInvalid {
			t.Errorf("create with a differing date = %v, want invalid", err)
		}
	})

	t.Run("an import evaluates with the identity's date of birth", func(t *testing.T) {
		b, err := svc.Export(ctx, pa, []string{presentID})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Import(ctx, pb, b); err != nil || n != 1 {
			t.Fatalf("import: %d, %v", n, err)
		}
		ids, err := st.CaseIDs(ctx, orgB, "", 10)
		if err != nil || len(ids) != 1 {
			t.Fatalf("imported ids %v, %v", ids, err)
		}
		if got := leaveBy(t, orgB, ids[0]); got != wantBorn {
			t.Errorf("after import: leave by %s, want %s", got, wantBorn)
		}
	})

	t.Run("the date of birth is nowhere in clear", func(t *testing.T) {
		dump := sqlstoretest.RawDump(t, st)
		if !bytes.Contains(dump, []byte("US-18-PRESENT")) {
			t.Fatal("the dump does not hold a case's reference: it is not a dump of this store")
		}
		for _, s := range []string{bdBorn, "20060301", "2006-3-1", "01/03/2006", "03/01/2006", `"born"`, bdName, "Kim Ha-eun", "김하은"} {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("the raw database holds %q in clear", s)
			}
		}
		// Evaluating is not revealing: no reveal was audited, and no entry
		// carries the date.
		for _, org := range []string{orgA, orgB} {
			entries, err := st.AuditEntries(ctx, org, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				t.Fatalf("%s: no audit entries", org)
			}
			for _, e := range entries {
				if e.Action == "identity.reveal" {
					t.Errorf("%s: an evaluation was audited as a reveal: %+v", org, e)
				}
				if s := fmt.Sprintf("%+v", e); strings.Contains(s, bdBorn) || strings.Contains(s, "20060301") {
					t.Errorf("%s: an audit entry carries the date of birth: %s", org, s)
				}
			}
		}
	})
}
