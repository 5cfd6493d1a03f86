package caseload

import (
	"errors"
	"time"

	"visaclock/internal/login"
	"visaclock/internal/stay"
	"visaclock/internal/vault"
)

// Config is everything a Service is built from. Store, Lookup, Now and
// Keys are required; the rest have defaults.
type Config struct {
	// Store keeps cases, accounts, the audit log and the wrapped keys. Its
	// audited writes need its audit chain (sqlstore.Options.Keys).
	Store Store
	// Lookup finds the rules a grant names (a packs.Registry's Lookup).
	Lookup stay.Lookup
	// Now is the clock: the time of every write and the day of every
	// evaluation. Tests give a fixed one.
	Now func() time.Time
	// Keys unwraps organisations' data keys, which seal identities and
	// second-factor secrets.
	Keys *vault.Keyring

	// Location is where "today" is decided; nil means UTC.
	Location *time.Location
	// Horizon is how many days ahead segments are worked out; 0 means ten
	// years.
	Horizon int
	// Limiter slows down password guessing; nil means login.DefaultLimits,
	// kept in the Store when it keeps them (sqlstore does), so that every
	// server on the database counts the same failures.
	Limiter login.Limiter
	// SessionIdle and SessionMax end a browser session after so long
	// unused, and after so long at all; zero means 30 minutes and 12 hours.
	SessionIdle, SessionMax time.Duration
	// PasswordParams is the argon2id cost; zero means login.DefaultParams.
	PasswordParams login.Params
}

// New builds a Service from c. It refuses a Config without a Store, a
// Lookup, a clock or Keys, naming every part that is missing, rather than
// failing later on the first request that needs the part.
func New(c Config) (*Service, error) {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("caseload: no Store: open one with sqlstore.Open"))
	}
	if c.Lookup == nil {
		errs = append(errs, errors.New("caseload: no Lookup: the rule packs' lookup (packs.Registry.Lookup) is needed to evaluate cases"))
	}
	if c.Now == nil {
		errs = append(errs, errors.New("caseload: no Now: a clock is needed (time.Now, or a fixed one in tests)"))
	}
	if c.Keys == nil {
		errs = append(errs, errors.New("caseload: no Keys: the master keyring is needed to seal and open identities"))
	}
	if c.Horizon < 0 || c.SessionIdle < 0 || c.SessionMax < 0 {
		errs = append(errs, errors.New("caseload: Horizon, SessionIdle and SessionMax may not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Service{
		Store:          c.Store,
		Lookup:         c.Lookup,
		Now:            c.Now,
		Keys:           c.Keys,
		Location:       c.Location,
		Horizon:        c.Horizon,
		Limiter:        c.Limiter,
		SessionIdle:    c.SessionIdle,
		SessionMax:     c.SessionMax,
		PasswordParams: c.PasswordParams,
	}
	if s.Location == nil {
		s.Location = time.UTC
	}
	return s, nil
}
