package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/stay"
)

// TestReevaluationResumesAfterKill9 stores many cases under the six-month
// UK pack, starts the real server with a one-month version of it, kills
// the server with SIGKILL partway through the background re-evaluation,
// starts it again, and checks that every case ends re-evaluated with the
// new packs, exactly once in its state, none lost and none written twice
// in a way a user would see (versions unchanged).
func TestReevaluationResumesAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 cases")
	}
	const n = 20000
	ctx := context.Background()
	bin := buildBinary(t)
	data, rulesDir := t.TempDir(), t.TempDir()
	src, err := os.ReadFile("../../internal/packs/data/uk-standard-visitor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	short, _, _ := strings.Cut(string(src), "\ntests:")
	for _, r := range [][2]string{{`version: "2026.1"`, `version: "2026.1-r2"`}, {"  length: 6\n", "  length: 1\n"}, {"  max_length: 6\n", "  max_length: 1\n"}} {
		if !strings.Contains(short, r[0]) {
			t.Fatalf("uk-standard-visitor has no %q", r[0])
		}
		short = strings.Replace(short, r[0], r[1], 1)
	}
	if err := os.WriteFile(filepath.Join(rulesDir, "uk-short.yaml"), []byte(short), 0o600); err != nil {
		t.Fatal(err)
	}

	// Seed under the embedded (six-month) pack: lawful today, overstaying
	// under the new one.
	sf := storeFlags{data: data}
	a, err := sf.openApp(ctx, testNow, appOptions{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Service.CreateOrg(ctx, caseload.DefaultOrg, "default"); err != nil {
		t.Fatal(err)
	}
	entry := a.Service.Today().AddDays(-40)
	var cases iter.Seq[*caseload.Case] = func(yield func(*caseload.Case) bool) {
		for i := range n {
			c := &caseload.Case{Reference: fmt.Sprintf("K-%06d", i), History: stay.History{
				Grants: []stay.Grant{{ID: "visit", Rule: "uk-standard-visitor"}},
				Trips:  []stay.Trip{{Entry: entry}},
			}}
			if !yield(c) {
				return
			}
		}
	}
	admin := caseload.System(caseload.DefaultOrg)
	if got, err := a.Service.CreateMany(ctx, admin, cases); err != nil || got != n {
		t.Fatalf("seed: %d %v", got, err)
	}
	ids, err := a.Store.CaseIDs(ctx, caseload.DefaultOrg, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Store.FindCase(ctx, caseload.DefaultOrg, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	oldDigest := first.Summary.Rules.Digest
	a.Close()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "visaclock.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	redone := func() int {
		var k int
		if err := db.QueryRow(`SELECT COUNT(*) FROM cases WHERE rules_digest <> $1`, oldDigest).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	start := func() (*exec.Cmd, *lockedLog) {
		logs := &lockedLog{}
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--rules", rulesDir, "--log-format", "json")
		cmd.Stderr, cmd.Stdout = logs, io.Discard
		cmd.Env = append(os.Environ(), "VISACLOCK_TEST_TODAY="+testToday.String())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		return cmd, logs
	}
	waitFor := func(what string, cond func(int) bool) int {
		// The killed server's lease lapses after 30 s, and the restarted
		// one looks every 10 s.
		wait, cancel := context.WithTimeout(ctx, 120*time.Second)
		defer cancel()
		for {
			k := redone()
			if cond(k) {
				return k
			}
			if wait.Err() != nil {
				t.Fatalf("%s: %d of %d re-evaluated after 120 s", what, k, n)
			}
			time.Sleep(time.Millisecond)
		}
	}

	cmd, _ := start()
	waitFor("first run", func(k int) bool { return k > 0 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	partial := redone()
	if partial == 0 || partial >= n {
		t.Fatalf("killed with %d of %d re-evaluated; the test needs a run cut short", partial, n)
	}
	t.Logf("killed with %d of %d re-evaluated", partial, n)

	cmd, logs := start()
	waitFor("after the restart", func(k int) bool { return k == n })
	// The last batch commits just before the run's last log line.
	for i := 0; !strings.Contains(logs.String(), `"msg":"re-evaluation done"`); i++ {
		if i == 1000 {
			t.Fatalf("no end of the run in the log:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	// Every case: there, at version 1, evaluated with the new packs, and
	// its stored state today the one its live evaluation gives.
	b, err := sf.openApp(ctx, testNow, appOptions{Rules: rulesDir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	today := b.Service.Today()
	seen, after := 0, ""
	var newDigest string
	for {
		ids, err := b.Store.CaseIDs(ctx, caseload.DefaultOrg, after, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			c, err := b.Store.FindCase(ctx, caseload.DefaultOrg, id)
			if err != nil {
				t.Fatal(err)
			}
			if newDigest == "" {
				newDigest = c.Summary.Rules.Digest
			}
			seg, ok := caseload.At(c.Segments, today)
			if c.Version != 1 || c.Summary.Rules.Digest != newDigest || c.Summary.Rules.Packs != "uk-standard-visitor@2026.1-r2" || !ok || seg.State != stay.StateOverstay {
				t.Fatalf("case %s: version %d, rules %+v, state today %s (%v)", id, c.Version, c.Summary.Rules, seg.State, ok)
			}
			seen++
		}
		after = ids[len(ids)-1]
	}
	if seen != n {
		t.Fatalf("%d cases, want %d", seen, n)
	}
	chain, err := caseload.OpenAudit(ctx, b.Store, b.Keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := caseload.VerifyAudit(ctx, b.Store, chain); err != nil {
		t.Fatal(err)
	}
	var runs []string
	for seq := int64(0); ; {
		entries, err := b.Store.AuditEntries(ctx, caseload.DefaultOrg, seq, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			if e.Action == "rules.reevaluate" {
				runs = append(runs, e.Detail)
			}
		}
		seq = entries[len(entries)-1].Seq
	}
	// One entry a run: the killed one, for every case, and the resumed
	// one, for those left.
	want := []string{fmt.Sprintf("cases=%d changed=uk-standard-visitor@2026.1→2026.1-r2", n),
		fmt.Sprintf("cases=%d changed=uk-standard-visitor@2026.1→2026.1-r2", n-partial)}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Errorf("rules.reevaluate entries %q, want %q", runs, want)
	}
}

// lockedLog is a process's stderr, read while it is written.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
