package web

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"visaclock/internal/i18n"
)

// The UI in a real browser: Debian's headless Chromium, driven through the
// DevTools protocol with chromedp, against the real server (httptest over
// SQLite, as newEnv starts it).
//
//   - TestBrowserFlow is TestPagesFlow as a person does it, with the
//     keyboard and the mouse, finding each field by its label.
//   - TestBrowserAccessibility runs axe-core on every page, in each
//     language and at phone width, and walks pages with the Tab key.
//   - TestBrowserScreenshots saves the dashboard and a case page as PNGs
//     in $VISACLOCK_ARTIFACTS, and with -update-screenshots in
//     docs/screenshots.
//
// Chromium is $VISACLOCK_CHROMIUM or /usr/bin/chromium, and axe-core is
// $VISACLOCK_AXE_JS or axe.min.js in the user's cache directory; .ci/run
// installs both and pins and checks axe-core. Without them the tests skip,
// except under CI=true, where they fail.

var updateScreenshots = flag.Bool("update-screenshots", false, "also write the browser tests' screenshots to docs/screenshots")

// axeVersion is the axe-core release that .ci/run fetches and checks.
const axeVersion = "4.14.1"

// browserNeed returns the file that env names, or else def; when it is
// missing the test skips, or fails under CI=true, as the PostgreSQL tests do.
func browserNeed(t *testing.T, what, env, def string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		p = def
	}
	if _, err := os.Stat(p); p == "" || err != nil {
		msg := fmt.Sprintf("%s not found at %q: set %s (.ci/run installs it)", what, p, env)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// axeScript is the source of axe.min.js.
func axeScript(t *testing.T) string {
	t.Helper()
	def := ""
	if dir, err := os.UserCacheDir(); err == nil {
		def = filepath.Join(dir, "visaclock", "axe-core-"+axeVersion, "axe.min.js")
	}
	b, err := os.ReadFile(browserNeed(t, "axe-core "+axeVersion, "VISACLOCK_AXE_JS", def))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// artifacts is the directory for what the tests leave for people to look
// at: $VISACLOCK_ARTIFACTS, or a temporary one.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VISACLOCK_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Window sizes: a desktop, and a phone for the narrow layout.
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
)

// chrome is a tab of a headless Chromium of the test's own.
type chrome struct {
	t    *testing.T
	ctx  context.Context
	base string
	en   *i18n.Printer

	mu     sync.Mutex
	logged []*cdplog.Entry // errors the browser logged: CSP violations, failed loads
}

// chromium is the path of the browser; tests call it first, so that they
// skip before they start anything.
func chromium(t *testing.T) string {
	t.Helper()
	return browserNeed(t, "Chromium", "VISACLOCK_CHROMIUM", "/usr/bin/chromium")
}

// newChrome starts Chromium at exe, with a tab on the server of e.
func newChrome(t *testing.T, exe string, e *apiEnv) *chrome {
	t.Helper()
	return newChromeListening(t, exe, e, nil)
}

// newChromeListening is newChrome with also listen, when not nil, given
// every event the browser sends (on chromedp's reader: be quick).
func newChromeListening(t *testing.T, exe string, e *apiEnv, listen func(ev any)) *chrome {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.WindowSize(desktopWidth, desktopHeight),
		chromedp.DisableGPU,
		// The page's language comes from the app; the browser's own
		// (Accept-Language, the order of a date field) is fixed.
		chromedp.Flag("lang", "en-US"),
		// No connections of Chromium's own: the machine has no network.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses its sandbox to root, as CI runs.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	c := &chrome{t: t, base: e.URL, en: e.Server.catalog.Printer(i18n.English)}
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		c.listen(ev)
		if listen != nil {
			listen(ev)
		}
	}))
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first Run starts the browser, and must have no deadline: the
	// deadline would end the browser.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, cancel := context.WithTimeout(bctx, 5*time.Minute)
	t.Cleanup(cancel)
	c.ctx = ctx
	return c
}

// listen keeps the errors the browser logs; it runs on chromedp's reader.
func (c *chrome) listen(ev any) {
	if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry != nil && e.Entry.Level == cdplog.EntryLevelError {
		c.mu.Lock()
		c.logged = append(c.logged, e.Entry)
		c.mu.Unlock()
	}
}

// takeLogged returns the errors logged since the last call.
func (c *chrome) takeLogged() []*cdplog.Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.logged
	c.logged = nil
	return l
}

// step is how long one action may take.
const step = 30 * time.Second

// run runs actions, failing the test on an error.
func (c *chrome) run(actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		c.t.Fatalf("at %s: %v", c.location(), err)
	}
}

