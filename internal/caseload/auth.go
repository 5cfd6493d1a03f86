package caseload

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/login"
)

// SetupTTL is how long a set-up link for an organisation's first admin
// stays valid.
const SetupTTL = 24 * time.Hour

func (s *Service) limiter() *login.Limiter {
	s.limitOnce.Do(func() {
		if s.Limiter == nil {
			s.Limiter = login.NewLimiter(login.DefaultLimits)
		}
		// Each password check takes 19 MiB for tens of milliseconds; a burst
		// of logins from many addresses must queue, not exhaust memory.
		s.hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	})
	return s.Limiter
}

// checkPassword runs a password check in one of the few slots there are.
func (s *Service) checkPassword(ctx context.Context, u *User, password string) (bool, error) {
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

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// CreateOrg makes an organisation with a fresh data key and returns the
// secret of a one-time link by which its first admin sets up their account.
// id may be "" for a new random id.
func (s *Service) CreateOrg(ctx context.Context, id, name string) (org *Org, setup string, err error) {
	if s.Keys == nil {
		return nil, "", errors.New("caseload: no master key to wrap the organisation's data key")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 || checkText(name) != "" {
		return nil, "", Errorf(EInvalid, "name", "an organisation name of 1 to 200 characters, without control characters")
	}
	if id == "" {
		id = NewID("o_")
	}
	dk, err := s.Keys.NewDataKey(id)
	if err != nil {
		return nil, "", err
	}
	secret, hash, err := login.NewSecret("vcsetup_")
	if err != nil {
		return nil, "", err
	}
	o := &Org{ID: id, Name: name, DataKey: dk, Created: s.now()}
	ev := s.event(System(id), "org.create", "", "")
	if err := s.Store.CreateOrg(ctx, o, hash, s.now().Add(SetupTTL), ev); err != nil {
		return nil, "", err
	}
	return o, secret, nil
}

// NewSetupLink replaces org's set-up link, while it has no account, as
// when the first link expired or a server restarted before it was used.
func (s *Service) NewSetupLink(ctx context.Context, org string) (string, error) {
	secret, hash, err := login.NewSecret("vcsetup_")
	if err != nil {
		return "", err
	}
	if err := s.Store.NewSetupToken(ctx, org, hash, s.now().Add(SetupTTL)); err != nil {
		return "", err
	}
	return secret, nil
}

// validUsername accepts what a login form can carry without surprise.
func validUsername(u string) error {
	if len(u) < 2 || len(u) > 64 {
		return Errorf(EInvalid, "username", "2 to 64 characters: letters, digits, and . _ - @")
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return Errorf(EInvalid, "username", "2 to 64 characters: letters, digits, and . _ - @")
		}
	}
	return nil
}

func validTeam(t string) error {
	if utf8.RuneCountInString(t) > 64 || checkText(t) != "" {
		return Errorf(EInvalid, "team", "at most 64 characters, without control characters")
	}
	return nil
}

func (s *Service) hashPassword(pw string) (string, error) {
	if err := login.ValidatePassword(pw); err != nil {
		return "", Errorf(EInvalid, "password", "%s", err.Error())
	}
	return login.HashPassword(pw, s.params())
}

// ClaimSetup spends a set-up link: it makes the first admin of the link's
// organisation.
func (s *Service) ClaimSetup(ctx context.Context, setup, username, password string) (*User, error) {
	if err := validUsername(username); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: NewID("u_"), Username: username, Password: hash, Role: RoleAdmin, Created: s.now()}
	ev := s.event(Principal{User: u.ID}, "user.setup", "", "role=admin")
	if err := s.Store.ClaimSetup(ctx, login.HashSecret(setup), s.now(), u, ev); err != nil {
		return nil, err
	}
	return u, nil
}

// UserInput is what an admin gives to create or change an account.
type UserInput struct {
	Username string
	Password string // "" to keep
	Role     Role
	Team     string
	Disabled bool
}

