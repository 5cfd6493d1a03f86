package caseload

import (
	"context"
	"time"
)

// CalendarToken is one of an account's calendar feed tokens, as listed:
// the store keeps only the token's hash, so the token itself is shown
// once, when it is made, and never again.
type CalendarToken struct {
	ID      string
	Created time.Time
	Revoked bool
}

// CalendarTokens lists p's own calendar feed tokens, newest first,
// revoked ones included.
func (s *Service) CalendarTokens(ctx context.Context, p Principal) ([]CalendarToken, error) {
	return s.Store.CalendarTokens(ctx, p.Org, p.User)
}

// CreateCalendarToken stores the hash of a new calendar feed token of p's
// account, and audits it. The caller makes the token and its hash: the
// feed that reads it hashes it the same way.
func (s *Service) CreateCalendarToken(ctx context.Context, p Principal, hash []byte) (id string, err error) {
	if !p.Can(PermCalendar) {
		return "", ErrForbidden
	}
	if id, err = s.Store.CreateCalendarToken(ctx, p.Org, p.User, hash, s.now()); err != nil {
		return "", err
	}
	return id, s.Audit(ctx, p, "calendar.create", "", "token="+id)
}

// RevokeCalendarToken stops one of p's own calendar feed tokens, and
// audits it.
func (s *Service) RevokeCalendarToken(ctx context.Context, p Principal, id string) error {
	if err := s.Store.RevokeCalendarToken(ctx, p.Org, p.User, id); err != nil {
		return err
	}
	return s.Audit(ctx, p, "calendar.revoke", "", "token="+id)
}
