package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
	"visaclock/internal/stay"
	"visaclock/internal/vault"
)

// runCmd runs a visaclock command in process and returns its stdout, with
// stderr in the error.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut strings.Builder
	err := run(context.Background(), testNow, args, nil, &out, &errOut)
	if err != nil {
		return out.String(), fmt.Errorf("%w; stderr: %s", err, errOut.String())
	}
	return out.String(), nil
}

// openService opens the store in data with the keys in keyText, as the
// server would, for a test to read what it holds.
func openService(t *testing.T, dsn, keyText string) (*caseload.Service, *sqlstore.Store) {
	t.Helper()
	kr, err := parseKeyring(keyText, "test")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := caseload.New(caseload.Config{Store: st, Lookup: reg.Lookup, Now: testNow, Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

// TestKeyRotation: `keys rotate` re-wraps every data key under the new
// master key; afterwards the old key can be dropped and everything sealed
// before stays readable, and the old key alone opens nothing.
func TestKeyRotation(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	if _, err := runCmd(t, "orgs", "add", "--name", "North NGO", "--data", data); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(data, "master.key")
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(keyFile); info.Mode().Perm() != 0o600 {
		t.Errorf("master.key mode %v, want 0600", info.Mode().Perm())
	}
	svc, st := openService(t, filepath.Join(data, "visaclock.db"), string(old))
	orgs, err := st.Orgs(ctx)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("orgs: %v %v", orgs, err)
	}
	admin := caseload.Principal{User: "u_test", Org: orgs[0].ID, Role: caseload.RoleAdmin}
	c := &caseload.Case{Reference: "ROT-1", Identity: &caseload.Identity{Name: "Pak Song-mi", Passport: "PS5550123"},
		History: stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}}}
	if err := svc.Create(ctx, admin, c); err != nil {
		t.Fatal(err)
	}
	st.Close()

	newKey, err := runCmd(t, "keys", "new", "--id", "2")
	if err != nil || !strings.HasPrefix(newKey, "2:") {
		t.Fatalf("keys new: %q %v", newKey, err)
	}
	if err := os.WriteFile(keyFile, []byte(newKey+string(old)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "keys", "rotate", "--data", data)
	if err != nil || !strings.Contains(out, "re-wrapped 2 keys under master key 2") {
		t.Fatalf("keys rotate: %q %v", out, err)
	}
	// Only the new key from now on.
	if err := os.WriteFile(keyFile, []byte(newKey), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = runCmd(t, "audit", "verify", "--data", data)
	if err != nil || !strings.Contains(out, "audit log intact") {
		t.Fatalf("audit verify with the new key only: %q %v", out, err)
	}
	svc2, _ := openService(t, filepath.Join(data, "visaclock.db"), newKey)
	got, err := svc2.Get(ctx, admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	id, err := svc2.Reveal(ctx, admin, got)
	if err != nil || id.Name != "Pak Song-mi" || id.Passport != "PS5550123" {
		t.Fatalf("after rotation: %+v, %v", id, err)
	}
	// The old key alone no longer opens the database.
	if err := os.WriteFile(keyFile, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "audit", "verify", "--data", data); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("audit verify with the retired key = %v, want a master key error", err)
	}
	// And a missing key file is an error, not a new key that would
	// silently open nothing.
	os.Remove(keyFile)
	if _, err := runCmd(t, "audit", "verify", "--data", data); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("audit verify without the key file = %v", err)
	}
}

// TestAuditVerifyCommand: `visaclock audit verify` exits 5 and names the
// entry when a row was changed, says how many entries were good before the
// break, and finds a log emptied or cut short while what it recorded
// remains: every organisation needs the entry that created it.
func TestAuditVerifyCommand(t *testing.T) {
	data := t.TempDir()
	if _, err := runCmd(t, "orgs", "add", "--name", "One", "--data", data); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "orgs", "add", "--name", "Two", "--data", data); err != nil {
		t.Fatal(err)
	}
	// A third entry that creates nothing: keys.rotate.
	if _, err := runCmd(t, "keys", "rotate", "--data", data); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "audit", "verify", "--data", data)
	if err != nil || !strings.Contains(out, "audit log intact: 3 entries") || !strings.Contains(out, "last entry 3, hash ") {
		t.Fatalf("audit verify: %q %v", out, err)
	}
	_, expect, _ := strings.Cut(strings.TrimSpace(out), "--expect ")
	expect = strings.TrimSuffix(expect, ")")
	if out, err := runCmd(t, "audit", "verify", "--data", data, "--expect", expect); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify --expect %s: %q %v", expect, out, err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "visaclock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// Cutting the last entry, which created nothing, leaves a valid chain;
	// only the hash written down shows it.
	exec(`DELETE FROM audit_log WHERE seq = 3`)
	if out, err := runCmd(t, "audit", "verify", "--data", data); err != nil || !strings.Contains(out, "intact: 2 entries") {
		t.Fatalf("audit verify without --expect after cutting the end: %q %v", out, err)
	}
	out, err = runCmd(t, "audit", "verify", "--data", data, "--expect", expect)
	if exitCode(err) != 5 || !strings.Contains(out, "TAMPERED: entry 3") {
		t.Fatalf("audit verify --expect after cutting the end: %q, exit %d", out, exitCode(err))
	}
	var two string
	if err := db.QueryRow(`SELECT org FROM audit_log WHERE seq = 2`).Scan(&two); err != nil {
		t.Fatal(err)
	}
	tampered := []struct {
		name, sql string
		want      []string
	}{
		{"cut short", `DELETE FROM audit_log WHERE seq = 2`, []string{"TAMPERED: its 1 entries verify, but organisation " + two + " exists"}},
		{"changed", `UPDATE audit_log SET action = 'org.nothing' WHERE seq = 1`, []string{"TAMPERED: 0 good entries, then", "entry 1"}},
		{"emptied", `DELETE FROM audit_log`, []string{"TAMPERED: its 0 entries verify, but organisation", "(2 organisations lack one)"}},
	}
	for _, tt := range tampered {
		exec(tt.sql)
		out, err = runCmd(t, "audit", "verify", "--data", data)
		if exitCode(err) != 5 {
			t.Fatalf("%s: audit verify: %q, exit %d (%v), want 5", tt.name, out, exitCode(err), err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: audit verify says %q, want %q", tt.name, out, w)
			}
		}
	}
}

