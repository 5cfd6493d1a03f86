package caseload

import (
	"context"
	"time"

	"visaclock/internal/audit"
)

// Org is an organisation: the unit of isolation. Its data key, wrapped by a
// master key held outside the database, seals its cases' identities.
type Org struct {
	ID            string
	Name          string
	DataKey       []byte // wrapped; see package vault
	RequireTOTP   bool
	RetentionDays int // closed cases are purged this many days after closing; 0 keeps them
	Created       time.Time
}

// User is an account: a caseworker's login, never a client's identity.
type User struct {
	ID           string
	Org          string
	Username     string
	Password     string // argon2id, PHC string
	Role         Role
	Team         string
	TOTPSecret   []byte // sealed under the org's data key; nil when not set up
	TOTPPending  bool   // a secret is set up but not yet confirmed with a code
	TOTPLastStep int64  // the last time step accepted, so that no code is used twice
	Disabled     bool
	Created      time.Time
	Version      int64
}

// Session is a browser login. The store keeps the hash of its secret.
type Session struct {
	Hash    []byte
	User    string
	Created time.Time
	Seen    time.Time
}

// APIToken is a bearer token for scripts: scoped, expiring, revocable, and
// kept only as a hash.
type APIToken struct {
	ID      string
	Hash    []byte
	User    string
	Name    string
	Scopes  []Permission
	Created time.Time
	Expires time.Time
	Revoked bool
}

// AccountStore keeps organisations, accounts, sessions, tokens, keys and
// the audit log.
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

	// AppendAudit appends one entry to the audit chain.
	AppendAudit(ctx context.Context, e audit.Entry) error
	// AuditEntries returns up to limit entries after seq, of org ("" for
	// every organisation), in order.
	AuditEntries(ctx context.Context, org string, after int64, limit int) ([]audit.Entry, error)

	// WrappedKey returns the wrapped key stored under name, or ErrNotFound.
	WrappedKey(ctx context.Context, name string) ([]byte, error)
	// PutWrappedKey stores w under name unless a key is there already, and
	// returns the key that is stored.
	PutWrappedKey(ctx context.Context, name string, w []byte) ([]byte, error)
	// RewrapKeys replaces every organisation's data key and every stored
	// key by rewrap's result, in one transaction.
	RewrapKeys(ctx context.Context, rewrap func(name string, w []byte) ([]byte, error)) (int, error)
}
