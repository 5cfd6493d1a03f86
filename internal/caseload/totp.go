package caseload

import (
	"context"

	"visaclock/internal/login"
)

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
