package caseload

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/audit"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Households group cases of a family that travels together, so that a
// trip's entry or exit is recorded once for several members. Each member
// stays its own case: its own grants, rules and answer.
//
// A household is labelled with a neutral reference of the user's choosing
// (such as "H-12"), never a family name: the list of an organisation's
// households would otherwise be a list of its families, which is as
// sensitive as the identities the cases seal.
//
// # Who sees a household
//
// A household has no assignee of its own. A reader sees a household only
// through its members they may read, and never sees the others: not in
// its member list, not in a count. An admin, who reaches every case, sees
// every household. Renaming or dissolving a household changes every
// member's grouping, so it needs write access to every member.

// Household is a group of cases that travel together.
type Household struct {
	ID, Org string
	Label   string // a neutral reference, never a family name
	Created time.Time
	Updated time.Time
	Version int64 // increases on every rename; the ETag
	// Members are the members the reader may see, with their state on the
	// day read; filled by GetHousehold.
	Members []Member
}

// Member is one case of a household as a list shows it, with who it is
// assigned to, for the Service to keep each reader to their scope.
type Member struct {
	ListItem
	Assignee, Team string
}

// HouseholdStore keeps households and the cases' membership.
type HouseholdStore interface {
	// CreateHousehold stores h and makes the cases members, in one
	// transaction; a member whose version is no longer c.Version is
	// ErrConflict, and a label the organisation uses already is EExists.
	CreateHousehold(ctx context.Context, h *Household, members []*Case, ev *audit.Entry) error
	FindHousehold(ctx context.Context, org, id string) (*Household, error)
	// HouseholdMembers lists the members of household id, in reference
	// order, with their state on the day on.
	HouseholdMembers(ctx context.Context, org, id string, on date.Date) ([]Member, error)
	// Households lists org's households, by label; with assignee or team
	// set (as in Filter) only those with a member in that scope.
	Households(ctx context.Context, org, assignee, team string) ([]Household, error)
	// UpdateHousehold stores h's label if its version is still h.Version.
	UpdateHousehold(ctx context.Context, h *Household, ev *audit.Entry) error
	// DeleteHousehold removes the household (at version, any when 0);
	// its members stay, in no household, each at its next version.
	DeleteHousehold(ctx context.Context, org, id string, version int64, ev *audit.Entry) error
	// SetHousehold makes case c, if still at c.Version, a member of
	// household ("" for none), which must exist, and increments the case's
	// version.
	SetHousehold(ctx context.Context, c *Case, household string, ev *audit.Entry) error
	// CreateCasesInHouseholds stores the new households hs, then the new
	// cases cs (whose Household may name them) as CreateCases does, all in
	// one transaction, with the audit entries evs; a label the
	// organisation uses already is EExists, and nothing is stored.
	CreateCasesInHouseholds(ctx context.Context, hs []*Household, cs []*Case, evs ...*audit.Entry) error
	// UpdateCases is UpdateCase for several cases in one transaction:
	// every case is stored, or none is (ErrConflict naming none).
	UpdateCases(ctx context.Context, cs []*Case, evs ...*audit.Entry) error
}

// ErrNoHousehold is the error for a household that does not exist or is
// out of the reader's reach.
var ErrNoHousehold = &Error{Code: ENotFound, Msg: "no such household"}

// checkLabel refuses a label that is empty, long or not text.
func checkLabel(label string) error {
	if strings.TrimSpace(label) == "" {
		return Invalid("label", "required", "required: a neutral reference such as H-12 (not a family name)")
	}
	if n := utf8.RuneCountInString(label); n > 40 {
		return Invalid("label", "too_long", "at most %d characters, got %d", 40, n)
	}
	if err := checkText(label); err != "" {
		return &Error{Code: EInvalid, Field: "label", Reason: "bad_text", Msg: err}
	}
	return nil
}

