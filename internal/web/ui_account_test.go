package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"visaclock/internal/archive"
	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/login"
)

// advance moves the test clock on by d.
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// loginCode logs in with a second-factor code and returns the answer.
func (b *browser) loginCode(user, password, code string) *page {
	b.t.Helper()
	return b.post("/login", "username", user, "password", password, "totp", code, "next", "/")
}

// upload posts a multipart form with one file, as a browser sends the
// import form.
func (b *browser) upload(path string, fields map[string]string, file []byte) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			b.t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", "export.age")
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(raw), Header: res.Header}
}

// find returns the first group of re in the page, failing the test if
// there is none.
func (p *page) find(t *testing.T, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("the page has nothing like %s\n%s", re, p.Body)
	}
	return m[1]
}

// accessible checks the markup rules of the pages: every control has a
// label, aria-describedby names only ids that exist, no id is used twice,
// and there is no script and no inline style.
func (p *page) accessible(t *testing.T) *page {
	t.Helper()
	ids := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q is used %d times", id, n)
		}
	}
	for _, m := range regexp.MustCompile(`aria-describedby="([^"]*)"`).FindAllStringSubmatch(p.Body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if ids[id] == 0 {
				t.Errorf("aria-describedby names %q, which no element has", id)
			}
		}
	}
	labels := map[string]bool{}
	for _, m := range regexp.MustCompile(`<label for="([^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
		labels[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`).FindAllString(p.Body, -1) {
		if strings.Contains(m, `type="hidden"`) {
			continue
		}
		id := regexp.MustCompile(`\sid="([^"]+)"`).FindStringSubmatch(m)
		if id == nil || !labels[id[1]] {
			t.Errorf("a control has no label: %s", m)
		}
	}
	if strings.Contains(p.Body, "<script") || strings.Contains(p.Body, " style=") {
		t.Error("the page has a script or an inline style")
	}
	return p
}

// TestAccountPassword: a password is changed with the current one; the
// session ends, the old password stops working and the new one works.
func TestAccountPassword(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/account").want(t, http.StatusOK).contains(t, "admin", "Administrator", `action="/account/password"`).complete(t).accessible(t)
		const next = "a new phrase for the new year"
		b.post("/account/password", "current_password", "not my password at all", "new_password", next).
			want(t, http.StatusUnprocessableEntity).contains(t, `id="current_password-error"`, "This is not your current password.").accessible(t)
		b.post("/account/password", "current_password", testPassword, "new_password", "short").
			want(t, http.StatusUnprocessableEntity).contains(t, `id="new_password-error"`, "at least 12 characters").accessible(t)
		b.post("/account/password", "current_password", "", "new_password", "").
			want(t, http.StatusUnprocessableEntity).contains(t, `id="current_password-error"`, `id="new_password-error"`)
		r := b.post("/account/password", "current_password", testPassword, "new_password", next).want(t, http.StatusOK)
		r.contains(t, `id="password-changed"`, `href="/login`).complete(t)
		if strings.Contains(r.Body, `action="/logout"`) {
			t.Error("the page after a password change shows the person as logged in")
		}
		if _, ok := b.cookies[SessionCookie]; ok {
			t.Error("the session cookie was not cleared")
		}
		if r := b.get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("GET /account after the change: %d %q", r.Status, r.Location)
		}
		b.post("/login", "username", "admin", "password", testPassword).want(t, http.StatusUnauthorized)
		b.login("admin", next)
		b.get("/account").want(t, http.StatusOK)
	})
}

