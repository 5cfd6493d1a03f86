package caseload

import (
	"time"
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
