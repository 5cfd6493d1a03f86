package login

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fail records n failures, each first let through by Allow, as the server
// does.
func fail(t *testing.T, l *Limiter, account, addr string, now time.Time, n int) {
	t.Helper()
	for i := range n {
		if ok, wait := l.Allow(account, addr, now); !ok {
			t.Fatalf("attempt %d for %s from %s refused (retry after %v)", i+1, account, addr, wait)
		}
		l.Failed(account, addr, now)
	}
}

func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(time.Millisecond)
}

func TestLimiterLocksAccount(t *testing.T) {
	l := NewLimiter(DefaultLimits)
	fail(t, l, "alice", "192.0.2.1", t0, 5)

	ok, wait := l.Allow("alice", "192.0.2.1", t0)
	if ok || !near(wait, time.Minute) {
		t.Errorf("6th attempt: got %v, retry after %v; want false, 1m", ok, wait)
	}
	// Changing address does not help: the account is what is guessed at.
	if ok, _ := l.Allow("alice", "198.51.100.7", t0); ok {
		t.Error("6th attempt from another address allowed")
	}
	if ok, _ := l.Allow("alice", "192.0.2.1", t0.Add(wait-time.Second)); ok {
		t.Error("allowed a second before retryAfter")
	}

	later := t0.Add(wait)
	fail(t, l, "alice", "192.0.2.1", later, 1)
	ok, wait = l.Allow("alice", "192.0.2.1", later)
	if ok || !near(wait, time.Minute) {
		t.Errorf("after one more failure: got %v, retry after %v; want false, 1m", ok, wait)
	}
}

func TestLimiterLocksAddress(t *testing.T) {
	l := NewLimiter(DefaultLimits)
	addr := "192.0.2.1"
	fail(t, l, "alice", addr, t0, 5)
	if ok, _ := l.Allow("bob", addr, t0); !ok {
		t.Fatal("another account from the same address locked after 5 failures")
	}
	// 15 more failures, each on an account of its own, bring the address
	// to 20.
	for i := range 15 {
		fail(t, l, fmt.Sprintf("user%d", i), addr, t0, 1)
	}
	ok, wait := l.Allow("bob", addr, t0)
	if ok || !near(wait, 6*time.Second) {
		t.Errorf("after 20 failures from the address: got %v, retry after %v; want false, 6s", ok, wait)
	}
	if ok, _ := l.Allow("bob", "198.51.100.7", t0); !ok {
		t.Error("bob locked from another address")
	}
	if ok, _ := l.Allow("bob", addr, t0.Add(6*time.Second)); !ok {
		t.Error("address still locked after 6s")
	}
}

func TestLimiterSucceededClearsAccountOnly(t *testing.T) {
	l := NewLimiter(DefaultLimits)
	addr := "192.0.2.1"
	fail(t, l, "alice", addr, t0, 5)
	if ok, _ := l.Allow("alice", addr, t0); ok {
		t.Fatal("account not locked")
	}
	l.Succeeded("alice")
	if ok, wait := l.Allow("alice", addr, t0); !ok {
		t.Errorf("account still locked after Succeeded (retry after %v)", wait)
	}
	if got, want := l.addrs.m[addr].TokensAt(t0), 15.0; math.Abs(got-want) > 1e-6 {
		t.Errorf("address has %v tokens after Succeeded, want %v (its failures kept)", got, want)
	}
}

// Requests that pass Allow together and then all fail must each be paid
// for, or concurrency would multiply the burst.
func TestLimiterConcurrentFailuresLeaveDebt(t *testing.T) {
	l := NewLimiter(DefaultLimits)
	for range 10 {
		if ok, _ := l.Allow("alice", "192.0.2.1", t0); !ok {
			t.Fatal("refused before any failure")
		}
	}
	for range 10 {
		l.Failed("alice", "192.0.2.1", t0)
	}
	ok, wait := l.Allow("alice", "192.0.2.1", t0)
	if ok || !near(wait, 6*time.Minute) {
		t.Errorf("after 10 failures on 5 tokens: got %v, retry after %v; want false, 6m", ok, wait)
	}
}

func TestLimiterMaxKeys(t *testing.T) {
	l := NewLimiter(Limits{AddressBurst: 1000, MaxKeys: 3})
	addr := "192.0.2.1"
	for _, a := range []string{"a", "b", "c"} {
		fail(t, l, a, addr, t0, 1)
	}

	// Full, and no bucket has refilled: a new account is refused rather
	// than remembered or let through unremembered.
	ok, wait := l.Allow("d", addr, t0)
	if ok || !near(wait, time.Minute) {
		t.Errorf("new account with the map full: got %v, retry after %v; want false, 1m", ok, wait)
	}
	for i := range 100 {
		l.Failed(fmt.Sprintf("x%d", i), addr, t0.Add(time.Duration(i)*time.Millisecond))
	}
	if got, max := len(l.accounts.m), 3; got > max {
		t.Errorf("%d accounts remembered, want at most %d", got, max)
	}
	// Known accounts are still served.
	if ok, _ := l.Allow("a", addr, t0); !ok {
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
	l := NewLimiter(Limits{MaxKeys: 2})
	fail(t, l, "a", "192.0.2.1", t0, 1)
	fail(t, l, "b", "192.0.2.2", t0, 1)
	// A known account, so that only the address map is in the way.
	ok, wait := l.Allow("a", "192.0.2.3", t0)
	if ok || !near(wait, 6*time.Second) {
		t.Errorf("new address with the map full: got %v, retry after %v; want false, 6s", ok, wait)
	}
	if got, max := len(l.addrs.m), 2; got > max {
		t.Errorf("%d addresses remembered, want at most %d", got, max)
	}
}

func TestNewLimiterDefaults(t *testing.T) {
	l := NewLimiter(Limits{})
	fail(t, l, "alice", "192.0.2.1", t0, DefaultLimits.AccountBurst)
	if ok, _ := l.Allow("alice", "192.0.2.1", t0); ok {
		t.Error("zero Limits did not take the default account burst")
	}
	if got, want := l.accounts.max, DefaultLimits.MaxKeys; got != want {
		t.Errorf("MaxKeys = %d, want %d", got, want)
	}
}

func TestLimiterConcurrentUse(t *testing.T) {
	l := NewLimiter(Limits{MaxKeys: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				now := t0.Add(time.Duration(i) * time.Second)
				account := fmt.Sprintf("u%d", (g*200+i)%97)
				addr := fmt.Sprintf("192.0.2.%d", i%61)
				if ok, _ := l.Allow(account, addr, now); ok {
					l.Failed(account, addr, now)
				}
				if i%17 == 0 {
					l.Succeeded(account)
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
