package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

func TestAuditCoverageSQLite(t *testing.T)   { testAuditCoverage(t, openSQLite) }
func TestAuditCoveragePostgres(t *testing.T) { testAuditCoverage(t, openPostgres) }

// testAuditCoverage: a log emptied, cut short or missing the entry that
// made a record is found, though each of these leaves a chain that
// verifies; VerifyAudit counts the good entries before a break.
func testAuditCoverage(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const org = "ngo-cover"
	p := admin(org)
	// setup makes an organisation, a user, a case and an imported case:
	// entries 1 org.create, 2 user.create, 3 case.create, 4 case.export,
	// 5 case.import.
	setup := func(t *testing.T) (*sqlstore.Store, *audit.Chain, map[string]string) {
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
		u, err := svc.CreateUser(ctx, p, caseload.UserInput{Username: "kim", Password: "correct horse battery staple", Role: caseload.RoleCaseworker})
		if err != nil {
			t.Fatal(err)
		}
		c := &caseload.Case{Reference: "COV-1", History: stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}}}
		if err := svc.Create(ctx, p, c); err != nil {
			t.Fatal(err)
		}
		b, err := svc.Export(ctx, p, []string{c.ID})
		if err != nil {
			t.Fatal(err)
		}
		b.Cases[0].ID = "c_imported"
		if n, err := svc.Import(ctx, p, b); err != nil || n != 1 {
			t.Fatalf("import: %d, %v", n, err)
		}
		chain, err := caseload.OpenAudit(ctx, st, sqlstoretest.Keyring())
		if err != nil {
			t.Fatal(err)
		}
		return st, chain, map[string]string{"org": org, "user": u.ID, "case": c.ID, "imported": "c_imported"}
	}
	tests := []struct {
		name     string
		tamper   string // SQL run on the database
		wantGood int    // the entries VerifyAudit counts good
		chainErr bool   // the chain itself breaks
		kind, id string // the record found without its entry (a key of ids); "" for none
	}{
		{"intact", "", 5, false, "", ""},
		{"emptied", "DELETE FROM audit_log", 0, false, "organisation", "org"},
		{"cut short after the org", "DELETE FROM audit_log WHERE seq > 1", 1, false, "user", "user"},
		{"cut short by one", "DELETE FROM audit_log WHERE seq = 5", 4, false, "case", "imported"},
		{"a creation entry taken out", "DELETE FROM audit_log WHERE seq = 3", 2, true, "case", "case"},
		{"a creation entry changed", "UPDATE audit_log SET action = 'case.update' WHERE seq = 3", 2, true, "case", "case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, chain, ids := setup(t)
			if tt.tamper != "" {
				if err := sqlstore.ExecRaw(st, tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			n, err := caseload.VerifyAudit(ctx, st, chain)
			var ae *audit.Error
			if n != tt.wantGood || errors.As(err, &ae) != tt.chainErr {
				t.Errorf("VerifyAudit = %d good, %v; want %d good, chain broken %v", n, err, tt.wantGood, tt.chainErr)
			}
			err = caseload.VerifyAuditCoverage(ctx, st)
			var ce *caseload.CoverageError
			switch {
			case tt.kind == "" && err != nil:
				t.Errorf("VerifyAuditCoverage = %v, want nil", err)
			case tt.kind != "" && (!errors.As(err, &ce) || ce.Kind != tt.kind || ce.ID != ids[tt.id] || ce.Missing != 1):
				t.Errorf("VerifyAuditCoverage = %v, want %s %s (and only it) without its entry", err, tt.kind, ids[tt.id])
			}
		})
	}
}
