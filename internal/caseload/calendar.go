package caseload

import (
	"context"
	"time"

	"visaclock/internal/date"
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
// account, audited in the same transaction. The caller makes the token and
// its hash: the feed that reads it hashes it the same way.
func (s *Service) CreateCalendarToken(ctx context.Context, p Principal, hash []byte) (id string, err error) {
	if !p.Can(PermCalendar) {
		return "", ErrForbidden
	}
	id = NewID("cal_")
	if err := s.Store.CreateCalendarToken(ctx, p.Org, p.User, id, hash, s.now(), s.event(p, "calendar.create", "", "token="+id)); err != nil {
		return "", err
	}
	return id, nil
}

// RevokeCalendarToken stops one of p's own calendar feed tokens, audited
// in the same transaction.
func (s *Service) RevokeCalendarToken(ctx context.Context, p Principal, id string) error {
	return s.Store.RevokeCalendarToken(ctx, p.Org, p.User, id, s.event(p, "calendar.revoke", "", "token="+id))
}

// CalendarEntry is one deadline of one case.
type CalendarEntry struct {
	CaseID    string
	Reference string
	Kind      string
	Date      date.Date
}
