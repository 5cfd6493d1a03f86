package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
)

func TestReevaluateTimelinesSQLite(t *testing.T)   { testReevaluateTimelines(t, openSQLite) }
func TestReevaluateTimelinesPostgres(t *testing.T) { testReevaluateTimelines(t, openPostgres) }

// testReevaluateTimelines checks that re-evaluation, which writes only the
// rows of a case's segments and deadlines that differ, leaves exactly the
// rows a fresh write would: after a pack change that changes every span,
// after one that changes none (a day later, so that the first span
// starts later), and back again; and that the rows keep the case's
// assignee and team, so that a caseworker's list still finds them.
func testReevaluateTimelines(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	ctx := context.Background()
	before, short := shortUK(t)
	_, bumped := bumpedUK(t)
	st := open(t)
	clk := &clock{now: at("2026-03-01")}
	svc := func(reg *packs.Registry) *caseload.Service {
		s, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const org = "ngo-diff"
	if _, _, err := svc(before).CreateOrg(ctx, org, "NGO"); err != nil {
		t.Fatal(err)
	}
	cw := caseload.Principal{User: "u_cw", Org: org, Role: caseload.RoleCaseworker, Team: "team-a"}
	var ids []string
	for _, ref := range []string{"D-1", "D-2", "D-3"} {
		c := ukCase(ref)
		if err := svc(before).Create(ctx, cw, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	i := 0
	for _, step := range []struct {
		name string
		reg  *packs.Registry
		days int
	}{{"changed", short, 0}, {"unchanged, a day later", bumped, 1}, {"changed back", before, 0}, {"changed again, a week later", short, 7}} {
		i++
		clk.now = clk.now.AddDate(0, 0, step.days)
		s := svc(step.reg)
		if err := (&caseload.Reevaluator{Service: s, Holder: "test"}).Run(ctx); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		// What a fresh write gives, in an organisation of its own.
		ref := ukCase("REF")
		refOrg := fmt.Sprintf("ngo-ref-%d", i)
		if _, _, err := s.CreateOrg(ctx, refOrg, "Ref"); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, admin(refOrg), ref); err != nil {
			t.Fatal(err)
		}
		want, err := st.FindCase(ctx, refOrg, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			got, err := st.FindCase(ctx, org, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Segments, want.Segments) || !reflect.DeepEqual(got.Deadlines, want.Deadlines) {
				t.Errorf("%s: case %s stored\n%+v %+v\nwant\n%+v %+v", step.name, id, got.Segments, got.Deadlines, want.Segments, want.Deadlines)
			}
			if got.Summary.Rules.Digest != want.Summary.Rules.Digest {
				t.Errorf("%s: case %s digest %s, want %s", step.name, id, got.Summary.Rules.Digest, want.Summary.Rules.Digest)
			}
		}
		items, _, err := s.List(ctx, cw, caseload.Filter{On: day("2026-03-01").AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != len(ids) {
			t.Errorf("%s: the caseworker's list has %d cases, want %d", step.name, len(items), len(ids))
		}
		for _, it := range items {
			if it.Stale {
				t.Errorf("%s: %s listed stale", step.name, it.ID)
			}
		}
	}
}
