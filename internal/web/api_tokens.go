package web

import (
	"net/http"
	"strings"
	"time"
	"visaclock/internal/caseload"
)

type tokenJSON struct {
	ID      string                `json:"id"`
	Name    string                `json:"name"`
	Scopes  []caseload.Permission `json:"scopes"`
	Created time.Time             `json:"created"`
	Expires time.Time             `json:"expires"`
	Revoked bool                  `json:"revoked"`
	Token   string                `json:"token,omitempty"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Service.Tokens(r.Context(), principal(r))
	if err != nil {
		return err
	}
	out := []tokenJSON{}
	for _, t := range ts {
		out = append(out, tokenJSON{ID: t.ID, Name: t.Name, Scopes: t.Scopes, Created: t.Created, Expires: t.Expires, Revoked: t.Revoked})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
		Days   int      `json:"expires_in_days"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	scopes, err := caseload.ParseScopes(strings.Join(in.Scopes, ","))
	if err != nil {
		return err
	}
	t, secret, err := s.Service.CreateToken(r.Context(), principal(r), in.Name, scopes, time.Duration(in.Days)*24*time.Hour)
	if err != nil {
		return err
	}
	// The token is shown this once; only its hash is kept.
	return writeJSON(w, http.StatusCreated, tokenJSON{ID: t.ID, Name: t.Name, Scopes: t.Scopes, Created: t.Created, Expires: t.Expires, Token: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "tok_") {
		return caseload.Errorf(caseload.ENotFound, "", "no such token")
	}
	if err := s.Service.RevokeToken(r.Context(), principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