// load runs actions that load a page (a link followed, a form sent), waits
// for it, and returns its HTTP status after any redirect.
func (c *chrome) load(actions ...chromedp.Action[chromedp.Void]) int {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		c.t.Fatalf("at %s: loading a page: %v", c.location(), err)
	}
	return int(res.Status)
}

// open loads path, as typed into the address bar.
func (c *chrome) open(path string) int {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(c.base+path))
	if err != nil {
		c.t.Fatalf("opening %s: %v", path, err)
	}
	return int(res.Status)
}

// location is the path and query of the page shown.
func (c *chrome) location() string {
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(unknown: %v)", err)
	}
	return strings.TrimPrefix(loc, c.base)
}

// eval evaluates a JavaScript expression in the page, awaiting a promise,
// and decodes its value. DevTools evaluations are not the page's scripts:
// the page's CSP, which allows none, does not apply to them.
func eval[T any](c *chrome, js string) T {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 2*step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("at %s: evaluating %.60q: %v", c.location(), js, err)
	}
	return v
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// text is the text of the element at css as it is shown (innerText).
func (c *chrome) text(css string) string {
	c.t.Helper()
	s := eval[*string](c, fmt.Sprintf(`document.querySelector(%s)?.innerText ?? null`, jsString(css)))
	if s == nil {
		c.t.Fatalf("at %s: no element %s", c.location(), css)
	}
	return *s
}

// wantText fails the test unless the text of css holds each of want.
func (c *chrome) wantText(css string, want ...string) {
	c.t.Helper()
	got := c.text(css)
	for _, w := range want {
		if !strings.Contains(got, w) {
			c.t.Errorf("at %s: %s says %q, want it to say %q", c.location(), css, got, w)
		}
	}
}

// xpath selects the first element an XPath expression finds.
func xpath(expr string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`document.evaluate(%s, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`, jsString(expr)))
}

// xpathLiteral quotes s for XPath 1.0, which has no escapes.
func xpathLiteral(s string) string {
	if strings.Contains(s, `"`) {
		panic("xpathLiteral: a double quote in " + s)
	}
	return `"` + s + `"`
}

// labelled selects the form control labelled label inside scope, an XPath
// ("" for the whole page), as a person finds it: by the text of its
// <label>, through the label's for attribute or inside the label. The
// label's first text is compared, so that a required field's "*" does not
// count.
func labelled(scope, label string) chromedp.JSPath {
	l := fmt.Sprintf(`%s//label[normalize-space(text()[1])=%s]`, scope, xpathLiteral(label))
	return xpath(fmt.Sprintf(`(%s//*[self::input or self::select or self::textarea][@id=%s/@for] | %s//input)`, scope, l, l))
}

// summary selects the <summary> whose text is text, inside scope.
func summary(scope, text string) chromedp.JSPath {
	return xpath(fmt.Sprintf(`%s//summary[normalize-space()=%s]`, scope, xpathLiteral(text)))
}

// button selects the button whose text is text, inside scope.
func button(scope, text string) chromedp.JSPath {
	return xpath(fmt.Sprintf(`%s//button[normalize-space()=%s]`, scope, xpathLiteral(text)))
}

// typeInto types value into the control labelled label, key by key.
func (c *chrome) typeInto(scope, label, value string) {
	c.t.Helper()
	c.run(chromedp.SendKeys(labelled(scope, label), value))
	if got := c.value(scope, label); got != value {
		c.t.Fatalf("at %s: typed %q into %q, the field holds %q", c.location(), value, label, got)
	}
}

// typeDate types an ISO date into the date field labelled label as a
// person does in an en-US browser: month, day, year.
func (c *chrome) typeDate(scope, label, iso string) {
	c.t.Helper()
	y, md, _ := strings.Cut(iso, "-")
	m, d, _ := strings.Cut(md, "-")
	c.run(chromedp.SendKeys(labelled(scope, label), m+d+y))
	if got := c.value(scope, label); got != iso {
		c.t.Fatalf("at %s: typed %s into the date field %q, it holds %q", c.location(), iso, label, got)
	}
}

// value is the value of the control labelled label.
func (c *chrome) value(scope, label string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(labelled(scope, label)))
	if err != nil {
		c.t.Fatalf("at %s: the value of %q: %v", c.location(), label, err)
	}
	return v
}

