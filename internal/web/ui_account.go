package web

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/login"
)

// The account and administration pages: one's own password, second
// factor, API tokens and calendar feeds; and, for admins, the accounts,
// the audit log, and the organisation's settings, export and import. Every
// rule is the Service's: these handlers read forms, call it, and put its
// refusals beside the fields they concern.

// day is the calendar day of t where the service decides "today".
func (s *Server) day(t time.Time) date.Date {
	loc := s.Service.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return date.MustOf(y, m, d)
}

// accountView is the account page.
type accountView struct {
	Username, Role, Team string
	EnrollOnly           bool
	TOTPOn, TOTPPending  bool
	// TOTPSecret and TOTPURI are a second factor being set up, shown this
	// once: the secret in blocks of four for typing, the URI for apps.
	TOTPSecret string
	TOTPURI    template.URL
	TOTPDone   bool
	Tokens     []tokenRow
	Scopes     []scopeOption
	TokenName  string
	TokenDays  string
	Picked     []string // the permissions a refused token form had ticked
	NewToken   string   // a token just made, shown this once
	// CanCalendar: the role may have calendar feeds.
	CanCalendar bool
	Calendars   []calendarRow
	NewCalendar string // a feed URL just made, shown this once
	// Reminders is the reminders section (ui_reminders.go); nil when the
	// role has no calendar.
	Reminders *remindersView
	Revoked   string // "token" or "calendar" after a revocation
	// PasswordChanged: the password was changed and every session ended.
	PasswordChanged bool
	Errors          fieldErrors
}

type tokenRow struct {
	ID, Name         string
	Scopes           []string
	Created, Expires string
	State            string
	Active           bool
}

type scopeOption struct {
	ID, Value, Label string
	Checked          bool
}

type calendarRow struct {
	ID, Created, State string
	Active             bool
}

// accountPage serves GET /account.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	v := &accountView{Errors: fieldErrors{}, TokenDays: "90"}
	switch r.URL.Query().Get("done") {
	case "totp":
		v.TOTPDone = true
	case "token", "calendar":
		v.Revoked = r.URL.Query().Get("done")
	}
	return s.renderAccount(w, r, http.StatusOK, v)
}

// renderAccount fills what every answer of the account page shows and
// renders it; v may carry a refused form's errors and values, or a secret
// to show once.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, v *accountView) error {
	pr, p := principal(r), s.printer(r)
	ctx := r.Context()
	u, err := s.Service.Account(ctx, pr)
	if err != nil {
		return err
	}
	v.Username, v.Role, v.Team = u.Username, p.T("acct.role."+string(u.Role)), u.Team
	v.TOTPOn, v.TOTPPending = len(u.TOTPSecret) > 0 && !u.TOTPPending, u.TOTPPending
	v.EnrollOnly = pr.EnrollOnly
	if v.EnrollOnly {
		// Such a session may do nothing but set up its second factor.
		return s.render(w, r, status, "account", p.T("acct.title"), v)
	}
	tokens, err := s.Service.Tokens(ctx, pr)
	if err != nil {
		return err
	}
	now := s.Service.Now()
	for _, t := range tokens {
		row := tokenRow{ID: t.ID, Name: t.Name, Created: p.Date(s.day(t.Created)), Expires: p.Date(s.day(t.Expires)), Active: true, State: p.T("acct.token.active")}
		for _, sc := range t.Scopes {
			row.Scopes = append(row.Scopes, string(sc))
		}
		switch {
		case t.Revoked:
			row.Active, row.State = false, p.T("acct.token.revoked")
		case !now.Before(t.Expires):
			row.Active, row.State = false, p.T("acct.token.expired")
		}
		v.Tokens = append(v.Tokens, row)
	}
	for _, perm := range caseload.Permissions {
		if caseload.ScopeOf(pr.Role, perm) == caseload.ScopeNone {
			continue
		}
		v.Scopes = append(v.Scopes, scopeOption{ID: "scope-" + strings.ReplaceAll(string(perm), ".", "-"), Value: string(perm),
			Label: p.T("acct.perm." + string(perm)), Checked: slices.Contains(v.Picked, string(perm))})
	}
	v.CanCalendar = pr.Can(caseload.PermCalendar)
	cals, err := s.Service.CalendarTokens(ctx, pr)
	if err != nil {
		return err
	}
	for _, c := range cals {
		row := calendarRow{ID: c.ID, Created: p.Date(s.day(c.Created)), Active: !c.Revoked, State: p.T("acct.token.active")}
		if c.Revoked {
			row.State = p.T("acct.token.revoked")
		}
		v.Calendars = append(v.Calendars, row)
	}
	if err := s.fillReminders(ctx, pr, p, v); err != nil {
		return err
	}
	return s.render(w, r, status, "account", p.T("acct.title"), v)
}

