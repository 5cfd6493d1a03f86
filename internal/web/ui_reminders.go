package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
)

// remindersView is the reminders section of the account page.
type remindersView struct {
	Email, WebhookURL string
	HasSecret         bool
	Offsets           []offsetOption
	Overstay          bool
	Langs             []langOption
	// Secret is a webhook signing secret just made, shown this once.
	Secret string
	Saved  bool
}

type offsetOption struct {
	ID, Value, Label string
	Checked          bool
}

// fillReminders puts p's reminder settings in v, unless a refused form
// put its own values there already.
func (s *Server) fillReminders(ctx context.Context, pr caseload.Principal, p *i18n.Printer, v *accountView) error {
	if !pr.Can(caseload.PermCalendar) {
		return nil
	}
	if v.Reminders == nil {
		rs, err := s.Service.Reminders(ctx, pr)
		if err != nil {
			return err
		}
		v.Reminders = &remindersView{Email: rs.Email, WebhookURL: rs.WebhookURL, HasSecret: rs.HasSecret, Overstay: rs.Overstay}
		v.Reminders.setOptions(p, rs.Offsets, rs.Lang)
	}
	return nil
}

func (rv *remindersView) setOptions(p *i18n.Printer, offsets []int, lang string) {
	rv.Offsets = rv.Offsets[:0]
	for _, o := range caseload.ReminderOffsets {
		rv.Offsets = append(rv.Offsets, offsetOption{ID: "remind-" + strconv.Itoa(o), Value: strconv.Itoa(o),
			Label: p.N("acct.remind.offset", o), Checked: slices.Contains(offsets, o)})
	}
	rv.Langs = rv.Langs[:0]
	for _, l := range i18n.Choices {
		rv.Langs = append(rv.Langs, langOption{l, langNames[l], string(l) == lang})
	}
}

// remindersForm serves POST /account/reminders.
func (s *Server) remindersForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.printer(r)
	f := r.PostForm
	var offsets []int
	for _, o := range f["offsets"] {
		n, err := strconv.Atoi(o)
		if err != nil {
			n = -1 // refused by the Service, by name
		}
		offsets = append(offsets, n)
	}
	in := caseload.ReminderSettings{Email: f.Get("email"), WebhookURL: f.Get("webhook_url"), Offsets: offsets,
		Overstay: f.Get("overstay") == "on", Lang: f.Get("lang")}
	v := &accountView{Errors: fieldErrors{}, TokenDays: "90"}
	secret, err := s.Service.SetReminders(r.Context(), principal(r), in, f.Get("new_secret") == "on")
	if err != nil {
		var ae *caseload.Error
		if errors.As(err, &ae) && ae.Code == caseload.EInvalid {
			field := ae.Field
			if !slices.Contains([]string{"email", "webhook_url", "offsets", "lang"}, field) {
				field = "form"
			}
			v.Errors[field] = p.T("acct.remind.err." + field)
			v.Reminders = &remindersView{Email: in.Email, WebhookURL: in.WebhookURL, Overstay: in.Overstay}
			v.Reminders.setOptions(p, offsets, in.Lang)
			return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
		}
		return err
	}
	if err := s.fillReminders(r.Context(), principal(r), p, v); err != nil {
		return err
	}
	v.Reminders.Secret, v.Reminders.Saved = secret, true
	return s.renderAccount(w, r, http.StatusOK, v)
}
