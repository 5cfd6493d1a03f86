// Package caseload is the vocabulary of the case service: a Case (one
// person's stay history, kept under a reference the user chooses, never a
// name), the organisation that owns it, the Store that keeps cases, and the
// Service that evaluates every write with the stay engine.
//
// Every store operation is scoped by organisation, so that no query can
// reach another organisation's case.
package caseload

import (
	"errors"
	"fmt"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// DefaultOrg is the organisation every case belongs to until accounts exist.
const DefaultOrg = "default"

// Case is one person's record.
type Case struct {
	ID        string
	Org       string
	Reference string // chosen by the user; no name is required or wanted
	History   stay.History
	Notes     string
	// Assignee (an account id) and Team decide who may work on the case.
	Assignee string
	Team     string
	// Household is the id of the household the case belongs to, "" for
	// none. It changes only through the household methods (households.go).
	Household string
	// Closed is when the case was closed; zero while it is open. Retention
	// purges closed cases after the organisation's retention period.
	Closed time.Time
	// Identity is the person, in clear, only in memory: stores keep only
	// Sealed and PassportIndex, which the Service makes from it.
	Identity      *Identity
	Sealed        []byte
	PassportIndex []byte
	Created       time.Time
	Updated       time.Time
	Version       int64 // increases on every write; the ETag
	Summary       Summary
	// Segments say what the case's state is on each future day, so that
	// lists stay right as days pass without anyone writing to the case.
	Segments []Segment
	// Deadlines are every deadline the case has from the last write on,
	// for calendar feeds.
	Deadlines []Deadline
}

// Deadline is one dated obligation of a case.
type Deadline struct {
	Kind string
	Date date.Date
}

// Summary is the evaluation on the day of the last write.
type Summary struct {
	AsOf            date.Date
	State           stay.State
	AuthorizedUntil date.Date
	OverstayDays    int
	NextDeadline    date.Date
	DeadlineKind    string
	// Rules is what the evaluation used: the rule packs of the case's
	// grants, with their versions (see reeval.go).
	Rules Rules
}

// Segment is a span of days with one state and one next deadline.
type Segment struct {
	From, Until     date.Date // inclusive; Until is date.Max for "from then on"
	State           stay.State
	Since           date.Date // when an overstay or pending application began
	AuthorizedUntil date.Date
	Deadline        date.Date // the next deadline on these days, 0 if none
	DeadlineKind    string
}

// ListItem is one row of a working list.
type ListItem struct {
	ID              string
	Reference       string
	Name            string    // masked
	Since           date.Date // when an overstay or pending application began
	Sealed          []byte    // the sealed identity, for the Service to mask
	State           stay.State
	AuthorizedUntil date.Date
	Deadline        date.Date
	DeadlineKind    string
	Version         int64
	// Rules is the digest of the packs the row was evaluated with; Stale
	// says the loaded packs differ, so that the row's state and place in
	// the list are those of the earlier rules until it is re-evaluated.
	Rules string
	Stale bool
	// Household and HouseholdLabel are the case's household, if any, so
	// that a list can show a family together.
	Household, HouseholdLabel string
}

// Filter selects a working list.
type Filter struct {
	On date.Date // the day the list is for
	// Due keeps only lawful and absent cases with a deadline in
	// [On, On+DueWithin]; overstays and pending applications are always due.
	Due       bool
	DueWithin int
	States    []stay.State // empty: all
	Limit     int
	Cursor    string // from the previous page; "" for the first
	// Assignee and Team, when set, keep only the cases assigned to that
	// account or (when Team is set) to that team: a caseworker's or a
	// viewer's scope. The Service sets them from the principal.
	Assignee string
	Team     string
	// PassportIndex, when set, keeps only cases with this blind index.
	PassportIndex []byte
}

// Error codes, mapped to HTTP statuses in one place (package web).
const (
	ENotFound = "not_found"
	EConflict = "conflict"
	EInvalid  = "invalid"
	EInternal = "internal"
	// EForbidden: the principal may not do this at all.
	EForbidden = "forbidden"
	// EUnauthenticated: no valid login, or a wrong password or code.
	EUnauthenticated = "unauthenticated"
	// ELimited: too many failed attempts; try again later.
	ELimited = "limited"
	// EExists: the name or id is taken.
	EExists = "exists"
)

// Error is an application error: a code, a message safe to show, and the
// field it concerns.
type Error struct {
	Code  string
	Field string
	Msg   string
	// Reason names what is wrong with an invalid field (one of Reasons,
	// or a stay.ErrorCodes code), and Args are its values, typed, in the
	// order Msg names them; pages word the error from these, never from
	// the English Msg. Empty for errors pages word by Code alone.
	Reason string
	Args   []any
	// RetryAfter is, for ELimited, how many seconds to wait.
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// Reasons lists the reasons the service itself gives for an invalid
// field; the engine's are stay.ErrorCodes.
var Reasons = []string{"required", "too_long", "bad_text", "as_of_stored", "born_future", "born_conflict", "born_in_history", "search_query",
	"not_member", "no_open_trip", "trip_kind", "members_required"}

// Invalid makes an EInvalid *Error for field with a reason and its
// arguments.
func Invalid(field, reason, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Reason: reason, Args: args, Msg: fmt.Sprintf(format, args...)}
}

// Errorf makes an *Error.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ErrNotFound and ErrConflict are returned by stores.
var (
	ErrNotFound = &Error{Code: ENotFound, Msg: "no such case"}
	ErrConflict = &Error{Code: EConflict, Msg: "the case was changed by someone else; fetch it again and retry"}
	// ErrReferenceTaken: a case with one of the references was stored
	// meanwhile (CreateNewCases).
	ErrReferenceTaken = &Error{Code: EConflict, Msg: "a case with one of these references was stored meanwhile"}
	// ErrForbidden is returned when a role or token lacks a permission.
	// A case out of the principal's scope is ErrNotFound instead, so that
	// no one learns which case ids exist.
	ErrForbidden = &Error{Code: EForbidden, Msg: "your role or token does not allow this"}
)

// ErrorCode returns the code of err, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
