package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

// browser is a minimal browser for page tests: it keeps cookies itself,
// because net/http/cookiejar will not send a Secure cookie over the test
// server's plain HTTP (real browsers do, on localhost), and it does not
// follow redirects, so that tests see them.
type browser struct {
	t       *testing.T
	base    string
	cookies map[string]string
	lang    string
}

func newBrowser(t *testing.T, e *apiEnv) *browser {
	return &browser{t: t, base: e.URL, cookies: map[string]string{}}
}

type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (b *browser) do(method, path string, form url.Values) *page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	// A browser says where a form post comes from; the server's
	// cross-origin protection reads it.
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(raw), Header: res.Header}
}

func (b *browser) get(path string) *page { return b.do("GET", path, nil) }

func (b *browser) post(path string, kv ...string) *page {
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return b.do("POST", path, form)
}

func (p *page) want(t *testing.T, status int) *page {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; location %q\n%s", p.Status, status, p.Location, p.Body)
	}
	return p
}

func (p *page) contains(t *testing.T, texts ...string) *page {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	return p
}

// missingKey finds a catalogue key that rendered as [key].
var missingKey = regexp.MustCompile(`\[[a-z_]+(\.[a-z0-9_]+)+\]`)

func (p *page) complete(t *testing.T) *page {
	t.Helper()
	if m := missingKey.FindString(p.Body); m != "" {
		t.Errorf("the page shows the untranslated key %s", m)
	}
	return p
}

func (b *browser) login(user, password string) {
	b.t.Helper()
	res := b.post("/login", "username", user, "password", password, "next", "/")
	if res.Status != http.StatusSeeOther || res.Location != "/" {
		b.t.Fatalf("login: %d to %q\n%s", res.Status, res.Location, res.Body)
	}
}

