package web

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"visaclock/internal/checker"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/site"
)

// The private checker in Chromium, with the WebAssembly module built from
// this checkout: it answers on the device, sends nothing once loaded,
// works with the network gone (from the service worker's cache), keeps
// nothing unless asked, and is accessible in each language on a phone.

// netLog records the URL of every request the browser's tab sends.
type netLog struct {
	mu   sync.Mutex
	urls []string
}

func (n *netLog) listen(ev any) {
	// data: URLs are not requests: Chromium draws its date picker's icon
	// from one.
	if r, ok := ev.(*network.EventRequestWillBeSent); ok && r.Request != nil && !strings.HasPrefix(r.Request.URL, "data:") {
		n.mu.Lock()
		n.urls = append(n.urls, r.Request.URL)
		n.mu.Unlock()
	}
}

// take returns the URLs requested since the last call.
func (n *netLog) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	u := n.urls
	n.urls = nil
	return u
}

// cdpDo sends one DevTools command to the tab.
func cdpDo[P, R any](c *chrome, cmd cdp.Command[P, R], p P) R {
	c.t.Helper()
	r, err := chromedp.Run(c.ctx, chromedp.Action[R](func(ctx context.Context, tg *chromedp.Target) (R, error) {
		return cdp.Call(ctx, tg, cmd, p)
	}))
	if err != nil {
		c.t.Fatalf("%s: %v", cmd.Method, err)
	}
	return r
}

// checkerReady waits until the page has started the module.
func (c *chrome) checkerReady() {
	c.t.Helper()
	c.run(chromedp.WaitVisible(chromedp.CSS(`body[data-ready="yes"]`)))
}

// swControls waits until the service worker controls the page.
const swControlsJS = `navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller ? true :
	new Promise(res => navigator.serviceWorker.addEventListener("controllerchange", () => res(true))))`

// fillChecker puts a history into the checker's form through its fields.
func (c *chrome) fillChecker(fields map[string]string) {
	c.t.Helper()
	c.run(chromedp.Evaluate[chromedp.Void](`document.getElementById("check").reset()`))
	for k, v := range fields {
		c.run(chromedp.SetValue(chromedp.ID(k), v))
	}
}

// familyVisit is the family-visit pack's first worked example: a 30-day
// stay entered on 18 March 2018, on 1 April, lawful to 17 April, 16 days
// left.
var familyVisit = map[string]string{"rule": "cn-family-visit", "stay_days": "30", "entry0": "2018-03-18", "as_of": "2018-04-01"}

// schengen is SEM example 4: three stays, on 30 January 2014 lawful
// until 31 March 2014.
var schengen = map[string]string{"rule": "schengen-short-stay", "entry0": "2013-06-01", "exit0": "2013-07-13",
	"entry1": "2013-08-15", "exit1": "2013-09-30", "entry2": "2014-01-01", "as_of": "2014-01-30"}