// login logs in as admin through the login form, and lands on next.
func (c *chrome) login(next string) {
	c.t.Helper()
	if st := c.open("/login?next=" + url.QueryEscape(next)); st != http.StatusOK {
		c.t.Fatalf("GET /login: %d", st)
	}
	form := `//form[@action="/login"]`
	c.typeInto(form, c.en.T("login.username"), "admin")
	c.typeInto(form, c.en.T("login.password"), testPassword)
	if st := c.load(chromedp.Click(button(form, c.en.T("login.submit")))); st != http.StatusOK {
		c.t.Fatalf("logging in: %d at %s", st, c.location())
	}
	if got := c.location(); got != next {
		c.t.Fatalf("logged in at %s, want %s", got, next)
	}
}

// switchLang chooses a language with the switcher in the page's header.
func (c *chrome) switchLang(l i18n.Lang) {
	c.t.Helper()
	before := c.location()
	c.run(chromedp.SetValue(chromedp.ID("lang-select"), string(l)))
	if st := c.load(chromedp.Click(xpath(`//form[@action="/lang"]//button[@type="submit"]`))); st != http.StatusOK {
		c.t.Fatalf("switching to %s: %d", l, st)
	}
	if got := c.location(); got != before {
		c.t.Errorf("the switcher went from %s to %s", before, got)
	}
}

// screenshot saves the whole page as a PNG in the artifacts directory and,
// with -update-screenshots, in docs/screenshots.
func (c *chrome) screenshot(dir, name string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{dir}
	if *updateScreenshots {
		dirs = append(dirs, filepath.Join("..", "..", "docs", "screenshots"))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			c.t.Fatal(err)
		}
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			c.t.Fatal(err)
		}
		c.t.Logf("screenshot: %s (%d KiB)", p, len(png)/1024)
	}
}

// noLoggedErrors fails the test if the browser logged an error since the
// last look: a CSP violation, a resource that failed to load. The page's
// own status is not one: error pages answer 404, refused forms 422.
func (c *chrome) noLoggedErrors(where string) {
	c.t.Helper()
	page := c.base + c.location()
	for _, l := range c.takeLogged() {
		if l.Source == cdplog.EntrySourceNetwork && (l.URL == page || strings.HasSuffix(l.URL, "/favicon.ico")) {
			continue // there is no favicon, and browsers ask for one anyway
		}
		c.t.Errorf("%s: the browser logged %s: %s %s", where, l.Source, l.Text, l.URL)
	}
}