// TestPagesFlow drives the UI as a person would, in each language: log in,
// create a family-visit case, record the entry, a granted extension and a
// late exit, and read the status, the deadlines and the consequences.
func TestPagesFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2026-03-10")
		b := newBrowser(t, e)
		// Without a session, pages send people to the login page.
		if r := b.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Fatalf("GET / without a session: %d %q", r.Status, r.Location)
		}
		b.get("/login").want(t, http.StatusOK).contains(t, `<label for="username">`, `lang="en"`).complete(t)
		b.post("/login", "username", "admin", "password", "wrong password here").want(t, http.StatusUnauthorized).contains(t, "Wrong username, password or code.")
		b.login("admin", testPassword)
		b.get("/").want(t, http.StatusOK).contains(t, "Who must act").complete(t)
		// A new case: errors stand beside their fields.
		r := b.post("/cases/new", "reference", "", "rule", "cn-family-visit", "entry", "2026-13-01")
		r.want(t, http.StatusUnprocessableEntity).contains(t, `id="reference-error"`, `id="entry-error"`, "YYYY-MM-DD").complete(t)
		r = b.post("/cases/new", "reference", "FV-1", "rule", "cn-family-visit", "stay_days", "60", "entry", "2026-03-01", "name", "Ri Chol-su", "passport", "PX7734521")
		r.want(t, http.StatusSeeOther)
		casePath := r.Location
		// Search by the beginning of a reference, in any script.
		b.post("/cases/new", "reference", "가족-2026-7", "rule", "cn-family-visit", "stay_days", "30").want(t, http.StatusSeeOther)
		b.get("/?q=FV").want(t, http.StatusOK).contains(t, ">FV-1<", "1 case found")
		b.get("/?q=%EA%B0%80%EC%A1%B1").want(t, http.StatusOK).contains(t, ">가족-2026-7<")
		if p := b.get("/?q=V-1").want(t, http.StatusOK); strings.Contains(p.Body, ">FV-1<") {
			t.Error("a search matched the middle of a reference")
		}
		if !strings.HasPrefix(casePath, "/cases/c_") {
			t.Fatalf("created case at %q", casePath)
		}
		// 60 days counted from the day after entry: lawful until 30 Apr.
		c := b.get(casePath).want(t, http.StatusOK)
		c.contains(t, "Lawful until 30 Apr 2026, 51 days left", "File an extension application by 23 Apr 2026", "Leave by 30 Apr 2026, unless you apply in time to extend your stay", "<svg", "R••• C•••").complete(t)
		if strings.Contains(c.Body, "PX7734521") || strings.Contains(c.Body, "Ri Chol-su") {
			t.Error("the case page shows the identity unmasked")
		}
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(c.Body)[1]
		// Six weeks later, a granted extension moves the deadline.
		e.Clock.Set("2026-04-26")
		b.login("admin", testPassword)
		b.post(casePath+"/extensions", "version", version, "filed", "2026-04-20", "outcome", "granted", "decided", "2026-04-25", "granted_days", "30", "requested_days", "30").want(t, http.StatusSeeOther)
		c = b.get(casePath).want(t, http.StatusOK)
		c.contains(t, "Lawful until 30 May 2026, 34 days left", "Extension granted on 25 Apr 2026").complete(t)
		// A stale form is refused, and says why.
		b.post(casePath+"/trips", "version", version, "entry", "2026-03-01").want(t, http.StatusConflict).contains(t, "Someone else changed this case")
		version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(c.Body)[1]
		// A form for a row that is no longer where it was is refused, and a
		// stale form is not shown again under the new version.
		b.post(casePath+"/trips/0", "version", version, "orig", "2026-02-28", "entry", "2026-03-01", "exit", "2026-03-05").want(t, http.StatusConflict)
		// An exit before the entry is refused beside the field.
		b.post(casePath+"/trips/0", "version", version, "orig", "2026-03-01", "entry", "2026-03-01", "exit", "2026-02-01").want(t, http.StatusUnprocessableEntity).contains(t, "The exit is before the entry.")
		// An exit after the stay ended: overstay days and what follows.
		e.Clock.Set("2026-06-20")
		b.login("admin", testPassword) // the session of March has ended
		b.post(casePath+"/trips/0", "version", version, "orig", "2026-03-01", "entry", "2026-03-01", "exit", "2026-06-13").want(t, http.StatusSeeOther)
		c = b.get(casePath).want(t, http.StatusOK)
		c.contains(t, "Not in the country", "Unlawful presence from 31 May 2026 to 13 Jun 2026: 14 days.", "What may follow", "Fine").complete(t)
		// The planner and the what-if.
		b.get(casePath+"?enter=2026-09-01").want(t, http.StatusOK).contains(t, `id="plan-result"`).complete(t)
		b.get(casePath+"?enter=2026-02-30").want(t, http.StatusOK).contains(t, `id="enter-error"`)
		// Other languages: the same page, translated, dates their way.
		for _, tc := range []struct{ lang, htmlLang, want string }{
			{"zh", "zh-Hans", "2026年6月13日"},
			{"ko", "ko", "2026년 6월 13일"},
		} {
			b.post("/lang", "lang", tc.lang, "next", casePath).want(t, http.StatusSeeOther)
			p := b.get(casePath).want(t, http.StatusOK)
			p.contains(t, `lang="`+tc.htmlLang+`"`, tc.want).complete(t)
			if strings.Contains(p.Body, "Unlawful presence from") {
				t.Errorf("%s: the explanation is still in English", tc.lang)
			}
			b.get("/").want(t, http.StatusOK).complete(t)
			b.get("/regimes").want(t, http.StatusOK).complete(t)
		}
		// Accept-Language picks the language when no choice was made.
		delete(b.cookies, LangCookie)
		b.lang = "ko-KR,ko;q=0.9"
		b.get("/").want(t, http.StatusOK).contains(t, `lang="ko"`).complete(t)
	})
}