// TestAccountTOTP: a second factor is set up from the account page and
// confirmed with a code; logging in then needs a code; an admin can
// remove it.
func TestAccountTOTP(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/account").want(t, http.StatusOK).contains(t, `action="/account/totp"`, "No second factor is set up.")
		r := b.post("/account/totp").want(t, http.StatusOK)
		r.contains(t, `id="totp-setup"`, `href="otpauth://totp/visaclock:admin?secret=`, `action="/account/totp/confirm"`).complete(t).accessible(t)
		grouped := r.find(t, `<output id="totp-secret" class="secret">([A-Z2-7 ]+)</output>`)
		if !regexp.MustCompile(`^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$`).MatchString(grouped) {
			t.Errorf("the secret %q is not in blocks of four", grouped)
		}
		secret, err := login.DecodeSecret(grouped)
		if err != nil {
			t.Fatal(err)
		}
		// Until confirmed, the second factor is pending, and a wrong code
		// is refused beside the field.
		b.get("/account").want(t, http.StatusOK).contains(t, "waiting to be confirmed", `action="/account/totp/confirm"`)
		b.post("/account/totp/confirm", "code", "000000").want(t, http.StatusUnprocessableEntity).contains(t, `id="code-error"`, `aria-invalid="true"`).accessible(t)
		b.post("/account/totp/confirm", "code", login.TOTPCode(secret, e.Clock.Now())).want(t, http.StatusSeeOther)
		b.get("/account?done=totp").want(t, http.StatusOK).contains(t, "Your second factor is on.", "A second factor is set up.").complete(t)
		b.post("/account/totp").want(t, http.StatusConflict).contains(t, `id="totp-error"`, "set up already")

		e.Clock.advance(time.Minute) // the code just used cannot be used again
		fresh := newBrowser(t, e)
		fresh.post("/login", "username", "admin", "password", testPassword).want(t, http.StatusUnauthorized).contains(t, "6-digit code")
		fresh.loginCode("admin", testPassword, login.TOTPCode(secret, e.Clock.Now())).want(t, http.StatusSeeOther)
		fresh.get("/account").want(t, http.StatusOK).contains(t, "A second factor is set up.")

		// An admin removes it (here, their own): sessions end, and a
		// password alone logs in again.
		fresh.post("/admin/users/"+e.Admin.User+"/totp-reset").want(t, http.StatusSeeOther)
		if r := fresh.get("/account"); r.Status != http.StatusSeeOther {
			t.Errorf("the session survived the reset: %d", r.Status)
		}
		fresh.login("admin", testPassword)
	})
}

// TestAccountEnrolOnly: when the organisation requires a second factor,
// an account without one is sent to its account page, sets one up there,
// and may then use everything else.
func TestAccountEnrolOnly(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	b.post("/admin/settings", "retention_days", "0", "require_totp", "1").want(t, http.StatusSeeOther)
	if r := b.get("/"); r.Status != http.StatusSeeOther || r.Location != "/account" {
		t.Fatalf("GET / while enrol-only: %d %q", r.Status, r.Location)
	}
	p := b.get("/account").want(t, http.StatusOK).contains(t, `id="enroll-note"`).complete(t).accessible(t)
	if strings.Contains(p.Body, `action="/account/tokens"`) || strings.Contains(p.Body, `action="/account/password"`) {
		t.Error("an enrol-only session is offered more than its second factor")
	}
	grouped := b.post("/account/totp").want(t, http.StatusOK).find(t, `<output id="totp-secret" class="secret">([A-Z2-7 ]+)</output>`)
	secret, err := login.DecodeSecret(grouped)
	if err != nil {
		t.Fatal(err)
	}
	r := b.post("/account/totp/confirm", "code", login.TOTPCode(secret, e.Clock.Now()))
	if r.Status != http.StatusSeeOther || r.Location != "/account?done=totp" {
		t.Fatalf("confirming from an enrol-only session: %d to %q (is /account/totp/confirm among the paths pageAuth lets such a session reach?)", r.Status, r.Location)
	}
	b.get("/").want(t, http.StatusOK)
}