// TestBrowserFlow drives the UI in Chromium as a person would: log in with
// the keyboard, create a family-visit case, add a granted extension and a
// late exit, read the status card, the explanation and the consequences,
// and switch to Chinese and Korean.
func TestBrowserFlow(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, openSQLite, nil)
	e.Clock.Set("2026-03-10")
	c := newChrome(t, exe, e)

	// Without a session the dashboard sends people to the login page.
	if st := c.open("/"); st != http.StatusOK || !strings.HasPrefix(c.location(), "/login?next=") {
		t.Fatalf("GET / without a session: %d at %s", st, c.location())
	}

	// The keyboard: the first Tab from the top of the page reaches the
	// skip link, which shows itself with a visible focus outline; Enter
	// follows it into <main>, and the next Tab reaches the first field.
	c.run(chromedp.KeyEvent(kb.Tab))
	type focused struct {
		Class        string  `json:"class"`
		ID           string  `json:"id"`
		Text         string  `json:"text"`
		Outline      string  `json:"outline"`
		OutlineWidth float64 `json:"outlineWidth"`
		Left         float64 `json:"left"`
		Width        float64 `json:"width"`
	}
	const focusJS = `(() => { const a = document.activeElement, s = getComputedStyle(a), r = a.getBoundingClientRect();
		return {class: a.className, id: a.id, text: a.innerText || '', outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0, left: r.left, width: r.width}; })()`
	f := eval[focused](c, focusJS)
	if f.Class != "skip" || f.Text != c.en.T("nav.skip") {
		t.Fatalf("the first Tab focuses %+v, want the skip link", f)
	}
	if f.Left < 0 || f.Width == 0 || f.Outline == "none" || f.OutlineWidth < 2 {
		t.Errorf("the focused skip link is not visibly focused: %+v", f)
	}
	c.run(chromedp.KeyEvent(kb.Enter))
	if f := eval[focused](c, focusJS); f.ID != "main" {
		t.Errorf("after Enter on the skip link the focus is on %+v, want <main>", f)
	}
	// Log in with the keyboard alone: Tab to the username, type, Tab to
	// the password, type, Enter.
	c.run(chromedp.KeyEvent(kb.Tab))
	if f := eval[focused](c, focusJS); f.ID != "username" {
		t.Fatalf("Tab from <main> focuses %+v, want the username", f)
	}
	c.run(chromedp.KeyEvent("admin"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(testPassword))
	if st := c.load(chromedp.KeyEvent(kb.Enter)); st != http.StatusOK || c.location() != "/" {
		t.Fatalf("logging in with the keyboard: %d at %s", st, c.location())
	}
	// The dashboard, which needs a session: the browser sent the cookie.
	c.wantText("h1", "Who must act")

	// The session cookie: __Host-, Secure, HttpOnly, SameSite=Strict, kept
	// and sent by the browser over http://127.0.0.1, a secure context.
	if !eval[bool](c, `window.isSecureContext`) {
		t.Errorf("%s is not a secure context in Chromium", e.URL)
	}
	cookies, err := chromedp.Run(c.ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{e.URL + "/"}})
		return r.Cookies, err
	}))
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, ck := range cookies {
		if ck.Name == SessionCookie {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("the browser kept no %s cookie; it has %d others", SessionCookie, len(cookies))
	}
	if !session.Secure || !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict || session.Path != "/" || session.Domain != "127.0.0.1" {
		t.Errorf("session cookie %+v: want Secure, HttpOnly, SameSite=Strict, Path=/ and host-only", session)
	}

	// A new case, through the nav link and the form; the regime is chosen
	// in the select by its label.
	if st := c.load(chromedp.Click(xpath(`//nav//a[normalize-space()=` + xpathLiteral(c.en.T("nav.new_case")) + `]`))); st != http.StatusOK {
		t.Fatalf("the New case link: %d", st)
	}
	c.wantText("h1", "New case")
	form := `//form[@action="/cases/new"]`
	c.typeInto(form, c.en.T("case.reference"), "FV-2026-014")
	c.run(chromedp.SetValue(labelled(form, c.en.T("new.regime")), "cn-family-visit"))
	if got := eval[string](c, `document.getElementById("rule").selectedOptions[0].text`); !strings.Contains(got, "family") {
		t.Errorf("the regime chosen reads %q", got)
	}
	c.typeInto(form, c.en.T("new.stay_days"), "60")
	c.typeDate(form, c.en.T("trip.entry"), "2026-03-01")
	c.typeInto(form, c.en.T("identity.name"), "Ri Chol-su")
	c.typeInto(form, c.en.T("identity.passport"), "PX7734521")
	if st := c.load(chromedp.Click(button(form, c.en.T("new.submit")))); st != http.StatusOK {
		t.Fatalf("creating the case: %d at %s", st, c.location())
	}
	casePath := c.location()
	if !strings.HasPrefix(casePath, "/cases/c_") {
		t.Fatalf("the new case is at %s", casePath)
	}
	// The status card: 60 days from the day after entry.
	c.wantText("h1", "FV-2026-014")
	c.wantText("#status-sentence", "Lawful until 30 Apr 2026, 51 days left")
	c.wantText(".status-card .badge", "Lawful")
	c.wantText("#next-action", "File an extension application by 23 Apr 2026", "Leave by 30 Apr 2026, unless you apply in time to extend your stay")
	if n := eval[int](c, `document.querySelectorAll(".timeline svg[role=img]").length`); n != 1 {
		t.Errorf("%d timelines, want 1", n)
	}
	if body := c.text("body"); strings.Contains(body, "Ri Chol-su") || strings.Contains(body, "PX7734521") {
		t.Error("the case page shows the identity unmasked")
	}

	// Six weeks later the session has ended: log in again, and add a
	// granted extension through the form in its <details>.
	e.Clock.Set("2026-04-26")
	c.login(casePath)
	ext := fmt.Sprintf(`//details[summary[normalize-space()=%s]]`, xpathLiteral(c.en.T("case.add_extension")))
	c.run(chromedp.Click(summary("", c.en.T("case.add_extension"))))
	if !eval[bool](c, `document.querySelector("details.add:has(form[action$='/extensions'])").open`) {
		t.Fatal("clicking the summary did not open the extension form")
	}
	c.typeDate(ext, c.en.T("ext.filed"), "2026-04-20")
	c.typeInto(ext, c.en.T("ext.requested_days"), "30")
	c.run(chromedp.Click(labelled(ext, c.en.T("outcome.granted"))))
	c.typeDate(ext, c.en.T("ext.decided"), "2026-04-25")
	c.typeInto(ext, c.en.T("ext.granted_days"), "30")
	if st := c.load(chromedp.Click(button(ext, c.en.T("case.add_extension")))); st != http.StatusOK || c.location() != casePath {
		t.Fatalf("adding the extension: %d at %s", st, c.location())
	}
	c.wantText("#status-sentence", "Lawful until 30 May 2026, 34 days left")
	c.wantText(`section[aria-labelledby="ext-h"] table`, "Granted")
	c.wantText(`section[aria-labelledby="why-h"]`, "Extension granted on 25 Apr 2026")

	// After the stay ended: correct the trip with a late exit, and read
	// the overstay days and what may follow.
	e.Clock.Set("2026-06-20")
	c.login(casePath)
	trip := `//section[@aria-labelledby="trips-h"]//tbody//details`
	c.run(chromedp.Click(xpath(trip + `/summary`)))
	c.typeDate(trip, c.en.T("trip.exit"), "2026-06-13")
	if st := c.load(chromedp.Click(button(trip, c.en.T("case.save")))); st != http.StatusOK || c.location() != casePath {
		t.Fatalf("correcting the trip: %d at %s", st, c.location())
	}
	c.wantText("#status-sentence", "Not in the country")
	c.wantText(`section[aria-labelledby="why-h"]`, "Unlawful presence from 31 May 2026 to 13 Jun 2026: 14 days.")
	c.wantText("#consequences", "What may follow", "Fine")
	c.noLoggedErrors("the flow in English")

	// Chinese, then Korean, with the switcher: the same page, translated.
	for _, tc := range []struct {
		lang     i18n.Lang
		htmlLang string
		exitDate string
		timeline string // the heading, as core.json has it
	}{
		{i18n.Chinese, "zh-Hans", "2026年6月13日", "时间线"},
		{i18n.Korean, "ko", "2026년 6월 13일", "일정표"},
	} {
		c.switchLang(tc.lang)
		if got := eval[string](c, `document.documentElement.lang`); got != tc.htmlLang {
			t.Errorf("%s: <html lang=%q>, want %q", tc.lang, got, tc.htmlLang)
		}
		p := e.Server.catalog.Printer(tc.lang)
		for _, h := range []struct{ css, key string }{
			{"#timeline-h", "case.timeline"},
			{"#consequences h3", "case.consequences"},
			{"#why-h", "case.why"},
			{"#trips-h", "case.trips"},
		} {
			got, want := strings.TrimSpace(c.text(h.css)), p.T(h.key)
			if got != want || got == c.en.T(h.key) {
				t.Errorf("%s: %s says %q, want %q", tc.lang, h.css, got, want)
			}
		}
		c.wantText("#timeline-h", tc.timeline)
		c.wantText(`section[aria-labelledby="trips-h"] table`, tc.exitDate)
		if body := c.text("body"); strings.Contains(body, "Unlawful presence from") || strings.Contains(body, "What may follow") {
			t.Errorf("%s: the page is still partly in English", tc.lang)
		}
		c.noLoggedErrors("the case page in " + string(tc.lang))
	}
}