// writeWhile creates cases through the API until stop is closed, and
// returns how many were acknowledged before it was told to stop.
func writeWhile(t *testing.T, s *server, stop <-chan struct{}, acked *atomic.Int64) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := fmt.Sprintf(`{"reference":"BK-%d","identity":{"name":"Backup Person %d"},"history":{"grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-05"}]}}`, i, i)
			res, err := s.do("POST", "/v1/cases", body)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				t.Errorf("write during backup: %s", res.Status)
				return
			}
			acked.Add(1)
		}
	}()
	return &wg
}

// TestBackupWhileServingSQLite: `visaclock backup` takes a consistent
// snapshot while the server takes writes; the snapshot opens with the same
// master key, holds every case acknowledged before the backup began, and
// its audit chain verifies.
func TestBackupWhileServingSQLite(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	s := startServer(t, bin, data)
	var acked atomic.Int64
	stop := make(chan struct{})
	wg := writeWhile(t, s, stop, &acked)
	for acked.Load() < 20 {
		time.Sleep(5 * time.Millisecond) // let some writes land first; correctness does not depend on how many
	}
	before := acked.Load()
	snap := filepath.Join(t.TempDir(), "snapshot.db")
	out, err := runCmd(t, "backup", "--data", data, "--out", snap)
	close(stop)
	wg.Wait()
	if err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, err := runCmd(t, "backup", "--data", data, "--out", snap); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a backup over an existing file = %v", err)
	}
	// Restore: the snapshot is a database file; put it in a data directory
	// with the master key.
	for _, f := range []string{snap, filepath.Join(data, "visaclock.db"), filepath.Join(data, "master.key")} {
		if info, err := os.Stat(f); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", filepath.Base(f), info.Mode().Perm(), err)
		}
	}
	restored := t.TempDir()
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Backup Person") {
		t.Error("the backup holds identities in clear")
	}
	if err := os.WriteFile(filepath.Join(restored, "visaclock.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "master.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = runCmd(t, "audit", "verify", "--data", restored)
	if err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify on the restored copy: %q %v", out, err)
	}
	checkRestored(t, filepath.Join(restored, "visaclock.db"), string(key), before)
}