// TestEveryPageRenders renders each page of the UI in each language with
// realistic content, and fails on an untranslated key.
func TestEveryPageRenders(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	id := str(t, e.do("POST", "/v1/cases", caseBody("ALL-1", "", map[string]any{
		"grants":     []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": 60}},
		"trips":      []any{map[string]any{"entry": "2025-12-01"}},
		"extensions": []any{map[string]any{"filed": "2026-01-20", "requested_days": 30, "outcome": "pending"}},
	})).want(t, http.StatusCreated).object(t), "id")
	paths := []string{"/", "/cases/new", "/cases/" + id, "/cases/" + id + "?enter=2026-05-01&file=2026-01-25&days=30", "/regimes", "/login", "/setup?token=vcsetup_x"}
	for _, pid := range e.Packs.IDs() {
		paths = append(paths, "/regimes/"+pid)
	}
	for _, l := range i18n.Choices {
		b.cookies[LangCookie] = string(l)
		for _, p := range paths {
			r := b.get(p)
			if r.Status != http.StatusOK {
				t.Errorf("%s %s: %d", l, p, r.Status)
			}
			r.complete(t)
			if ct := r.Header.Get("Content-Security-Policy"); !strings.Contains(ct, "default-src 'none'") || strings.Contains(ct, "unsafe") {
				t.Errorf("%s: CSP %q", p, ct)
			}
		}
	}
}