// seedDay is the day of the seeded caseload.
const seedDay = "2026-06-20"

// seedCaseload records, through the API, a caseload as an NGO's dashboard
// shows it on seedDay: cases overstaying, pending, and due within 7, 14 and
// 30 days, with masked names. It returns the case ids by reference.
func seedCaseload(t *testing.T, e *apiEnv) map[string]string {
	t.Helper()
	cn := func(entry string, stayDays int, exts ...map[string]any) map[string]any {
		h := map[string]any{
			"grants": []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": stayDays}},
			"trips":  []any{map[string]any{"entry": entry}},
		}
		if len(exts) > 0 {
			h["extensions"] = exts
		}
		return h
	}
	person := func(name, passport string) map[string]any {
		return map[string]any{"name": name, "passport": passport, "nationality": "PRK", "birth_date": "1958-09-09"}
	}
	cases := []struct {
		ref, notes string
		history    map[string]any
		identity   map[string]any
	}{
		{"FV-2026-014", "Visiting a daughter in Yanji.", cn("2026-04-20", 60, map[string]any{
			"filed": "2026-06-10", "requested_days": 30, "outcome": "granted", "decided": "2026-06-16", "granted_days": 30}),
			person("Ri Chol-su", "PX7734521")},
		{"FV-2026-009", "", cn("2026-04-01", 60), person("Kim Yong-ho", "PX6120387")},
		{"FV-2026-011", "", cnPending("2026-04-18", "2026-06-05", 60), person("Pak Sun-hui", "PX6655102")},
		{"FV-2026-016", "", cn("2026-05-08", 60), person("Jang Mi-ok", "PX7001946")},
		{"SC-2026-031", "", schengenEnding("2026-06-24"), person("Choe Myong-il", "PX5873310")},
		{"SC-2026-027", "", schengenEnding("2026-07-02"), nil},
		{"SC-2026-040", "", schengenEnding("2026-07-15"), person("Han Song-i", "PX7290458")},
	}
	e.Clock.Set(seedDay)
	ids := map[string]string{}
	for _, c := range cases {
		body := caseBody(c.ref, c.notes, c.history)
		if c.identity != nil {
			body = withIdentity(body, c.identity)
		}
		ids[c.ref] = str(t, e.do("POST", "/v1/cases", body).want(t, http.StatusCreated).object(t), "id")
	}
	return ids
}

