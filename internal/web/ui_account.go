package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"visaclock/internal/archive"
	"visaclock/internal/audit"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
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
	Revoked     string // "token" or "calendar" after a revocation
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
	u, err := s.Service.Store.FindUser(ctx, pr.Org, pr.User)
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
	return s.render(w, r, status, "account", p.T("acct.title"), v)
}

func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	return nil
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

// newCalendarToken makes a calendar feed token: 160 random bits, in lower-
// case base32 so that it survives any calendar app's URL handling.
func newCalendarToken() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), nil
}

// calendarForm serves POST /account/calendar: a calendar feed of the
// deadlines of the cases one may see, its secret URL shown this once.
func (s *Server) calendarForm(w http.ResponseWriter, r *http.Request) error {
	token, err := newCalendarToken()
	if err != nil {
		return err
	}
	if _, err := s.Service.CreateCalendarToken(r.Context(), principal(r), hashToken(token)); err != nil {
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

// accountError puts a refusal from the Service beside the form field it
// concerns (fields maps the Service's field names to the form's), in the
// reader's language; it reports false for errors that are not about the
// input.
func accountError(p *i18n.Printer, errs fieldErrors, err error, fields map[string]string) bool {
	var ae *caseload.Error
	if !errors.As(err, &ae) || (ae.Code != caseload.EInvalid && ae.Code != caseload.EExists) {
		return false
	}
	field, ok := fields[ae.Field]
	if !ok {
		field = "form"
	}
	errs[field] = serviceMessage(p, ae)
	return true
}

var (
	reAtLeast = regexp.MustCompile(`at least (\d+) characters`)
	reAtMost  = regexp.MustCompile(`at most (\d+) characters`)
)

// serviceMessage words one of the Service's refusals, which are English,
// in the reader's language; one it does not know is shown as it is.
func serviceMessage(p *i18n.Printer, ae *caseload.Error) string {
	msg := ae.Msg
	switch ae.Field {
	case "password":
		switch {
		case reAtLeast.MatchString(msg):
			return p.T("acct.err.password_short", "n", reAtLeast.FindStringSubmatch(msg)[1])
		case reAtMost.MatchString(msg):
			return p.T("acct.err.password_long", "n", reAtMost.FindStringSubmatch(msg)[1])
		case strings.Contains(msg, "too common"):
			return p.T("acct.err.password_common")
		case strings.Contains(msg, "control characters"), strings.Contains(msg, "valid text"):
			return p.T("acct.err.password_control")
		}
	case "current_password":
		return p.T("acct.err.current_password")
	case "username":
		if ae.Code == caseload.EExists {
			return p.T("acct.err.username_taken")
		}
		return p.T("acct.err.username")
	case "team":
		return p.T("acct.err.team")
	case "role":
		if strings.Contains(msg, "yourself") {
			return p.T("acct.err.self")
		}
		return p.T("acct.err.role")
	case "name":
		return p.T("acct.err.token_name")
	case "scopes":
		return p.T("acct.err.scopes")
	case "expires_in_days":
		return p.T("form.bad_number", "lo", 1, "hi", int(caseload.MaxTokenLife/(24*time.Hour)))
	case "code":
		return p.T("acct.err.totp_code")
	case "retention_days":
		return p.T("form.bad_number", "lo", 0, "hi", 36500)
	case "":
		switch {
		case strings.HasPrefix(msg, "a second factor is set up already"):
			return p.T("acct.err.totp_on")
		case strings.HasPrefix(msg, "no second factor is waiting"):
			return p.T("acct.err.totp_none")
		}
	}
	return p.T("form.rejected", "detail", ae.Error())
}

// subnavItem is one link of the administration pages' sub-navigation.
type subnavItem struct {
	Href, Label string
	Current     bool
}

func adminNav(p *i18n.Printer, current string) []subnavItem {
	var out []subnavItem
	for _, x := range []struct{ href, label string }{
		{"/admin/users", p.T("admin.nav.users")},
		{"/admin/audit", p.T("admin.nav.audit")},
		{"/admin/data", p.T("admin.nav.data")},
	} {
		out = append(out, subnavItem{x.href, x.label, x.href == current})
	}
	return out
}

// adminUsersView is the accounts page.
type adminUsersView struct {
	Nav   []subnavItem
	Users []userRow
	Roles []roleOption
	// New is the create form's values; FormID names the form the errors
	// belong to: "new" or an account id.
	NewUsername, NewRole, NewTeam string
	FormID                        string
	Errors                        fieldErrors
	Done                          string // what was just done, in words
}

type userRow struct {
	ID, Username, Role, RoleName, Team string
	TOTP, TOTPPending, Disabled, Self  bool
	Version                            int64
}

type roleOption struct {
	Value, Label string
}

// adminUsers serves GET /admin/users.
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	p := s.printer(r)
	v := &adminUsersView{Errors: fieldErrors{}, NewRole: string(caseload.RoleCaseworker)}
	switch r.URL.Query().Get("done") {
	case "created":
		v.Done = p.T("admin.users.done.created")
	case "saved":
		v.Done = p.T("admin.users.done.saved")
	case "totp_reset":
		v.Done = p.T("admin.users.done.totp_reset")
	}
	return s.renderUsers(w, r, http.StatusOK, v, nil)
}

// renderUsers fills the accounts and renders the page; form, when set, is
// a refused account form whose values the account's row shows again.
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, v *adminUsersView, form map[string]string) error {
	pr, p := principal(r), s.printer(r)
	users, err := s.Service.Users(r.Context(), pr)
	if err != nil {
		return err
	}
	v.Nav = adminNav(p, "/admin/users")
	for _, role := range caseload.Roles {
		v.Roles = append(v.Roles, roleOption{string(role), p.T("acct.role." + string(role))})
	}
	for _, u := range users {
		row := userRow{ID: u.ID, Username: u.Username, Role: string(u.Role), RoleName: p.T("acct.role." + string(u.Role)), Team: u.Team,
			TOTP: len(u.TOTPSecret) > 0 && !u.TOTPPending, TOTPPending: u.TOTPPending, Disabled: u.Disabled, Self: u.ID == pr.User, Version: u.Version}
		if form != nil && v.FormID == u.ID {
			row.Role, row.Team, row.Disabled = form["role"], form["team"], form["disabled"] != ""
		}
		v.Users = append(v.Users, row)
	}
	return s.render(w, r, status, "admin_users", p.T("admin.users.title"), v)
}