// checkRestored opens a restored database and checks that it holds at
// least want cases, each of whose identity opens.
func checkRestored(t *testing.T, dsn, key string, want int64) {
	t.Helper()
	ctx := context.Background()
	svc, st := openService(t, dsn, key)
	n, err := caseload.VerifyAudit(ctx, st, mustChain(t, st, key))
	if err != nil {
		t.Fatalf("restored audit chain: %v", err)
	}
	ids, err := st.CaseIDs(ctx, caseload.DefaultOrg, "", 100000)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(ids)) < want {
		t.Fatalf("restored %d cases, want at least the %d acknowledged before the backup", len(ids), want)
	}
	admin := caseload.Principal{User: "u_restore", Org: caseload.DefaultOrg, Role: caseload.RoleAdmin}
	for _, id := range ids {
		c, err := svc.Get(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		ident, err := svc.Reveal(ctx, admin, c)
		if err != nil || !strings.HasPrefix(ident.Name, "Backup Person ") {
			t.Fatalf("restored case %s: identity %+v, %v", id, ident, err)
		}
	}
	t.Logf("restored %d cases (%d acknowledged before the backup began), %d audit entries", len(ids), want, n)
}

func mustChain(t *testing.T, st *sqlstore.Store, key string) *audit.Chain {
	t.Helper()
	kr, err := parseKeyring(key, "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := caseload.OpenAudit(context.Background(), st, kr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBackupWhileServingPostgres: pg_dump takes a consistent snapshot of
// the store's schema while the server takes writes (the procedure
// docs/security.md gives); pg_restore into a new database gives a store
// that opens with the same master key, holds every acknowledged case, and
// whose audit chain verifies.
func TestBackupWhileServingPostgres(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pg_dump is not installed; CI must install postgresql-client")
		}
		t.Skip("no pg_dump")
	}
	dsn := sqlstoretest.SchemaURL(t, "vc_backup_")
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	keyText := mustNewKey(t)
	t.Setenv(MasterKeysEnv, keyText)
	bin := buildBinary(t)
	s := startServer(t, bin, t.TempDir(), "--db", dsn)
	var acked atomic.Int64
	stop := make(chan struct{})
	wg := writeWhile(t, s, stop, &acked)
	for acked.Load() < 20 {
		time.Sleep(5 * time.Millisecond) // let some writes land first; correctness does not depend on how many
	}
	before := acked.Load()
	base, _ := url.Parse(sqlstoretest.PostgresURL())
	dump := filepath.Join(t.TempDir(), "visaclock.pgdump")
	out, err := exec.Command("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, "--dbname="+base.String()).CombinedOutput()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	admin, err := sql.Open("pgx", base.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // registered first, so it runs after the drop
	dbName := strings.ReplaceAll(schema, "vc_backup_", "vc_restored_")
	if _, err := admin.Exec("CREATE DATABASE " + dbName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + dbName + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", dbName, err)
		}
	})
	target := *base
	target.Path = "/" + dbName
	if out, err := exec.Command("pg_restore", "--no-owner", "--dbname="+target.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	q := target.Query()
	q.Set("search_path", schema)
	target.RawQuery = q.Encode()
	checkRestored(t, target.String(), keyText, before)
}

func mustNewKey(t *testing.T) string {
	t.Helper()
	k, err := vault.NewMasterKey(1)
	if err != nil {
		t.Fatal(err)
	}
	return k.String()
}

