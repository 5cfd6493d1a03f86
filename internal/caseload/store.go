package caseload

import (
	"context"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/date"
)

// Store keeps cases, accounts, the audit log and the wrapped keys: one
// interface per concern, embedded here, so that a reader (or a test
// double) can hold one concern at a time. Implementations must scope every
// case operation by org.
//
// # Audit
//
// A write that takes an audit entry appends it in the same transaction as
// the change, so that no change lands unaudited and no entry records a
// change that did not land; a nil entry appends nothing. The appended
// entry is written back through the pointer, with its sequence number and
// hash.
type Store interface {
	CaseStore
	HouseholdStore
	AccountStore
	AuditStore
	KeyStore
	RulesStore
	LeaseStore
	ReminderStore

	Ping(ctx context.Context) error
	Close() error
}

// CaseStore keeps cases, their day-by-day states and their deadlines.
type CaseStore interface {
	CreateCase(ctx context.Context, c *Case, ev *audit.Entry) error
	// CreateCases stores many new cases in one transaction, with the audit
	// entries given (one for the whole batch, one a case, or none). A
	// case's Household, when set, must be a household of its organisation
	// (ErrNoHousehold otherwise).
	CreateCases(ctx context.Context, cs []*Case, evs ...*audit.Entry) error
	FindCase(ctx context.Context, org, id string) (*Case, error)
	// UpdateCase replaces the case if its stored version is c.Version, and
	// increments the version; otherwise it returns ErrConflict.
	UpdateCase(ctx context.Context, c *Case, ev *audit.Entry) error
	DeleteCase(ctx context.Context, org, id string, version int64, ev *audit.Entry) error
	FindCases(ctx context.Context, org string, f Filter) (items []ListItem, next string, err error)
	// SearchCases lists up to limit of org's cases whose reference starts
	// with prefix, with their state on the day on, within the scope of
	// assignee and team when set (as in Filter).
	SearchCases(ctx context.Context, org, prefix, assignee, team string, on date.Date, limit int) ([]ListItem, error)
	// CaseIDTaken reports whether any organisation has a case with id.
	CaseIDTaken(ctx context.Context, id string) (bool, error)
	// CasePage returns up to limit of org's cases after the id after, in id
	// order, without their spans and deadlines: what an export needs, a
	// page at a time.
	CasePage(ctx context.Context, org, after string, limit int) ([]Case, error)
	// CasesByReference returns org's cases whose reference is one of refs,
	// without their spans and deadlines, as CasePage does.
	CasesByReference(ctx context.Context, org string, refs []string) ([]Case, error)
	// CreateNewCases stores cs, all of org, as CreateCases does, unless a
	// case of org has one of their references by the time its transaction
	// runs: then it stores nothing and returns ErrReferenceTaken. Two
	// imports of one file at once thus create its cases once.
	CreateNewCases(ctx context.Context, org string, cs []*Case, evs ...*audit.Entry) error
	// CaseIDs lists up to limit ids of org's cases after the id after.
	CaseIDs(ctx context.Context, org, after string, limit int) ([]string, error)
	// ClosedBefore lists the ids of org's cases closed before t.
	ClosedBefore(ctx context.Context, org string, t time.Time) ([]string, error)
	// Deadlines lists the deadlines on or after from of org's cases, within
	// the assignee and team scope when those are set (as in Filter).
	Deadlines(ctx context.Context, org, assignee, team string, from date.Date) ([]CalendarEntry, error)
}

// RulesStore finds and re-evaluates the cases whose rule packs have
// changed since they were evaluated (see reeval.go).
type RulesStore interface {
	// RuleSets returns every set of packs some case was evaluated with.
	RuleSets(ctx context.Context) ([]Rules, error)
	// CountRules counts, by organisation, the cases whose digest is one of
	// digests; org, when set, keeps only that organisation. Total counts
	// every case of the organisations counted.
	CountRules(ctx context.Context, org string, digests []string) (stale map[string]int, total int, err error)
	// CasesWithRules returns up to limit cases whose digest is digest,
	// after the case (afterOrg, afterID) in (org, id) order, with what
	// evaluating them needs: id, org, history, sealed identity, version.
	CasesWithRules(ctx context.Context, digest, afterOrg, afterID string, limit int) ([]*Case, error)
	// Reevaluated stores, in one transaction and only while l is held
	// (ErrLeaseLost otherwise), the summaries,
	// digests, segments and deadlines of cs, with the audit entries evs. A
	// case whose version is no longer c.Version was written meanwhile, and
	// evaluated then, and is left alone. It returns how many it stored.
	// A non-zero l.Until renews the lease to then, which makes the
	// transaction wait for the others holding it; a zero one only checks
	// it, so that several such transactions may run at once while a
	// server taking the lease over waits for all of them.
	Reevaluated(ctx context.Context, l Lease, cs []*Case, evs ...*audit.Entry) (int, error)
}