// adminCreateUser serves POST /admin/users.
func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminUsersView{Errors: fieldErrors{}, FormID: "new", NewUsername: strings.ToLower(strings.TrimSpace(f.Get("username"))),
		NewRole: f.Get("role"), NewTeam: strings.TrimSpace(f.Get("team"))}
	if v.NewUsername == "" {
		v.Errors["username"] = p.T("form.required")
	}
	if f.Get("password") == "" {
		v.Errors["password"] = p.T("form.required")
	}
	if len(v.Errors) > 0 {
		return s.renderUsers(w, r, http.StatusUnprocessableEntity, v, nil)
	}
	in := caseload.UserInput{Username: v.NewUsername, Password: f.Get("password"), Role: caseload.Role(v.NewRole), Team: v.NewTeam}
	if _, err := s.Service.CreateUser(r.Context(), principal(r), in); err != nil {
		if accountError(p, v.Errors, err, map[string]string{"username": "username", "password": "password", "role": "role", "team": "team"}) {
			return s.renderUsers(w, r, http.StatusUnprocessableEntity, v, nil)
		}
		return err
	}
	return redirect(w, r, "/admin/users?done=created")
}

// adminUpdateUser serves POST /admin/users/{id}: a new role, team,
// disabled flag or password, at the version the form was shown with, so
// that two admins do not overwrite each other. The account's sessions end.
func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminUsersView{Errors: fieldErrors{}, FormID: id, NewRole: string(caseload.RoleCaseworker)}
	form := map[string]string{"role": f.Get("role"), "team": strings.TrimSpace(f.Get("team")), "disabled": f.Get("disabled")}
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil || version < 1 {
		return errStatus(http.StatusBadRequest, "bad request", "version", "the form lacks the account's version")
	}
	in := caseload.UserInput{Password: f.Get("password"), Role: caseload.Role(form["role"]), Team: form["team"], Disabled: form["disabled"] != ""}
	if _, err := s.Service.UpdateUser(r.Context(), principal(r), id, []int64{version}, in); err != nil {
		switch {
		case caseload.ErrorCode(err) == caseload.EConflict:
			v.Errors["form"] = p.T("admin.users.conflict")
			v.FormID = "" // show the account as it is now
			return s.renderUsers(w, r, http.StatusConflict, v, nil)
		case accountError(p, v.Errors, err, map[string]string{"password": "password", "role": "role", "team": "team"}):
			return s.renderUsers(w, r, http.StatusUnprocessableEntity, v, form)
		}
		return err
	}
	return redirect(w, r, "/admin/users?done=saved")
}