// axeViolation is one rule axe-core found broken, with the elements.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

type axeResults struct {
	Version    string         `json:"version"`
	Violations []axeViolation `json:"violations"`
	Incomplete []axeViolation `json:"incomplete"` // rules axe could not decide, for a person to check
	Passes     int            `json:"passes"`
}

const axeRunJS = `axe.run(document, {resultTypes: ['violations']}).then(r => ({
	version: axe.version,
	violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary || ''}))})),
	incomplete: r.incomplete.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.any.concat(n.all, n.none).map(c => c.message).join(' ')}))})),
	passes: r.passes.length}))`

// wordsNotColourJS lists the places where colour would be the only
// signal: a state badge or status card without words, a field marked
// invalid without an error message beside it.
const wordsNotColourJS = `(() => {
	const bad = [];
	for (const b of document.querySelectorAll('.badge, .status-card, .field-error, .error'))
		if (!b.innerText.trim()) bad.push('no words in .' + b.className.replace(/ /g, '.'));
	for (const f of document.querySelectorAll('[aria-invalid=true]')) {
		const said = (f.getAttribute('aria-describedby') || '').split(/\s+/).map(id => document.getElementById(id))
			.some(m => m && m.classList.contains('field-error') && m.innerText.trim());
		if (!said) bad.push('#' + f.id + ' is marked invalid with no message');
	}
	return bad;
})()`

// auditor runs axe-core on pages and keeps a report of what it found.
type auditor struct {
	c      *chrome
	axe    string
	report strings.Builder
	pages  int
}