// CreateUser makes an account in p's organisation.
func (s *Service) CreateUser(ctx context.Context, p Principal, in UserInput) (*User, error) {
	if !p.Can(PermUserManage) {
		return nil, ErrForbidden
	}
	if err := validUsername(in.Username); err != nil {
		return nil, err
	}
	if !ValidRole(in.Role) {
		return nil, Errorf(EInvalid, "role", "one of admin, caseworker, viewer")
	}
	if err := validTeam(in.Team); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: NewID("u_"), Org: p.Org, Username: in.Username, Password: hash, Role: in.Role, Team: in.Team, Disabled: in.Disabled, Created: s.now()}
	if err := s.Store.CreateUser(ctx, u, s.event(p, "user.create", "", "user="+u.ID+" role="+string(u.Role))); err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUser changes an account's role, team, disabled flag or password.
// Any change ends the account's sessions, so that a demoted or disabled
// account loses its access at once.
// versions are the acceptable current versions (an If-Match list); empty
// accepts any.
func (s *Service) UpdateUser(ctx context.Context, p Principal, id string, versions []int64, in UserInput) (*User, error) {
	if !p.Can(PermUserManage) {
		return nil, ErrForbidden
	}
	u, err := s.Store.FindUser(ctx, p.Org, id)
	if err != nil {
		return nil, err
	}
	if len(versions) > 0 && !slices.Contains(versions, u.Version) {
		return nil, Errorf(EConflict, "", "the account was changed by someone else; fetch it again and retry")
	}
	if !ValidRole(in.Role) {
		return nil, Errorf(EInvalid, "role", "one of admin, caseworker, viewer")
	}
	if err := validTeam(in.Team); err != nil {
		return nil, err
	}
	if u.ID == p.User && (in.Role != RoleAdmin || in.Disabled) {
		return nil, Errorf(EInvalid, "role", "you cannot demote or disable yourself; ask another admin")
	}
	var changes []string
	if in.Role != u.Role {
		changes = append(changes, "role="+string(in.Role))
	}
	if in.Team != u.Team {
		changes = append(changes, "team")
	}
	if in.Disabled != u.Disabled {
		changes = append(changes, fmt.Sprintf("disabled=%t", in.Disabled))
	}
	u.Role, u.Team, u.Disabled = in.Role, in.Team, in.Disabled
	if in.Password != "" {
		if u.Password, err = s.hashPassword(in.Password); err != nil {
			return nil, err
		}
		changes = append(changes, "password")
	}
	if len(changes) == 0 {
		return u, nil
	}
	if err := s.Store.UpdateUser(ctx, u, s.event(p, "user.update", "", "user="+u.ID+" "+strings.Join(changes, " "))); err != nil {
		return nil, err
	}
	return u, s.Store.DeleteSessions(ctx, u.ID)
}