// LeaseStore keeps named leases, so that background work runs in one of
// several servers on one database at a time.
type LeaseStore interface {
	// TakeLease gives l.Name to l.Holder until l.Until if it is free,
	// expired at now, or already l.Holder's, and reports whether it did.
	TakeLease(ctx context.Context, l Lease, now time.Time) (bool, error)
	// ReleaseLease frees l.Name if l.Holder holds it.
	ReleaseLease(ctx context.Context, l Lease) error
}

// AccountStore keeps organisations, accounts, sessions, API tokens and
// calendar feed tokens.
type AccountStore interface {
	// CreateOrg stores a new organisation and a one-time set-up token for
	// its first admin.
	CreateOrg(ctx context.Context, o *Org, setupHash []byte, setupExpires time.Time, ev *audit.Entry) error
	FindOrg(ctx context.Context, id string) (*Org, error)
	Orgs(ctx context.Context) ([]Org, error)
	UpdateOrgSettings(ctx context.Context, o *Org, ev *audit.Entry) error
	// NewSetupToken replaces org's set-up token, if org has no account yet.
	NewSetupToken(ctx context.Context, org string, hash []byte, expires time.Time) error
	// ClaimSetup creates u as the first admin of the organisation whose
	// live set-up token has this hash, and spends the token. It fails with
	// ErrNotFound when there is no such token or the organisation already
	// has an account.
	ClaimSetup(ctx context.Context, hash []byte, now time.Time, u *User, ev *audit.Entry) error
	CountUsers(ctx context.Context) (int, error)

	CreateUser(ctx context.Context, u *User, ev *audit.Entry) error
	FindUser(ctx context.Context, org, id string) (*User, error)
	FindUserByName(ctx context.Context, username string) (*User, error)
	// FindAccount finds an account by id alone, for a session or token
	// (which acts in its account's organisation), with whether that
	// organisation requires a second factor.
	FindAccount(ctx context.Context, id string) (u *User, requireTOTP bool, err error)
	Users(ctx context.Context, org string) ([]User, error)
	// UpdateUser stores u if its version is still u.Version.
	UpdateUser(ctx context.Context, u *User, ev *audit.Entry) error

	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, hash []byte) (*Session, error)
	TouchSession(ctx context.Context, hash []byte, seen time.Time) error
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteSessions ends every session of an account, as when its
	// password or role changes or it is disabled.
	DeleteSessions(ctx context.Context, user string) error

	CreateAPIToken(ctx context.Context, t *APIToken, ev *audit.Entry) error
	FindAPIToken(ctx context.Context, hash []byte) (*APIToken, error)
	APITokens(ctx context.Context, user string) ([]APIToken, error)
	RevokeAPIToken(ctx context.Context, user, id string, ev *audit.Entry) error

	// Calendar tokens are stored hashed; the store never sees the token.
	// CreateCalendarToken stores token id of account user of org.
	CreateCalendarToken(ctx context.Context, org, user, id string, hash []byte, created time.Time, ev *audit.Entry) error
	// RevokeCalendarToken stops a live token of the account, or returns
	// an ENotFound error.
	RevokeCalendarToken(ctx context.Context, org, user, id string, ev *audit.Entry) error
	// FindCalendarToken returns the org and account of a live token.
	FindCalendarToken(ctx context.Context, hash []byte) (org, user string, err error)
	CalendarTokens(ctx context.Context, org, user string) ([]CalendarToken, error)
}

// AuditStore keeps the audit log, a chain of entries each sealed to the
// one before (package audit).
type AuditStore interface {
	// AppendAudit appends one entry, for an action that changes nothing
	// stored (a login, a reveal); a change appends its entry itself.
	AppendAudit(ctx context.Context, e audit.Entry) error
	// AuditEntries returns up to limit entries after seq, of org ("" for
	// every organisation), in order.
	AuditEntries(ctx context.Context, org string, after int64, limit int) ([]audit.Entry, error)
}

// KeyStore keeps wrapped keys: the organisations' data keys (with their
// organisations) and named keys such as the audit chain's.
type KeyStore interface {
	// WrappedKey returns the wrapped key stored under name, or ErrNotFound.
	WrappedKey(ctx context.Context, name string) ([]byte, error)
	// PutWrappedKey stores w under name unless a key is there already, and
	// returns the key that is stored.
	PutWrappedKey(ctx context.Context, name string, w []byte) ([]byte, error)
	// RewrapKeys replaces every organisation's data key and every stored
	// key by rewrap's result, and appends ev, in one transaction.
	RewrapKeys(ctx context.Context, rewrap func(name string, w []byte) ([]byte, error), ev *audit.Entry) (int, error)
}