// TestAccountTokens: an API token made on the account page works on the
// API with the permissions ticked, and stops working when revoked.
func TestAccountTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/account").want(t, http.StatusOK).contains(t, `value="user.manage"`, `value="case.read"`)
		// Errors stand beside their fields, and the form keeps what was ticked.
		r := b.post("/account/tokens", "token_name", "", "days", "999", "scopes", "case.read", "scopes", "nonsense")
		r.want(t, http.StatusUnprocessableEntity).contains(t, `id="token_name-error"`, `id="days-error"`, `id="scopes-error"`).accessible(t)
		b.post("/account/tokens", "token_name", "sync", "days", "30").want(t, http.StatusUnprocessableEntity).contains(t, `id="scopes-error"`)
		r = b.post("/account/tokens", "token_name", "nightly sync", "days", "30", "scopes", "case.read", "scopes", "case.list")
		r.want(t, http.StatusOK).contains(t, `id="new-token"`, "nightly sync").complete(t).accessible(t)
		secret := r.find(t, `<code class="secret">(vct_[^<]+)</code>`)
		me := e.do("GET", "/v1/me", nil, "Authorization", "Bearer "+secret).want(t, http.StatusOK).object(t)
		if me["token"] != true || optStr(me, "user.username") != "admin" {
			t.Errorf("GET /v1/me with the new token: %v", me)
		}
		perms, _ := jsonPath(me, "user.permissions")
		if got, _ := json.Marshal(perms); string(got) != `["case.read","case.list"]` {
			t.Errorf("the token has permissions %s, want case.read and case.list", got)
		}
		// The secret is shown once: the page lists the token without it.
		p := b.get("/account").want(t, http.StatusOK).contains(t, "nightly sync", "Active")
		if strings.Contains(p.Body, secret) {
			t.Error("the account page shows the token again")
		}
		id := p.find(t, `(?s)nightly sync</th>.*?action="/account/tokens/(tok_[0-9a-z]+)/revoke"`)
		b.post("/account/tokens/"+id+"/revoke").want(t, http.StatusSeeOther)
		b.get("/account?done=token").want(t, http.StatusOK).contains(t, "The token has been revoked.", "Revoked")
		e.do("GET", "/v1/me", nil, "Authorization", "Bearer "+secret).problem(t, http.StatusUnauthorized)
		b.post("/account/tokens/"+id+"/revoke").want(t, http.StatusNotFound)
		b.post("/account/tokens/not-an-id/revoke").want(t, http.StatusNotFound)

		// A caseworker is offered, and may give, only the permissions of
		// their role.
		if _, err := e.Server.Service.CreateUser(context.Background(), e.Admin, caseload.UserInput{Username: "worker", Password: testPassword, Role: caseload.RoleCaseworker}); err != nil {
			t.Fatal(err)
		}
		cw := newBrowser(t, e)
		cw.login("worker", testPassword)
		if p := cw.get("/account").want(t, http.StatusOK); strings.Contains(p.Body, `value="user.manage"`) || !strings.Contains(p.Body, `value="calendar.feed"`) {
			t.Error("the caseworker's token form offers the wrong permissions")
		}
		cw.post("/account/tokens", "token_name", "x", "days", "5", "scopes", "user.manage").want(t, http.StatusUnprocessableEntity).contains(t, `id="scopes-error"`)
	})
}

// TestAccountCalendar: a calendar feed made on the account page serves the
// deadlines, is listed without its secret, and stops when revoked.
func TestAccountCalendar(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.do("POST", "/v1/cases", caseBody("CAL-UI-1", "", schengenStay("2026-01-01", ""))).want(t, http.StatusCreated)
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/account").want(t, http.StatusOK).contains(t, "You have no calendar feeds.")
		r := b.post("/account/calendar").want(t, http.StatusOK).contains(t, `id="new-calendar"`).complete(t)
		feedPath := r.find(t, `<code class="secret">https?://[^/]+(/v1/calendar\.ics\?token=[a-z2-7]+)</code>`)
		feed := doRequest(t, e.URL, "GET", feedPath, nil).want(t, http.StatusOK)
		if !strings.Contains(string(feed.Body), "CAL-UI-1") || !strings.HasPrefix(feed.Header.Get("Content-Type"), "text/calendar") {
			t.Errorf("the feed: %s\n%s", feed.Header.Get("Content-Type"), feed.Body)
		}
		p := b.get("/account").want(t, http.StatusOK).accessible(t)
		if strings.Contains(p.Body, feedPath) {
			t.Error("the account page shows the feed's secret again")
		}
		id := p.find(t, `action="/account/calendar/(cal_[0-9a-z]+)/revoke"`)
		b.post("/account/calendar/"+id+"/revoke").want(t, http.StatusSeeOther)
		b.get("/account?done=calendar").want(t, http.StatusOK).contains(t, "The calendar feed has been revoked.", "Revoked")
		doRequest(t, e.URL, "GET", feedPath, nil).want(t, http.StatusNotFound)
		b.post("/account/calendar/"+id+"/revoke").want(t, http.StatusNotFound)
		// Creating and revoking are audited.
		a := b.get("/admin/audit").want(t, http.StatusOK)
		a.contains(t, "Calendar feed created", "Calendar feed revoked", "token="+id)
		// A viewer may not have a feed.
		if _, err := e.Server.Service.CreateUser(context.Background(), e.Admin, caseload.UserInput{Username: "reader", Password: testPassword, Role: caseload.RoleViewer}); err != nil {
			t.Fatal(err)
		}
		v := newBrowser(t, e)
		v.login("reader", testPassword)
		v.get("/account").want(t, http.StatusOK).contains(t, "Your role does not include calendar feeds.")
		v.post("/account/calendar").want(t, http.StatusForbidden)
	})
}

