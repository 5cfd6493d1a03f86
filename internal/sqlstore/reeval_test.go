package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
)

// shortUK returns the embedded packs, and the same packs with
// uk-standard-visitor at a new version whose stay is one month instead of
// six: the upgrade of issue 11.
func shortUK(t testing.TB) (before, after *packs.Registry) {
	t.Helper()
	before, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../packs/data/uk-standard-visitor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := packs.Parse([]byte(shortUKYAML(t, string(data))))
	if err != nil {
		t.Fatal(err)
	}
	return before, before.With(f)
}

// shortUKYAML is the uk-standard-visitor file s at version 2026.1-r2 with
// a stay of one month, without its worked examples (which are for six).
func shortUKYAML(t testing.TB, s string) string {
	t.Helper()
	s, _, _ = strings.Cut(s, "\ntests:")
	for _, r := range [][2]string{{`version: "2026.1"`, `version: "2026.1-r2"`}, {"  length: 6\n", "  length: 1\n"}, {"  max_length: 6\n", "  max_length: 1\n"}} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("uk-standard-visitor has no %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return s
}

func ukCase(ref string) *caseload.Case {
	return &caseload.Case{Reference: ref, History: stay.History{
		Grants: []stay.Grant{{ID: "visit", Rule: "uk-standard-visitor"}},
		Trips:  []stay.Trip{{Entry: day("2026-01-10")}},
	}}
}

func TestReevaluateUpgradeSQLite(t *testing.T)   { testReevaluateUpgrade(t, openSQLite) }
func TestReevaluateUpgradePostgres(t *testing.T) { testReevaluateUpgrade(t, openPostgres) }

// testReevaluateUpgrade is the case of issue 11: a case stored under a
// six-month pack, the server restarted with the same pack at a new version
// whose stay is one month. Until re-evaluated, the list marks the case
// stale; once the background work has run, with no user write, the
// overstay list lists it, as the case's live evaluation says.
func testReevaluateUpgrade(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	ctx := context.Background()
	before, after := shortUK(t)
	st := open(t)
	clk := &clock{now: at("2026-03-01")}
	svc1, err := caseload.New(caseload.Config{Store: st, Lookup: before.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	const org = "ngo-upgrade"
	if _, _, err := svc1.CreateOrg(ctx, org, "NGO"); err != nil {
		t.Fatal(err)
	}
	p := admin(org)
	uk := ukCase("UK-1")
	if err := svc1.Create(ctx, p, uk); err != nil {
		t.Fatal(err)
	}
	// A case of another pack, which the upgrade does not touch.
	other := &caseload.Case{Reference: "SCH-1", History: stay.History{
		Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}},
		Trips:  []stay.Trip{{Entry: day("2026-02-01")}},
	}}
	if err := svc1.Create(ctx, p, other); err != nil {
		t.Fatal(err)
	}
	overstays := func(svc *caseload.Service) []caseload.ListItem {
		t.Helper()
		items, _, err := svc.List(ctx, p, caseload.Filter{On: svc.Today(), States: []stay.State{stay.StateOverstay}})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	if got := overstays(svc1); len(got) != 0 {
		t.Fatalf("before the upgrade, overstays: %+v", got)
	}

	// The restart: a new Service over the same store, with the new packs.
	svc2, err := caseload.New(caseload.Config{Store: st, Lookup: after.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	live := func(id string) stay.Evaluation {
		t.Helper()
		c, err := svc2.Get(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := svc2.Read(ctx, c)
		if err != nil || rd.Err != nil {
			t.Fatal(err, rd.Err)
		}
		return *rd.Evaluation
	}
	if ev := live(uk.ID); ev.State != stay.StateOverstay {
		t.Fatalf("the case page says %s, want overstay", ev.State)
	}
	// Before the background work: the row is not served as fresh.
	all, _, err := svc2.List(ctx, p, caseload.Filter{On: svc2.Today()})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		if want := it.ID == uk.ID; it.Stale != want {
			t.Errorf("%s: stale %v before re-evaluation, want %v", it.Reference, it.Stale, want)
		}
	}

	re := &caseload.Reevaluator{Service: svc2, Holder: "test"}
	if err := re.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if pr := re.Progress(); pr.Run != 1 || pr.Done != 1 || pr.Pending != 0 || pr.Failed != 0 {
		t.Errorf("progress %+v, want the one UK case done", pr)
	}
	got := overstays(svc2)
	if len(got) != 1 || got[0].ID != uk.ID || got[0].Stale {
		t.Fatalf("after re-evaluation, overstays %+v, want %s, fresh", got, uk.ID)
	}
	ev := live(uk.ID)
	if got[0].State != ev.State || got[0].Since != ev.Since || got[0].AuthorizedUntil != ev.AuthorizedUntil {
		t.Errorf("list row %+v, case page %s since %s until %s", got[0], ev.State, ev.Since, ev.AuthorizedUntil)
	}
	c, err := st.FindCase(ctx, org, uk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != uk.Version || !c.Updated.Equal(uk.Updated) {
		t.Errorf("re-evaluation changed the version or updated time: %d %s, was %d %s", c.Version, c.Updated, uk.Version, uk.Updated)
	}
	if want := "uk-standard-visitor@2026.1-r2"; c.Summary.Rules.Packs != want || c.Summary.State != stay.StateOverstay {
		t.Errorf("summary %+v, want overstay with %s", c.Summary, want)
	}
	entries, err := st.AuditEntries(ctx, org, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var re1 []string
	for _, e := range entries {
		if e.Action == "rules.reevaluate" {
			re1 = append(re1, e.Actor+" "+e.Detail)
		}
	}
	if want := []string{"system cases=1 changed=uk-standard-visitor@2026.1→2026.1-r2"}; !slices.Equal(re1, want) {
		t.Errorf("audit %q, want %q", re1, want)
	}
	if s, err := svc2.ReevalStatus(ctx, p); err != nil || s != (caseload.ReevalStatus{Stale: 0, Total: 2}) {
		t.Errorf("status %+v %v", s, err)
	}
	// A second run finds nothing to do.
	if err := re.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if pr := re.Progress(); pr.Pending != 0 || pr.Total != 1 {
		t.Errorf("second run: %+v", pr)
	}
}

// seedStale stores n UK cases under the six-month pack.
func seedStale(t testing.TB, st *sqlstore.Store, reg *packs.Registry, clk *clock, org string, n int) {
	t.Helper()
	ctx := context.Background()
	svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateOrg(ctx, org, "NGO"); err != nil {
		t.Fatal(err)
	}
	var cases iter.Seq[*caseload.Case] = func(yield func(*caseload.Case) bool) {
		for i := range n {
			if !yield(ukCase(fmt.Sprintf("R-%06d", i))) {
				return
			}
		}
	}
	if got, err := svc.CreateMany(ctx, admin(org), cases); err != nil || got != n {
		t.Fatalf("seed: %d, %v", got, err)
	}
}

// TestReevaluateOnceAcrossServers runs two servers' Reevaluators, each on
// a store of its own, at once against one PostgreSQL: one does all the
// work, the other none, and one audit entry records the run.
func TestReevaluateOnceAcrossServers(t *testing.T) {
	ctx := context.Background()
	dsn := sqlstoretest.SchemaURL(t, "vc_lease_")
	opened := func() *sqlstore.Store {
		st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: true, Keys: sqlstoretest.Keyring()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := opened(), opened()
	before, after := shortUK(t)
	clk := &clock{now: at("2026-03-01")}
	const org, n = "ngo-two", 3000
	seedStale(t, a, before, clk, org, n)

	workers := make([]*caseload.Reevaluator, 2)
	for i, st := range []*sqlstore.Store{a, b} {
		svc, err := caseload.New(caseload.Config{Store: st, Lookup: after.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring()})
		if err != nil {
			t.Fatal(err)
		}
		workers[i] = &caseload.Reevaluator{Service: svc, Holder: fmt.Sprintf("server-%d", i), BatchSize: 200}
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	d0, d1 := workers[0].Progress().Total, workers[1].Progress().Total
	if d0+d1 != n || min(d0, d1) != 0 {
		t.Fatalf("re-evaluated %d and %d, want %d by one server only", d0, d1, n)
	}
	s, err := workers[0].Service.ReevalStatus(ctx, admin(org))
	if err != nil || s.Stale != 0 || s.Total != n {
		t.Fatalf("status %+v, %v", s, err)
	}
	entries, err := a.AuditEntries(ctx, org, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, e := range entries {
		if e.Action == "rules.reevaluate" {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("%d rules.reevaluate entries, want 1", runs)
	}

	// The holder keeps the lease while it lives; the other takes it only
	// once it has lapsed.
	holder, other := workers[0], workers[1]
	if d1 > 0 {
		holder, other = other, holder
	}
	ok, err := other.Service.TakeLease(ctx, caseload.ReevalLease, other.Holder, time.Minute)
	if err != nil || ok {
		t.Fatalf("the other server took a live lease: %v %v", ok, err)
	}
	clk.now = clk.now.Add(2 * time.Hour)
	ok, err = other.Service.TakeLease(ctx, caseload.ReevalLease, other.Holder, time.Minute)
	if err != nil || !ok {
		t.Fatalf("the other server could not take a lapsed lease: %v %v", ok, err)
	}
	// The former holder's next batch is refused.
	_, err = a.Reevaluated(ctx, caseload.Lease{Name: caseload.ReevalLease, Holder: holder.Holder, Until: clk.now.Add(time.Minute)}, nil)
	if err != caseload.ErrLeaseLost {
		t.Errorf("a batch without the lease: %v, want ErrLeaseLost", err)
	}
	// So is one that only checks the lease, as all but every few
	// batches do; the new holder's checks pass.
	_, err = a.Reevaluated(ctx, caseload.Lease{Name: caseload.ReevalLease, Holder: holder.Holder}, nil)
	if err != caseload.ErrLeaseLost {
		t.Errorf("a checking batch without the lease: %v, want ErrLeaseLost", err)
	}
	if _, err = a.Reevaluated(ctx, caseload.Lease{Name: caseload.ReevalLease, Holder: other.Holder}, nil); err != nil {
		t.Errorf("a checking batch of the holder: %v", err)
	}
}

// TestLeaseWaitsForBatchesInFlight shows on PostgreSQL what lets the
// re-evaluation write several batches at once and still run in one server:
// two batches that check the lease commit side by side, and another server
// taking the lapsed lease waits until both have committed.
func TestLeaseWaitsForBatchesInFlight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn := sqlstoretest.SchemaURL(t, "vc_lease_")
	open := func() *sqlstore.Store {
		st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Migrate: true, Keys: sqlstoretest.Keyring()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	start := at("2026-03-01")
	held := caseload.Lease{Name: caseload.ReevalLease, Holder: "a", Until: start.Add(time.Minute)}
	if ok, err := a.TakeLease(ctx, held, start); err != nil || !ok {
		t.Fatalf("take: %v %v", ok, err)
	}
	reached, release := make(chan struct{}), make(chan struct{})
	sqlstore.PauseBeforeCommit(a, "re-evaluate", reached, release)
	batches := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := a.Reevaluated(ctx, caseload.Lease{Name: caseload.ReevalLease, Holder: "a"}, nil)
			batches <- err
		}()
	}
	for range 2 {
		select {
		case <-reached: // both are open at once
		case <-ctx.Done():
			t.Fatal("two checking batches did not run side by side")
		}
	}
	took := make(chan error, 1)
	go func() {
		ok, err := b.TakeLease(ctx, caseload.Lease{Name: caseload.ReevalLease, Holder: "b", Until: start.Add(time.Hour)}, start.Add(2*time.Minute))
		if err == nil && !ok {
			err = fmt.Errorf("the lapsed lease was not taken")
		}
		took <- err
	}()
	// The taker is seen waiting on a lock, and has not taken the lease.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for waiting := 0; waiting == 0; {
		select {
		case err := <-took:
			t.Fatalf("the lease was taken while batches were open (err %v)", err)
		default:
		}
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO leases%'`).Scan(&waiting)
		if err != nil {
			t.Fatalf("the taker never waited: %v", err)
		}
	}
	close(release)
	defer sqlstore.PauseBeforeCommit(a, "", nil, nil)
	for range 2 {
		if err := <-batches; err != nil {
			t.Errorf("batch: %v", err)
		}
	}
	if err := <-took; err != nil {
		t.Errorf("take after the batches: %v", err)
	}
	if _, err := a.Reevaluated(ctx, caseload.Lease{Name: caseload.ReevalLease, Holder: "a"}, nil); err != caseload.ErrLeaseLost {
		t.Errorf("a's next batch: %v, want ErrLeaseLost", err)
	}
}
