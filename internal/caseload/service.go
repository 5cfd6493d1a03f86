package caseload

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"visaclock/internal/date"
	"visaclock/internal/login"
	"visaclock/internal/stay"
	"visaclock/internal/vault"
)

// Service evaluates and stores cases. Its clock is injectable so that tests
// can move the calendar without sleeping.
//
// Build one with New, which refuses a missing part. The fields are
// exported so that tests may still fill a Service in directly; a zero
// optional field then means its default, as in Config.
type Service struct {
	Store  Store
	Lookup stay.Lookup
	Now    func() time.Time
	// Location is where "today" is decided: a deadline is due on a
	// calendar day there. Nil means UTC.
	Location *time.Location
	// Horizon is how many days ahead segments are worked out; the state on
	// later days is that of the last segment.
	Horizon int
	// Keys unwraps organisations' data keys, which seal identities.
	Keys *vault.Keyring
	// Limiter slows down password guessing; nil means login.DefaultLimits,
	// kept in the Store when it keeps them (sqlstore does), so that every
	// server on the database counts the same failures.
	Limiter login.Limiter
	// SessionIdle and SessionMax end a browser session after so long
	// unused, and after so long at all; zero means 30 minutes and 12 hours.
	SessionIdle, SessionMax time.Duration
	// PasswordParams is the argon2id cost; zero means login.DefaultParams.
	PasswordParams login.Params

	boxes sync.Map // org id → *vault.Box
	// freshDigests caches, by Rules.Digest, whether cases evaluated with
	// it agree with the loaded packs (reeval.go).
	freshDigests sync.Map
	slotsOnce    sync.Once
	limitMu      sync.Mutex // guards Limiter while limiter fills it in
	hashSlots    chan struct{}
}

// Today is the service's current calendar date in its Location.
func (s *Service) Today() date.Date {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := s.Now().In(loc).Date()
	return date.MustOf(y, m, d)
}

func (s *Service) horizon() int {
	if s.Horizon > 0 {
		return s.Horizon
	}
	return 10 * 366
}

// idEncoding is Crockford's base32 in lower case, whose alphabet is in
// ASCII order, so that ids sort as their bytes do.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new id: 48 bits of the current time in milliseconds, so
// that ids made together sort together and land together in indexes, then
// 80 random bits, so that no id can be guessed from another.
func NewID(prefix string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + idEncoding.EncodeToString(b[:])
}

// ValidID reports whether id could be one NewID(prefix) made: the prefix,
// then lower-case base32. Text that is not is refused before it reaches a
// database, which may not store every byte.
func ValidID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) == 0 || len(rest) > 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// Create validates, evaluates and stores a new case for p. A caseworker's
// new case is assigned to them and their team; only an admin may assign it
// to someone else.
func (s *Service) Create(ctx context.Context, p Principal, c *Case) error {
	if !p.Can(PermCaseCreate) {
		return ErrForbidden
	}
	c.Org = p.Org
	if p.Scope(PermCaseCreate) != ScopeOrg || (c.Assignee == "" && c.Team == "") {
		c.Assignee, c.Team = p.User, p.Team
	} else if err := s.checkAssignee(ctx, c); err != nil {
		return err
	}
	now := s.Now().UTC().Truncate(time.Microsecond) // as stores keep it
	c.ID = NewID("c_")
	c.Created, c.Updated = now, now
	if err := s.evaluate(ctx, c); err != nil {
		return err
	}
	if err := s.seal(ctx, c); err != nil {
		return err
	}
	return s.Store.CreateCase(ctx, c, s.event(p, "case.create", c.ID, ""))
}

// checkAssignee refuses an assignee who is not an account of the case's
// organisation.
func (s *Service) checkAssignee(ctx context.Context, c *Case) error {
	if c.Assignee == "" {
		return nil
	}
	if _, err := s.Store.FindUser(ctx, c.Org, c.Assignee); err != nil {
		if ErrorCode(err) == ENotFound {
			return Errorf(EInvalid, "assignee", "no account %q in this organisation", c.Assignee)
		}
		return err
	}
	return nil
}

// Get returns the case with id if p may read it. A case out of p's reach
// is not found, whoever owns it. The identity stays sealed: see Masked
// and Reveal.
func (s *Service) Get(ctx context.Context, p Principal, id string) (*Case, error) {
	if !p.Can(PermCaseRead) {
		return nil, ErrForbidden
	}
	c, err := s.Store.FindCase(ctx, p.Org, id)
	if err != nil {
		return nil, err
	}
	if !p.Reaches(PermCaseRead, c) {
		return nil, ErrNotFound
	}
	return c, nil
}

// Masked returns c's identity masked, as everyone who may read the case
// sees it.
func (s *Service) Masked(ctx context.Context, c *Case) (*MaskedIdentity, error) {
	id, err := s.open(ctx, c.Org, c.ID, c.Sealed)
	if err != nil || id == nil {
		return nil, err
	}
	return id.Masked(), nil
}

