package login

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// The behaviour every Limiter shares is checked by package limitertest
// (conform_test.go); these tests are about what only MemoryLimiter has:
// a bound on what it remembers.

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fail records n failures, each first let through by Allow, as the server
// does.
func fail(t *testing.T, l *MemoryLimiter, account, addr string, now time.Time, n int) {
	t.Helper()
	for i := range n {
		if ok, wait, _ := l.Allow(context.Background(), account, addr, now); !ok {
			t.Fatalf("attempt %d for %s from %s refused (retry after %v)", i+1, account, addr, wait)
		}
		l.Failed(context.Background(), account, addr, now)
	}
}

func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(time.Millisecond)
}

func TestMemoryLimiterSucceededKeepsAddressBucket(t *testing.T) {
	l := NewMemoryLimiter(DefaultLimits)
	addr := "192.0.2.1"
	fail(t, l, "alice", addr, t0, 5)
	l.Succeeded(context.Background(), "alice")
	if got, want := l.addrs.m[addr].TokensAt(t0), 15.0; math.Abs(got-want) > 1e-6 {
		t.Errorf("address has %v tokens after Succeeded, want %v (its failures kept)", got, want)
	}
}

func TestLimiterMaxKeys(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLimiter(Limits{AddressBurst: 1000, MaxKeys: 3})
	addr := "192.0.2.1"
	for _, a := range []string{"a", "b", "c"} {
		fail(t, l, a, addr, t0, 1)
	}

	// Full, and no bucket has refilled: a new account is refused rather
	// than remembered or let through unremembered.
	ok, wait, _ := l.Allow(ctx, "d", addr, t0)
	if ok || !near(wait, time.Minute) {
		t.Errorf("new account with the map full: got %v, retry after %v; want false, 1m", ok, wait)
	}
	for i := range 100 {
		l.Failed(ctx, fmt.Sprintf("x%d", i), addr, t0.Add(time.Duration(i)*time.Millisecond))
	}
	if got, max := len(l.accounts.m), 3; got > max {
		t.Errorf("%d accounts remembered, want at most %d", got, max)
	}
	// Known accounts are still served.
	if ok, _, _ := l.Allow(ctx, "a", addr, t0); !ok {
		t.Error("known account refused while the map is full")
	}

	// Once the buckets have refilled they are dropped to make room.
	later := t0.Add(time.Minute)
	fail(t, l, "d", addr, later, 1)
	if got, want := len(l.accounts.m), 1; got != want {
		t.Errorf("%d accounts remembered after refill, want %d", got, want)
	}
	if _, ok := l.accounts.m["d"]; !ok {
		t.Error("d not remembered")
	}
}

func TestLimiterMaxKeysAddresses(t *testing.T) {
	l := NewMemoryLimiter(Limits{MaxKeys: 2})
	fail(t, l, "a", "192.0.2.1", t0, 1)
	fail(t, l, "b", "192.0.2.2", t0, 1)
	// A known account, so that only the address map is in the way.
	ok, wait, _ := l.Allow(context.Background(), "a", "192.0.2.3", t0)
	if ok || !near(wait, 6*time.Second) {
		t.Errorf("new address with the map full: got %v, retry after %v; want false, 6s", ok, wait)
	}
	if got, max := len(l.addrs.m), 2; got > max {
		t.Errorf("%d addresses remembered, want at most %d", got, max)
	}
}

func TestNewMemoryLimiterDefaultMaxKeys(t *testing.T) {
	l := NewMemoryLimiter(Limits{})
	if got, want := l.accounts.max, DefaultLimits.MaxKeys; got != want {
		t.Errorf("MaxKeys = %d, want %d", got, want)
	}
}

func TestMemoryLimiterStaysWithinMaxKeys(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLimiter(Limits{MaxKeys: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				now := t0.Add(time.Duration(i) * time.Second)
				account := fmt.Sprintf("u%d", (g*200+i)%97)
				addr := fmt.Sprintf("192.0.2.%d", i%61)
				if ok, _, _ := l.Allow(ctx, account, addr, now); ok {
					l.Failed(ctx, account, addr, now)
				}
				if i%17 == 0 {
					l.Succeeded(ctx, account)
				}
			}
		})
	}
	wg.Wait()
	if got := len(l.accounts.m); got > 50 {
		t.Errorf("%d accounts remembered, want at most 50", got)
	}
	if got := len(l.addrs.m); got > 50 {
		t.Errorf("%d addresses remembered, want at most 50", got)
	}
}