// wantStatus checks the page's answer against the one the engine gives
// in Go for the same form, and the date it must name.
func (c *chrome) wantAnswer(e *apiEnv, l i18n.Lang, form map[string]string, until string) {
	c.t.Helper()
	p := e.Server.catalog.Printer(l)
	_, doc, err := checker.Form(form).History()
	if err != nil {
		c.t.Fatal(err)
	}
	ev, err := checker.Evaluate(doc, e.Packs.Lookup, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	v := checker.Words(p, ev)
	c.wantText("#status", v.Status)
	c.wantText("#until", p.Date(date.MustParse(until)))
	if v.DaysLeft != nil {
		c.wantText("#days-left", fmt.Sprint(*v.DaysLeft))
	}
	if n := eval[int](c, `document.querySelectorAll("#steps li").length`); n != len(v.Steps) || n == 0 {
		c.t.Errorf("the page explains in %d steps, the engine in %d", n, len(v.Steps))
	}
}

func TestBrowserChecker(t *testing.T) {
	exe := chromium(t)
	e := newCheckerEnv(t, true)
	var log netLog
	c := newChromeListening(t, exe, e, log.listen)
	en := c.en
	cdpDo(c, network.Enable, network.EnableParams{})

	if st := c.open("/check/"); st != 200 {
		t.Fatalf("GET /check/: %d", st)
	}
	c.checkerReady()
	if !eval[bool](c, swControlsJS) {
		t.Fatal("the service worker does not control the page")
	}
	c.wantText("#privacy", en.T("chk.privacy"))
	// Installable on a phone's home screen: Chromium finds nothing missing
	// (manifest, icon, service worker).
	for _, ie := range cdpDo(c, cdppage.GetInstallabilityErrors, cdp.Empty{}).InstallabilityErrors {
		t.Errorf("not installable: %s %v", ie.ErrorID, ie.ErrorArguments)
	}
	if loaded := log.take(); len(loaded) == 0 {
		t.Error("the network log saw nothing load: is it recording?")
	}

	// A family visit, typed as a person does, then Schengen: answered on
	// the device, with no request.
	form := `//form[@id="check"]`
	c.run(chromedp.SetValue(chromedp.ID("rule"), "cn-family-visit"), chromedp.SetValue(chromedp.ID("as_of"), ""))
	c.typeInto(form, en.T("chk.stay_days"), "30")
	c.typeDate(form, en.T("chk.entry"), "2018-03-18")
	c.typeDate(form, en.T("chk.as_of"), "2018-04-01")
	c.run(chromedp.Click(button(form, en.T("chk.submit"))))
	c.wantAnswer(e, i18n.English, familyVisit, "2018-04-17")
	c.wantText("#days-left", "16")
	c.fillChecker(schengen)
	c.run(chromedp.Click(button(form, en.T("chk.submit"))))
	c.wantAnswer(e, i18n.English, schengen, "2014-03-31")
	// A fourth stay: the page adds a row.
	c.run(chromedp.Click(button(form, en.T("chk.add_trip"))))
	if !eval[bool](c, `!!document.getElementById("entry3") && document.querySelector("label[for=entry3]") !== null`) {
		t.Error("adding a stay made no labelled entry3 field")
	}
	if sent := log.take(); len(sent) != 0 {
		t.Errorf("the page sent %d requests while answering: %v", len(sent), sent)
	}
	if n := eval[int](c, `localStorage.length`); n != 0 {
		t.Errorf("the page stored %d items without being asked", n)
	}
	c.noLoggedErrors("the checker")

	// Kept when asked, and forgotten.
	c.fillChecker(familyVisit)
	c.run(chromedp.Click(button("", en.T("chk.keep"))))
	if kept := eval[string](c, `localStorage.getItem("visaclock.checker") || ""`); !strings.Contains(kept, "2018-03-18") {
		t.Errorf("Keep stored %q", kept)
	}
	c.open("/check/?hl=en")
	c.checkerReady()
	if got := eval[string](c, `document.getElementById("entry0").value`); got != "2018-03-18" {
		t.Errorf("the kept entry came back as %q", got)
	}
	c.wantText("#days-left", "16")
	c.run(chromedp.Click(button("", en.T("chk.forget"))))
	if n := eval[int](c, `localStorage.length`); n != 0 {
		t.Errorf("after Forget everything, %d items are stored", n)
	}
	if got := eval[string](c, `document.getElementById("entry0").value`); got != "" {
		t.Errorf("after Forget everything the form still holds %q", got)
	}

	// The network goes: the page loads from the service worker's cache
	// and answers.
	offline := true
	cdpDo(c, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &offline, MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}})
	e.HTTP.Close()
	log.take()
	c.open("/check/zh.html")
	c.checkerReady()
	c.fillChecker(familyVisit)
	c.run(chromedp.Click(button(form, e.Server.catalog.Printer(i18n.Chinese).T("chk.submit"))))
	c.wantAnswer(e, i18n.Chinese, familyVisit, "2018-04-17")
	if !eval[bool](c, `navigator.serviceWorker.controller !== null`) {
		t.Error("offline, the page is not served by the service worker")
	}
	for _, u := range log.take() {
		if !strings.HasPrefix(u, e.URL+"/check/") {
			t.Errorf("offline, the page asked for %s", u)
		}
	}
}

// TestBrowserCheckerAccessibility runs axe-core on the checker at phone
// width in every language, with an answer shown, and checks it does not
// scroll sideways.
func TestBrowserCheckerAccessibility(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	e := newCheckerEnv(t, true)
	c := newChrome(t, exe, e)
	a := &auditor{c: c, axe: axe}
	c.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	for _, l := range i18n.Choices {
		file := site.PageFile(l)
		if l == i18n.English {
			file += "?hl=en"
		}
		if st := c.open("/check/" + file); st != 200 {
			t.Fatalf("%s: %d", file, st)
		}
		c.checkerReady()
		if got := eval[string](c, `document.documentElement.lang`); got != string(l) {
			t.Errorf("%s: lang %q", file, got)
		}
		a.audit("checker, " + string(l))
		c.fillChecker(familyVisit)
		c.run(chromedp.Click(chromedp.CSS(`button.primary`)))
		c.wantAnswer(e, l, familyVisit, "2018-04-17")
		a.audit("checker with an answer, " + string(l))
		c.noSidewaysScroll("checker, " + string(l))
	}
	// With scripts off the form goes to the server, which answers with
	// the page.
	cdpDo(c, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	c.open("/check/?hl=en")
	c.wantText("noscript", c.en.T("chk.noscript_server"))
	c.fillChecker(familyVisit)
	if st := c.load(chromedp.Click(chromedp.CSS(`button.primary`))); st != 200 {
		t.Fatalf("the form without scripts: %d", st)
	}
	c.wantAnswer(e, i18n.English, familyVisit, "2018-04-17")
	// axe-core needs scripts: the page, loaded without them, stays as the
	// server wrote it.
	cdpDo(c, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
	a.audit("checker answered by the server, scripts off")
	t.Logf("axe-core:\n%s", a.report.String())
}
