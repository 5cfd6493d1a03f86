package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

func TestExportHouseholdsSQLite(t *testing.T)   { testExportHouseholds(t, openSQLite) }
func TestExportHouseholdsPostgres(t *testing.T) { testExportHouseholds(t, openPostgres) }

// testExportHouseholds: households travel with their members through an
// export file, in the import's one transaction, and nothing else about
// them does.
func testExportHouseholds(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := open(t)
	svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: (&clock{now: at("2026-01-10")}).Now, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{"hx-from", "hx-to", "hx-clash", "hx-fail", "hx-old"} {
		if _, _, err := svc.CreateOrg(ctx, org, org); err != nil {
			t.Fatal(err)
		}
	}
	from := admin("hx-from")
	newCase := func(p caseload.Principal, ref string) *caseload.Case {
		t.Helper()
		c := &caseload.Case{Reference: ref, Identity: &caseload.Identity{Passport: "P" + ref},
			History: stay.History{Grants: []stay.Grant{{ID: "g", Rule: "schengen-short-stay"}}, Trips: []stay.Trip{{Entry: day("2026-01-01"), Grant: "g"}}}}
		if err := svc.Create(ctx, p, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// In reference (and id) order: F-1 and F-2 are H-12, G-1 is H-7, N-1
	// is in none.
	f1, f2, g1, n1 := newCase(from, "F-1"), newCase(from, "F-2"), newCase(from, "G-1"), newCase(from, "N-1")
	if _, err := svc.CreateHousehold(ctx, from, "H-12", []string{f1.ID, f2.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateHousehold(ctx, from, "H-7", []string{g1.ID}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"F-1": "H-12", "F-2": "H-12", "G-1": "H-7", "N-1": ""}
	// file is an export of every case of hx-from, as the file holds it.
	file := func(t *testing.T) *caseload.Bundle {
		t.Helper()
		b, err := svc.Export(ctx, from, nil)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out, err := caseload.DecodeBundle(plain)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// grouping is each case of org by reference, with its household's
	// label, and the number of org's households.
	grouping := func(t *testing.T, org string) (map[string]string, int) {
		t.Helper()
		labels := map[string]string{}
		hs, err := svc.Households(ctx, admin(org))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			labels[h.ID] = h.Label
		}
		got := map[string]string{}
		for after := ""; ; {
			page, err := st.CasePage(ctx, org, after, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				if _, ok := labels[c.Household]; c.Household != "" && !ok {
					t.Errorf("%s: case %s is in household %s, which does not exist", org, c.Reference, c.Household)
				}
				got[c.Reference] = labels[c.Household]
			}
			after = page[len(page)-1].ID
		}
		return got, len(hs)
	}
	actions := func(t *testing.T, org string) map[string]int {
		t.Helper()
		entries, err := st.AuditEntries(ctx, org, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, e := range entries {
			n[e.Action]++
		}
		return n
	}

	t.Run("the file says each case's household label", func(t *testing.T) {
		b := file(t)
		if b.Format != "visaclock-export/2" {
			t.Errorf("format %q, want visaclock-export/2", b.Format)
		}
		got := map[string]string{}
		for _, ec := range b.Cases {
			got[ec.Reference] = ec.Household
		}
		if !maps.Equal(got, want) {
			t.Errorf("households in the file %v, want %v", got, want)
		}
	})

	t.Run("a part of a household reveals none of its other members", func(t *testing.T) {
		b, err := svc.Export(ctx, from, []string{f1.ID})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Cases) != 1 || b.Cases[0].Household != "H-12" {
			t.Fatalf("export of F-1: %+v, want F-1 in H-12", b.Cases)
		}
		for _, s := range []string{f2.ID, "F-2", "PF-2", g1.ID, "H-7", n1.ID, `"h_`} {
			if bytes.Contains(plain, []byte(s)) {
				t.Errorf("the export of F-1 holds %q", s)
			}
		}
	})

	t.Run("a round trip keeps every case's household and label", func(t *testing.T) {
		n, err := svc.Import(ctx, admin("hx-to"), file(t))
		if err != nil || n != 4 {
			t.Fatalf("import = %d, %v; want 4", n, err)
		}
		got, households := grouping(t, "hx-to")
		if !maps.Equal(got, want) || households != 2 {
			t.Errorf("imported %v in %d households, want %v in 2", got, households, want)
		}
		// The households are new ones: the same label, a new id.
		hs, err := svc.Households(ctx, admin("hx-to"))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if _, err := st.FindHousehold(ctx, "hx-from", h.ID); caseload.ErrorCode(err) != caseload.ENotFound {
				t.Errorf("imported household %s (%s) has hx-from's id", h.ID, h.Label)
			}
			full, err := svc.GetHousehold(ctx, admin("hx-to"), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, m := range full.Members {
				refs = append(refs, m.Reference)
			}
			if w := map[string][]string{"H-12": {"F-1", "F-2"}, "H-7": {"G-1"}}[h.Label]; !slices.Equal(refs, w) {
				t.Errorf("%s has %v, want %v", h.Label, refs, w)
			}
		}
		if got, w := actions(t, "hx-to"), map[string]int{"org.create": 1, "household.create": 2, "case.import": 4}; !maps.Equal(got, w) {
			t.Errorf("hx-to's audit actions %v, want %v", got, w)
		}
		if err := caseload.VerifyAuditCoverage(ctx, st); err != nil {
			t.Errorf("VerifyAuditCoverage: %v", err)
		}
		chain, err := caseload.OpenAudit(ctx, st, sqlstoretest.Keyring())
		if err != nil {
			t.Fatal(err)
		}
		var ae *audit.Error
		if _, err := caseload.VerifyAudit(ctx, st, chain); errors.As(err, &ae) {
			t.Errorf("VerifyAudit: %v", err)
		}
	})

	t.Run("a label in use is refused, naming the case, and nothing is stored", func(t *testing.T) {
		clash := admin("hx-clash")
		own := newCase(clash, "OWN-1")
		h, err := svc.CreateHousehold(ctx, clash, "H-7", []string{own.ID})
		if err != nil {
			t.Fatal(err)
		}
		b := file(t)
		field := fmt.Sprintf("cases[%d].household", slices.IndexFunc(b.Cases, func(ec caseload.ExportCase) bool { return ec.Reference == "G-1" }))
		_, err = svc.Import(ctx, clash, b)
		var e *caseload.Error
		if !errors.As(err, &e) || e.Code != caseload.EExists || e.Field != field || !strings.Contains(e.Msg, `"H-7"`) {
			t.Fatalf("import over H-7 = %v, want exists on %s naming H-7", err, field)
		}
		got, households := grouping(t, "hx-clash")
		if w := map[string]string{"OWN-1": "H-7"}; !maps.Equal(got, w) || households != 1 {
			t.Errorf("after the refusal %v in %d households, want %v in 1", got, households, w)
		}
		// Renamed here, the file goes in, H-7 a household of its own.
		if _, err := svc.RenameHousehold(ctx, clash, h.ID, nil, "H-7-here"); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Import(ctx, clash, b); err != nil || n != 4 {
			t.Fatalf("import after renaming = %d, %v", n, err)
		}
		got, households = grouping(t, "hx-clash")
		w := maps.Clone(want)
		w["OWN-1"] = "H-7-here"
		if !maps.Equal(got, w) || households != 3 {
			t.Errorf("after renaming %v in %d households, want %v in 3", got, households, w)
		}
	})

	t.Run("a failed import leaves no household", func(t *testing.T) {
		fail := admin("hx-fail")
		b := file(t)
		// Failing at the commit: the households were written in the
		// transaction, and are gone with it.
		sqlstore.FailBeforeCommit(st, "create cases", errors.New("connection lost"))
		_, err := svc.Import(ctx, fail, b)
		sqlstore.FailBeforeCommit(st, "create cases", nil)
		if err == nil || !strings.Contains(err.Error(), "connection lost") {
			t.Fatalf("import failing at commit = %v", err)
		}
		// Failing on a case after the households' labels were read.
		bad := file(t)
		bad.Cases[3].History.Trips[0].Grant = "no-such-grant"
		if _, err := svc.Import(ctx, fail, bad); caseload.ErrorCode(err) != caseload.EInvalid {
			t.Fatalf("import of an invalid case = %v, want invalid", err)
		}
		got, households := grouping(t, "hx-fail")
		if len(got) != 0 || households != 0 {
			t.Errorf("failed imports left %v in %d households", got, households)
		}
		if got, w := actions(t, "hx-fail"), map[string]int{"org.create": 1}; !maps.Equal(got, w) {
			t.Errorf("failed imports left audit actions %v, want %v", got, w)
		}
		if n, err := svc.Import(ctx, fail, b); err != nil || n != 4 {
			t.Fatalf("the same import afterwards = %d, %v", n, err)
		}
	})

	t.Run("files of format 1, and of a later one", func(t *testing.T) {
		old := admin("hx-old")
		// As visaclock wrote them before households.
		v1 := `{"format":"visaclock-export/1","org":"elsewhere","exported":"2025-12-01T09:00:00Z","cases":[` +
			`{"id":"c_0old0file0case0one","reference":"OLD-1","history":{"grants":[{"id":"g","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-11-20","grant":"g"}]},` +
			`"identity":{"passport":"X123"},"team":"north","created":"2025-11-20T10:00:00Z","updated":"2025-11-21T10:00:00Z"}]}`
		b, err := caseload.DecodeBundle([]byte(v1))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Import(ctx, old, b); err != nil || n != 1 {
			t.Fatalf("import of a format 1 file = %d, %v", n, err)
		}
		if got, households := grouping(t, "hx-old"); !maps.Equal(got, map[string]string{"OLD-1": ""}) || households != 0 {
			t.Errorf("format 1 import: %v in %d households", got, households)
		}
		for _, tc := range []struct {
			name, file, field string
		}{
			{"format 1 has no households",
				`{"format":"visaclock-export/1","cases":[{"id":"c_0old0file0case0two","reference":"OLD-2","history":{"grants":[]},"household":"H-1","created":"2025-11-20T10:00:00Z","updated":"2025-11-20T10:00:00Z"}]}`,
				"cases[0].household"},
			{"a later format is named as such, not by its new fields",
				`{"format":"visaclock-export/3","cases":[{"id":"c_0old0file0case0two","reference":"OLD-2","history":{"grants":[]},"travel_group":{"id":1}}]}`,
				"format"},
			{"a label that is not one",
				`{"format":"visaclock-export/2","cases":[{"id":"c_0old0file0case0two","reference":"OLD-2","history":{"grants":[{"id":"g","rule":"schengen-short-stay"}]},"created":"2025-11-20T10:00:00Z","updated":"2025-11-20T10:00:00Z"},` +
					`{"id":"c_0old0file0case0six","reference":"OLD-6","history":{"grants":[]},"household":"` + strings.Repeat("H", 41) + `","created":"2025-11-20T10:00:00Z","updated":"2025-11-20T10:00:00Z"}]}`,
				"cases[1].household"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b, err := caseload.DecodeBundle([]byte(tc.file))
				if err == nil {
					_, err = svc.Import(ctx, old, b)
				}
				var e *caseload.Error
				if !errors.As(err, &e) || e.Code != caseload.EInvalid || e.Field != tc.field {
					t.Errorf("got %v, want invalid %s", err, tc.field)
				}
			})
		}
		if got, households := grouping(t, "hx-old"); len(got) != 1 || households != 0 {
			t.Errorf("refused files left %v in %d households", got, households)
		}
	})

	t.Run("the store refuses a member of a household that does not exist", func(t *testing.T) {
		c := &caseload.Case{ID: caseload.NewID("c_"), Org: "hx-old", Reference: "GHOST-1", Household: "h_nosuchhousehold",
			Created: at("2026-01-10"), Updated: at("2026-01-10")}
		if err := st.CreateCases(ctx, []*caseload.Case{c}); !errors.Is(err, caseload.ErrNoHousehold) {
			t.Errorf("CreateCases in a missing household = %v, want %v", err, caseload.ErrNoHousehold)
		}
		if _, err := st.FindCase(ctx, "hx-old", c.ID); caseload.ErrorCode(err) != caseload.ENotFound {
			t.Errorf("the refused case was stored: %v", err)
		}
	})
}
