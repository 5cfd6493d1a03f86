package login

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// LimitStore keeps a SharedLimiter's buckets where every server sees them,
// such as a database. A bucket is one time: when it is full again. It is
// empty of debt and holds Burst tokens from then on; each token missing
// puts it one Every later. Keys are keyed hashes, never an account name or
// an address.
type LimitStore interface {
	// LimitsFull returns, in the order of keys, the time each key's bucket
	// is full again; the zero time for a key the store does not hold.
	LimitsFull(ctx context.Context, keys ...[]byte) ([]time.Time, error)
	// SpendLimits takes one token from each bucket named, atomically for
	// each: its full time becomes the later of that time and now, plus the
	// spend's Every. A key not held yet is added.
	SpendLimits(ctx context.Context, now time.Time, spends ...LimitSpend) error
	// ForgetLimit drops a bucket, which is then full.
	ForgetLimit(ctx context.Context, key []byte) error
	// PruneLimits drops the buckets that are full at now, which are as
	// good as absent.
	PruneLimits(ctx context.Context, now time.Time) error
}

// LimitSpend is one token taken from the bucket of Key, which regains one
// every Every.
type LimitSpend struct {
	Key   []byte
	Every time.Duration
}

// SharedLimiter is a Limiter whose buckets live in a LimitStore, so that
// every server on one database counts the same failures: N servers allow
// what one does, and a restart forgets nothing. It works out the buckets
// as the generic cell rate algorithm does, from one time each, which the
// store can update in one atomic statement; the answers are those of
// MemoryLimiter (failures past the burst leave a debt, as there).
//
// Accounts and addresses reach the store only as HMAC-SHA-256 under the
// key given to NewSharedLimiter, so that the store holds no address and no
// account name, and nobody without the key can test a guess against it.
type SharedLimiter struct {
	limits Limits
	store  LimitStore
	key    []byte
	// nextPrune is when, in Unix microseconds, this process next drops
	// buckets that are full again; one process's pruning serves all.
	nextPrune atomic.Int64
}

var _ Limiter = (*SharedLimiter)(nil)

// NewSharedLimiter returns a limiter with limits l (zero fields take
// DefaultLimits') keeping its buckets in st under keyed hashes made with
// key, a secret of at least 32 bytes that every server sharing st must
// share.
func NewSharedLimiter(l Limits, st LimitStore, key []byte) (*SharedLimiter, error) {
	if st == nil {
		return nil, errors.New("login: a shared limiter needs a store")
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("login: a shared limiter's key has %d bytes; it needs at least 32", len(key))
	}
	return &SharedLimiter{limits: l.withDefaults(), store: st, key: key}, nil
}

// hash is the store's key for an account or an address.
func (l *SharedLimiter) hash(kind, value string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// The store keeps microseconds; working in them throughout keeps the
// answers exact.
func micro(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// Allow implements Limiter.
func (l *SharedLimiter) Allow(ctx context.Context, account, addr string, now time.Time) (bool, time.Duration, error) {
	now = micro(now)
	full, err := l.store.LimitsFull(ctx, l.hash("account", account), l.hash("address", addr))
	if err != nil {
		return false, 0, fmt.Errorf("login: read failed-login limits: %w", err)
	}
	waitAcct := waitFor(full[0], now, l.limits.AccountBurst, l.limits.AccountEvery)
	waitAddr := waitFor(full[1], now, l.limits.AddressBurst, l.limits.AddressEvery)
	wait := max(waitAcct, waitAddr)
	return wait == 0, wait, nil
}

// waitFor is how long until a bucket that is full at full holds a token:
// it holds burst minus the tokens still missing at now.
func waitFor(full, now time.Time, burst int, every time.Duration) time.Duration {
	if !full.After(now) {
		return 0 // full already, or never spent from
	}
	return max(full.Sub(now)-time.Duration(burst-1)*every, 0)
}

// Failed implements Limiter. Once a minute it also drops the buckets that
// are full again, so that the store holds only live ones.
func (l *SharedLimiter) Failed(ctx context.Context, account, addr string, now time.Time) error {
	now = micro(now)
	err := l.store.SpendLimits(ctx, now,
		LimitSpend{Key: l.hash("account", account), Every: l.limits.AccountEvery},
		LimitSpend{Key: l.hash("address", addr), Every: l.limits.AddressEvery})
	if err != nil {
		return fmt.Errorf("login: record a failed login: %w", err)
	}
	next := l.nextPrune.Load()
	if now.UnixMicro() >= next && l.nextPrune.CompareAndSwap(next, now.Add(time.Minute).UnixMicro()) {
		if err := l.store.PruneLimits(ctx, now); err != nil {
			return fmt.Errorf("login: drop full buckets: %w", err)
		}
	}
	return nil
}

// Succeeded implements Limiter.
func (l *SharedLimiter) Succeeded(ctx context.Context, account string) error {
	if err := l.store.ForgetLimit(ctx, l.hash("account", account)); err != nil {
		return fmt.Errorf("login: forget an account's failures: %w", err)
	}
	return nil
}