// audit runs axe-core on the page shown, as it is and with every
// <details> open, and fails the test on a serious or critical violation.
func (a *auditor) audit(name string) {
	a.c.t.Helper()
	c := a.c
	a.pages++
	for _, open := range []bool{false, true} {
		label := name
		if open {
			if eval[int](c, `document.querySelectorAll("details:not([open])").length`) == 0 {
				break
			}
			eval[chromedp.Void](c, `document.querySelectorAll("details").forEach(d => d.open = true)`)
			label += ", every <details> open"
		}
		if !eval[bool](c, `typeof axe === "object"`) {
			eval[chromedp.Void](c, a.axe)
		}
		res := eval[axeResults](c, axeRunJS)
		fmt.Fprintf(&a.report, "%s (%s): %d rules passed, %d violated", label, c.location(), res.Passes, len(res.Violations))
		a.report.WriteString("\n")
		for _, v := range res.Incomplete {
			for _, n := range v.Nodes {
				fmt.Fprintf(&a.report, "  to check by hand: %s at %s: %s\n", v.ID, fmt.Sprint(n.Target...), n.Summary)
			}
		}
		for _, v := range res.Violations {
			var targets []string
			for _, n := range v.Nodes {
				targets = append(targets, fmt.Sprint(n.Target...))
			}
			msg := fmt.Sprintf("%s: axe %s [%s] %s (%s): %s", label, v.ID, v.Impact, v.Help, v.HelpURL, strings.Join(targets, "; "))
			fmt.Fprintf(&a.report, "  %s\n", msg)
			if v.Impact == "serious" || v.Impact == "critical" {
				c.t.Error(msg)
				for _, n := range v.Nodes {
					c.t.Logf("    %s\n      %s", n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
				}
			} else {
				c.t.Log(msg)
			}
		}
		for _, b := range eval[[]string](c, wordsNotColourJS) {
			c.t.Errorf("%s: %s", label, b)
		}
	}
	c.noLoggedErrors(name)
}

// noSidewaysScroll fails the test if the page shown is wider than the
// window, so that reading it means scrolling sideways (WCAG 1.4.10).
func (c *chrome) noSidewaysScroll(name string) {
	c.t.Helper()
	if w := eval[[]int](c, `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`); w[0] > w[1] {
		c.t.Errorf("%s: the page is %d px wide in a %d px window", name, w[0], w[1])
	}
}

// focusStop is the element the keyboard focus is on.
type focusStop struct {
	Desc    string `json:"desc"`
	Body    bool   `json:"body"`
	Skip    bool   `json:"skip"`
	Outline bool   `json:"outline"`
	Shown   bool   `json:"shown"`
}

const focusStopJS = `(() => {
	const a = document.activeElement;
	if (!a || a === document.body) return {body: true};
	const s = getComputedStyle(a), r = a.getBoundingClientRect();
	const words = (a.innerText || a.value || a.getAttribute('aria-label') || '').trim().slice(0, 40);
	return {
		desc: a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') + (a.name ? '[name=' + a.name + ']' : '') + ' ' + JSON.stringify(words),
		skip: a.classList.contains('skip'),
		outline: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none',
		shown: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
	};
})()`

// focusWalk presses Tab from the top of the page shown until the focus
// comes back round, and fails the test on a stop without a visible focus
// indicator or off screen, or on a trap. It returns the number of stops.
func (c *chrome) focusWalk(name string) int {
	c.t.Helper()
	stops := 0
	for range 400 {
		c.run(chromedp.KeyEvent(kb.Tab))
		s := eval[focusStop](c, focusStopJS)
		if s.Body || (s.Skip && stops > 0) {
			return stops
		}
		stops++
		if !s.Outline {
			c.t.Errorf("%s: Tab stop %d, %s, shows no focus outline", name, stops, s.Desc)
		}
		if !s.Shown {
			c.t.Errorf("%s: Tab stop %d, %s, is not on the screen", name, stops, s.Desc)
		}
	}
	c.t.Errorf("%s: 400 presses of Tab did not come back to the top", name)
	return stops
}

// TestBrowserAccessibility audits every page with axe-core in Chromium:
// logged out and in, with cases in each state, with forms showing their
// errors, the planner's answer, the regimes, and the account and
// administration pages where the server has them; the dashboard and case
// pages also in Chinese and Korean, and at phone width. It fails on any
// serious or critical violation, on colour as the only signal, on a Tab
// stop without a visible focus, and on a page that scrolls sideways on a
// phone.
func TestBrowserAccessibility(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	e := newEnv(t, openSQLite, nil)
	ids := seedCaseload(t, e)
	c := newChrome(t, exe, e)
	a := &auditor{c: c, axe: axe}
	dir := artifacts(t)

	c.open("/login")
	// The page's CSP is in force, an inline script does not run, and it
	// does not stop DevTools evaluations, which is how axe-core runs.
	if eval[bool](c, `(() => { const s = document.createElement("script"); s.textContent = "window.inlineRan = true"; document.head.append(s); return window.inlineRan === true })()`) {
		t.Error("an inline script ran: the page's CSP is not in force")
	}
	csp := false
	for _, l := range c.takeLogged() {
		csp = csp || strings.Contains(l.Text, "Content Security Policy")
	}
	if !csp {
		t.Error("no CSP violation was logged for the inline script")
	}
	a.audit("login")
	form := `//form[@action="/login"]`
	c.typeInto(form, c.en.T("login.username"), "admin")
	c.typeInto(form, c.en.T("login.password"), "not the password")
	if st := c.load(chromedp.Click(button(form, c.en.T("login.submit")))); st != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d, want 401", st)
	}
	a.audit("login, refused")
	c.login("/")

	fv := "/cases/" + ids["FV-2026-014"]
	pages := []struct{ name, path string }{
		{"dashboard", "/"},
		{"dashboard, filtered", "/?within=7&state=overstay&state=pending"},
		{"dashboard, search", "/?q=FV-2026"},
		{"new case", "/cases/new"},
		{"case, lawful after an extension", fv},
		{"case, overstay", "/cases/" + ids["FV-2026-009"]},
		{"case, pending", "/cases/" + ids["FV-2026-011"]},
		{"case, Schengen", "/cases/" + ids["SC-2026-031"]},
		{"case, planner and what-if", fv + "?enter=2026-09-01&file=2026-07-10&days=30"},
		{"case, planner refused", fv + "?enter=2026-02-30"},
		{"regimes", "/regimes"},
		{"not found", "/cases/c_0000000000000000000000000"},
	}
	for _, id := range e.Packs.IDs() {
		pages = append(pages, struct{ name, path string }{"regime " + id, "/regimes/" + id})
	}
	// The account and administration pages, where the server has them.
	for _, p := range []string{"/account", "/admin/users", "/admin/audit", "/admin/data"} {
		if st := c.open(p); st != http.StatusOK {
			t.Logf("%s: %d, not audited", p, st)
			c.takeLogged()
			continue
		}
		pages = append(pages, struct{ name, path string }{p, p})
	}

	// Every page in each language, and the forms refused, with their
	// errors beside the fields.
	for _, l := range i18n.Choices {
		c.open("/")
		c.switchLang(l)
		p, in := e.Server.catalog.Printer(l), " in "+string(l)
		for _, pg := range pages {
			c.open(pg.path)
			if got, want := eval[string](c, `document.documentElement.lang`), htmlLang[l]; got != want {
				t.Errorf("%s: <html lang=%q>, want %q", pg.name+in, got, want)
			}
			a.audit(pg.name + in)
		}
		c.open("/cases/new")
		nf := `//form[@action="/cases/new"]`
		c.typeInto(nf, p.T("new.stay_days"), "sixty")
		if st := c.load(chromedp.Click(button(nf, p.T("new.submit")))); st != http.StatusUnprocessableEntity {
			t.Errorf("a new case without a reference%s: %d, want 422", in, st)
		}
		if n := eval[int](c, `document.querySelectorAll("[aria-invalid=true]").length`); n != 2 {
			t.Errorf("the refused new-case form%s marks %d fields invalid, want 2 (reference, stay)", in, n)
		}
		a.audit("new case, refused" + in)
		c.open(fv)
		ext := fmt.Sprintf(`//details[summary[normalize-space()=%s]]`, xpathLiteral(p.T("case.add_extension")))
		c.run(chromedp.Click(summary("", p.T("case.add_extension"))))
		c.typeDate(ext, p.T("ext.filed"), "2026-07-10")
		c.run(chromedp.Click(labelled(ext, p.T("outcome.granted"))))
		if st := c.load(chromedp.Click(button(ext, p.T("case.add_extension")))); st != http.StatusUnprocessableEntity {
			t.Errorf("a granted extension without a decision%s: %d, want 422", in, st)
		}
		a.audit("case, extension form refused" + in)
	}
	c.open("/")
	c.switchLang(i18n.English)

	// The keyboard reaches everything, and shows where it is.
	for _, p := range []struct{ name, path string }{{"dashboard", "/"}, {"case", fv}} {
		c.open(p.path)
		t.Logf("%s: %d Tab stops, each visibly focused", p.name, c.focusWalk(p.name))
	}

	// A phone: the same audit, and no page scrolls sideways, with its
	// <details> closed or open.
	c.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	for _, p := range pages {
		c.open(p.path)
		c.noSidewaysScroll(p.name + " on a phone")
		a.audit(p.name + " on a phone") // which opens every <details>
		c.noSidewaysScroll(p.name + " on a phone, every <details> open")
	}
	for _, p := range []struct{ name, path, shot string }{{"dashboard", "/", "dashboard-phone.png"}, {"case", fv, "case-phone.png"}} {
		c.open(p.path)
		c.screenshot(dir, p.shot)
		t.Logf("%s on a phone: %d Tab stops, each visibly focused", p.name, c.focusWalk(p.name+" on a phone"))
	}
	c.run(chromedp.ResetViewport())

	// Logged out, in Korean and Chinese: the login page.
	c.open("/")
	c.switchLang(i18n.Korean)
	if st := c.load(chromedp.Click(xpath(`//form[@action="/logout"]//button`))); st != http.StatusOK || c.location() != "/login" {
		t.Fatalf("logging out: %d at %s", st, c.location())
	}
	a.audit("login in ko")
	c.switchLang(i18n.Chinese)
	a.audit("login in zh")

	if err := os.WriteFile(filepath.Join(dir, "axe-report.txt"), []byte(fmt.Sprintf("axe-core %s on %d pages\n\n%s", axeVersion, a.pages, a.report.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("axe-core %s audited %d pages; report: %s", axeVersion, a.pages, filepath.Join(dir, "axe-report.txt"))
}

// TestBrowserScreenshots saves the dashboard, with cases in each state, and
// a family-visit case page with an extension and its timeline, as PNGs
// 1280 pixels wide: in $VISACLOCK_ARTIFACTS and, with -update-screenshots,
// in docs/screenshots.
func TestBrowserScreenshots(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, openSQLite, nil)
	ids := seedCaseload(t, e)
	c := newChrome(t, exe, e)
	dir := artifacts(t)
	c.login("/")
	c.wantText("main", "FV-2026-009", "FV-2026-011", "SC-2026-031", "R••• C•••")
	c.screenshot(dir, "dashboard.png")
	c.open("/cases/" + ids["FV-2026-014"])
	c.wantText("#status-sentence", "Lawful until 19 Jul 2026")
	c.screenshot(dir, "case.png")
	c.noLoggedErrors("the screenshots")
}
