// Package sqlstoretest opens real, empty stores for tests: a SQLite file in
// a temporary directory, or a schema of its own on a PostgreSQL server,
// dropped when the test ends.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"visaclock/internal/sqlstore"
	"visaclock/internal/vault"
)

// testMasterKey is the master key of every test store. It is fixed so that
// a test can open a store again, or read a backup, with Keyring.
var testMasterKey = func() vault.MasterKey {
	k, err := vault.ParseMasterKey("1:" + base64.StdEncoding.EncodeToString([]byte("visaclock test master key 32 by.")))
	if err != nil {
		panic(err)
	}
	return k
}()

// MasterKey returns the master key of the test stores, for a test that
// rotates to a new one.
func MasterKey() vault.MasterKey { return testMasterKey }

// Keyring returns the keyring of the test stores.
func Keyring() *vault.Keyring {
	kr, err := vault.NewKeyring(testMasterKey)
	if err != nil {
		panic(err)
	}
	return kr
}

// PostgresURL is the server PostgreSQL tests use:
// $VISACLOCK_TEST_POSTGRES_URL, or the local one of the dev and CI machines.
func PostgresURL() string {
	if u := os.Getenv("VISACLOCK_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// SQLite opens a migrated store on a fresh SQLite file, keyed with
// Keyring, as `visaclock serve` opens one.
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "visaclock.db"))
}

// Postgres opens a migrated store in a schema of its own, named prefix and
// random hex, dropped when the test ends, keyed with Keyring. It skips the
// test when no server answers, except under CI=true, where it fails.
func Postgres(t testing.TB, prefix string) *sqlstore.Store {
	t.Helper()
	return open(t, SchemaURL(t, prefix))
}

// open opens the store at dsn as the application does, closed when the
// test ends.
func open(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Migrate: true, Keys: Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SchemaURL creates an empty schema (dropped when the test ends) and
// returns a URL whose connections use it.
func SchemaURL(t testing.TB, prefix string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", PostgresURL()) // registered by sqlstore
	if err == nil {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err = admin.PingContext(pctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s: %v (CI must start it)", PostgresURL(), err)
		}
		t.Skipf("no PostgreSQL at %s (%v); set VISACLOCK_TEST_POSTGRES_URL or start one to run the PostgreSQL tests", PostgresURL(), err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs last: after the test's stores are closed.
	// A connection of its own, since the server may have restarted since.
	t.Cleanup(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err == nil {
			_, err = db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
			db.Close()
		}
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
