package caseload

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"visaclock/internal/stay"
)

// The reads the web faces need beyond cases: whether the store answers,
// one's own account, the account behind a calendar feed's token, and a
// case as it stands today. Handlers call these, never the Store.

// Ping reports whether the store answers, for a readiness probe.
func (s *Service) Ping(ctx context.Context) error { return s.Store.Ping(ctx) }

// Account returns p's own account.
func (s *Service) Account(ctx context.Context, p Principal) (*User, error) {
	return s.Store.FindUser(ctx, p.Org, p.User)
}

// hashCalendarToken hashes a calendar token for storage and lookup. Tokens
// are 160 random bits, so a plain SHA-256 is enough: there is nothing to
// guess.
func hashCalendarToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IssueCalendarToken makes a calendar feed token for p's account and
// stores its hash: 160 random bits, in lower-case base32 so that it
// survives any calendar app's URL handling. The token is returned this
// once; only its hash is kept.
func (s *Service) IssueCalendarToken(ctx context.Context, p Principal) (id, token string, err error) {
	if !p.Can(PermCalendar) {
		return "", "", ErrForbidden
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	token = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	if id, err = s.CreateCalendarToken(ctx, p, hashCalendarToken(token)); err != nil {
		return "", "", err
	}
	return id, token, nil
}

// CalendarOwner returns the principal of the account whose live calendar
// feed token is token, with its permissions as they are now. A token that
// is unknown or revoked, or whose account is gone or disabled, is
// ErrNotFound, whichever it is.
func (s *Service) CalendarOwner(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrNotFound
	}
	_, user, err := s.Store.FindCalendarToken(ctx, hashCalendarToken(token))
	if err != nil {
		return Principal{}, err
	}
	p, err := s.PrincipalOf(ctx, user)
	if code := ErrorCode(err); code == EUnauthenticated {
		return Principal{}, ErrNotFound
	}
	return p, err
}

// Reading is a case as it stands on the day it is read: evaluated once,
// with the Service's rule packs, for an answer or a page to show.
type Reading struct {
	// History is the history the engine saw: with the sealed identity's
	// date of birth, for the engine only; it must not be shown, stored or
	// logged.
	History stay.History
	// Prepared and Evaluation are nil when the case cannot be evaluated
	// any more (as when a rule pack it uses is no longer loaded); Err says
	// why. The case stays readable.
	Prepared   *stay.Case
	Evaluation *stay.Evaluation
	Err        error
}

// Read evaluates c as it stands today. The identity is opened for its date
// of birth without an audit entry, as it is not shown to anyone.
func (s *Service) Read(ctx context.Context, c *Case) (*Reading, error) {
	h, err := s.EngineHistory(ctx, c)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	h.AsOf = today
	rd := &Reading{History: h}
	sc, err := stay.Prepare(&rd.History, s.Lookup)
	if err != nil {
		rd.Err = err
		return rd, nil
	}
	rd.Prepared, rd.Evaluation = sc, sc.Evaluate(today)
	return rd, nil
}
