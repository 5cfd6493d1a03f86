package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"filippo.io/age"

	"visaclock/internal/archive"
	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/login"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
)

// The person every test here records. Each field is distinctive, so that
// finding it in a dump, a log or a file cannot be a coincidence.
var (
	secretName     = "Ri Chol-su 리철수"
	secretPassport = "PX7734521"
	secretContact  = "+850 2 381 4417"
	secretIdentity = map[string]any{
		"name": secretName, "birth_date": "1961-04-15", "nationality": "PRK",
		"passport": secretPassport, "contact": secretContact,
	}
)

func withIdentity(body map[string]any, identity map[string]any) map[string]any {
	body["identity"] = identity
	return body
}

// rawDump is everything the database holds, as someone who took the disk
// or the database would see it.
func rawDump(t *testing.T, st *sqlstore.Store) []byte { return sqlstoretest.RawDump(t, st) }

// TestIdentitiesEncryptedAtRest: a raw dump of the database holds no
// name, passport number or contact in clear, while the API still serves
// them to whoever may see them.
func TestIdentitiesEncryptedAtRest(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		c := e.do("POST", "/v1/cases", withIdentity(caseBody("REF-AT-REST", "", schengenStay("2026-01-01", "")), secretIdentity)).want(t, http.StatusCreated).object(t)
		id := str(t, c, "id")
		if got := str(t, c, "identity.name"); got != "R••• C••• 리•••" {
			t.Errorf("masked name = %q", got)
		}
		if got := str(t, c, "identity.passport"); got != "•••21" {
			t.Errorf("masked passport = %q", got)
		}
		// A second factor's secret is sealed too.
		cookie := loginCookie(t, e, "admin", testPassword)
		enrol := e.do("POST", "/v1/me/totp", nil, "Authorization", "", "Cookie", cookie).want(t, http.StatusCreated).object(t)
		totp, err := login.DecodeSecret(str(t, enrol, "secret"))
		if err != nil {
			t.Fatal(err)
		}
		dump := rawDump(t, e.Store)
		if bytes.Contains(dump, totp) {
			t.Error("the raw database holds a TOTP secret in clear")
		}
		if !bytes.Contains(dump, []byte("REF-AT-REST")) {
			t.Fatal("the dump does not hold the case's reference: it is not a dump of this store")
		}
		for _, s := range []string{secretName, "Ri Chol", "리철수", secretPassport, "7734521", secretContact, "1961-04-15"} {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("the raw database holds %q in clear", s)
			}
		}
		revealed := e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK).object(t)
		if str(t, revealed, "identity.name") != secretName || str(t, revealed, "identity.passport") != secretPassport || revealed["identity_revealed"] != true {
			t.Errorf("revealed identity = %v", revealed["identity"])
		}
		// Exact lookup by passport number goes through the blind index, with
		// the number written as people write it.
		list := e.do("POST", "/v1/cases/lookup", map[string]string{"passport": "px 7734-521"}).want(t, http.StatusOK).object(t)
		if str(t, list, "items.0.id") != id || str(t, list, "items.0.name") != "R••• C••• 리•••" {
			t.Errorf("passport lookup = %v", list)
		}
		if _, ok := jsonPath(list, "items.1"); ok {
			t.Errorf("passport lookup found more than the case: %v", list)
		}
		none := e.do("POST", "/v1/cases/lookup", map[string]string{"passport": "PX7734520"}).want(t, http.StatusOK).object(t)
		if _, ok := jsonPath(none, "items.0"); ok {
			t.Errorf("a different passport number found a case: %v", none)
		}
	})
}