// TestServeBeyondLoopback: binding beyond loopback is refused while no
// account exists, then refused without TLS, and allowed with a proxy named.
func TestServeBeyondLoopback(t *testing.T) {
	data := t.TempDir()
	err := run(context.Background(), testNow, []string{"serve", "--addr", "0.0.0.0:0", "--data", data}, nil, io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "until accounts exist") {
		t.Fatalf("no accounts: %v", err)
	}
	// Make the first admin as the link would.
	_, kr := openKeyed(t, data)
	svc, _ := openService(t, filepath.Join(data, "visaclock.db"), kr)
	secret, err := firstRunLink(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ClaimSetup(context.Background(), secret, "admin", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), testNow, []string{"serve", "--addr", "0.0.0.0:0", "--data", data}, nil, io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "needs TLS") {
		t.Fatalf("accounts, no TLS: %v", err)
	}
	err = run(context.Background(), testNow, []string{"serve", "--addr", "0.0.0.0:0", "--data", data, "--tls-cert", "x.pem"}, nil, io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "go together") {
		t.Fatalf("a certificate without its key: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var stdout strings.Builder
	logs, logw := io.Pipe()
	go func() {
		done <- run(ctx, testNow, []string{"serve", "--addr", "0.0.0.0:0", "--data", data, "--trusted-proxy", "10.0.0.0/8", "--log-format", "json"}, nil, &stdout, logw)
		logw.Close()
	}()
	// Stop it once it listens.
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"msg":"listening"`) {
			cancel()
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("behind a named proxy: %v", err)
	}
	if strings.Contains(stdout.String(), "setup?token=") {
		t.Error("a server with accounts printed a set-up link")
	}
}

// openKeyed makes the data directory's key file and schema, as the first
// `serve` does, and returns the key text.
func openKeyed(t *testing.T, data string) (*sqlstore.Store, string) {
	t.Helper()
	if _, err := runCmd(t, "migrate", "--data", data); err != nil {
		t.Fatal(err)
	}
	var sf storeFlags
	sf.data = data
	a, err := sf.openApp(context.Background(), testNow, appOptions{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st := a.Store
	a.Close()
	b, err := os.ReadFile(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	return st, string(b)
}

// TestExportImportCommands: an operator exports an organisation's cases to
// an age recipient and imports them back with the identity, losslessly;
// a passphrase export of one case goes into another organisation.
func TestExportImportCommands(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	for _, name := range []string{"First", "Second"} {
		if _, err := runCmd(t, "orgs", "add", "--name", name, "--data", data); err != nil {
			t.Fatal(err)
		}
	}
	key, err := os.ReadFile(filepath.Join(data, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	svc, st := openService(t, filepath.Join(data, "visaclock.db"), string(key))
	orgs, err := st.Orgs(ctx)
	if err != nil || len(orgs) != 2 {
		t.Fatalf("orgs %v %v", orgs, err)
	}
	first, second := operator(orgs[0].ID), operator(orgs[1].ID)
	var ids []string
	for i, name := range []string{"Jang Myong-hui", "O Kwang-chol"} {
		c := &caseload.Case{Reference: fmt.Sprintf("EXP-%d", i), Notes: "note " + name[:4], Identity: &caseload.Identity{Name: name, Passport: fmt.Sprintf("PD%07d", i)},
			History: stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}, Trips: []stay.Trip{{Entry: date.MustParse("2026-10-01")}}}}
		if err := svc.Create(ctx, first, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rcpt, idFile, out := filepath.Join(dir, "recipients"), filepath.Join(dir, "identity"), filepath.Join(dir, "export.age")
	os.WriteFile(rcpt, []byte(id.Recipient().String()+"\n"), 0o600)
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	if msg, err := runCmd(t, "export", "--data", data, "--org", orgs[0].ID, "--recipients-file", rcpt, "--out", out); err != nil || !strings.Contains(msg, "exported 2 cases") {
		t.Fatalf("export: %q %v", msg, err)
	}
	if b, _ := os.ReadFile(out); strings.Contains(string(b), "Jang") || strings.Contains(string(b), "EXP-0") {
		t.Fatal("the export holds case content in clear")
	}
	for _, id := range ids {
		if err := svc.Delete(ctx, first, id, 0); err != nil {
			t.Fatal(err)
		}
	}
	if msg, err := runCmd(t, "import", "--data", data, "--org", orgs[0].ID, "--identity-file", idFile, out); err != nil || !strings.Contains(msg, "imported 2 cases") {
		t.Fatalf("import: %q %v", msg, err)
	}
	for i, cid := range ids {
		c, err := svc.Get(ctx, first, cid)
		if err != nil {
			t.Fatal(err)
		}
		ident, err := svc.Reveal(ctx, first, c)
		if err != nil || ident.Passport != fmt.Sprintf("PD%07d", i) || c.Reference != fmt.Sprintf("EXP-%d", i) || !strings.HasPrefix(c.Notes, "note ") {
			t.Errorf("case %s after the round trip: %+v %+v %v", cid, c, ident, err)
		}
	}
	// One case, to a passphrase, into the other organisation.
	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	one := filepath.Join(dir, "one.age")
	if _, err := runCmd(t, "export", "--data", data, "--org", orgs[0].ID, "--case", ids[1], "--passphrase-file", pass, "--out", one); err != nil {
		t.Fatal(err)
	}
	if msg, err := runCmd(t, "import", "--data", data, "--org", orgs[1].ID, "--passphrase-file", pass, one); err != nil || !strings.Contains(msg, "imported 1 cases") {
		t.Fatalf("import into the second org: %q %v", msg, err)
	}
	list, _, err := svc.List(ctx, second, caseload.Filter{On: testToday})
	if err != nil || len(list) != 1 || list[0].Reference != "EXP-1" || list[0].ID == ids[1] {
		t.Fatalf("second org's cases: %+v %v (a copy under a new id)", list, err)
	}
	// Without the right key nothing is imported.
	if _, err := runCmd(t, "import", "--data", data, "--org", orgs[1].ID, "--identity-file", idFile, one); err == nil {
		t.Error("a passphrase export imported with an age identity")
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "visaclock test"},
		// A fixed, wide validity: the TLS stack checks it against the real
		// clock, which the test does not read.
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeTLS: with a certificate and key, serve speaks HTTPS, prints an
// https set-up link, and sends Strict-Transport-Security.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs, logw := io.Pipe()
	outr, outw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, testNow, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile, "--log-format", "json"}, nil, outw, logw)
		logw.Close()
		outw.Close()
	}()
	links := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "/setup?token=") {
				links <- sc.Text()
			}
		}
	}()
	var base string
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		var line struct{ Msg, URL string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			base = line.URL
			break
		}
	}
	go io.Copy(io.Discard, logs)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("listening on %q, want https", base)
	}
	if link := <-links; !strings.HasPrefix(link, "https://") {
		t.Errorf("set-up link %q, want https", link)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.TLS == nil || !strings.HasPrefix(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("over TLS: HSTS %q", res.Header.Get("Strict-Transport-Security"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSeedAndRotationAreAudited: `dev seed` goes through the Service's
// bulk path, one audit entry a case, and `keys rotate` audits itself in
// its own transaction; `audit verify` counts every change.
func TestSeedAndRotationAreAudited(t *testing.T) {
	data := t.TempDir()
	if out, err := runCmd(t, "dev", "seed", "--n", "250", "--data", data); err != nil || !strings.Contains(out, "seeded 250 cases") {
		t.Fatalf("dev seed: %q %v", out, err)
	}
	if out, err := runCmd(t, "audit", "verify", "--data", data); err != nil || !strings.Contains(out, "intact: 250 entries") {
		t.Fatalf("audit verify after seeding: %q %v", out, err)
	}
	keyFile := filepath.Join(data, "master.key")
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := runCmd(t, "keys", "new", "--id", "2")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(newKey+string(old)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "keys", "rotate", "--data", data); err != nil || !strings.Contains(out, "re-wrapped 1 keys") {
		t.Fatalf("keys rotate: %q %v", out, err)
	}
	if out, err := runCmd(t, "audit", "verify", "--data", data); err != nil || !strings.Contains(out, "intact: 251 entries") {
		t.Fatalf("audit verify after the rotation: %q %v", out, err)
	}
	_, st := openService(t, filepath.Join(data, "visaclock.db"), newKey)
	entries, err := st.AuditEntries(context.Background(), "", 0, 1000)
	if err != nil || len(entries) != 251 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	for i, e := range entries {
		want := "case.create"
		if i == 250 {
			want = "keys.rotate"
		}
		if e.Action != want || e.Actor != "operator" {
			t.Fatalf("entry %d = %+v; want %s by the operator", i, e, want)
		}
	}
}