// writable finds case id and checks that p may change it.
func (s *Service) writable(ctx context.Context, p Principal, id string) (*Case, error) {
	if !ValidID(id, "c_") {
		return nil, ErrNotFound
	}
	c, err := s.Store.FindCase(ctx, p.Org, id)
	if err != nil {
		return nil, err
	}
	if !p.Reaches(PermCaseWrite, c) {
		if p.Reaches(PermCaseRead, c) {
			return nil, ErrForbidden
		}
		return nil, ErrNotFound
	}
	return c, nil
}

// CreateHousehold makes a household labelled label of the cases members,
// each of which p must be allowed to change. At least one member is
// needed: a household is seen through its members.
func (s *Service) CreateHousehold(ctx context.Context, p Principal, label string, members []string) (*Household, error) {
	if !p.Can(PermCaseWrite) {
		return nil, ErrForbidden
	}
	if err := checkLabel(label); err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, Invalid("members", "members_required", "at least one case; a household is seen through its members")
	}
	var cs []*Case
	for i, id := range members {
		if slices.Contains(members[:i], id) {
			continue
		}
		c, err := s.writable(ctx, p, id)
		if err != nil {
			return nil, memberError(err, i, id)
		}
		cs = append(cs, c)
	}
	now := s.now()
	h := &Household{ID: NewID("h_"), Org: p.Org, Label: label, Created: now, Updated: now, Version: 1}
	if err := s.Store.CreateHousehold(ctx, h, cs, s.event(p, "household.create", "", h.ID)); err != nil {
		return nil, err
	}
	return s.GetHousehold(ctx, p, h.ID)
}

// memberError names the member an error is about, for a not-found case.
func memberError(err error, i int, id string) error {
	if ErrorCode(err) == ENotFound {
		return &Error{Code: ENotFound, Field: fmt.Sprintf("members[%d]", i), Msg: fmt.Sprintf("no case %s that you may change", id)}
	}
	return err
}

// GetHousehold returns the household with id with the members p may read,
// their state today and names masked. A household none of whose members p
// may read is not found.
func (s *Service) GetHousehold(ctx context.Context, p Principal, id string) (*Household, error) {
	if !p.Can(PermCaseRead) {
		return nil, ErrForbidden
	}
	if !ValidID(id, "h_") {
		return nil, ErrNoHousehold
	}
	h, err := s.Store.FindHousehold(ctx, p.Org, id)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.HouseholdMembers(ctx, p.Org, id, s.Today())
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if p.Reaches(PermCaseRead, &Case{Org: p.Org, Assignee: m.Assignee, Team: m.Team}) {
			h.Members = append(h.Members, m)
		}
	}
	if len(h.Members) == 0 && p.Scope(PermCaseRead) != ScopeOrg {
		return nil, ErrNoHousehold
	}
	items := make([]ListItem, len(h.Members))
	for i := range h.Members {
		items[i] = h.Members[i].ListItem
	}
	s.markStale(ctx, items)
	if err := s.maskItems(ctx, p.Org, items); err != nil {
		return nil, err
	}
	for i := range h.Members {
		h.Members[i].ListItem = items[i]
	}
	return h, nil
}

// Households lists the households p sees: every one for an admin, those
// with a member in p's list scope for others.
func (s *Service) Households(ctx context.Context, p Principal) ([]Household, error) {
	assignee, team, ok := p.ListScope(PermCaseList)
	if !ok {
		return nil, ErrForbidden
	}
	return s.Store.Households(ctx, p.Org, assignee, team)
}

