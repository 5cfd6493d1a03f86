package web

import (
	"net/http"
	"strings"
	"visaclock/internal/caseload"
)

type userInput struct {
	Username string        `json:"username"`
	Password string        `json:"password"`
	Role     caseload.Role `json:"role"`
	Team     string        `json:"team"`
	Disabled bool          `json:"disabled"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.Service.Users(r.Context(), principal(r))
	if err != nil {
		return err
	}
	out := []userJSON{}
	for i := range us {
		out = append(out, toUserJSON(&us[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.Service.CreateUser(r.Context(), principal(r), caseload.UserInput{Username: strings.ToLower(in.Username), Password: in.Password, Role: in.Role, Team: in.Team, Disabled: in.Disabled})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}

func userID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "u_") {
		return "", caseload.Errorf(caseload.ENotFound, "", "no such account")
	}
	return id, nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	var in userInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.Service.UpdateUser(r.Context(), principal(r), id, versions, caseload.UserInput{Password: in.Password, Role: in.Role, Team: in.Team, Disabled: in.Disabled})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Server) resetTOTP(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := s.Service.ResetTOTP(r.Context(), principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
