package caseload

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"visaclock/internal/login"
)

// limitsKeyPurpose names the key under which the shared failed-login
// limits hash accounts and addresses. It is derived from the stored audit
// key, which every server with the master key opens alike and rotation
// leaves as it is, so that all servers hash alike and the database alone
// tells no address.
const limitsKeyPurpose = "visaclock/login-limits/v1"

// limiter returns s.Limiter, filling it in on first use: with the Store's
// shared limits when the Store keeps them, else in memory.
func (s *Service) limiter(ctx context.Context) (login.Limiter, error) {
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	if s.Limiter != nil {
		return s.Limiter, nil
	}
	ls, ok := s.Store.(login.LimitStore)
	if !ok {
		s.Limiter = login.NewMemoryLimiter(login.DefaultLimits)
		return s.Limiter, nil
	}
	if s.Keys == nil {
		return nil, errors.New("caseload: no master key: the shared login limits cannot be keyed")
	}
	w, err := s.Store.WrappedKey(ctx, auditKeyName)
	if err != nil {
		return nil, fmt.Errorf("caseload: the key of the login limits: %w", err)
	}
	k, err := s.Keys.DeriveKey(wrapName(auditKeyName), w, limitsKeyPurpose)
	if err != nil {
		return nil, fmt.Errorf("caseload: the key of the login limits: %w", err)
	}
	l, err := login.NewSharedLimiter(login.DefaultLimits, ls, k)
	if err != nil {
		return nil, err
	}
	s.Limiter = l
	return l, nil
}

// limited is the answer to an attempt the limiter holds back.
func limited(what string, wait time.Duration) error {
	secs := int(wait.Seconds() + 0.999)
	return &Error{Code: ELimited, Msg: fmt.Sprintf("too many %s; try again in %d seconds", what, secs), RetryAfter: secs}
}

// checkPassword runs a password check in one of the few slots there are.
func (s *Service) checkPassword(ctx context.Context, u *User, password string) (bool, error) {
	s.slotsOnce.Do(func() {
		// Each password check takes 19 MiB for tens of milliseconds; a burst
		// of logins from many addresses must queue, not exhaust memory.
		s.hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	})
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashSlots }()
	if u == nil {
		login.DummyCheck(password)
		return false, nil
	}
	return login.CheckPassword(u.Password, password)
}

func (s *Service) params() login.Params {
	if s.PasswordParams == (login.Params{}) {
		return login.DefaultParams
	}
	return s.PasswordParams
}

// LoginResult is a new session.
type LoginResult struct {
	Secret     string // for the cookie; only its hash is stored
	User       *User
	EnrollOnly bool // the organisation requires a second factor this account has not set up
}

// errLogin is the one answer to every failed login, so that it does not
// tell whether the username exists.
var errLogin = Errorf(EUnauthenticated, "", "wrong username, password or code")

