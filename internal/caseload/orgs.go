package caseload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/login"
)

// SetupTTL is how long a set-up link for an organisation's first admin
// stays valid.
const SetupTTL = 24 * time.Hour

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