// TestAdminUsers: an admin creates a caseworker, changes their role and
// disables them; each change ends their session at once. Caseworkers get
// 403 on every administration page, and another organisation's admin
// reaches no account of this one.
func TestAdminUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		admin := newBrowser(t, e)
		admin.login("admin", testPassword)
		admin.get("/admin/users").want(t, http.StatusOK).contains(t, `aria-current="page"`, `href="/admin/audit"`, `href="/admin/data"`).complete(t).accessible(t)
		// Errors stand beside the create form's fields.
		r := admin.post("/admin/users", "username", "no spaces allowed", "password", "short", "role", "caseworker")
		r.want(t, http.StatusUnprocessableEntity).contains(t, `id="new-username-error"`).accessible(t)
		admin.post("/admin/users", "username", "Worker1", "password", "short", "role", "caseworker").
			want(t, http.StatusUnprocessableEntity).contains(t, `id="new-password-error"`, `value="worker1"`)
		admin.post("/admin/users", "username", "worker1", "password", testPassword, "role", "caseworker", "team", "north").want(t, http.StatusSeeOther)
		admin.post("/admin/users", "username", "worker1", "password", testPassword, "role", "caseworker").
			want(t, http.StatusUnprocessableEntity).contains(t, "This username is taken.")
		list := admin.get("/admin/users?done=created").want(t, http.StatusOK).contains(t, "The account has been created.", "worker1", "north", "Caseworker")
		list.accessible(t)

		cw := newBrowser(t, e)
		cw.login("worker1", testPassword)
		for _, path := range []string{"/admin/users", "/admin/audit", "/admin/data"} {
			cw.get(path).want(t, http.StatusForbidden).contains(t, "Your role does not allow this.").complete(t)
		}
		cw.post("/admin/users", "username", "sneaky", "password", testPassword, "role", "admin").want(t, http.StatusForbidden)
		cw.post("/admin/users/"+e.Admin.User, "role", "viewer", "version", "1").want(t, http.StatusForbidden)
		cw.post("/admin/users/"+e.Admin.User+"/totp-reset").want(t, http.StatusForbidden)
		cw.post("/admin/settings", "retention_days", "1").want(t, http.StatusForbidden)
		cw.post("/admin/export", "passphrase", exportPass).want(t, http.StatusForbidden)
		cw.upload("/admin/import", map[string]string{"import_passphrase": exportPass}, []byte("x")).want(t, http.StatusForbidden)
		if strings.Contains(cw.get("/").Body, `href="/admin/users"`) {
			t.Error("a caseworker is shown the administration link")
		}

		id, version := userOf(t, e, "worker1")
		// A stale version is refused, and says why.
		admin.post("/admin/users/"+id, "role", "viewer", "team", "north", "version", fmt.Sprint(version+7)).
			want(t, http.StatusConflict).contains(t, "Someone else changed this account")
		admin.post("/admin/users/"+id, "role", "boss", "team", "north", "version", fmt.Sprint(version)).
			want(t, http.StatusUnprocessableEntity).contains(t, fmt.Sprintf(`id="role-%s-error"`, id)).accessible(t)
		admin.post("/admin/users/"+id, "role", "viewer", "team", "north", "version", fmt.Sprint(version)).want(t, http.StatusSeeOther)
		admin.get("/admin/users?done=saved").want(t, http.StatusOK).contains(t, "Viewer")
		if r := cw.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("the caseworker's session survived the role change: %d %q", r.Status, r.Location)
		}
		cw.login("worker1", testPassword)
		me := e.do("GET", "/v1/users", nil).want(t, http.StatusOK)
		if !strings.Contains(string(me.Body), `"role":"viewer"`) {
			t.Errorf("the role did not change: %s", me.Body)
		}
		// Disabled: the session is refused at once, and so is a new login.
		_, version = userOf(t, e, "worker1")
		admin.post("/admin/users/"+id, "role", "viewer", "team", "north", "disabled", "1", "version", fmt.Sprint(version)).want(t, http.StatusSeeOther)
		if r := cw.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("the disabled account's session still works: %d %q", r.Status, r.Location)
		}
		cw.post("/login", "username", "worker1", "password", testPassword).want(t, http.StatusUnauthorized)
		admin.get("/admin/users").want(t, http.StatusOK).contains(t, "Disabled")
		// A new password set by the admin, with the account enabled again.
		_, version = userOf(t, e, "worker1")
		admin.post("/admin/users/"+id, "role", "caseworker", "team", "", "password", "short", "version", fmt.Sprint(version)).
			want(t, http.StatusUnprocessableEntity).contains(t, fmt.Sprintf(`id="password-%s-error"`, id))
		admin.post("/admin/users/"+id, "role", "caseworker", "team", "", "password", "another long enough phrase", "version", fmt.Sprint(version)).want(t, http.StatusSeeOther)
		cw.login("worker1", "another long enough phrase")
		// No admin can demote or disable themselves.
		_, aversion := userOf(t, e, "admin")
		admin.post("/admin/users/"+e.Admin.User, "role", "viewer", "version", fmt.Sprint(aversion)).
			want(t, http.StatusUnprocessableEntity).contains(t, "You cannot demote or disable your own account.")

		// Another organisation's admin reaches none of these accounts.
		e.newOrg("o_other", "admin2")
		other := newBrowser(t, e)
		other.login("admin2", testPassword)
		if p := other.get("/admin/users").want(t, http.StatusOK); strings.Contains(p.Body, "worker1") {
			t.Error("another organisation's admin sees this one's accounts")
		}
		other.post("/admin/users/"+id, "role", "admin", "version", "1").want(t, http.StatusNotFound)
		other.post("/admin/users/"+id+"/totp-reset").want(t, http.StatusNotFound)
		other.post("/admin/users/not-an-id", "role", "admin", "version", "1").want(t, http.StatusNotFound)
	})
}