// adminResetTOTP serves POST /admin/users/{id}/totp-reset: the remedy for
// a lost phone. The account's sessions end.
func (s *Server) adminResetTOTP(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := s.Service.ResetTOTP(r.Context(), principal(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users?done=totp_reset")
}

// auditPage is how many audit entries a page shows.
const auditPage = 100

// adminAuditView is the audit log page.
type adminAuditView struct {
	Nav                  []subnavItem
	Rows                 []auditRow
	Older, Newer, Newest string // links to the pages around this one
}

type auditRow struct {
	Seq                 int64
	Day, Time, When     string
	Actor, Action, Code string
	Case, Detail        string
	Known               bool // the action has a name in the catalogue
	Person              bool // the actor is an account of the organisation
}

// adminAudit serves GET /admin/audit: the newest entries first; ?before=N
// pages back from entry N, ?after=N forward from it.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	pr, p := principal(r), s.printer(r)
	ctx := r.Context()
	q := r.URL.Query()
	after, err := intParam(q.Get("after"), "after", 0, 1<<62)
	if err != nil {
		return err
	}
	before, err := intParam(q.Get("before"), "before", 1, 1<<62)
	if err != nil {
		return err
	}
	read := func(after int64, limit int) ([]audit.Entry, error) { return s.Service.AuditLog(ctx, pr, after, limit) }
	var es []audit.Entry
	if q.Has("after") {
		es, err = read(int64(after), auditPage)
	} else {
		es, err = lastEntries(read, int64(before))
	}
	if err != nil {
		return err
	}
	v := &adminAuditView{Nav: adminNav(p, "/admin/audit")}
	if q.Has("after") || q.Has("before") {
		v.Newest = "/admin/audit"
	}
	if len(es) > 0 {
		first, last := es[0].Seq, es[len(es)-1].Seq
		oldest, err := read(0, 1)
		if err != nil {
			return err
		}
		if len(oldest) > 0 && oldest[0].Seq < first {
			v.Older = fmt.Sprintf("/admin/audit?before=%d", first)
		}
		if v.Newest != "" {
			newer, err := read(last, 1)
			if err != nil {
				return err
			}
			if len(newer) > 0 {
				v.Newer = fmt.Sprintf("/admin/audit?after=%d", last)
			}
		}
	}
	names := map[string]string{}
	if users, err := s.Service.Users(ctx, pr); err == nil {
		for _, u := range users {
			names[u.ID] = u.Username
		}
	} else if caseload.ErrorCode(err) != caseload.EForbidden {
		return err
	}
	// Newest first, on every page.
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		row := auditRow{Seq: e.Seq, Day: p.Date(s.day(e.At)), Time: e.At.In(s.location()).Format("15:04:05 MST"), When: e.At.UTC().Format(time.RFC3339),
			Actor: e.Actor, Code: e.Action, Action: e.Action, Case: e.Case, Detail: withNames(e.Detail, names)}
		if n, ok := names[e.Actor]; ok {
			row.Actor, row.Person = n, true
		}
		if _, ok := s.catalog.Message(p.Lang, "audit.action."+e.Action); ok {
			row.Action, row.Known = p.T("audit.action."+e.Action), true
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render(w, r, http.StatusOK, "admin_audit", p.T("admin.audit.title"), v)
}

func (s *Server) location() *time.Location {
	if s.Service.Location != nil {
		return s.Service.Location
	}
	return time.UTC
}

// withNames writes the account ids an audit detail names ("user=u_…") as
// their usernames, where they are accounts of the organisation.
func withNames(detail string, names map[string]string) string {
	fields := strings.Fields(detail)
	for i, f := range fields {
		if id, ok := strings.CutPrefix(f, "user="); ok {
			if n, ok := names[id]; ok {
				fields[i] = "user=" + n
			}
		}
	}
	return strings.Join(fields, " ")
}

// lastEntries returns the organisation's last auditPage entries before
// sequence number before (0: the newest of all), in order, through read,
// which can only read forward from a sequence number. Sequence numbers
// are shared by every organisation, so they have gaps; the page's start is
// found by a binary search on the count after it (capped at a page),
// which costs two dozen short indexed reads where scanning the log from
// its start would cost one read per thousand entries.
func lastEntries(read func(after int64, limit int) ([]audit.Entry, error), before int64) ([]audit.Entry, error) {
	// page is the first page of entries after a and before before; full
	// reports whether it is whole, which is true up to some a and false
	// from there on.
	page := func(a int64) ([]audit.Entry, error) {
		es, err := read(a, auditPage)
		if err != nil {
			return nil, err
		}
		if before > 0 {
			es = slices.DeleteFunc(es, func(e audit.Entry) bool { return e.Seq >= before })
		}
		return es, nil
	}
	full := func(a int64) (bool, error) {
		es, err := page(a)
		return len(es) == auditPage, err
	}
	es, err := page(0)
	if err != nil || len(es) < auditPage {
		return es, err
	}
	// full(lo) holds and full(hi) does not.
	lo, hi := int64(0), before-1
	if before == 0 {
		for hi = 2 * auditPage; ; lo, hi = hi, hi*2 {
			ok, err := full(hi)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := full(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return page(lo)
}

// adminDataView is the page of the organisation's settings, export and
// import.
type adminDataView struct {
	Nav           []subnavItem
	Name          string
	RetentionDays string
	RequireTOTP   bool
	Errors        fieldErrors
	Saved         bool
	Imported      int
	DidImport     bool
	MinPass       int
	MaxImportMB   int
}

// adminData serves GET /admin/data.
func (s *Server) adminData(w http.ResponseWriter, r *http.Request) error {
	v := &adminDataView{Errors: fieldErrors{}, Saved: r.URL.Query().Get("done") == "settings"}
	return s.renderData(w, r, http.StatusOK, v, true)
}

// renderData renders the data page; fill takes the settings from the
// organisation rather than from a refused form.
func (s *Server) renderData(w http.ResponseWriter, r *http.Request, status int, v *adminDataView, fill bool) error {
	p := s.printer(r)
	o, err := s.Service.Settings(r.Context(), principal(r))
	if err != nil {
		return err
	}
	v.Nav, v.Name, v.MinPass, v.MaxImportMB = adminNav(p, "/admin/data"), o.Name, archive.MinPassphrase, MaxImport>>20
	if fill {
		v.RetentionDays, v.RequireTOTP = strconv.Itoa(o.RetentionDays), o.RequireTOTP
	}
	return s.render(w, r, status, "admin_data", p.T("admin.data.title"), v)
}

// adminSettings serves POST /admin/settings.
func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminDataView{Errors: fieldErrors{}, RetentionDays: strings.TrimSpace(f.Get("retention_days")), RequireTOTP: f.Get("require_totp") != ""}
	days := formInt(p, v.Errors, "retention_days", v.RetentionDays, 0, 36500)
	if len(v.Errors) > 0 {
		return s.renderData(w, r, http.StatusUnprocessableEntity, v, false)
	}
	if _, err := s.Service.UpdateSettings(r.Context(), principal(r), v.RequireTOTP, days); err != nil {
		if accountError(p, v.Errors, err, map[string]string{"retention_days": "retention_days"}) {
			return s.renderData(w, r, http.StatusUnprocessableEntity, v, false)
		}
		return err
	}
	return redirect(w, r, "/admin/data?done=settings")
}

// adminExport serves POST /admin/export: every case the admin reaches,
// with identities, encrypted to a passphrase or to age recipients, as a
// download. Nothing leaves unencrypted, and the export is audited.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminDataView{Errors: fieldErrors{}}
	key := archive.Key{Passphrase: f.Get("passphrase"), Recipients: strings.TrimSpace(f.Get("recipients")), WorkFactor: exportWorkFactor}
	switch {
	case key.Passphrase == "" && key.Recipients == "":
		v.Errors["passphrase"] = p.T("admin.export.need_key", "n", archive.MinPassphrase)
	case key.Passphrase != "" && key.Recipients != "":
		v.Errors["passphrase"] = p.T("admin.export.not_both")
	case key.Passphrase != "" && len([]rune(key.Passphrase)) < archive.MinPassphrase:
		v.Errors["passphrase"] = p.T("acct.err.passphrase_short", "n", archive.MinPassphrase)
	case key.Recipients != "":
		// Recipients are checked before the export, which is audited, so
		// that a mistyped key leaves no export in the log.
		if err := key.Check(); err != nil {
			v.Errors["recipients"] = p.T("admin.export.bad_recipients")
		}
	}
	if len(v.Errors) > 0 {
		return s.renderData(w, r, http.StatusUnprocessableEntity, v, true)
	}
	file, err := s.exportFile(r.Context(), principal(r), nil, key)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="visaclock-export-%s.age"`, s.Service.Today()))
	_, err = w.Write(file)
	return err
}

// adminImport serves POST /admin/import: an export uploaded with its
// passphrase. Every case is imported, or none.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) error {
	pr, p := principal(r), s.printer(r)
	// The permission is checked before a large body is read.
	if !pr.Can(caseload.PermCaseImport) {
		return caseload.ErrForbidden
	}
	v := &adminDataView{Errors: fieldErrors{}}
	refuse := func(field, msg string) error {
		v.Errors[field] = msg
		return s.renderData(w, r, http.StatusUnprocessableEntity, v, true)
	}
	err := r.ParseMultipartForm(32 << 20)
	// The upload's parts beyond 32 MiB sit in temporary files, which the
	// server does not remove for a request it did not parse itself.
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return refuse("file", p.T("admin.import.too_large", "n", MaxImport>>20))
		}
		return refuse("file", p.T("form.required"))
	}
	pass := r.PostFormValue("import_passphrase")
	file, _, err := r.FormFile("file")
	if err != nil {
		return refuse("file", p.T("form.required"))
	}
	defer file.Close()
	if pass == "" {
		return refuse("import_passphrase", p.T("form.required"))
	}
	body, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	plain, err := archive.Decrypt(bytes.NewReader(body), archive.Key{Passphrase: pass})
	if err != nil {
		return refuse("import_passphrase", p.T("admin.import.cannot_open"))
	}
	b, err := caseload.DecodeBundle(plain)
	if err != nil {
		return refuse("file", p.T("admin.import.not_export"))
	}
	n, err := s.Service.Import(r.Context(), pr, b)
	if err != nil {
		var ae *caseload.Error
		if !errors.As(err, &ae) || (ae.Code != caseload.EInvalid && ae.Code != caseload.EExists) {
			return err
		}
		if m := reCaseIndex.FindStringSubmatch(ae.Field); m != nil && ae.Code == caseload.EExists {
			i, _ := strconv.Atoi(m[1])
			if i < len(b.Cases) {
				return refuse("file", p.T("admin.import.exists", "ref", b.Cases[i].Reference))
			}
		}
		return refuse("file", p.T("form.rejected", "detail", ae.Error()))
	}
	v.DidImport, v.Imported = true, n
	return s.renderData(w, r, http.StatusOK, v, true)
}

var reCaseIndex = regexp.MustCompile(`^cases\[(\d+)\]`)
