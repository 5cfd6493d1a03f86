package caseload

import (
	"context"
	"slices"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Case edits, as the API and the pages both make them. Each takes what
// the request or form sent: a nil field was not sent and stays as stored.
// The engine's rules are checked by the engine, when the changed case is
// evaluated; a refusal names the field as history.trips[2].exit and
// carries the engine's code.

// CaseUpdate is what a request or form sent for a case's own fields.
type CaseUpdate struct {
	Reference, Notes *string
	// History replaces the whole history.
	History *stay.History
	// Identity replaces the sealed identity; an empty one removes it.
	Identity *Identity
	// Assignee and Team reassign the case; on a new case, left nil, they
	// are the creator's.
	Assignee, Team *string
	// Closed closes (true) or reopens (false) the case. Closing a closed
	// case keeps the time it was closed.
	Closed *bool
}

func (u *CaseUpdate) apply(c *Case, now time.Time) {
	set(&c.Reference, u.Reference)
	set(&c.Notes, u.Notes)
	set(&c.History, u.History)
	if u.Identity != nil {
		c.Identity = u.Identity
	}
	set(&c.Assignee, u.Assignee)
	set(&c.Team, u.Team)
	switch {
	case u.Closed == nil:
	case !*u.Closed:
		c.Closed = time.Time{}
	case c.Closed.IsZero():
		c.Closed = now
	}
}

// set stores *v in dst when v was sent.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// CreateCase makes a new case of what u sent, as Create does.
func (s *Service) CreateCase(ctx context.Context, p Principal, u CaseUpdate) (*Case, error) {
	c := &Case{}
	u.apply(c, s.Now().UTC().Truncate(time.Microsecond))
	if err := s.Create(ctx, p, c); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCase applies u to the case with id if its version is one of
// versions (any, when there are none), then re-evaluates and stores it.
func (s *Service) UpdateCase(ctx context.Context, p Principal, id string, versions []int64, u CaseUpdate) (*Case, error) {
	now := s.Now().UTC().Truncate(time.Microsecond)
	return s.UpdateMatching(ctx, p, id, versions, "case", func(c *Case) error {
		u.apply(c, now)
		return nil
	})
}

// DeleteCase erases the case with id if its version is one of versions
// (any, when there are none); see Delete.
func (s *Service) DeleteCase(ctx context.Context, p Principal, id string, versions []int64) error {
	version := int64(0)
	if len(versions) > 0 {
		// Delete the version listed that is current, if any is.
		c, err := s.Get(ctx, p, id)
		if err != nil {
			return err
		}
		if !slices.Contains(versions, c.Version) {
			return ErrConflict
		}
		version = c.Version
	}
	return s.Delete(ctx, p, id, version)
}

// The lists inside a history that PartEdit changes.
const (
	PartGrants     = "grants"
	PartTrips      = "trips"
	PartExtensions = "extensions"
)

// Parts lists the parts of a case's history that can be edited one item
// at a time.
var Parts = []string{PartGrants, PartTrips, PartExtensions}

// PartEdit is one change to one item of a list inside a case's history:
// its grants, trips or extension applications.
type PartEdit struct {
	Part string // one of Parts
	// Index is the item's position; -1 appends a new item.
	Index int
	// Shown, when set, is the item as the form showed it, by its first
	// date (a trip's entry, an application's filing date, as YYYY-MM-DD):
	// an item that is no longer there, as after someone removed another
	// before it, is a conflict rather than changed in its place.
	Shown *string
	// Delete removes the item.
	Delete bool
	// One of these, for the part, says what was sent for the item.
	Grant     *stay.Grant
	Trip      *TripUpdate
	Extension *ExtensionUpdate
}

// TripUpdate is what was sent for a trip.
type TripUpdate struct {
	Entry, Exit *date.Date
	Grant       *string
}

// TripOf is an update that sends every field of t, which replaces the
// trip.
func TripOf(t stay.Trip) *TripUpdate {
	return &TripUpdate{Entry: &t.Entry, Exit: &t.Exit, Grant: &t.Grant}
}

// ExtensionUpdate is what was sent for an extension application. The
// fields the outcome excludes that were not sent are cleared: a pending
// application has no decision, grant or refusal reason, a refused one no
// grant, a granted one no refusal reason. A new application that names
// no grant extends the latest stay's when the case has several.
type ExtensionUpdate struct {
	Grant                          *string
	Filed                          *date.Date
	RequestedDays, RequestedMonths *int
	Outcome                        *stay.Outcome
	Decided                        *date.Date
	GrantedDays, GrantedMonths     *int
	GrantedUntil                   *date.Date
	Filing                         *stay.Filing
	RefusalReason                  *string
}

// ExtensionOf is an update that sends every field of e, which replaces the
// application.
func ExtensionOf(e stay.Extension) *ExtensionUpdate {
	return &ExtensionUpdate{Grant: &e.Grant, Filed: &e.Filed, RequestedDays: &e.RequestedDays, RequestedMonths: &e.RequestedMonths,
		Outcome: &e.Outcome, Decided: &e.Decided, GrantedDays: &e.GrantedDays, GrantedMonths: &e.GrantedMonths,
		GrantedUntil: &e.GrantedUntil, Filing: &e.Filing, RefusalReason: &e.RefusalReason}
}

func (u *TripUpdate) apply(t *stay.Trip) {
	set(&t.Entry, u.Entry)
	set(&t.Exit, u.Exit)
	set(&t.Grant, u.Grant)
}

func (u *ExtensionUpdate) apply(e *stay.Extension) {
	set(&e.Grant, u.Grant)
	set(&e.Filed, u.Filed)
	set(&e.RequestedDays, u.RequestedDays)
	set(&e.RequestedMonths, u.RequestedMonths)
	set(&e.Outcome, u.Outcome)
	set(&e.Decided, u.Decided)
	set(&e.GrantedDays, u.GrantedDays)
	set(&e.GrantedMonths, u.GrantedMonths)
	set(&e.GrantedUntil, u.GrantedUntil)
	set(&e.Filing, u.Filing)
	set(&e.RefusalReason, u.RefusalReason)
	granted := u.GrantedDays != nil || u.GrantedMonths != nil || u.GrantedUntil != nil
	if e.Outcome == stay.Pending && u.Decided == nil {
		e.Decided = 0
	}
	if e.Outcome != stay.Granted && !granted {
		e.GrantedDays, e.GrantedMonths, e.GrantedUntil = 0, 0, 0
	}
	if e.Outcome != stay.Refused && u.RefusalReason == nil {
		e.RefusalReason = ""
	}
}

// EditPart applies e to the case with id if its version is one of
// versions (any, when there are none), then re-evaluates and stores it.
func (s *Service) EditPart(ctx context.Context, p Principal, id string, versions []int64, e PartEdit) (*Case, error) {
	if !slices.Contains(Parts, e.Part) {
		return nil, Errorf(ENotFound, "", "no such part of a case; accepted: grants, trips, extensions")
	}
	return s.UpdateMatching(ctx, p, id, versions, e.Part, func(c *Case) error {
		h := &c.History
		switch e.Part {
		case PartGrants:
			return editList(&h.Grants, e, func(g *stay.Grant) string { return g.ID }, func(g *stay.Grant) {
				if e.Grant != nil {
					*g = *e.Grant
				}
			})
		case PartTrips:
			return editList(&h.Trips, e, func(t *stay.Trip) string { return t.Entry.String() }, func(t *stay.Trip) {
				if e.Trip != nil {
					e.Trip.apply(t)
				}
			})
		}
		return editList(&h.Extensions, e, func(x *stay.Extension) string { return x.Filed.String() }, func(x *stay.Extension) {
			if e.Index < 0 && (e.Extension == nil || e.Extension.Grant == nil) && len(h.Grants) > 1 && len(h.Trips) > 0 {
				// A new application extends the latest stay.
				x.Grant = h.Trips[len(h.Trips)-1].Grant
			}
			if e.Extension != nil {
				e.Extension.apply(x)
			}
		})
	})
}

// editList applies e to the list l, whose items are known by key (for
// Shown); change fills in an item, new or stored.
func editList[T any](l *[]T, e PartEdit, key func(*T) string, change func(*T)) error {
	if e.Index < 0 {
		var v T
		change(&v)
		*l = append(*l, v)
		return nil
	}
	if e.Index >= len(*l) || (e.Shown != nil && key(&(*l)[e.Index]) != *e.Shown) {
		if e.Shown != nil {
			return ErrConflict
		}
		return Errorf(ENotFound, "", "no %s at position %d", e.Part, e.Index)
	}
	if e.Delete {
		*l = slices.Delete(*l, e.Index, e.Index+1)
		return nil
	}
	change(&(*l)[e.Index])
	return nil
}
