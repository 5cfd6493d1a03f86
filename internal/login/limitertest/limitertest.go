// Package limitertest is the conformance suite every login.Limiter passes:
// the in-memory one, and the shared one on each database it runs on.
package limitertest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"visaclock/internal/login"
)

// New returns a fresh limiter with limits l, remembering no failure.
type New func(t *testing.T, l login.Limits) login.Limiter

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Run runs the suite on the limiters new makes, each subtest on a fresh
// one.
func Run(t *testing.T, new New) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, New)
	}{
		{"LocksAccount", locksAccount},
		{"LocksAddress", locksAddress},
		{"SucceededClearsAccountOnly", succeededClearsAccountOnly},
		{"ConcurrentFailuresLeaveDebt", concurrentFailuresLeaveDebt},
		{"ParallelFailuresAllCount", parallelFailuresAllCount},
		{"Defaults", defaults},
		{"OwnLimits", ownLimits},
		{"ConcurrentUse", concurrentUse},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, new) })
	}
}

// Fail records n failures, each first let through by Allow, as the
// server does.
func Fail(t testing.TB, l login.Limiter, account, addr string, now time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		ok, wait, err := l.Allow(ctx, account, addr, now)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("attempt %d for %s from %s refused (retry after %v)", i+1, account, addr, wait)
		}
		if err := l.Failed(ctx, account, addr, now); err != nil {
			t.Fatal(err)
		}
	}
}

// allow is Allow, failing the test on an error.
func allow(t *testing.T, l login.Limiter, account, addr string, now time.Time) (bool, time.Duration) {
	t.Helper()
	ok, wait, err := l.Allow(context.Background(), account, addr, now)
	if err != nil {
		t.Fatal(err)
	}
	return ok, wait
}

func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(time.Millisecond)
}

func locksAccount(t *testing.T, new New) {
	l := new(t, login.DefaultLimits)
	Fail(t, l, "alice", "192.0.2.1", t0, 5)

	ok, wait := allow(t, l, "alice", "192.0.2.1", t0)
	if ok || !near(wait, time.Minute) {
		t.Errorf("6th attempt: got %v, retry after %v; want false, 1m", ok, wait)
	}
	// Changing address does not help: the account is what is guessed at.
	if ok, _ := allow(t, l, "alice", "198.51.100.7", t0); ok {
		t.Error("6th attempt from another address allowed")
	}
	if ok, _ := allow(t, l, "alice", "192.0.2.1", t0.Add(wait-time.Second)); ok {
		t.Error("allowed a second before retryAfter")
	}
	// Another account is not held up.
	if ok, _ := allow(t, l, "bob", "192.0.2.1", t0); !ok {
		t.Error("bob locked by alice's failures")
	}

	later := t0.Add(wait)
	Fail(t, l, "alice", "192.0.2.1", later, 1)
	ok, wait = allow(t, l, "alice", "192.0.2.1", later)
	if ok || !near(wait, time.Minute) {
		t.Errorf("after one more failure: got %v, retry after %v; want false, 1m", ok, wait)
	}
}

func locksAddress(t *testing.T, new New) {
	l := new(t, login.DefaultLimits)
	addr := "192.0.2.1"
	Fail(t, l, "alice", addr, t0, 5)
	if ok, _ := allow(t, l, "bob", addr, t0); !ok {
		t.Fatal("another account from the same address locked after 5 failures")
	}
	// 15 more failures, each on an account of its own, bring the address
	// to 20.
	for i := range 15 {
		Fail(t, l, fmt.Sprintf("user%d", i), addr, t0, 1)
	}
	ok, wait := allow(t, l, "bob", addr, t0)
	if ok || !near(wait, 6*time.Second) {
		t.Errorf("after 20 failures from the address: got %v, retry after %v; want false, 6s", ok, wait)
	}
	if ok, _ := allow(t, l, "bob", "198.51.100.7", t0); !ok {
		t.Error("bob locked from another address")
	}
	if ok, _ := allow(t, l, "bob", addr, t0.Add(6*time.Second)); !ok {
		t.Error("address still locked after 6s")
	}
}