// TestEraseRemovesIdentity: deleting a case removes its identity for good;
// on SQLite not even the files keep the ciphertext, and the audit log
// keeps only that an erase happened and who did it.
func TestEraseRemovesIdentity(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := str(t, e.do("POST", "/v1/cases", withIdentity(caseBody("REF-ERASE", "", schengenStay("2026-01-01", "")), secretIdentity)).want(t, http.StatusCreated).object(t), "id")
		stored, err := e.Store.FindCase(context.Background(), caseload.DefaultOrg, id)
		if err != nil || len(stored.Sealed) == 0 {
			t.Fatalf("stored case: %v, sealed %d bytes", err, len(stored.Sealed))
		}
		e.do("DELETE", "/v1/cases/"+id, nil, "If-Match", "*").want(t, http.StatusNoContent)
		e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusNotFound)
		if e.Store.Dialect() == "sqlite" {
			if dump := rawDump(t, e.Store); bytes.Contains(dump, stored.Sealed[8:40]) {
				t.Error("the SQLite files still hold the erased case's sealed identity")
			}
		}
		entries, err := e.Store.AuditEntries(context.Background(), caseload.DefaultOrg, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var erased *audit.Entry
		for i := range entries {
			if entries[i].Action == "case.erase" {
				erased = &entries[i]
			}
		}
		if erased == nil || erased.Case != id || erased.Actor != e.Admin.User || erased.Detail != "" {
			t.Errorf("audit of the erase = %+v, want case %s by %s and nothing more", erased, id, e.Admin.User)
		}
	})
}

