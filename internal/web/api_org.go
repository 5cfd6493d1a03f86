package web

import (
	"net/http"
	"time"
)

type auditJSON struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Case   string    `json:"case,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, err := intParam(q.Get("after"), "after", 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", 1, 1000)
	if err != nil {
		return err
	}
	es, err := s.Service.AuditLog(r.Context(), principal(r), int64(after), limit)
	if err != nil {
		return err
	}
	out := []auditJSON{}
	for _, e := range es {
		out = append(out, auditJSON{e.Seq, e.At, e.Actor, e.Action, e.Case, e.Detail})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

type settingsJSON struct {
	Name          string `json:"name"`
	RequireTOTP   bool   `json:"require_totp"`
	RetentionDays int    `json:"retention_days"`
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Service.Settings(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settingsJSON{o.Name, o.RequireTOTP, o.RetentionDays})
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var in settingsJSON
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	o, err := s.Service.UpdateSettings(r.Context(), principal(r), in.RequireTOTP, in.RetentionDays)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settingsJSON{o.Name, o.RequireTOTP, o.RetentionDays})
}
