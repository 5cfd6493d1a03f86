package login_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"visaclock/internal/login"
	"visaclock/internal/login/limitertest"
)

func TestMemoryLimiterConforms(t *testing.T) {
	limitertest.Run(t, func(t *testing.T, l login.Limits) login.Limiter { return login.NewMemoryLimiter(l) })
}

// mapStore is a LimitStore in a map, so that SharedLimiter's arithmetic is
// checked here without a database; package sqlstore runs the same suite on
// SQLite and PostgreSQL.
type mapStore struct {
	mu   sync.Mutex
	full map[string]time.Time
	seen [][]byte // every key the store was given
}

func (m *mapStore) LimitsFull(_ context.Context, keys ...[]byte) ([]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]time.Time, len(keys))
	for i, k := range keys {
		m.seen = append(m.seen, k)
		out[i] = m.full[string(k)]
	}
	return out, nil
}

func (m *mapStore) SpendLimits(_ context.Context, now time.Time, spends ...login.LimitSpend) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range spends {
		m.seen = append(m.seen, s.Key)
		f := m.full[string(s.Key)]
		if f.Before(now) {
			f = now
		}
		m.full[string(s.Key)] = f.Add(s.Every)
	}
	return nil
}

func (m *mapStore) ForgetLimit(_ context.Context, key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.full, string(key))
	return nil
}

func (m *mapStore) PruneLimits(_ context.Context, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, f := range m.full {
		if !f.After(now) {
			delete(m.full, k)
		}
	}
	return nil
}

var testKey = bytes.Repeat([]byte{7}, 32)

func TestSharedLimiterConforms(t *testing.T) {
	limitertest.Run(t, func(t *testing.T, l login.Limits) login.Limiter {
		sl, err := login.NewSharedLimiter(l, &mapStore{full: map[string]time.Time{}}, testKey)
		if err != nil {
			t.Fatal(err)
		}
		return sl
	})
}

// The store never sees an account name or an address, only keyed hashes,
// and buckets that are full again are dropped.
func TestSharedLimiterStoresKeyedHashes(t *testing.T) {
	st := &mapStore{full: map[string]time.Time{}}
	l, err := login.NewSharedLimiter(login.DefaultLimits, st, testKey)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	limitertest.Fail(t, l, "alice", "192.0.2.1", t0, 2)
	for _, k := range st.seen {
		if bytes.Contains(k, []byte("alice")) || bytes.Contains(k, []byte("192.0.2")) || len(k) != 32 {
			t.Fatalf("the store was given %q", k)
		}
	}
	other, _ := login.NewSharedLimiter(login.DefaultLimits, &mapStore{full: map[string]time.Time{}}, bytes.Repeat([]byte{8}, 32))
	limitertest.Fail(t, other, "alice", "192.0.2.1", t0, 1)
	// Another key hashes differently (the map stores see disjoint keys).
	if len(st.full) != 2 {
		t.Fatalf("%d buckets, want 2", len(st.full))
	}
	// Two minutes on, both buckets are full again; the next failure's
	// prune drops them and keeps only the new ones.
	limitertest.Fail(t, l, "bob", "198.51.100.7", t0.Add(2*time.Minute), 1)
	if len(st.full) != 2 {
		t.Errorf("%d buckets after the prune, want 2 (bob's and his address's)", len(st.full))
	}
}

func TestNewSharedLimiterRefusesShortKey(t *testing.T) {
	if _, err := login.NewSharedLimiter(login.DefaultLimits, &mapStore{}, make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
	if _, err := login.NewSharedLimiter(login.DefaultLimits, nil, testKey); err == nil {
		t.Error("no store was accepted")
	}
}
