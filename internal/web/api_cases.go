package web

import (
	"fmt"
	"net/http"
	"time"
	"visaclock/internal/caseload"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// caseInput is the body of POST and PUT /v1/cases.
type caseInput struct {
	Reference string       `json:"reference"`
	Notes     string       `json:"notes"`
	History   stay.History `json:"history"`
	// Identity is optional; on PUT, leaving it out keeps the stored one,
	// and an empty object removes it.
	Identity *caseload.Identity `json:"identity"`
	// Assignee and Team, when left out, keep the stored ones (on PUT) or
	// are the creator's (on POST).
	Assignee *string `json:"assignee"`
	Team     *string `json:"team"`
	// Closed closes (true) or reopens (false) the case; left out, it
	// stays as it is.
	Closed *bool `json:"closed"`
}

type caseJSON struct {
	ID        string        `json:"id"`
	Reference string        `json:"reference"`
	Notes     string        `json:"notes"`
	History   *stay.History `json:"history"`
	// Identity is masked unless ?reveal=identity was asked, and allowed.
	Identity   any              `json:"identity"`
	Revealed   bool             `json:"identity_revealed"`
	Assignee   string           `json:"assignee,omitempty"`
	Team       string           `json:"team,omitempty"`
	Household  string           `json:"household,omitempty"`
	Closed     *time.Time       `json:"closed"`
	Version    int64            `json:"version"`
	Created    time.Time        `json:"created"`
	Updated    time.Time        `json:"updated"`
	Evaluation *stay.Evaluation `json:"evaluation"`
	// EvaluationError says why evaluation is null.
	EvaluationError string `json:"evaluation_error,omitempty"`
}

// writeCase answers with the case, its identity masked, or in clear when
// the request asks ?reveal=identity and the principal may see it (which is
// audited).
func (s *Server) writeCase(w http.ResponseWriter, r *http.Request, status int, c *caseload.Case) error {
	out := caseJSON{ID: c.ID, Reference: c.Reference, Notes: c.Notes, History: &c.History,
		Assignee: c.Assignee, Team: c.Team, Household: c.Household, Version: c.Version, Created: c.Created, Updated: c.Updated}
	if !c.Closed.IsZero() {
		out.Closed = &c.Closed
	}
	switch v := r.URL.Query().Get("reveal"); v {
	case "":
		m, err := s.Service.Masked(r.Context(), c)
		if err != nil {
			return err
		}
		if m != nil {
			out.Identity = m
		}
	case "identity":
		id, err := s.Service.Reveal(r.Context(), principal(r), c)
		if err != nil {
			return err
		}
		if id != nil {
			out.Identity = id
		}
		out.Revealed = true
	default:
		return &caseload.Error{Code: caseload.EInvalid, Field: "reveal", Msg: fmt.Sprintf("%q is not accepted; accepted: identity", v)}
	}
	// A case stays readable when it cannot be evaluated any more, as when a
	// rule pack it uses is no longer loaded; the reason says why.
	rd, err := s.Service.Read(r.Context(), c)
	if err != nil {
		return err
	}
	if rd.Err != nil {
		out.EvaluationError = "history." + rd.Err.Error()
	}
	out.Evaluation = rd.Evaluation
	w.Header().Set("ETag", etag(c.Version))
	return writeJSON(w, status, out)
}

func decodeCase(r *http.Request) (*caseInput, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var in caseInput
	if _, err := document.Decode(body, &in); err != nil {
		return nil, invalid(err, "")
	}
	return &in, nil
}

// update is what the body sent: the reference, notes and history always
// (a PUT replaces them), the rest when given.
func (in *caseInput) update() caseload.CaseUpdate {
	return caseload.CaseUpdate{Reference: &in.Reference, Notes: &in.Notes, History: &in.History,
		Identity: in.Identity, Assignee: in.Assignee, Team: in.Team, Closed: in.Closed}
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) error {
	if err := noReveal(r); err != nil {
		return err
	}
	in, err := decodeCase(r)
	if err != nil {
		return err
	}
	c, err := s.Service.CreateCase(r.Context(), principal(r), in.update())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/cases/"+c.ID)
	return s.writeCase(w, r, http.StatusCreated, c)
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := s.Service.Get(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	// No 304 for If-None-Match: the ETag is the case's version, for If-Match,
	// while the answer carries today's evaluation, which changes daily.
	return s.writeCase(w, r, http.StatusOK, c)
}

func (s *Server) putCase(w http.ResponseWriter, r *http.Request) error {
	if err := noReveal(r); err != nil {
		return err
	}
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	in, err := decodeCase(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := s.Service.UpdateCase(r.Context(), principal(r), id, versions, in.update())
	if err != nil {
		return err
	}
	return s.writeCase(w, r, http.StatusOK, c)
}

func (s *Server) deleteCase(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := caseID(r)
	if err != nil {
		return err
	}
	if err := s.Service.DeleteCase(r.Context(), principal(r), id, versions); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