func succeededClearsAccountOnly(t *testing.T, new New) {
	l := new(t, login.DefaultLimits)
	addr := "192.0.2.1"
	Fail(t, l, "alice", addr, t0, 5)
	if ok, _ := allow(t, l, "alice", addr, t0); ok {
		t.Fatal("account not locked")
	}
	if err := l.Succeeded(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	if ok, wait := allow(t, l, "alice", addr, t0); !ok {
		t.Errorf("account still locked after Succeeded (retry after %v)", wait)
	}
	// The address keeps its 5 failures: 15 more lock it.
	for i := range 15 {
		Fail(t, l, fmt.Sprintf("user%d", i), addr, t0, 1)
	}
	if ok, _ := allow(t, l, "bob", addr, t0); ok {
		t.Error("address not locked after 5 failures, Succeeded and 15 more: Succeeded forgot the address's failures")
	}
}

// Requests that pass Allow together and then all fail must each be paid
// for, or concurrency would multiply the burst.
func concurrentFailuresLeaveDebt(t *testing.T, new New) {
	l := new(t, login.DefaultLimits)
	ctx := context.Background()
	for range 10 {
		if ok, _ := allow(t, l, "alice", "192.0.2.1", t0); !ok {
			t.Fatal("refused before any failure")
		}
	}
	for range 10 {
		if err := l.Failed(ctx, "alice", "192.0.2.1", t0); err != nil {
			t.Fatal(err)
		}
	}
	ok, wait := allow(t, l, "alice", "192.0.2.1", t0)
	if ok || !near(wait, 6*time.Minute) {
		t.Errorf("after 10 failures on 5 tokens: got %v, retry after %v; want false, 6m", ok, wait)
	}
}

// Failures recorded at the same moment from many goroutines are each
// counted: no update is lost.
func parallelFailuresAllCount(t *testing.T, new New) {
	l := new(t, login.DefaultLimits)
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := range 24 {
		wg.Go(func() {
			errs <- l.Failed(context.Background(), "alice", fmt.Sprintf("192.0.2.%d", i), t0)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// 24 failures on 5 tokens: 20 minutes until one is back.
	ok, wait := allow(t, l, "alice", "198.51.100.7", t0)
	if ok || !near(wait, 20*time.Minute) {
		t.Errorf("after 24 parallel failures: got %v, retry after %v; want false, 20m", ok, wait)
	}
}

func defaults(t *testing.T, new New) {
	l := new(t, login.Limits{})
	Fail(t, l, "alice", "192.0.2.1", t0, login.DefaultLimits.AccountBurst)
	if ok, wait := allow(t, l, "alice", "192.0.2.1", t0); ok || !near(wait, login.DefaultLimits.AccountEvery) {
		t.Errorf("zero Limits: got %v, retry after %v; want the default burst and rate", ok, wait)
	}
}

func ownLimits(t *testing.T, new New) {
	l := new(t, login.Limits{AccountBurst: 2, AccountEvery: 10 * time.Second, AddressBurst: 3, AddressEvery: time.Second})
	Fail(t, l, "alice", "192.0.2.1", t0, 2)
	if ok, wait := allow(t, l, "alice", "192.0.2.1", t0); ok || !near(wait, 10*time.Second) {
		t.Errorf("account: got %v, retry after %v; want false, 10s", ok, wait)
	}
	Fail(t, l, "bob", "192.0.2.1", t0, 1)
	if ok, wait := allow(t, l, "carol", "192.0.2.1", t0); ok || !near(wait, time.Second) {
		t.Errorf("address: got %v, retry after %v; want false, 1s", ok, wait)
	}
	// Half the time a token takes is not enough; the rest is.
	if ok, _ := allow(t, l, "alice", "192.0.2.2", t0.Add(5*time.Second)); ok {
		t.Error("account allowed after half the wait")
	}
	if ok, _ := allow(t, l, "alice", "192.0.2.2", t0.Add(10*time.Second)); !ok {
		t.Error("account refused after the wait")
	}
}

func concurrentUse(t *testing.T, new New) {
	l := new(t, login.Limits{MaxKeys: 50})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				now := t0.Add(time.Duration(i) * time.Second)
				account := fmt.Sprintf("u%d", (g*50+i)%97)
				addr := fmt.Sprintf("192.0.2.%d", i%61)
				ok, _, err := l.Allow(ctx, account, addr, now)
				if err == nil && ok {
					err = l.Failed(ctx, account, addr, now)
				}
				if err == nil && i%17 == 0 {
					err = l.Succeeded(ctx, account)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
