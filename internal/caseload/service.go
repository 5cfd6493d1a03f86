package caseload

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Service evaluates and stores cases. Its clock is injectable so that tests
// can move the calendar without sleeping.
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

// Create validates, evaluates and stores a new case.
func (s *Service) Create(ctx context.Context, c *Case) error {
	if c.Org == "" {
		c.Org = DefaultOrg
	}
	now := s.Now().UTC().Truncate(time.Microsecond) // as stores keep it
	c.ID = NewID("c_")
	c.Created, c.Updated = now, now
	if err := s.Evaluate(c); err != nil {
		return err
	}
	return s.Store.CreateCase(ctx, c)
}

// Update applies change to the case if it is still at version (any
// version when 0), then re-evaluates and stores it. A stale version gives
// ErrConflict.
func (s *Service) Update(ctx context.Context, org, id string, version int64, change func(*Case) error) (*Case, error) {
	var versions []int64
	if version != 0 {
		versions = []int64{version}
	}
	return s.UpdateMatching(ctx, org, id, versions, change)
}

// UpdateMatching is Update for a set of acceptable versions, as an HTTP
// If-Match list gives; an empty set accepts any version ("*"), and then a
// concurrent write is not a conflict: the change is applied again to the
// newer case.
func (s *Service) UpdateMatching(ctx context.Context, org, id string, versions []int64, change func(*Case) error) (*Case, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.Store.FindCase(ctx, org, id)
		if err != nil {
			return nil, err
		}
		if len(versions) > 0 && !slices.Contains(versions, c.Version) {
			return nil, ErrConflict
		}
		if err := change(c); err != nil {
			return nil, err
		}
		c.Updated = s.Now().UTC().Truncate(time.Microsecond)
		if err := s.Evaluate(c); err != nil {
			return nil, err
		}
		err = s.Store.UpdateCase(ctx, c)
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
// today on.
func (s *Service) Evaluate(c *Case) error {
	if strings.TrimSpace(c.Reference) == "" {
		return Errorf(EInvalid, "reference", "required: a reference of your choosing (no name is needed)")
	}
	if n := utf8.RuneCountInString(c.Reference); n > 200 {
		return Errorf(EInvalid, "reference", "at most 200 characters, got %d", n)
	}
	for _, f := range []struct{ name, v string }{{"reference", c.Reference}, {"notes", c.Notes}} {
		if err := checkText(f.v); err != "" {
			return Errorf(EInvalid, f.name, "%s", err)
		}
	}
	if c.History.AsOf != 0 {
		return Errorf(EInvalid, "history.as_of", "a stored case is evaluated on the day it is read; leave as_of out")
	}
	sc, err := stay.Prepare(&c.History, s.Lookup)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) {
			return Errorf(EInvalid, "history."+fe.Path, "%s", fe.Msg)
		}
		return err
	}
	today := s.Today()
	c.Segments, c.Deadlines = Timeline(sc, today, today.AddDays(s.horizon()))
	ev := sc.Evaluate(today)
	c.Summary = Summary{AsOf: today, State: ev.State, AuthorizedUntil: ev.AuthorizedUntil, OverstayDays: ev.OverstayDays}
	if len(ev.Deadlines) > 0 {
		c.Summary.NextDeadline, c.Summary.DeadlineKind = ev.Deadlines[0].Date, ev.Deadlines[0].Kind
	}
	return nil
}

// Timeline works out the state of a case on every day from from on, as a
// few spans: it evaluates on the days something can change (an entry, an
// exit, the end of the authorised stay, a deadline passing, a filing or a
// decision becoming known, a new calendar year) rather than on every day.
// The last span runs to date.Max. It also collects every deadline those
// evaluations give, for calendars; a deadline to leave before a re-entry
// bar is kept only when the person overstays already on from, not for an
// overstay that has not happened.
func Timeline(c *stay.Case, from, horizon date.Date) ([]Segment, []Deadline) {
	h := c.History
	var segs []Segment
	var deadlines []Deadline
	var ev stay.Evaluation
	for t := from; ; {
		c.EvaluateInto(&ev, t)
		seg := Segment{From: t, Until: date.Max, State: ev.State, Since: ev.Since, AuthorizedUntil: ev.AuthorizedUntil}
		for _, d := range ev.Deadlines {
			if d.Date < t || (d.Kind == stay.LeaveToAvoidBar && t > from) {
				continue
			}
			dl := Deadline{Kind: d.Kind, Date: d.Date}
			if !slices.Contains(deadlines, dl) {
				deadlines = append(deadlines, dl)
			}
		}
		for _, d := range ev.Deadlines {
			if d.Date >= t {
				seg.Deadline, seg.DeadlineKind = d.Date, d.Kind
				break
			}
		}
		next := date.Max
		consider := func(d date.Date) {
			if d > t && d < next {
				next = d
			}
		}
		if ev.State == stay.StateLawful && ev.AuthorizedUntil != 0 {
			consider(ev.AuthorizedUntil + 1)
		}
		if seg.Deadline != 0 {
			consider(seg.Deadline + 1)
		}
		for _, tr := range h.Trips {
			consider(tr.Entry)
			if tr.Exit != 0 {
				consider(tr.Exit + 1)
			}
		}
		for _, e := range h.Extensions {
			consider(e.Filed)
			consider(e.Decided)
			consider(e.Decided + 1)
		}
		consider(date.MustOf(t.Year()+1, time.January, 1))
		if n := len(segs); n > 0 && sameSegment(segs[n-1], seg) {
			segs[n-1].Until = date.Max
		} else {
			if n > 0 {
				segs[n-1].Until = t - 1
			}
			segs = append(segs, seg)
		}
		// Each step moves to a later day, so within the horizon the loop ends;
		// the guard only bounds a history with an event on every day.
		if next > horizon || next == date.Max || len(segs) > 5000 {
			break
		}
		t = next
	}
	slices.SortFunc(deadlines, func(a, b Deadline) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Kind, b.Kind))
	})
	return segs, deadlines
}

func sameSegment(a, b Segment) bool {
	return a.State == b.State && a.Since == b.Since && a.AuthorizedUntil == b.AuthorizedUntil && a.Deadline == b.Deadline && a.DeadlineKind == b.DeadlineKind
}

// At returns the segment in force on d.
func At(segs []Segment, d date.Date) (Segment, bool) {
	for _, s := range segs {
		if s.From <= d && d <= s.Until {
			return s, true
		}
	}
	return Segment{}, false
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