// Reveal returns c's identity in clear, if p may see it, and records in
// the audit log that p saw it before returning it.
func (s *Service) Reveal(ctx context.Context, p Principal, c *Case) (*Identity, error) {
	if !p.Reaches(PermIdentityReveal, c) {
		return nil, ErrForbidden
	}
	id, err := s.open(ctx, c.Org, c.ID, c.Sealed)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, p, "identity.reveal", c.ID, ""); err != nil {
		return nil, err
	}
	return id, nil
}

// Delete erases a case: its row, and with it its sealed identity, go for
// good. The audit log keeps only that p erased it.
func (s *Service) Delete(ctx context.Context, p Principal, id string, version int64) error {
	if !p.Can(PermCaseErase) {
		return ErrForbidden
	}
	c, err := s.Store.FindCase(ctx, p.Org, id)
	if err != nil {
		return err
	}
	if !p.Reaches(PermCaseErase, c) {
		return ErrNotFound
	}
	return s.Store.DeleteCase(ctx, p.Org, id, version, s.event(p, "case.erase", id, ""))
}

// List returns a page of p's working list: the whole organisation's for an
// admin, the assigned and team cases for a caseworker, the assigned cases
// for a viewer. Names are masked.
func (s *Service) List(ctx context.Context, p Principal, f Filter) ([]ListItem, string, error) {
	assignee, team, ok := p.ListScope(PermCaseList)
	if !ok {
		return nil, "", ErrForbidden
	}
	f.Assignee, f.Team = assignee, team
	items, next, err := s.Store.FindCases(ctx, p.Org, f)
	if err != nil {
		return nil, "", err
	}
	s.markStale(ctx, items)
	return items, next, s.maskItems(ctx, p.Org, items)
}

// Search lists p's cases whose reference starts with prefix, as they stand
// today, names masked.
func (s *Service) Search(ctx context.Context, p Principal, prefix string, limit int) ([]ListItem, error) {
	assignee, team, ok := p.ListScope(PermCaseList)
	if !ok {
		return nil, ErrForbidden
	}
	if err := checkText(prefix); err != "" || len(prefix) > 200 {
		return nil, Invalid("q", "search_query", "a reference, or its beginning, of at most 200 characters")
	}
	items, err := s.Store.SearchCases(ctx, p.Org, prefix, assignee, team, s.Today(), limit)
	if err != nil {
		return nil, err
	}
	s.markStale(ctx, items)
	return items, s.maskItems(ctx, p.Org, items)
}

// maskItems replaces each item's sealed identity by its masked name.
func (s *Service) maskItems(ctx context.Context, org string, items []ListItem) error {
	for i := range items {
		if id, err := s.open(ctx, org, items[i].ID, items[i].Sealed); err != nil {
			return err
		} else if id != nil {
			items[i].Name = id.Masked().Name
		}
		items[i].Sealed = nil
	}
	return nil
}

// FindByPassport lists p's cases whose passport number is passport, by its
// blind index. A lookup by identity is audited, whether it finds anything
// or not.
func (s *Service) FindByPassport(ctx context.Context, p Principal, passport string, f Filter) ([]ListItem, string, error) {
	if !p.Can(PermCaseList) {
		return nil, "", ErrForbidden
	}
	if strings.TrimSpace(passport) == "" || len(passport) > 40 {
		return nil, "", Errorf(EInvalid, "passport", "a passport number of 1 to 40 characters")
	}
	b, err := s.box(ctx, p.Org)
	if err != nil {
		return nil, "", err
	}
	f.PassportIndex = b.BlindIndex("passport", passport)
	if err := s.Audit(ctx, p, "case.lookup_passport", "", ""); err != nil {
		return nil, "", err
	}
	return s.List(ctx, p, f)
}

// CalendarEntries returns the deadlines from from on of the cases in the
// reach of account user's calendar permission.
func (s *Service) CalendarEntries(ctx context.Context, p Principal, from date.Date) ([]CalendarEntry, error) {
	assignee, team, ok := p.ListScope(PermCalendar)
	if !ok {
		return nil, ErrForbidden
	}
	return s.Store.Deadlines(ctx, p.Org, assignee, team, from)
}

// Update applies change to the case if it is still at version (any
// version when 0), then re-evaluates and stores it. A stale version gives
// ErrConflict.
func (s *Service) Update(ctx context.Context, p Principal, id string, version int64, detail string, change func(*Case) error) (*Case, error) {
	var versions []int64
	if version != 0 {
		versions = []int64{version}
	}
	return s.UpdateMatching(ctx, p, id, versions, detail, change)
}