// userOf returns the id and version of an account of the default
// organisation, through the API.
func userOf(t *testing.T, e *apiEnv, username string) (string, int64) {
	t.Helper()
	var out struct {
		Users []userJSON `json:"users"`
	}
	if err := json.Unmarshal(e.do("GET", "/v1/users", nil).want(t, http.StatusOK).Body, &out); err != nil {
		t.Fatal(err)
	}
	for _, u := range out.Users {
		if u.Username == username {
			return u.ID, u.Version
		}
	}
	t.Fatalf("no account %s", username)
	return "", 0
}

// TestAdminAudit: the audit log shows logins and account changes with the
// action in words and the actor by name, newest first, a hundred a page,
// and pages back to the first entry.
func TestAdminAudit(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.post("/admin/users", "username", "worker1", "password", testPassword, "role", "caseworker").want(t, http.StatusSeeOther)
		p := b.get("/admin/audit").want(t, http.StatusOK).complete(t).accessible(t)
		p.contains(t, "Logged in", "<code class=\"muted\">login</code>", "Account created", "<code class=\"muted\">user.create</code>", "user=worker1", "<td>admin</td>")
		if strings.Contains(p.Body, "Older entries") {
			t.Error("a short log offers older entries")
		}
		b.cookies[LangCookie] = "zh"
		b.get("/admin/audit").want(t, http.StatusOK).contains(t, "登录", "创建账户").complete(t)
		delete(b.cookies, LangCookie)

		// Enough entries for three pages, with another organisation's in
		// between, which this one's log never shows.
		ctx := context.Background()
		svc := e.Server.Service
		otherAdmin, _ := e.newOrg("o_other", "admin2")
		for i := range 230 {
			if err := svc.Audit(ctx, e.Admin, "case.lookup_passport", "", fmt.Sprintf("n=%d", i)); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if err := svc.Audit(ctx, otherAdmin, "case.lookup_passport", "", "other"); err != nil {
					t.Fatal(err)
				}
			}
		}
		all, err := svc.AuditLog(ctx, e.Admin, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		seqRe := regexp.MustCompile(`<tr><td>(\d+)</td>`)
		seqs := func(p *page) []string {
			var out []string
			for _, m := range seqRe.FindAllStringSubmatch(p.Body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		var seen []string
		path := "/admin/audit"
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("the pages do not end")
			}
			p := b.get(path).want(t, http.StatusOK)
			got := seqs(p)
			if len(got) > auditPage || len(got) == 0 {
				t.Fatalf("%s shows %d entries", path, len(got))
			}
			if strings.Contains(p.Body, "n=other") || strings.Contains(p.Body, ">other<") {
				t.Errorf("%s shows another organisation's entries", path)
			}
			seen = append(seen, got...)
			path = ""
			if m := regexp.MustCompile(`href="(/admin/audit\?before=\d+)"`).FindStringSubmatch(p.Body); m != nil {
				path = m[1]
			}
		}
		var want []string
		for i := len(all) - 1; i >= 0; i-- {
			want = append(want, fmt.Sprint(all[i].Seq))
		}
		if !slices.Equal(seen, want) {
			t.Errorf("paging back shows %d entries, want the %d of the organisation, newest first:\n got %v\nwant %v", len(seen), len(want), seen, want)
		}
		// Forward from the start, and back to the newest.
		first := b.get("/admin/audit?after=0").want(t, http.StatusOK).contains(t, `href="/admin/audit"`, "Newer entries")
		if got := seqs(first); len(got) != auditPage || got[len(got)-1] != fmt.Sprint(all[0].Seq) {
			t.Errorf("the first page ends with %v, want the first entry %d", got[len(got)-1:], all[0].Seq)
		}
		b.get("/admin/audit?after=x").want(t, http.StatusUnprocessableEntity)
	})
}

