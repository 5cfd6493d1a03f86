package caseload

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"visaclock/internal/login"
)

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
	lim, err := s.limiter(ctx)
	if err != nil {
		return err
	}
	key, now := "password-change:"+u.ID, s.now()
	if ok, wait, err := lim.Allow(ctx, u.Username, key, now); err != nil {
		return err
	} else if !ok {
		return limited("wrong passwords", wait)
	}
	ok, err := s.checkPassword(ctx, u, current)
	if err != nil {
		return err
	}
	if !ok {
		if err := lim.Failed(ctx, u.Username, key, now); err != nil {
			return err
		}
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