// UpdateMatching is Update for a set of acceptable versions, as an HTTP
// If-Match list gives; an empty set accepts any version ("*"), and then a
// concurrent write is not a conflict: the change is applied again to the
// newer case. change sees the case with its identity sealed; setting
// c.Identity replaces the identity (an empty one removes it). detail says,
// for the audit log, which part changed.
func (s *Service) UpdateMatching(ctx context.Context, p Principal, id string, versions []int64, detail string, change func(*Case) error) (*Case, error) {
	if !p.Can(PermCaseWrite) {
		return nil, ErrForbidden
	}
	for attempt := 0; ; attempt++ {
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
		if len(versions) > 0 && !slices.Contains(versions, c.Version) {
			return nil, ErrConflict
		}
		assignee, team := c.Assignee, c.Team
		c.Identity = nil
		if err := change(c); err != nil {
			return nil, err
		}
		if c.Assignee != assignee || c.Team != team {
			if !p.Reaches(PermCaseAssign, c) {
				return nil, Errorf(EForbidden, "assignee", "only an admin may change who a case is assigned to")
			}
			if err := s.checkAssignee(ctx, c); err != nil {
				return nil, err
			}
		}
		c.Updated = s.Now().UTC().Truncate(time.Microsecond)
		if err := s.evaluate(ctx, c); err != nil {
			return nil, err
		}
		if c.Identity != nil {
			if err := s.seal(ctx, c); err != nil {
				return nil, err
			}
		}
		err = s.Store.UpdateCase(ctx, c, s.event(p, "case.update", c.ID, detail))
		if errors.Is(err, ErrConflict) && len(versions) == 0 && attempt < 20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

// Evaluate validates c's history and fills its summary and segments from
// today on. Age-dependent rules read the date of birth of c.Identity (see
// born.go); a case whose identity is only sealed is evaluated by the
// Service's write paths, which open it, and Evaluate refuses it.
func (s *Service) Evaluate(c *Case) error {
	if c.Identity == nil && len(c.Sealed) > 0 {
		return errSealedIdentity
	}
	var born date.Date
	if c.Identity != nil {
		born = c.Identity.BirthDate
	}
	return s.evaluateBorn(c, born)
}

// evaluateBorn is Evaluate with the identity's date of birth, born (0 for
// none), given to the engine in a copy of the history: c.History, which is
// stored, never holds it.
func (s *Service) evaluateBorn(c *Case, born date.Date) error {
	if strings.TrimSpace(c.Reference) == "" {
		return Invalid("reference", "required", "required: a reference of your choosing (no name is needed)")
	}
	if n := utf8.RuneCountInString(c.Reference); n > 200 {
		return Invalid("reference", "too_long", "at most %d characters, got %d", 200, n)
	}
	for _, f := range []struct{ name, v string }{{"reference", c.Reference}, {"notes", c.Notes}} {
		if err := checkText(f.v); err != "" {
			return &Error{Code: EInvalid, Field: f.name, Reason: "bad_text", Msg: err}
		}
	}
	if c.History.AsOf != 0 {
		return Invalid("history.as_of", "as_of_stored", "a stored case is evaluated on the day it is read; leave as_of out")
	}
	today := s.Today()
	if born > today {
		// A typing error that would silently leave out every day as
		// "under 18". The message never shows the date.
		return Invalid("identity.birth_date", "born_future", "is after today; a date of birth is in the past")
	}
	eh, conflict := withBorn(&c.History, born)
	if conflict {
		return errBornConflict
	}
	fromIdentity := born != 0 && (c.History.Person == nil || c.History.Person.Born == 0)
	sc, err := stay.Prepare(&eh, s.Lookup)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) {
			return &Error{Code: EInvalid, Field: bornField(fe.Path, fromIdentity), Reason: fe.Code, Args: fe.Args, Msg: fe.Msg}
		}
		return err
	}
	s.fill(c, sc, today)
	return nil
}

// fill sets c's segments, deadlines and summary from today on from its
// prepared history, and records the packs they were worked out with.
func (s *Service) fill(c *Case, sc *stay.Case, today date.Date) {
	c.Segments, c.Deadlines = Timeline(sc, today, today.AddDays(s.horizon()))
	ev := sc.Evaluate(today)
	c.Summary = Summary{AsOf: today, State: ev.State, AuthorizedUntil: ev.AuthorizedUntil, OverstayDays: ev.OverstayDays,
		Rules: s.rulesOf(&c.History)}
	if len(ev.Deadlines) > 0 {
		c.Summary.NextDeadline, c.Summary.DeadlineKind = ev.Deadlines[0].Date, ev.Deadlines[0].Code()
	}
}

// checkText refuses text a database cannot keep as written: invalid UTF-8,
// NUL, and control characters other than tab and newline.
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return fmt.Sprintf("control character U+%04X is not accepted", r)
		}
	}
	return ""
}

// now is the service clock as stores keep time: UTC, to the microsecond.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }
