package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"visaclock/internal/sqlstore/sqlstoretest"
)

// TestPostgresRestartUnderLoad restarts the local PostgreSQL cluster while
// clients write and read cases, and checks that the restart costs at most
// the requests in flight and that the server reconnects by itself. It
// restarts the shared server, so it runs only when asked:
// VISACLOCK_TEST_PG_RESTART=1 (as .ci/run does, after the other tests).
func TestPostgresRestartUnderLoad(t *testing.T) {
	if os.Getenv("VISACLOCK_TEST_PG_RESTART") != "1" {
		t.Skip("restarts the local PostgreSQL cluster; set VISACLOCK_TEST_PG_RESTART=1 to run (.ci/run does)")
	}
	versions, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(versions) == 0 {
		t.Fatalf("no local PostgreSQL cluster to restart: %v", err)
	}
	restart := func() {
		out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].Name(), "main", "restart", "--mode", "fast").CombinedOutput()
		if err != nil {
			t.Fatalf("restart: %v\n%s", err, out)
		}
	}
	dsn := sqlstoretest.SchemaURL(t, "vc_restart_")
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	bin := buildBinary(t)
	s := startServer(t, bin, t.TempDir(), "--db", dsn)

	const workers = 4
	const perWorker = 150
	var done, failed atomic.Int64
	restarted := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				if w == 0 && i == perWorker/3 {
					restart() // one worker restarts the database a third of the way in
					close(restarted)
				}
				var res *http.Response
				var err error
				if i%2 == 0 {
					body := fmt.Sprintf(`{"reference":"R-%d-%d","history":{"grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-05"}]}}`, w, i)
					res, err = s.do("POST", "/v1/cases", body)
				} else {
					res, err = s.do("GET", "/v1/cases?state=lawful,overstay&limit=20", "")
				}
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if err == nil && (res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden) {
					t.Errorf("%s: the test's token was refused", res.Status)
				}
				if err != nil || res.StatusCode >= 500 {
					failed.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	<-restarted
	if n := failed.Load(); n > workers {
		t.Errorf("%d of %d requests failed across the restart; at most the %d in flight may\n%s", n, done.Load(), workers, s.logs)
	}
	// And the server works afterwards, on fresh connections.
	res, err := http.Get(s.url + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("not ready after the restart: %v", err)
	}
	res.Body.Close()
	var n int
	if err := admin.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM cases").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < workers*perWorker/2-int(failed.Load()) {
		t.Errorf("%d cases stored, want %d less the failures", n, workers*perWorker/2)
	}
	t.Logf("%d requests, %d failed across a PostgreSQL restart; %d cases stored", done.Load(), failed.Load(), n)
}
