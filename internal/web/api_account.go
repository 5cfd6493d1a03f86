package web

import (
	"net/http"
	"strings"
	"time"
	"visaclock/internal/caseload"
	"visaclock/internal/login"
)

type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

type userJSON struct {
	ID          string                `json:"id"`
	Username    string                `json:"username"`
	Org         string                `json:"org"`
	Role        caseload.Role         `json:"role"`
	Team        string                `json:"team,omitempty"`
	TOTP        bool                  `json:"totp"`
	Disabled    bool                  `json:"disabled"`
	Version     int64                 `json:"version"`
	Permissions []caseload.Permission `json:"permissions,omitempty"`
}

func toUserJSON(u *caseload.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Org: u.Org, Role: u.Role, Team: u.Team,
		TOTP: len(u.TOTPSecret) > 0 && !u.TOTPPending, Disabled: u.Disabled, Version: u.Version}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	res, err := s.Service.Login(r.Context(), strings.ToLower(strings.TrimSpace(in.Username)), in.Password, in.TOTP, s.clientAddr(r))
	if err != nil {
		return err
	}
	_, max := s.Service.SessionLimitsOrDefault()
	s.setCookie(w, res.Secret, int(max/time.Second))
	out := toUserJSON(res.User)
	return writeJSON(w, http.StatusOK, map[string]any{"user": out, "enroll_totp": res.EnrollOnly})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.Service.Logout(r.Context(), principal(r), c.Value); err != nil {
			return err
		}
	}
	s.setCookie(w, "", -1)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	u, err := s.Service.Account(r.Context(), p)
	if err != nil {
		return err
	}
	out := toUserJSON(u)
	for _, perm := range caseload.Permissions {
		if p.Can(perm) {
			out.Permissions = append(out.Permissions, perm)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user": out, "enroll_totp": p.EnrollOnly, "token": p.Scopes != nil})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if err := s.Service.ChangePassword(r.Context(), principal(r), in.Current, in.New); err != nil {
		return err
	}
	s.setCookie(w, "", -1)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	secret, u, err := s.Service.StartTOTP(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{
		"secret": login.EncodeSecret(secret),
		"uri":    login.TOTPURI(secret, "visaclock", u.Username),
	})
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if err := s.Service.ConfirmTOTP(r.Context(), principal(r), in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type setupInput struct {
	Token    string `json:"token"`
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	var in setupInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.Service.ClaimSetup(r.Context(), in.Token, strings.ToLower(in.Username), in.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}