// wholeHousehold returns the household with id if p may change every one
// of its members, as renaming or dissolving it needs.
func (s *Service) wholeHousehold(ctx context.Context, p Principal, id string, versions []int64) (*Household, error) {
	if !p.Can(PermCaseWrite) {
		return nil, ErrForbidden
	}
	h, err := s.GetHousehold(ctx, p, id)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.HouseholdMembers(ctx, p.Org, id, s.Today())
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if !p.Reaches(PermCaseWrite, &Case{Org: p.Org, Assignee: m.Assignee, Team: m.Team}) {
			return nil, Errorf(EForbidden, "", "only someone who may change every member of the household may rename or dissolve it")
		}
	}
	if len(versions) > 0 && !slices.Contains(versions, h.Version) {
		return nil, ErrConflict
	}
	return h, nil
}

// RenameHousehold relabels the household with id if its version is one of
// versions (any, when there are none).
func (s *Service) RenameHousehold(ctx context.Context, p Principal, id string, versions []int64, label string) (*Household, error) {
	if err := checkLabel(label); err != nil {
		return nil, err
	}
	h, err := s.wholeHousehold(ctx, p, id, versions)
	if err != nil {
		return nil, err
	}
	h.Label, h.Updated = label, s.now()
	if err := s.Store.UpdateHousehold(ctx, h, s.event(p, "household.rename", "", h.ID)); err != nil {
		return nil, err
	}
	return s.GetHousehold(ctx, p, id)
}

// DeleteHousehold dissolves the household with id if its version is one
// of versions (any, when there are none). Its members stay as they are,
// in no household.
func (s *Service) DeleteHousehold(ctx context.Context, p Principal, id string, versions []int64) error {
	h, err := s.wholeHousehold(ctx, p, id, versions)
	if err != nil {
		return err
	}
	return s.Store.DeleteHousehold(ctx, p.Org, id, h.Version, s.event(p, "household.delete", "", id))
}

// AddMember puts the case with id into the household, if the case's
// version is one of versions (any, when there are none). A case is in at
// most one household: one in another household moves.
func (s *Service) AddMember(ctx context.Context, p Principal, household, id string, versions []int64) (*Case, error) {
	if _, err := s.GetHousehold(ctx, p, household); err != nil {
		return nil, err
	}
	return s.setHousehold(ctx, p, household, id, versions)
}

// RemoveMember takes the case with id out of the household, if the case's
// version is one of versions (any, when there are none).
func (s *Service) RemoveMember(ctx context.Context, p Principal, household, id string, versions []int64) (*Case, error) {
	c, err := s.writable(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.Household != household {
		return nil, Invalid("case", "not_member", "case %s is not a member of this household", c.Reference)
	}
	return s.setHousehold(ctx, p, "", id, versions)
}

func (s *Service) setHousehold(ctx context.Context, p Principal, household, id string, versions []int64) (*Case, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.writable(ctx, p, id)
		if err != nil {
			return nil, err
		}
		if len(versions) > 0 && !slices.Contains(versions, c.Version) {
			return nil, ErrConflict
		}
		detail := "household " + household
		if household == "" {
			detail = "household left " + c.Household
		}
		err = s.Store.SetHousehold(ctx, c, household, s.event(p, "case.update", c.ID, detail))
		if errors.Is(err, ErrConflict) && len(versions) == 0 && attempt < 20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.Household = household
		return c, nil
	}
}

// The kinds of a household trip.
const (
	TripEntry = "entry"
	TripExit  = "exit"
)

// HouseholdTrip is an entry or an exit recorded once for several members
// of a household.
type HouseholdTrip struct {
	Kind string // TripEntry or TripExit
	Date date.Date
	// Grant names, for an entry, the grant of every member the new trip
	// is under; empty means each member's own: that of its latest trip,
	// or its only grant.
	Grant   string
	Members []MemberVersion
}

// MemberVersion is one member a household trip is for, with the versions
// of the case it may change (any, when there are none).
type MemberVersion struct {
	ID       string
	Versions []int64
}