// Login checks a username, a password and, when the account has one set
// up, a TOTP code, and opens a session. Failures are rate-limited per
// account and per address, and audited.
func (s *Service) Login(ctx context.Context, username, password, code, addr string) (*LoginResult, error) {
	now := s.now()
	lim, err := s.limiter(ctx)
	if err != nil {
		return nil, err
	}
	if ok, wait, err := lim.Allow(ctx, username, addr, now); err != nil {
		return nil, err
	} else if !ok {
		return nil, limited("failed logins", wait)
	}
	u, err := s.Store.FindUserByName(ctx, username)
	if ErrorCode(err) == ENotFound {
		if _, err := s.checkPassword(ctx, nil, password); err != nil {
			return nil, err
		}
		if err := lim.Failed(ctx, username, addr, now); err != nil {
			return nil, err
		}
		return nil, errLogin
	}
	if err != nil {
		return nil, err
	}
	fail := func(reason string) (*LoginResult, error) {
		if err := lim.Failed(ctx, username, addr, now); err != nil {
			return nil, err
		}
		if err := s.Audit(ctx, Principal{User: u.ID, Org: u.Org}, "login.failed", "", reason); err != nil {
			return nil, err
		}
		return nil, errLogin
	}
	ok, err := s.checkPassword(ctx, u, password)
	if err != nil {
		return nil, fmt.Errorf("caseload: stored password of %s: %w", u.ID, err)
	}
	if !ok {
		return fail("password")
	}
	if u.Disabled {
		return fail("disabled")
	}
	if len(u.TOTPSecret) > 0 && !u.TOTPPending {
		secret, err := s.totpSecret(ctx, u)
		if err != nil {
			return nil, err
		}
		step, ok := login.CheckTOTP(secret, code, now, u.TOTPLastStep)
		if !ok {
			if strings.TrimSpace(code) == "" {
				if err := lim.Failed(ctx, username, addr, now); err != nil {
					return nil, err
				}
				return nil, Errorf(EUnauthenticated, "totp", "this account needs the 6-digit code from its authenticator app")
			}
			return fail("totp")
		}
		u.TOTPLastStep = step
		if err := s.Store.UpdateUser(ctx, u, nil); err != nil {
			return nil, err
		}
	}
	org, err := s.Store.FindOrg(ctx, u.Org)
	if err != nil {
		return nil, err
	}
	if err := lim.Succeeded(ctx, username); err != nil {
		return nil, err
	}
	secret, hash, err := login.NewSecret("vcs_")
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateSession(ctx, &Session{Hash: hash, User: u.ID, Created: now, Seen: now}); err != nil {
		return nil, err
	}
	if login.NeedsRehash(u.Password, s.params()) {
		if h, err := login.HashPassword(password, s.params()); err == nil {
			u.Password = h
			_ = s.Store.UpdateUser(ctx, u, nil) // a stale version only postpones the rehash
		}
	}
	res := &LoginResult{Secret: secret, User: u, EnrollOnly: org.RequireTOTP && (len(u.TOTPSecret) == 0 || u.TOTPPending)}
	return res, s.Audit(ctx, Principal{User: u.ID, Org: u.Org}, "login", "", "")
}

// SessionLimitsOrDefault returns the idle and absolute session limits.
func (s *Service) SessionLimitsOrDefault() (idle, max time.Duration) {
	idle, max = s.SessionIdle, s.SessionMax
	if idle == 0 {
		idle = 30 * time.Minute
	}
	if max == 0 {
		max = 12 * time.Hour
	}
	return idle, max
}

// Authenticate returns the principal of a session secret. Sessions end
// after SessionIdle unused and SessionMax in all; the account's current
// role and team apply, so that a change takes effect at once.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	hash := login.HashSecret(secret)
	se, err := s.Store.FindSession(ctx, hash)
	if err != nil {
		if ErrorCode(err) == ENotFound {
			return Principal{}, Errorf(EUnauthenticated, "", "not logged in, or the session ended")
		}
		return Principal{}, err
	}
	now := s.now()
	idle, max := s.SessionLimitsOrDefault()
	if now.Sub(se.Seen) > idle || now.Sub(se.Created) > max {
		_ = s.Store.DeleteSession(ctx, hash)
		return Principal{}, Errorf(EUnauthenticated, "", "the session ended; log in again")
	}
	p, err := s.principal(ctx, se.User)
	if err != nil {
		return Principal{}, err
	}
	// Writing on every request would make every read a write; a minute's
	// precision is plenty for a 30-minute idle limit.
	if now.Sub(se.Seen) > time.Minute {
		if err := s.Store.TouchSession(ctx, hash, now); err != nil {
			return Principal{}, err
		}
	}
	return p, nil
}

// PrincipalOf returns the principal of account id as it is now, as for a
// calendar feed, whose token acts for its account.
func (s *Service) PrincipalOf(ctx context.Context, id string) (Principal, error) {
	return s.principal(ctx, id)
}

// principal returns the acting principal of account id, refusing disabled
// accounts. One query gives the account and its organisation's policy:
// it runs on every authenticated request.
func (s *Service) principal(ctx context.Context, userID string) (Principal, error) {
	u, requireTOTP, err := s.Store.FindAccount(ctx, userID)
	if err != nil {
		if ErrorCode(err) == ENotFound {
			return Principal{}, Errorf(EUnauthenticated, "", "this account no longer exists")
		}
		return Principal{}, err
	}
	if u.Disabled {
		return Principal{}, Errorf(EUnauthenticated, "", "this account is disabled")
	}
	p := Principal{User: u.ID, Org: u.Org, Role: u.Role, Team: u.Team}
	p.EnrollOnly = requireTOTP && (len(u.TOTPSecret) == 0 || u.TOTPPending)
	return p, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, p Principal, secret string) error {
	if err := s.Store.DeleteSession(ctx, login.HashSecret(secret)); err != nil {
		return err
	}
	return s.Audit(ctx, p, "logout", "", "")
}