// Users lists p's organisation's accounts.
func (s *Service) Users(ctx context.Context, p Principal) ([]User, error) {
	if !p.Can(PermUserManage) {
		return nil, ErrForbidden
	}
	return s.Store.Users(ctx, p.Org)
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
	lim := s.limiter()
	if ok, wait := lim.Allow(username, addr, now); !ok {
		secs := int(wait.Seconds() + 0.999)
		return nil, &Error{Code: ELimited, Msg: fmt.Sprintf("too many failed logins; try again in %d seconds", secs), RetryAfter: secs}
	}
	u, err := s.Store.FindUserByName(ctx, username)
	if ErrorCode(err) == ENotFound {
		if _, err := s.checkPassword(ctx, nil, password); err != nil {
			return nil, err
		}
		lim.Failed(username, addr, now)
		return nil, errLogin
	}
	if err != nil {
		return nil, err
	}
	fail := func(reason string) (*LoginResult, error) {
		lim.Failed(username, addr, now)
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
				lim.Failed(username, addr, now)
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
	lim.Succeeded(username)
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

// MaxTokenLife bounds how long an API token may live.
const MaxTokenLife = 366 * 24 * time.Hour

// CreateToken makes an API token for p's own account, limited to scopes
// (each of which p's role must have) and expiring after life.
func (s *Service) CreateToken(ctx context.Context, p Principal, name string, scopes []Permission, life time.Duration) (*APIToken, string, error) {
	if p.Scopes != nil {
		return nil, "", Errorf(EForbidden, "", "a token cannot make tokens; log in")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || checkText(name) != "" {
		return nil, "", Errorf(EInvalid, "name", "a name of 1 to 100 characters, to tell your tokens apart")
	}
	for _, sc := range scopes {
		if ScopeOf(p.Role, sc) == ScopeNone {
			return nil, "", Errorf(EInvalid, "scopes", "your role (%s) does not have %s", p.Role, sc)
		}
	}
	if life <= 0 || life > MaxTokenLife {
		return nil, "", Errorf(EInvalid, "expires_in_days", "from 1 to 366 days")
	}
	secret, hash, err := login.NewSecret("vct_")
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	t := &APIToken{ID: NewID("tok_"), Hash: hash, User: p.User, Name: name, Scopes: scopes, Created: now, Expires: now.Add(life)}
	if err := s.Store.CreateAPIToken(ctx, t, s.event(p, "token.create", "", "token="+t.ID)); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// AuthenticateToken returns the principal of an API token: its account's,
// limited to the token's scopes.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (Principal, error) {
	t, err := s.Store.FindAPIToken(ctx, login.HashSecret(secret))
	if err != nil {
		if ErrorCode(err) == ENotFound {
			return Principal{}, Errorf(EUnauthenticated, "", "unknown token")
		}
		return Principal{}, err
	}
	if t.Revoked || !s.now().Before(t.Expires) {
		return Principal{}, Errorf(EUnauthenticated, "", "the token was revoked or has expired")
	}
	p, err := s.principal(ctx, t.User)
	if err != nil {
		return Principal{}, err
	}
	p.Scopes = slices.Clone(t.Scopes)
	if p.Scopes == nil {
		p.Scopes = []Permission{}
	}
	return p, nil
}

// Tokens lists p's own tokens.
func (s *Service) Tokens(ctx context.Context, p Principal) ([]APIToken, error) {
	return s.Store.APITokens(ctx, p.User)
}

// RevokeToken revokes one of p's own tokens.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id string) error {
	return s.Store.RevokeAPIToken(ctx, p.User, id, s.event(p, "token.revoke", "", "token="+id))
}

func totpAAD(userID string) string { return "user/" + userID + "/totp" }

func (s *Service) totpSecret(ctx context.Context, u *User) ([]byte, error) {
	b, err := s.box(ctx, u.Org)
	if err != nil {
		return nil, err
	}
	return b.Open(u.TOTPSecret, totpAAD(u.ID))
}

// StartTOTP makes a new second-factor secret for p's account, pending
// until ConfirmTOTP, and returns it for the authenticator app. Starting
// again replaces a pending secret; a confirmed one must be removed first.
func (s *Service) StartTOTP(ctx context.Context, p Principal) (secret []byte, u *User, err error) {
	if p.Scopes != nil {
		return nil, nil, Errorf(EForbidden, "", "a token cannot change a second factor; log in")
	}
	u, err = s.Store.FindUser(ctx, p.Org, p.User)
	if err != nil {
		return nil, nil, err
	}
	if len(u.TOTPSecret) > 0 && !u.TOTPPending {
		return nil, nil, Errorf(EExists, "", "a second factor is set up already; an admin can remove it")
	}
	if secret, err = login.NewTOTPSecret(); err != nil {
		return nil, nil, err
	}
	b, err := s.box(ctx, u.Org)
	if err != nil {
		return nil, nil, err
	}
	u.TOTPSecret, u.TOTPPending, u.TOTPLastStep = b.Seal(secret, totpAAD(u.ID)), true, 0
	if err := s.Store.UpdateUser(ctx, u, s.event(p, "totp.start", "", "")); err != nil {
		return nil, nil, err
	}
	return secret, u, nil
}

// ConfirmTOTP turns a pending second factor on, given a code from it.
func (s *Service) ConfirmTOTP(ctx context.Context, p Principal, code string) error {
	if p.Scopes != nil {
		return Errorf(EForbidden, "", "a token cannot change a second factor; log in")
	}
	u, err := s.Store.FindUser(ctx, p.Org, p.User)
	if err != nil {
		return err
	}
	if len(u.TOTPSecret) == 0 || !u.TOTPPending {
		return Errorf(EExists, "", "no second factor is waiting to be confirmed; start one with POST /v1/me/totp")
	}
	secret, err := s.totpSecret(ctx, u)
	if err != nil {
		return err
	}
	step, ok := login.CheckTOTP(secret, code, s.now(), u.TOTPLastStep)
	if !ok {
		return Errorf(EInvalid, "code", "not the current 6-digit code of this secret; check the phone's clock")
	}
	u.TOTPPending, u.TOTPLastStep = false, step
	return s.Store.UpdateUser(ctx, u, s.event(p, "totp.confirm", "", ""))
}

// ResetTOTP removes an account's second factor: an admin's remedy for a
// lost phone. The account sets up a new one at its next login if its
// organisation requires one.
func (s *Service) ResetTOTP(ctx context.Context, p Principal, userID string) error {
	if !p.Can(PermUserManage) {
		return ErrForbidden
	}
	u, err := s.Store.FindUser(ctx, p.Org, userID)
	if err != nil {
		return err
	}
	u.TOTPSecret, u.TOTPPending, u.TOTPLastStep = nil, false, 0
	if err := s.Store.UpdateUser(ctx, u, s.event(p, "totp.reset", "", "user="+u.ID)); err != nil {
		return err
	}
	return s.Store.DeleteSessions(ctx, u.ID)
}

// ChangePassword changes p's own password, given the current one.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if p.Scopes != nil {
		return Errorf(EForbidden, "", "a token cannot change a password; log in")
	}
	u, err := s.Store.FindUser(ctx, p.Org, p.User)
	if err != nil {
		return err
	}
	// Guessing the current password from a session someone left open is
	// limited like guessing at the login form.
	lim, key, now := s.limiter(), "password-change:"+u.ID, s.now()
	if ok, wait := lim.Allow(u.Username, key, now); !ok {
		secs := int(wait.Seconds() + 0.999)
		return &Error{Code: ELimited, Msg: fmt.Sprintf("too many wrong passwords; try again in %d seconds", secs), RetryAfter: secs}
	}
	ok, err := s.checkPassword(ctx, u, current)
	if err != nil {
		return err
	}
	if !ok {
		lim.Failed(u.Username, key, now)
		return Errorf(EInvalid, "current_password", "this is not your current password")
	}
	if u.Password, err = s.hashPassword(next); err != nil {
		return err
	}
	if err := s.Store.UpdateUser(ctx, u, s.event(p, "user.password", "", "")); err != nil {
		return err
	}
	return s.Store.DeleteSessions(ctx, u.ID)
}

