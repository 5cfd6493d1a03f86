package web

import (
	"net/http"
	"time"

	"visaclock/internal/caseload"
)

type remindersJSON struct {
	Email      string    `json:"email"`
	WebhookURL string    `json:"webhook_url"`
	HasSecret  bool      `json:"has_secret"`
	Offsets    []int     `json:"offsets"`
	Overstay   bool      `json:"overstay"`
	Lang       string    `json:"lang"`
	Updated    time.Time `json:"updated,omitzero"`
	// Secret is the webhook's new signing secret, in the answer that made
	// it only.
	Secret string `json:"secret,omitempty"`
}

func toRemindersJSON(rs caseload.ReminderSettings) remindersJSON {
	return remindersJSON{Email: rs.Email, WebhookURL: rs.WebhookURL, HasSecret: rs.HasSecret, Offsets: rs.Offsets,
		Overstay: rs.Overstay, Lang: rs.Lang, Updated: rs.Updated}
}

func (s *Server) getReminders(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.Service.Reminders(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toRemindersJSON(rs))
}

func (s *Server) putReminders(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email      string `json:"email"`
		WebhookURL string `json:"webhook_url"`
		Offsets    []int  `json:"offsets"`
		Overstay   bool   `json:"overstay"`
		Lang       string `json:"lang"`
		NewSecret  bool   `json:"new_secret"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if in.Lang == "" {
		in.Lang = "en"
	}
	p := principal(r)
	secret, err := s.Service.SetReminders(r.Context(), p, caseload.ReminderSettings{Email: in.Email, WebhookURL: in.WebhookURL,
		Offsets: in.Offsets, Overstay: in.Overstay, Lang: in.Lang}, in.NewSecret)
	if err != nil {
		return err
	}
	rs, err := s.Service.Reminders(r.Context(), p)
	if err != nil {
		return err
	}
	out := toRemindersJSON(rs)
	out.Secret = secret
	return writeJSON(w, http.StatusOK, out)
}
