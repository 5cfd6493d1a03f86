package sqlstoretest

import (
	"errors"
	"net/url"
	"os"
	"os/exec"
	"testing"

	"visaclock/internal/sqlstore"
)

// RawDump is everything the database of st holds, as someone who took the
// disk or the database would see it: the SQLite file and its write-ahead
// log, or pg_dump of the store's schema. Tests search it for what must
// never be kept in clear.
func RawDump(t testing.TB, st *sqlstore.Store) []byte {
	t.Helper()
	if st.Dialect() == "sqlite" {
		var all []byte
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(st.DSN() + suffix)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	u, err := url.Parse(st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	base, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := base.Query()
	q.Del("search_path")
	base.RawQuery = q.Encode()
	out, err := exec.Command("pg_dump", "--schema="+schema, "--dbname="+base.String()).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("pg_dump: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}
