package login

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits set how many failed logins are let through before the limiter
// makes people wait. Each is a token bucket: Burst failures at once, then
// one more every Every.
type Limits struct {
	AccountBurst int           // failures an account may have at once
	AccountEvery time.Duration // time for an account to regain one
	AddressBurst int           // failures an address may have at once
	AddressEvery time.Duration // time for an address to regain one
	// MaxKeys bounds the accounts and, separately, the addresses that a
	// MemoryLimiter remembers, so that an attacker who makes up names or
	// addresses cannot grow memory without bound. A SharedLimiter's store
	// holds only buckets not yet full again, and drops the rest.
	MaxKeys int
}

// DefaultLimits let an account fail 5 times at once and then once a
// minute, and an address 20 times at once and then once every 6 seconds:
// enough for people who mistype, far too few for guessing.
var DefaultLimits = Limits{
	AccountBurst: 5,
	AccountEvery: time.Minute,
	AddressBurst: 20,
	AddressEvery: 6 * time.Second,
	MaxKeys:      100_000,
}

// A Limiter counts failed logins per account and per client address. Only
// failures spend tokens, so people who type their password right are never
// held up. Implementations are safe for concurrent use, and all of them
// pass the same conformance suite (package limitertest).
//
// Keys are compared as given: the caller should normalise account names
// (as it does to look them up) and reduce IPv6 addresses to their /64, or
// an attacker gets a fresh bucket per address.
//
// [MemoryLimiter] keeps the counts in the process; [SharedLimiter] keeps
// them in a [LimitStore] that every server shares, so that N servers
// allow what one does.
type Limiter interface {
	// Allow reports whether a login attempt for account from addr may be
	// tried now, and if not, how long until it may. It spends nothing:
	// Failed does, once the attempt has failed.
	Allow(ctx context.Context, account, addr string, now time.Time) (ok bool, retryAfter time.Duration, err error)
	// Failed records a failed login for account from addr.
	Failed(ctx context.Context, account, addr string, now time.Time) error
	// Succeeded forgets the account's failures, so that its owner, once
	// in, starts afresh. The address's failures stay: one address may be
	// trying many accounts, and knowing one password does not vouch for
	// the rest.
	Succeeded(ctx context.Context, account string) error
}

// MemoryLimiter is a Limiter that keeps its counts in process memory: a
// restart forgets them, and each process counts alone. It remembers at
// most Limits.MaxKeys accounts and as many addresses.
type MemoryLimiter struct {
	mu       sync.Mutex
	accounts buckets
	addrs    buckets
}

var _ Limiter = (*MemoryLimiter)(nil)

// withDefaults returns l with every field that is zero or negative taken
// from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.AccountBurst <= 0 {
		l.AccountBurst = d.AccountBurst
	}
	if l.AccountEvery <= 0 {
		l.AccountEvery = d.AccountEvery
	}
	if l.AddressBurst <= 0 {
		l.AddressBurst = d.AddressBurst
	}
	if l.AddressEvery <= 0 {
		l.AddressEvery = d.AddressEvery
	}
	if l.MaxKeys <= 0 {
		l.MaxKeys = d.MaxKeys
	}
	return l
}

// NewMemoryLimiter returns a limiter with limits l, kept in memory; a field
// that is zero or negative takes its value from DefaultLimits.
func NewMemoryLimiter(l Limits) *MemoryLimiter {
	l = l.withDefaults()
	return &MemoryLimiter{
		accounts: newBuckets(l.AccountBurst, l.AccountEvery, l.MaxKeys),
		addrs:    newBuckets(l.AddressBurst, l.AddressEvery, l.MaxKeys),
	}
}

// Allow implements Limiter; it never fails.
func (l *MemoryLimiter) Allow(_ context.Context, account, addr string, now time.Time) (ok bool, retryAfter time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	okAcct, waitAcct := l.accounts.allow(account, now)
	okAddr, waitAddr := l.addrs.allow(addr, now)
	return okAcct && okAddr, max(waitAcct, waitAddr), nil
}

// Failed implements Limiter; it never fails.
func (l *MemoryLimiter) Failed(_ context.Context, account, addr string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts.spend(account, now)
	l.addrs.spend(addr, now)
	return nil
}

// Succeeded implements Limiter; it never fails.
func (l *MemoryLimiter) Succeeded(_ context.Context, account string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.accounts.m, account)
	return nil
}

// buckets is one family of token buckets keyed by string. MemoryLimiter.mu
// guards it.
type buckets struct {
	m     map[string]*rate.Limiter
	limit rate.Limit
	burst int
	max   int
	// Scanning a full map for buckets that have refilled costs a pass over
	// every key; this is the earliest time at which the last scan showed a
	// bucket could be full again, so that a full map under attack is not
	// scanned once per request.
	nextPrune time.Time
}

func newBuckets(burst int, every time.Duration, maxKeys int) buckets {
	return buckets{
		m:     make(map[string]*rate.Limiter),
		limit: rate.Every(every),
		burst: burst,
		max:   maxKeys,
	}
}

// tokenSlack absorbs float rounding: the limiter adds 1/60 of a token per
// second, and a minute of that may sum to a hair under one token.
const tokenSlack = 1e-9

func (b *buckets) allow(key string, now time.Time) (bool, time.Duration) {
	lim := b.m[key]
	if lim == nil {
		if b.room(now) {
			return true, 0
		}
		// Failed could not record this key's failures, so letting it
		// through would let it fail without limit: refuse until some
		// bucket has refilled and can make room.
		return false, b.nextPrune.Sub(now)
	}
	tokens := lim.TokensAt(now)
	if tokens >= 1-tokenSlack {
		return true, 0
	}
	return false, b.durationFor(1 - tokens)
}

// spend takes a token even when there is none left, leaving a debt to be
// repaid before the next attempt. Attempts that passed Allow together and
// then all failed are thus each paid for, instead of a burst of concurrent
// requests getting through on one token.
func (b *buckets) spend(key string, now time.Time) {
	lim := b.m[key]
	if lim == nil {
		if !b.room(now) {
			return
		}
		lim = rate.NewLimiter(b.limit, b.burst)
		b.m[key] = lim
	}
	lim.ReserveN(now, 1)
}

// room reports whether there is room for one more key, first dropping the
// keys whose buckets are full again, which are as good as forgotten.
func (b *buckets) room(now time.Time) bool {
	if len(b.m) < b.max {
		return true
	}
	if now.Before(b.nextPrune) {
		return false
	}
	soonest := time.Duration(math.MaxInt64)
	for k, lim := range b.m {
		missing := float64(b.burst) - lim.TokensAt(now)
		if missing <= tokenSlack {
			delete(b.m, k)
			continue
		}
		soonest = min(soonest, b.durationFor(missing))
	}
	b.nextPrune = now.Add(soonest)
	return len(b.m) < b.max
}

// durationFor is how long the bucket takes to gain tokens, rounded up so
// that waiting that long is always enough.
func (b *buckets) durationFor(tokens float64) time.Duration {
	ns := math.Ceil(tokens / float64(b.limit) * float64(time.Second))
	if ns >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return max(time.Duration(ns), 1)
}