// TestAdminAuditActionsNamed: every action the code audits has a name in
// the catalogue, and so do every permission and role the pages name.
func TestAdminAuditActionsNamed(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:s\.event|\.Audit|auditEntry)\([^"()]*(?:\([^()]*\)[^"()]*)?"([a-z_]+(?:\.[a-z_]+)*)"`)
	var files []string
	for _, g := range []string{"*.go", "../caseload/*.go", "../../cmd/visaclock/*.go"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	actions := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			actions[m[1]] = true
		}
	}
	for _, a := range []string{"login", "login.failed", "user.create", "case.export", "calendar.create", "keys.rotate"} {
		if !actions[a] {
			t.Errorf("the scan did not find the action %q: is its pattern right?", a)
		}
	}
	var keys []string
	for a := range actions {
		keys = append(keys, "audit.action."+a)
	}
	for _, p := range caseload.Permissions {
		keys = append(keys, "acct.perm."+string(p))
	}
	for _, r := range caseload.Roles {
		keys = append(keys, "acct.role."+string(r))
	}
	for _, k := range keys {
		if _, ok := c.Message(i18n.English, k); !ok {
			t.Errorf("%s is not in the catalogue", k)
		}
	}
}

// TestAdminData: settings change the retention period; an export made with
// a passphrase downloads as an encrypted file and imports back after the
// case is erased; refusals stand beside their fields.
func TestAdminData(t *testing.T) {
	exportWorkFactor = 10
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := str(t, e.do("POST", "/v1/cases", withIdentity(caseBody("DATA-1", "", schengenStay("2026-01-01", "")), secretIdentity)).want(t, http.StatusCreated).object(t), "id")
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/admin/data").want(t, http.StatusOK).contains(t, `value="0"`, `enctype="multipart/form-data"`).complete(t).accessible(t)

		b.post("/admin/settings", "retention_days", "forever").want(t, http.StatusUnprocessableEntity).contains(t, `id="retention_days-error"`).accessible(t)
		b.post("/admin/settings", "retention_days", "40000").want(t, http.StatusUnprocessableEntity).contains(t, `id="retention_days-error"`)
		b.post("/admin/settings", "retention_days", "30").want(t, http.StatusSeeOther)
		b.get("/admin/data?done=settings").want(t, http.StatusOK).contains(t, "The settings have been saved.", `value="30"`)
		if got := e.do("GET", "/v1/org/settings", nil).want(t, http.StatusOK).object(t); got["retention_days"] != float64(30) || got["require_totp"] != false {
			t.Errorf("settings after the form: %v", got)
		}

		// Exports must be encrypted, well.
		b.post("/admin/export").want(t, http.StatusUnprocessableEntity).contains(t, `id="passphrase-error"`).accessible(t)
		b.post("/admin/export", "passphrase", "short").want(t, http.StatusUnprocessableEntity).contains(t, `id="passphrase-error"`, "at least 12")
		b.post("/admin/export", "recipients", "not a key").want(t, http.StatusUnprocessableEntity).contains(t, `id="recipients-error"`)
		b.post("/admin/export", "passphrase", exportPass, "recipients", "age1x").want(t, http.StatusUnprocessableEntity).contains(t, `id="passphrase-error"`)
		key, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		one := b.post("/admin/export", "recipients", key.Recipient().String()).want(t, http.StatusOK)
		if _, err := archive.Decrypt(strings.NewReader(one.Body), archive.Key{Identities: key.String()}); err != nil {
			t.Errorf("an export to an age key does not open with it: %v", err)
		}
		file := b.post("/admin/export", "passphrase", exportPass).want(t, http.StatusOK)
		if cd := file.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"visaclock-export-") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !strings.HasPrefix(file.Body, "age-encryption.org/v1") || strings.Contains(file.Body, "DATA-1") || strings.Contains(file.Body, secretPassport) {
			t.Error("the export is not an age file, or holds the case in clear")
		}

		// Imports: refusals beside the fields, then the case comes back.
		e.do("DELETE", "/v1/cases/"+id, nil, "If-Match", "*").want(t, http.StatusNoContent)
		b.upload("/admin/import", map[string]string{"import_passphrase": exportPass}, nil).want(t, http.StatusUnprocessableEntity).contains(t, `id="file-error"`)
		b.upload("/admin/import", map[string]string{}, []byte(file.Body)).want(t, http.StatusUnprocessableEntity).contains(t, `id="import_passphrase-error"`)
		b.upload("/admin/import", map[string]string{"import_passphrase": "not the passphrase at all"}, []byte(file.Body)).
			want(t, http.StatusUnprocessableEntity).contains(t, `id="import_passphrase-error"`).accessible(t)
		r := b.upload("/admin/import", map[string]string{"import_passphrase": exportPass}, []byte(file.Body)).want(t, http.StatusOK)
		r.contains(t, `id="import-result"`, "1 case has been imported.").complete(t)
		got := e.do("GET", "/v1/cases/"+id+"?reveal=identity", nil).want(t, http.StatusOK).object(t)
		if optStr(got, "reference") != "DATA-1" || optStr(got, "identity.passport") != secretPassport {
			t.Errorf("the imported case: %v", got)
		}
		b.upload("/admin/import", map[string]string{"import_passphrase": exportPass}, []byte(file.Body)).
			want(t, http.StatusUnprocessableEntity).contains(t, "The case DATA-1 exists here already")
		b.get("/admin/audit").want(t, http.StatusOK).contains(t, "Cases exported", "Cases imported", "Organisation settings changed")
	})
}

// TestAccountPagesRender renders every account and administration page,
// in each state that shows something more, in each language: no key is
// left untranslated, and the page says its language.
func TestAccountPagesRender(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	b.post("/admin/users", "username", "worker1", "password", testPassword, "role", "caseworker", "team", "north").want(t, http.StatusSeeOther)
	b.post("/account/tokens", "token_name", "t", "days", "3", "scopes", "case.read").want(t, http.StatusOK)
	b.post("/account/calendar").want(t, http.StatusOK)
	wantLang := map[i18n.Lang]string{i18n.English: "en", i18n.Chinese: "zh-Hans", i18n.Korean: "ko", i18n.KoreanKP: "ko-KP"}
	for _, l := range i18n.Choices {
		b.cookies[LangCookie] = string(l)
		pages := map[string]*page{
			"/account":         b.get("/account"),
			"/admin/users":     b.get("/admin/users?done=saved"),
			"/admin/audit":     b.get("/admin/audit"),
			"/admin/data":      b.get("/admin/data?done=settings"),
			"token refused":    b.post("/account/tokens", "token_name", "", "days", "0"),
			"user refused":     b.post("/admin/users", "username", "x", "password", "y"),
			"settings refused": b.post("/admin/settings", "retention_days", "-1"),
			"totp started":     b.post("/account/totp"),
		}
		for name, p := range pages {
			if p.Status != http.StatusOK && p.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: %d", l, name, p.Status)
			}
			p.complete(t).accessible(t).contains(t, `lang="`+wantLang[l]+`"`)
			if ct := p.Header.Get("Content-Security-Policy"); !strings.Contains(ct, "default-src 'none'") {
				t.Errorf("%s %s: CSP %q", l, name, ct)
			}
		}
		if l != i18n.English && strings.Contains(pages["/account"].Body, "Change your password") {
			t.Errorf("%s: the account page is still in English", l)
		}
	}
	delete(b.cookies, LangCookie)
	r := b.post("/account/password", "current_password", testPassword, "new_password", "a new phrase for the new year").want(t, http.StatusOK)
	r.complete(t).accessible(t)
}