// RecordTrip records t for each of its members, every member re-evaluated
// under its own rules, and stores them all in one transaction, with an
// audit entry each. If any member would be invalid, nothing is stored, and
// the error names that member: its position in t.Members in the field
// (members[1].history.trips[2].exit) and its reference in the message.
// It returns the household as p sees it afterwards.
func (s *Service) RecordTrip(ctx context.Context, p Principal, household string, t HouseholdTrip) (*Household, error) {
	if !p.Can(PermCaseWrite) {
		return nil, ErrForbidden
	}
	if t.Kind != TripEntry && t.Kind != TripExit {
		return nil, Invalid("kind", "trip_kind", "entry or exit")
	}
	if t.Date == 0 {
		return nil, Invalid("date", "required", "required: the day of the %s, as YYYY-MM-DD", t.Kind)
	}
	if len(t.Members) == 0 {
		return nil, Invalid("members", "members_required", "at least one member")
	}
	if _, err := s.GetHousehold(ctx, p, household); err != nil {
		return nil, err
	}
	anyVersion := true
	for _, m := range t.Members {
		anyVersion = anyVersion && len(m.Versions) == 0
	}
	for attempt := 0; ; attempt++ {
		cs, err := s.householdTrip(ctx, p, household, t)
		if err != nil {
			return nil, err
		}
		evs := make([]*audit.Entry, len(cs))
		for i, c := range cs {
			evs[i] = s.event(p, "case.update", c.ID, "household trip "+household)
		}
		err = s.Store.UpdateCases(ctx, cs, evs...)
		if errors.Is(err, ErrConflict) && anyVersion && attempt < 20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return s.GetHousehold(ctx, p, household)
	}
}

// householdTrip applies t to each member and evaluates it, without
// storing anything.
func (s *Service) householdTrip(ctx context.Context, p Principal, household string, t HouseholdTrip) ([]*Case, error) {
	now := s.now()
	var cs []*Case
	for i, m := range t.Members {
		if slices.ContainsFunc(t.Members[:i], func(o MemberVersion) bool { return o.ID == m.ID }) {
			continue
		}
		c, err := s.writable(ctx, p, m.ID)
		if err != nil {
			return nil, memberError(err, i, m.ID)
		}
		if c.Household != household {
			return nil, &Error{Code: EInvalid, Field: fmt.Sprintf("members[%d]", i), Reason: "not_member", Args: []any{c.Reference},
				Msg: fmt.Sprintf("case %s is not a member of this household", c.Reference)}
		}
		if len(m.Versions) > 0 && !slices.Contains(m.Versions, c.Version) {
			return nil, ErrConflict
		}
		if err := applyTrip(&c.History, t); err != nil {
			return nil, inMember(err, i, c.Reference)
		}
		c.Identity = nil
		c.Updated = now
		if err := s.evaluate(ctx, c); err != nil {
			return nil, inMember(err, i, c.Reference)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// applyTrip adds an entry as a new trip, or sets the exit of the latest
// trip, which must still be open.
func applyTrip(h *stay.History, t HouseholdTrip) error {
	if t.Kind == TripExit {
		n := len(h.Trips)
		if n == 0 || h.Trips[n-1].Exit != 0 {
			return Invalid("exit", "no_open_trip", "has no trip without an exit to end")
		}
		h.Trips[n-1].Exit = t.Date
		return nil
	}
	grant := t.Grant
	switch {
	case grant != "":
	case len(h.Trips) > 0:
		grant = h.Trips[len(h.Trips)-1].Grant
	case len(h.Grants) == 1:
		grant = h.Grants[0].ID
	}
	h.Trips = append(h.Trips, stay.Trip{Entry: t.Date, Grant: grant})
	return nil
}

// inMember names, in an invalid field error, the member it is about: its
// position in the field path and its reference in the message.
func inMember(err error, i int, ref string) error {
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid {
		return err
	}
	out := *e
	out.Field = fmt.Sprintf("members[%d]", i)
	if e.Field != "" {
		out.Field += "." + e.Field
	}
	out.Msg = fmt.Sprintf("member %s: %s", ref, e.Msg)
	return &out
}