// TestKeysUsedExist: every catalogue key the templates and the UI code
// name, and every key made from a state, outcome, deadline, step or rule,
// is in the English catalogue (whose completeness in the other languages
// i18n tests).
func TestKeysUsedExist(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	lit := regexp.MustCompile(`(?:\.P\.T|\.P\.N|p\.T\(|p\.N\(|\bP\.T)\s*\(?\s*"([a-z_]+(?:\.[a-z0-9_]+)*)"`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("ui*.go")
	words, _ := filepath.Glob("../wording/*.go")
	for _, f := range append(append(files, gofiles...), words...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 80 {
		t.Fatalf("found only %d keys in use: is the pattern right?", len(used))
	}
	for _, st := range []stay.State{stay.StateLawful, stay.StatePending, stay.StateOverstay, stay.StateAbsent} {
		used["state."+string(st)] = true
	}
	for _, o := range []stay.Outcome{stay.Pending, stay.Granted, stay.Refused} {
		used["outcome."+string(o)] = true
	}
	for _, k := range []string{stay.FilingOpens, stay.FilingCloses, stay.MustLeaveBy, stay.LeaveToAvoidBar, stay.ReceiptExpires} {
		used["action."+k] = true
	}
	for _, kind := range stay.StepKinds() {
		k, ok := wording.StepKey(kind)
		if !ok {
			t.Errorf("step kind %d has no code", kind)
		}
		if kind != stay.StepExtLength { // always used with .short or .long
			used[k] = true
		}
	}
	for _, k := range []string{"step.entry.multiple", "step.stay_days.inclusive", "step.stay_months.inclusive", "step.ext_length.short", "step.ext_length.long"} {
		used[k] = true
	}
	for _, id := range embeddedPacks(t).IDs() {
		f, _ := embeddedPacks(t).File(id)
		used["regime.source."+f.Source] = true
		if o := f.Overstay; o != nil && o.Fine != nil {
			used["currency."+o.Fine.Currency] = true
		}
		for _, r := range packRules(f) {
			used[r.Key] = true
		}
	}
	// Every error the engine or the service may give for a field is
	// worded by its code.
	for _, code := range append(slices.Clone(stay.ErrorCodes), caseload.Reasons...) {
		used["invalid."+code] = true
	}
	// Every next action, in each of its wordings.
	for _, a := range []stay.NextAction{
		{Kind: stay.ActFileExtension}, {Kind: stay.ActAwaitDecision}, {Kind: stay.ActAwaitDecision, Date: 1}, {Kind: stay.ActAwaitDecision, Unknown: true},
		{Kind: stay.ActReturnToOffice}, {Kind: stay.ActLeaveBy}, {Kind: stay.ActLeaveBy, Extendable: true}, {Kind: stay.ActLeaveBy, Condition: stay.IfRefused},
		{Kind: stay.ActLeaveNow}, {Kind: stay.ActLeaveNow, Condition: stay.IfRefused}, {Kind: stay.ActLeaveNow, LateRefusal: true},
		{Kind: stay.ActLeaveAvoidBar, BarYears: 3, BarYearsMin: 3}, {Kind: stay.ActLeaveAvoidBar, BarYears: 10, BarYearsMin: 1}, {Kind: stay.ActSeekAdvice},
	} {
		used[wording.ActionKey(a)] = true
	}
	for _, k := range []string{"next.bar_now", "next.other_reading", "next.title", "action.receipt_expired", "action.must_leave_by.if_refused",
		"step.visa_stay.left", "step.bar_minor.unknown"} {
		used[k] = true
	}
	keys := c.Keys(i18n.English)
	var missing []string
	for k := range used {
		base := strings.TrimSuffix(strings.TrimSuffix(k, ".one"), ".other")
		if !slices.Contains(keys, k) && !slices.Contains(keys, base+".one") {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	for _, k := range missing {
		t.Errorf("key %q is used but not in the catalogue", k)
	}
}

// TestPagesIsolateOrganisations: another organisation's admin, logged in,
// reaches no case of this one through the pages, by its real id: every
// page route that takes a case id answers 404 and changes nothing.
func TestPagesIsolateOrganisations(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := str(t, e.do("POST", "/v1/cases", withIdentity(caseBody("ISO-1", "", schengenStay("2026-01-01", "")), secretIdentity)).want(t, http.StatusCreated).object(t), "id")
		before := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
		e.newOrg("o_other", "admin2")
		b := newBrowser(t, e)
		b.login("admin2", testPassword)
		tried := map[string]bool{}
		try := func(method, pattern, path string, kv ...string) {
			t.Helper()
			tried[method+" "+pattern] = true
			var r *page
			if method == "GET" {
				r = b.get(path)
			} else {
				r = b.post(path, kv...)
			}
			if r.Status != http.StatusNotFound || strings.Contains(r.Body, "ISO-1") || strings.Contains(r.Body, "R•••") {
				t.Errorf("%s %s from another organisation: %d\n%s", method, path, r.Status, r.Body)
			}
		}
		try("GET", "/cases/{id}", "/cases/"+id)
		try("GET", "/cases/{id}", "/cases/"+id+"?reveal=identity")
		try("GET", "/cases/{id}/letter", "/cases/"+id+"/letter?reveal=identity")
		try("POST", "/cases/{id}/{part}", "/cases/"+id+"/trips", "version", "1", "entry", "2026-02-01", "exit", "2026-02-02")
		try("POST", "/cases/{id}/{part}/{n}", "/cases/"+id+"/trips/0", "version", "1", "orig", "2026-01-01", "entry", "2026-01-01", "exit", "2026-01-02")
		try("POST", "/cases/{id}/{part}/{n}", "/cases/"+id+"/trips/0", "version", "1", "orig", "2026-01-01", "action", "delete")
		for _, r := range e.Server.Routes() {
			if r.Page && strings.Contains(r.Pattern, "{id}") && strings.HasPrefix(r.Pattern, "/cases/") && !tried[r.Method+" "+r.Pattern] {
				t.Errorf("page route %s %s takes a case id but is not tried from another organisation", r.Method, r.Pattern)
			}
		}
		// Nor through its dashboard, search or passport lookup.
		for _, p := range []*page{b.get("/"), b.get("/?q=ISO"), b.post("/cases/lookup", "passport", secretPassport)} {
			if p.Status != http.StatusOK || strings.Contains(p.Body, "ISO-1") {
				t.Errorf("another organisation's list shows the case: %d", p.Status)
			}
		}
		after := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
		if after["version"] != before["version"] {
			t.Errorf("the case changed: version %v, then %v", before["version"], after["version"])
		}
	})
}

// TestLanguageSwitchAfterAPost: a page that answers a form post (a refused
// form) offers the switcher a page that can be loaded, not the post's URL.
func TestLanguageSwitchAfterAPost(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	id := str(t, e.do("POST", "/v1/cases", caseBody("LS-1", "", schengenStay("2026-01-01", ""))).want(t, http.StatusCreated).object(t), "id")
	for _, tc := range []struct{ post, back string }{
		{"/cases/" + id + "/trips", "/cases/" + id},
		{"/cases/new", "/cases/new"},
		{"/cases/lookup", "/"},
	} {
		r := b.post(tc.post, "entry", "not a date", "reference", "", "passport", "")
		next := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(r.Body)
		if next == nil || next[1] != tc.back {
			t.Errorf("after POST %s the switcher returns to %v, want %s", tc.post, next, tc.back)
			continue
		}
		b.get(tc.back).want(t, http.StatusOK)
	}
}

// TestEditKeepsWhatTheFormDoesNotShow: correcting an extension through the
// page keeps the fields the form has no input for (the filing channel, a
// refusal's reason, months), which can change the legal result.
func TestEditKeepsWhatTheFormDoesNotShow(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	e.Clock.Set("2026-06-20")
	c := e.do("POST", "/v1/cases", caseBody("US-1", "", map[string]any{
		"grants": []any{map[string]any{"id": "b2", "rule": "us-visitor", "admit_until": "2026-03-01"}},
		"trips":  []any{map[string]any{"entry": "2025-09-02"}},
		"extensions": []any{map[string]any{"filed": "2026-02-20", "requested_months": 3, "outcome": "refused", "decided": "2026-05-01",
			"refusal_reason": "frivolous", "filing": "paper"}},
	})).want(t, http.StatusCreated).object(t)
	id := str(t, c, "id")
	before := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	// The form as the page shows it, sent back unchanged.
	b.post("/cases/"+id+"/extensions/0", "version", "1", "orig", "2026-02-20", "filed", "2026-02-20", "outcome", "refused", "decided", "2026-05-01").want(t, http.StatusSeeOther)
	after := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
	for _, k := range []string{"history.extensions.0.refusal_reason", "history.extensions.0.filing", "history.extensions.0.requested_months", "evaluation.state", "evaluation.overstay_days"} {
		x, _ := jsonPath(before, k)
		y, _ := jsonPath(after, k)
		if fmt.Sprint(x) != fmt.Sprint(y) {
			t.Errorf("%s: %v before the edit, %v after", k, x, y)
		}
	}
	// The whole form as the page fills it, sent back: nothing changes.
	page := b.get("/cases/"+id).want(t, http.StatusOK)
	page.contains(t, `name="requested_months" inputmode="numeric" value="3"`, `<option value="paper" selected>`, `name="refusal_reason" value="frivolous"`)
	b.post("/cases/"+id+"/extensions/0", "version", "2", "orig", "2026-02-20", "filed", "2026-02-20", "requested_days", "", "requested_months", "3",
		"filing", "paper", "outcome", "refused", "decided", "2026-05-01", "granted_days", "", "granted_months", "", "granted_until", "", "refusal_reason", "frivolous").want(t, http.StatusSeeOther)
	again := e.do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK).object(t)
	for _, k := range []string{"history.extensions.0", "evaluation.state", "evaluation.overstay_days"} {
		x, _ := jsonPath(before, k)
		y, _ := jsonPath(again, k)
		if fmt.Sprint(x) != fmt.Sprint(y) {
			t.Errorf("%s after the full form: %v, was %v", k, y, x)
		}
	}
	// Days and months at once are refused beside the field.
	b.post("/cases/"+id+"/extensions/0", "version", "3", "orig", "2026-02-20", "filed", "2026-02-20", "requested_days", "30", "requested_months", "1", "outcome", "pending").
		want(t, http.StatusUnprocessableEntity).contains(t, "Give days or months, not both.")
	// A form without its version is refused before anything changes.
	b.post("/cases/"+id+"/extensions/0", "orig", "2026-02-20", "filed", "2026-02-20", "outcome", "pending").want(t, http.StatusBadRequest)
}

// TestSafeNext keeps redirects after login and language switches on site.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/cases/c_1?x=1": "/cases/c_1?x=1", "": "/", "https://evil.example/": "/", "//evil.example": "/",
		"/\t/evil.example": "/", "/\\evil.example": "/", "/%09/evil": "/%09/evil", "/\n/evil": "/", "javascript:alert(1)": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLookupAndUnknownPages: an empty passport lookup says why beside the
// field; a mistyped page address answers a page, an API address problem
// details.
func TestLookupAndUnknownPages(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	b := newBrowser(t, e)
	b.login("admin", testPassword)
	b.post("/cases/lookup", "passport", "").want(t, http.StatusUnprocessableEntity).contains(t, `id="passport-error"`, "1 to 40 characters").complete(t)
	req, _ := http.NewRequest("GET", e.URL+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("a mistyped page: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	e.do("GET", "/v1/no-such-route", nil).problem(t, http.StatusNotFound)
}