// auditChain is the chain the test stores are keyed with.
func auditChain(t *testing.T, st *sqlstore.Store) *audit.Chain {
	t.Helper()
	c, err := caseload.OpenAudit(context.Background(), st, sqlstoretest.Keyring())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawDB opens the store's database directly, as an attacker with write
// access to it would.
func rawDB(t *testing.T, st *sqlstore.Store) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", st.DSN()
	if st.Dialect() == "sqlite" {
		driver, dsn = "sqlite", "file:"+st.DSN()+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAuditChainDetectsTampering: who did what is recorded for logins,
// failed logins, reveals, writes and exports, and a changed, removed or
// inserted row is found by VerifyAudit, as `visaclock audit verify` runs it.
func TestAuditChainDetectsTampering(t *testing.T) {
	exportWorkFactor = 10
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ctx := context.Background()
		id := str(t, e.do("POST", "/v1/cases", withIdentity(caseBody("REF-AUDIT", "", schengenStay("2026-01-01", "")), secretIdentity)).want(t, http.StatusCreated).object(t), "id")
		e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK)
		e.do("POST", "/v1/login", map[string]string{"username": "admin", "password": "wrong password here"}, "Authorization", "").want(t, http.StatusUnauthorized)
		e.do("POST", "/v1/login", map[string]string{"username": "admin", "password": testPassword}, "Authorization", "").want(t, http.StatusOK)
		e.do("POST", "/v1/export", map[string]any{"passphrase": "correct horse battery staple"}).want(t, http.StatusOK)
		e.do("POST", "/v1/cases/"+id+"/trips", `{"entry":"2025-06-01","exit":"2025-06-10"}`, "If-Match", "*").want(t, http.StatusCreated)

		entries, err := e.Store.AuditEntries(ctx, caseload.DefaultOrg, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
			for _, s := range []string{secretName, secretPassport, "REF-AUDIT", testPassword} {
				if strings.Contains(en.Detail, s) || strings.Contains(en.Actor, s) {
					t.Errorf("audit entry %d carries %q", en.Seq, s)
				}
			}
		}
		for _, want := range []string{"user.setup", "token.create", "case.create", "identity.reveal", "login.failed", "login", "case.export", "case.update"} {
			if !strings.Contains(" "+strings.Join(actions, " ")+" ", " "+want+" ") {
				t.Errorf("no %s in the audit log: %v", want, actions)
			}
		}
		// The admins' API sees the same entries.
		got := e.do("GET", "/v1/audit?limit=1000", nil).want(t, http.StatusOK).object(t)
		if n := len(got["entries"].([]any)); n != len(entries) {
			t.Errorf("GET /v1/audit gave %d entries, the store has %d", n, len(entries))
		}

		chain := auditChain(t, e.Store)
		n, err := caseload.VerifyAudit(ctx, e.Store, chain)
		if err != nil || n < len(entries) {
			t.Fatalf("untouched log: %d entries, %v", n, err)
		}
		db := rawDB(t, e.Store)
		target := entries[3].Seq
		mustExec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		wantBreak := func(seq int64, why string) {
			t.Helper()
			_, err := caseload.VerifyAudit(ctx, e.Store, chain)
			var ae *audit.Error
			if !errors.As(err, &ae) || ae.Seq != seq {
				t.Fatalf("%s: VerifyAudit = %v, want a break at entry %d", why, err, seq)
			}
		}
		var detail string
		if err := db.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE seq = $1`, target).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		mustExec(`UPDATE audit_log SET detail = 'nothing happened' WHERE seq = $1`, target)
		wantBreak(target, "a changed entry")
		mustExec(`UPDATE audit_log SET detail = $1 WHERE seq = $2`, detail, target)
		if _, err := caseload.VerifyAudit(ctx, e.Store, chain); err != nil {
			t.Fatalf("after undoing the change: %v", err)
		}
		mustExec(`UPDATE audit_log SET actor = 'u_someoneelse' WHERE seq = $1`, target+1)
		wantBreak(target+1, "a changed actor")
		mustExec(`DELETE FROM audit_log WHERE seq = $1`, target+1)
		wantBreak(target+1, "a removed entry")
	})
}

// TestExportImportRoundTrip: an organisation's cases leave as an age file
// (a passphrase or a recipient's key), hold nothing in clear, and come back
// exactly, identities included.
func TestExportImportRoundTrip(t *testing.T) {
	exportWorkFactor = 10
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ctx := context.Background()
		cw, err := e.Server.Service.CreateUser(ctx, e.Admin, caseload.UserInput{Username: "worker", Password: testPassword, Role: caseload.RoleCaseworker, Team: "north"})
		if err != nil {
			t.Fatal(err)
		}
		bodies := []map[string]any{
			withIdentity(caseBody("EXP-1", "hosted by her sister", schengenStay("2026-01-01", "")), secretIdentity),
			withIdentity(caseBody("EXP-2", "", schengenStay("2025-10-01", "2025-12-20")), map[string]any{"name": "Kim Yong-ho"}),
			caseBody("EXP-3", "", schengenStay("2025-03-01", "2025-03-05")),
		}
		bodies[1]["assignee"], bodies[1]["team"] = cw.ID, "north"
		bodies[2]["closed"] = true
		var ids []string
		before := map[string]map[string]any{}
		for _, b := range bodies {
			id := str(t, e.do("POST", "/v1/cases", b).want(t, http.StatusCreated).object(t), "id")
			ids = append(ids, id)
			before[id] = e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK).object(t)
		}
		file := e.do("POST", "/v1/export", map[string]any{"passphrase": "correct horse battery staple"}).want(t, http.StatusOK)
		for _, s := range []string{secretName, secretPassport, "Kim Yong-ho", "EXP-1", "hosted by her sister"} {
			if bytes.Contains(file.Body, []byte(s)) {
				t.Errorf("the export file holds %q in clear", s)
			}
		}
		// Exports need encryption, and a good passphrase.
		e.do("POST", "/v1/export", map[string]any{}).problem(t, http.StatusUnprocessableEntity).field(t, "passphrase")
		e.do("POST", "/v1/export", map[string]any{"passphrase": "short"}).problem(t, http.StatusUnprocessableEntity).field(t, "passphrase")

		for _, id := range ids {
			e.do("DELETE", "/v1/cases/"+id, nil, "If-Match", "*").want(t, http.StatusNoContent)
		}
		e.do("POST", "/v1/import", file.Body, PassphraseHeader, "not the passphrase at all").problem(t, http.StatusUnprocessableEntity).field(t, "body")
		got := e.do("POST", "/v1/import", file.Body, PassphraseHeader, "correct horse battery staple").want(t, http.StatusCreated).object(t)
		if got["imported"] != float64(3) {
			t.Fatalf("imported %v, want 3", got)
		}
		for _, id := range ids {
			after := e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK).object(t)
			for _, k := range []string{"reference", "notes", "history", "identity", "assignee", "team", "closed", "created", "updated", "evaluation"} {
				b1, _ := json.Marshal(before[id][k])
				b2, _ := json.Marshal(after[k])
				if !bytes.Equal(b1, b2) {
					t.Errorf("case %s %s: before %s, after the round trip %s", id, k, b1, b2)
				}
			}
		}
		// Importing again would make the same cases twice.
		e.do("POST", "/v1/import", file.Body, PassphraseHeader, "correct horse battery staple").problem(t, http.StatusConflict).field(t, "cases[0].id")

		// To an age recipient: only the holder of the key can read it.
		key, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		one := e.do("POST", "/v1/export", map[string]any{"ids": []string{ids[0]}, "recipients": []string{key.Recipient().String()}}).want(t, http.StatusOK)
		plain, err := archive.Decrypt(bytes.NewReader(one.Body), archive.Key{Identities: key.String()})
		if err != nil {
			t.Fatal(err)
		}
		var b caseload.Bundle
		if err := json.Unmarshal(plain, &b); err != nil {
			t.Fatal(err)
		}
		if len(b.Cases) != 1 || b.Cases[0].ID != ids[0] || b.Cases[0].Identity == nil || b.Cases[0].Identity.Passport != secretPassport || b.Format != caseload.ExportFormat {
			t.Errorf("one-case export = %+v", b)
		}
	})
}

// TestRetentionPurgesClosedCases: with a retention period set, a closed
// case is erased once the period has passed since it was closed, and not
// before; open cases stay. The clock is the test's.
func TestRetentionPurgesClosedCases(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ctx := context.Background()
		svc := e.Server.Service
		e.do("PUT", "/v1/org/settings", map[string]any{"require_totp": false, "retention_days": 30}).want(t, http.StatusOK)
		closed := str(t, e.do("POST", "/v1/cases", withIdentity(caseBody("RET-CLOSED", "", schengenStay("2025-06-01", "2025-06-10")), secretIdentity)).want(t, http.StatusCreated).object(t), "id")
		opened := str(t, e.do("POST", "/v1/cases", caseBody("RET-OPEN", "", schengenStay("2025-06-01", "2025-06-10"))).want(t, http.StatusCreated).object(t), "id")
		e.Clock.Set("2026-01-20")
		body := caseBody("RET-CLOSED", "", schengenStay("2025-06-01", "2025-06-10"))
		body["closed"] = true
		c := e.do("PUT", "/v1/cases/"+closed, body, "If-Match", "*").want(t, http.StatusOK).object(t)
		if str(t, c, "closed") != "2026-01-20T12:00:00Z" {
			t.Fatalf("closed = %v", c["closed"])
		}
		for _, step := range []struct {
			day    string
			erased int
		}{{"2026-02-18", 0}, {"2026-02-19", 0}, {"2026-02-20", 1}, {"2026-06-01", 0}} {
			e.Clock.Set(step.day)
			n, err := svc.Purge(ctx)
			if err != nil || n != step.erased {
				t.Fatalf("purge on %s erased %d (%v), want %d", step.day, n, err, step.erased)
			}
		}
		e.do("GET", "/v1/cases/"+closed, nil).want(t, http.StatusNotFound)
		e.do("GET", "/v1/cases/"+opened, nil).want(t, http.StatusOK)
		entries, err := e.Store.AuditEntries(ctx, caseload.DefaultOrg, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		purged := 0
		for _, en := range entries {
			if en.Action == "case.purge" {
				purged++
				if en.Case != closed || en.Actor != "system" || en.Detail != "retention_days=30" {
					t.Errorf("purge entry %+v", en)
				}
			}
		}
		if purged != 1 {
			t.Errorf("%d purge entries, want 1", purged)
		}
		// Reopening a case stops the clock on it.
		e.do("PUT", "/v1/org/settings", map[string]any{"require_totp": false, "retention_days": -1}).problem(t, http.StatusUnprocessableEntity).field(t, "retention_days")
	})
}

// TestLogsAndMetricsCarryNoIdentity: logins, reveals, lookups and exports
// leave no identity, username, password or token in the logs or metrics.
func TestLogsAndMetricsCarryNoIdentity(t *testing.T) {
	exportWorkFactor = 10
	eachBackend(t, func(t *testing.T, open opener) {
		var buf syncBuffer
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := newEnv(t, open, log)
		id := str(t, e.do("POST", "/v1/cases", withIdentity(caseBody("REF-LOG", "", schengenStay("2026-01-01", "")), secretIdentity)).want(t, http.StatusCreated).object(t), "id")
		e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK)
		e.do("POST", "/v1/cases/lookup", map[string]string{"passport": secretPassport}).want(t, http.StatusOK)
		// Not in a URL, where proxies and browsers would keep it.
		e.do("GET", "/v1/cases?passport="+secretPassport, nil).problem(t, http.StatusUnprocessableEntity).field(t, "passport")
		e.do("POST", "/v1/login", map[string]string{"username": "admin", "password": "wrong " + testPassword}, "Authorization", "").want(t, http.StatusUnauthorized)
		e.do("POST", "/v1/login", map[string]string{"username": "nobody-" + secretPassport, "password": testPassword}, "Authorization", "").want(t, http.StatusUnauthorized)
		e.do("POST", "/v1/export", map[string]any{"passphrase": "correct horse battery staple"}).want(t, http.StatusOK)
		e.do("POST", "/v1/cases", withIdentity(caseBody("REF-LOG-2", "", schengenStay("2026-01-01", "")), map[string]any{"name": secretName + "\x01"})).want(t, http.StatusUnprocessableEntity)
		metrics := e.do("GET", "/metrics", nil).want(t, http.StatusOK)
		e.HTTP.Close()
		for where, text := range map[string]string{"logs": buf.String(), "metrics": string(metrics.Body)} {
			for _, s := range []string{secretName, "Ri Chol", secretPassport, secretContact, "1961-04-15", testPassword, e.Token, "admin\"", "REF-LOG"} {
				if strings.Contains(text, s) {
					t.Errorf("the %s carry %q", where, s)
				}
			}
		}
	})
}

// TestSetupLinkWorksOnce: the first admin is made through a one-time link;
// it cannot be used twice, and an expired link does nothing.
func TestSetupLinkWorksOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		svc := e.Server.Service
		ctx := context.Background()
		_, secret, err := svc.CreateOrg(ctx, "o_setup", "Setup NGO")
		if err != nil {
			t.Fatal(err)
		}
		page := e.do("GET", "/setup?token="+secret, nil, "Authorization", "").want(t, http.StatusOK)
		if !bytes.Contains(page.Body, []byte(`<label for="password">`)) || page.mediaType() != "text/html" {
			t.Errorf("set-up page: %s", page.Body)
		}
		body := map[string]string{"token": secret, "username": "first", "password": testPassword}
		e.do("POST", "/v1/setup", map[string]string{"token": secret, "username": "first", "password": "short"}, "Authorization", "").problem(t, http.StatusUnprocessableEntity).field(t, "password")
		u := e.do("POST", "/v1/setup", body, "Authorization", "").want(t, http.StatusCreated).object(t)
		if str(t, u, "role") != "admin" || str(t, u, "org") != "o_setup" {
			t.Errorf("set-up made %v", u)
		}
		body["username"] = "second"
		e.do("POST", "/v1/setup", body, "Authorization", "").problem(t, http.StatusNotFound).field(t, "token")
		// A link for an organisation with accounts cannot be made again.
		if _, err := svc.NewSetupLink(ctx, "o_setup"); caseload.ErrorCode(err) != caseload.EExists {
			t.Errorf("NewSetupLink on an org with accounts = %v", err)
		}
		// An expired link does nothing.
		_, late, err := svc.CreateOrg(ctx, "o_late", "Late NGO")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Set("2026-01-12")
		e.do("POST", "/v1/setup", map[string]string{"token": late, "username": "late", "password": testPassword}, "Authorization", "").problem(t, http.StatusNotFound)
	})
}

// TestHSTSOnlyUnderTLS: Strict-Transport-Security is sent when the client
// came over TLS through a proxy the operator named, and not otherwise (a
// plain-HTTP loopback server must not pin HTTPS on localhost).
func TestHSTSOnlyUnderTLS(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	res := e.do("GET", "/healthz", nil, "X-Forwarded-Proto", "https")
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS from an untrusted peer's header: %q", h)
	}
	e.Server.TrustedProxies = append(e.Server.TrustedProxies, mustPrefix(t, "127.0.0.0/8"))
	res = e.do("GET", "/healthz", nil, "X-Forwarded-Proto", "https")
	if h := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("HSTS behind a trusted TLS proxy = %q", h)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"} {
		if res.Header.Get(h) == "" {
			t.Errorf("no %s", h)
		}
	}
}

// TestImportRefusesOversizedAndForeignFiles: the import decoder faces the
// network: garbage, a file for another key, and a body over the limit are
// refused with the field named, and nothing is stored.
func TestImportRefusesBadFiles(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	e.do("POST", "/v1/import", "not an age file", PassphraseHeader, "correct horse battery staple").problem(t, http.StatusUnprocessableEntity).field(t, "body")
	e.do("POST", "/v1/import", "x").problem(t, http.StatusUnprocessableEntity).field(t, PassphraseHeader)
	var buf bytes.Buffer
	if err := archive.Encrypt(&buf, []byte(`{"format":"visaclock-export/1","cases":[{"id":"c_0000000000000000000000000","reference":"X","history":{"grants":[]},"surprise":1}]}`), archive.Key{Passphrase: "correct horse battery staple", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/v1/import", buf.Bytes(), PassphraseHeader, "correct horse battery staple").problem(t, http.StatusUnprocessableEntity)
	list := e.do("GET", "/v1/cases", nil).want(t, http.StatusOK).object(t)
	if _, ok := jsonPath(list, "items.0"); ok {
		t.Errorf("a refused import stored cases: %v", list)
	}
	// Other routes keep the 1 MiB limit.
	e.do("POST", "/v1/export", bytes.Repeat([]byte(" "), MaxBody+1)).want(t, http.StatusRequestEntityTooLarge)
}

func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loginCookie logs in and returns the session cookie, as a Cookie header.
func loginCookie(t *testing.T, e *apiEnv, username, password string) string {
	t.Helper()
	res := e.do("POST", "/v1/login", map[string]string{"username": username, "password": password}, "Authorization", "").want(t, http.StatusOK)
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == SessionCookie {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatal("login set no session cookie")
	return ""
}

// TestLoginLimitedPerAddress: one address guessing across many usernames
// is held after 20 failures, even for a right password; a forged
// X-Forwarded-For from a peer that is not a named proxy changes nothing,
// while behind a named proxy each client is counted on its own.
func TestLoginLimitedPerAddress(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	try := func(user, password string, hdr ...string) *response {
		return e.do("POST", "/v1/login", map[string]string{"username": user, "password": password}, append([]string{"Authorization", ""}, hdr...)...)
	}
	for i := range 20 {
		try(fmt.Sprintf("guess%02d", i), "not the password at all", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)).want(t, http.StatusUnauthorized)
	}
	r := try("admin", testPassword, "X-Forwarded-For", "203.0.113.9")
	r.problem(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Behind a named proxy, the client it forwards for is counted, not the
	// proxy: another client logs in.
	e.Server.TrustedProxies = append(e.Server.TrustedProxies, mustPrefix(t, "127.0.0.1/32"))
	try("admin", testPassword, "X-Forwarded-For", "203.0.113.9").want(t, http.StatusOK)
}
