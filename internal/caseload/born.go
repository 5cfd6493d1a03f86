package caseload

import (
	"context"
	"errors"
	"strings"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// The date of birth is identity: a case keeps it only in its sealed
// identity (identity.birth_date), never in the history, segments, summary
// or audit log, which stores keep in clear. Age-dependent rules (the US
// unlawful-presence bars leave out the days under 18, INA 212(a)(9)(B)(iii)(I))
// read stay.History.Person.Born, so the Service hands the engine a copy of
// the history with the identity's date in it, and stores the history as it
// was given.
//
// Opening the identity for this is not a reveal: the date goes to the
// engine, not to a person, and what a person sees is the evaluation, which
// the masked identity already says depends on a birth date being set. So
// it is not audited as identity.reveal.

// errBornConflict refuses a history whose person.born differs from the
// identity's date of birth.
//
// When both are given and differ, the write is refused rather than one of
// them preferred. The date decides whether a re-entry bar applies and for
// how long (3 or 10 years, or none), so two dates for one person mean one
// of them is a typing error, and either silent choice would state a wrong
// bar with the confidence of a right one for the other reading. The error
// names both fields and never the dates, since error messages reach
// responses and logs. Equal dates are no conflict.
var errBornConflict = Invalid("history.person.born", "born_conflict",
	"differs from identity.birth_date; a person has one date of birth: give it once, in identity.birth_date, which is kept encrypted (the history is stored in clear), or make the two agree")

// birthDate is the date of birth of c's identity: c.Identity's when this
// write sets one (an empty identity, which removes it, has none), else the
// sealed identity stored with the case, opened without an audit entry.
func (s *Service) birthDate(ctx context.Context, c *Case) (date.Date, error) {
	if c.Identity != nil {
		return c.Identity.BirthDate, nil
	}
	id, err := s.open(ctx, c.Org, c.ID, c.Sealed)
	if err != nil || id == nil {
		return 0, err
	}
	return id.BirthDate, nil
}

// withBorn returns h as the engine is to see it: a copy whose Person.Born
// is born when the history gives no date of its own. h itself is left as
// it is (the copy has its own Person), so that the date never reaches what
// is stored. conflict reports a history date that differs from born; the
// copy then keeps the history's date.
func withBorn(h *stay.History, born date.Date) (eh stay.History, conflict bool) {
	eh = *h
	if born == 0 {
		return eh, false
	}
	if h.Person != nil && h.Person.Born != 0 {
		return eh, h.Person.Born != born
	}
	p := stay.Person{}
	if h.Person != nil {
		p = *h.Person
	}
	p.Born = born
	eh.Person = &p
	return eh, false
}

// EngineHistory returns c's history as the engine is to evaluate it when
// the case is read (the live evaluation of a case's answer or page): a
// copy with Person.Born from the sealed identity's date of birth when the
// history gives none. The identity is opened without an audit entry, as it
// is not shown to anyone; the copy must not be stored, shown or logged.
// A case stored before differing dates were refused keeps its history's
// own date, as it was evaluated when written; its next write is refused
// until the two agree.
func (s *Service) EngineHistory(ctx context.Context, c *Case) (stay.History, error) {
	born, err := s.birthDate(ctx, c)
	if err != nil {
		return stay.History{}, err
	}
	eh, _ := withBorn(&c.History, born)
	return eh, nil
}

// evaluate is Evaluate for the Service's write paths: it reads the date of
// birth from c.Identity, or from the sealed identity when the write leaves
// the identity as it is.
func (s *Service) evaluate(ctx context.Context, c *Case) error {
	if p := c.History.Person; p != nil && p.Born != 0 {
		// A stored history is kept in clear; a date of birth is identity.
		// One sent with an identity moves into it, to be sealed with it.
		if c.Identity == nil {
			return Invalid("history.person.born", "born_in_history", "a stored case keeps the date of birth only in its sealed identity: give it as identity.birth_date (the history is stored in clear)")
		}
		switch {
		case c.Identity.BirthDate == 0:
			c.Identity.BirthDate = p.Born
		case c.Identity.BirthDate != p.Born:
			return errBornConflict
		}
		c.History.Person = nil
	}
	born, err := s.birthDate(ctx, c)
	if err != nil {
		return err
	}
	return s.evaluateBorn(c, born)
}

// bornField names, in an engine error about the date of birth, the field
// it came from: the identity's when the history gave none.
func bornField(path string, fromIdentity bool) string {
	if fromIdentity && (path == "person.born" || strings.HasPrefix(path, "person.born.") || path == "person") {
		return "identity.birth_date"
	}
	return "history." + path
}

// errSealedIdentity is a programming error: Evaluate was given a case whose
// identity is only sealed, which it cannot open without a context.
var errSealedIdentity = errors.New("caseload: Evaluate needs the identity in clear to read its date of birth; the Service's write paths open a sealed one")