// Settings returns p's organisation.
func (s *Service) Settings(ctx context.Context, p Principal) (*Org, error) {
	if !p.Can(PermOrgSettings) {
		return nil, ErrForbidden
	}
	return s.Store.FindOrg(ctx, p.Org)
}

// UpdateSettings sets p's organisation's retention period and whether a
// second factor is required.
func (s *Service) UpdateSettings(ctx context.Context, p Principal, requireTOTP bool, retentionDays int) (*Org, error) {
	if !p.Can(PermOrgSettings) {
		return nil, ErrForbidden
	}
	if retentionDays < 0 || retentionDays > 36500 {
		return nil, Errorf(EInvalid, "retention_days", "0 (keep closed cases) to 36500 days")
	}
	o, err := s.Store.FindOrg(ctx, p.Org)
	if err != nil {
		return nil, err
	}
	o.RequireTOTP, o.RetentionDays = requireTOTP, retentionDays
	detail := fmt.Sprintf("require_totp=%t retention_days=%d", requireTOTP, retentionDays)
	return o, s.Store.UpdateOrgSettings(ctx, o, s.event(p, "org.settings", "", detail))
}

// Purge erases every closed case whose organisation's retention period has
// passed since it was closed, and returns how many it erased. Each erase is
// audited as the system's.
func (s *Service) Purge(ctx context.Context) (int, error) {
	orgs, err := s.Store.Orgs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	now := s.now()
	for _, o := range orgs {
		if o.RetentionDays <= 0 {
			continue
		}
		ids, err := s.Store.ClosedBefore(ctx, o.ID, now.Add(-time.Duration(o.RetentionDays)*24*time.Hour))
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			ev := s.event(System(o.ID), "case.purge", id, fmt.Sprintf("retention_days=%d", o.RetentionDays))
			err := s.Store.DeleteCase(ctx, o.ID, id, 0, ev)
			if err != nil && ErrorCode(err) != ENotFound {
				return n, err
			}
			if err == nil {
				n++
			}
		}
	}
	return n, nil
}