// passwordForm serves POST /account/password. A changed password ends
// every session of the account, this one too, so the answer is a page
// saying so, with the way back to the login page.
func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.printer(r)
	v := &accountView{Errors: fieldErrors{}, TokenDays: "90"}
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	if current == "" {
		v.Errors["current_password"] = p.T("form.required")
	}
	if next == "" {
		v.Errors["new_password"] = p.T("form.required")
	}
	if len(v.Errors) > 0 {
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
	}
	if err := s.Service.ChangePassword(r.Context(), principal(r), current, next); err != nil {
		if accountError(p, v.Errors, err, map[string]string{"current_password": "current_password", "password": "new_password"}) {
			return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
		}
		return err
	}
	s.setCookie(w, "", -1)
	// The session is gone: the page is shown as to someone logged out.
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, nil))
	return s.render(w, r, http.StatusOK, "account", p.T("acct.title"), &accountView{PasswordChanged: true})
}

// totpStartForm serves POST /account/totp: a new secret for an
// authenticator app, shown this once, pending until a code confirms it.
func (s *Server) totpStartForm(w http.ResponseWriter, r *http.Request) error {
	p := s.printer(r)
	v := &accountView{Errors: fieldErrors{}, TokenDays: "90"}
	secret, u, err := s.Service.StartTOTP(r.Context(), principal(r))
	if err != nil {
		if accountError(p, v.Errors, err, map[string]string{"": "totp"}) {
			return s.renderAccount(w, r, http.StatusConflict, v)
		}
		return err
	}
	v.TOTPSecret = groupSecret(login.EncodeSecret(secret))
	// The URI is made here, from base32 and an escaped username: an
	// otpauth: link that html/template would otherwise refuse.
	v.TOTPURI = template.URL(login.TOTPURI(secret, "visaclock", u.Username))
	return s.renderAccount(w, r, http.StatusOK, v)
}

// groupSecret writes a base32 secret in blocks of four, for typing.
func groupSecret(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// totpConfirmForm serves POST /account/totp/confirm: a code from the app
// turns the pending second factor on.
func (s *Server) totpConfirmForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.printer(r)
	v := &accountView{Errors: fieldErrors{}, TokenDays: "90"}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if code == "" {
		v.Errors["code"] = p.T("form.required")
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
	}
	if err := s.Service.ConfirmTOTP(r.Context(), principal(r), code); err != nil {
		if accountError(p, v.Errors, err, map[string]string{"code": "code", "": "totp"}) {
			return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
		}
		return err
	}
	return redirect(w, r, "/account?done=totp")
}

// tokenForm serves POST /account/tokens: an API token of one's own, with
// the permissions ticked (of those the role has), shown this once.
func (s *Server) tokenForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p := s.printer(r)
	f := r.PostForm
	v := &accountView{Errors: fieldErrors{}, TokenName: f.Get("token_name"), TokenDays: f.Get("days")}
	v.Picked = f["scopes"]
	if strings.TrimSpace(v.TokenName) == "" {
		v.Errors["token_name"] = p.T("form.required")
	}
	days := formInt(p, v.Errors, "days", v.TokenDays, 1, int(caseload.MaxTokenLife/(24*time.Hour)))
	if days == 0 && v.Errors["days"] == "" {
		v.Errors["days"] = p.T("form.required")
	}
	scopes, err := caseload.ParseScopes(strings.Join(f["scopes"], ","))
	if err != nil {
		v.Errors["scopes"] = p.T("acct.err.scopes")
	}
	if len(v.Errors) > 0 {
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
	}
	_, secret, err := s.Service.CreateToken(r.Context(), principal(r), v.TokenName, scopes, time.Duration(days)*24*time.Hour)
	if err != nil {
		if accountError(p, v.Errors, err, map[string]string{"name": "token_name", "scopes": "scopes", "expires_in_days": "days"}) {
			return s.renderAccount(w, r, http.StatusUnprocessableEntity, v)
		}
		return err
	}
	// The token is shown this once; only its hash is kept.
	return s.renderAccount(w, r, http.StatusOK, &accountView{Errors: fieldErrors{}, TokenDays: "90", NewToken: secret})
}

// tokenRevokeForm serves POST /account/tokens/{id}/revoke.
func (s *Server) tokenRevokeForm(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "tok_") {
		return caseload.ErrNotFound
	}
	if err := s.Service.RevokeToken(r.Context(), principal(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/account?done=token")
}

// calendarForm serves POST /account/calendar: a calendar feed of the
// deadlines of the cases one may see, its secret URL shown this once.
func (s *Server) calendarForm(w http.ResponseWriter, r *http.Request) error {
	_, token, err := s.Service.IssueCalendarToken(r.Context(), principal(r))
	if err != nil {
		return err
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	v := &accountView{Errors: fieldErrors{}, TokenDays: "90", NewCalendar: scheme + "://" + r.Host + "/v1/calendar.ics?token=" + token}
	return s.renderAccount(w, r, http.StatusOK, v)
}

// calendarRevokeForm serves POST /account/calendar/{id}/revoke.
func (s *Server) calendarRevokeForm(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "cal_") {
		return caseload.ErrNotFound
	}
	if err := s.Service.RevokeCalendarToken(r.Context(), principal(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/account?done=calendar")
}
