package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"
	"time"

	"visaclock/internal/login"
	"visaclock/internal/login/limitertest"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
)

func TestLoginLimitsSQLite(t *testing.T)   { testLoginLimits(t, openSQLite) }
func TestLoginLimitsPostgres(t *testing.T) { testLoginLimits(t, openPostgres) }

// newKey is a fresh limiter key: limiters with different keys share no
// bucket, so each subtest starts afresh on one store.
func newKey(t *testing.T) []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func sharedLimiter(t *testing.T, st login.LimitStore, l login.Limits, key []byte) *login.SharedLimiter {
	t.Helper()
	sl, err := login.NewSharedLimiter(l, st, key)
	if err != nil {
		t.Fatal(err)
	}
	return sl
}

// reopen opens the database of st a second time, as a second server does.
func reopen(t *testing.T, st *sqlstore.Store) *sqlstore.Store {
	t.Helper()
	other, err := sqlstore.Open(context.Background(), st.DSN(), sqlstore.Options{Migrate: true, Keys: sqlstoretest.Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func testLoginLimits(t *testing.T, open func(*testing.T) *sqlstore.Store) {
	ctx := context.Background()
	st := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	t.Run("conformance", func(t *testing.T) {
		limitertest.Run(t, func(t *testing.T, l login.Limits) login.Limiter { return sharedLimiter(t, st, l, newKey(t)) })
	})

	t.Run("two servers count the same failures", func(t *testing.T) {
		key := newKey(t)
		a := sharedLimiter(t, st, login.DefaultLimits, key)
		b := sharedLimiter(t, reopen(t, st), login.DefaultLimits, key)
		for i := range 5 {
			l := []login.Limiter{a, b}[i%2]
			limitertest.Fail(t, l, "alice", "192.0.2.1", t0, 1)
		}
		for name, l := range map[string]login.Limiter{"a": a, "b": b} {
			ok, wait, err := l.Allow(ctx, "alice", "198.51.100.7", t0)
			if err != nil {
				t.Fatal(err)
			}
			if ok || wait != time.Minute {
				t.Errorf("6th attempt on server %s: got %v, retry after %v; want false, 1m", name, ok, wait)
			}
		}
		if err := b.Succeeded(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := a.Allow(ctx, "alice", "192.0.2.1", t0); !ok {
			t.Error("a login on server b did not clear the account on server a")
		}
	})

	t.Run("the table holds keyed hashes of live buckets only", func(t *testing.T) {
		key := newKey(t)
		l := sharedLimiter(t, st, login.DefaultLimits, key)
		limitertest.Fail(t, l, "limits-user-7", "203.0.113.77", t0, 3)
		dump := sqlstoretest.RawDump(t, st)
		for _, s := range []string{"limits-user-7", "203.0.113.77"} {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("the database holds %q in clear", s)
			}
		}
		h := []byte("some bucket key, 32 bytes long..")
		if err := st.SpendLimits(ctx, t0, login.LimitSpend{Key: h, Every: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if err := st.PruneLimits(ctx, t0.Add(time.Minute-time.Microsecond)); err != nil {
			t.Fatal(err)
		}
		if full, err := st.LimitsFull(ctx, h); err != nil || !full[0].Equal(t0.Add(time.Minute)) {
			t.Fatalf("before it is full: %v, %v; want %v", full, err, t0.Add(time.Minute))
		}
		if err := st.PruneLimits(ctx, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if full, err := st.LimitsFull(ctx, h); err != nil || !full[0].IsZero() {
			t.Errorf("after it is full: %v, %v; want it dropped", full, err)
		}
	})
}
