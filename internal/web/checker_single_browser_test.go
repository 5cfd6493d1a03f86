package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"visaclock/internal/i18n"
)

// TestBrowserCheckerSingleFile opens the single file (`visaclock site
// --single`) from disk, by a file:// URL, with the network emulated
// offline and no server running, as a person opens a file they were sent:
// it loads the module from itself, answers a family visit with no
// request, keeps nothing unless asked, switches language in place with
// the answer, and axe-core finds no violation at phone width.
func TestBrowserCheckerSingleFile(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	e := newCheckerEnv(t, true)
	b, err := e.Server.Checker.Single()
	if err != nil {
		t.Fatal(err)
	}
	e.HTTP.Close() // nothing to reach: the file is all there is
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "visaclock-checker.html"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var log netLog
	c := newChromeListening(t, exe, e, log.listen)
	c.base = "file://" + filepath.ToSlash(dir)
	fileURL := c.base + "/visaclock-checker.html"
	a := &auditor{c: c, axe: axe}
	cdpDo(c, network.Enable, network.EnableParams{})
	offline := true
	cdpDo(c, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &offline, MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}})
	c.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))

	c.run(chromedp.Navigate(fileURL))
	c.checkerReady()
	if got := eval[string](c, `location.protocol`); got != "file:" {
		t.Fatalf("the page is at %q, not a file", got)
	}
	if !eval[bool](c, `typeof visaclock.evaluate === "function" && typeof visaclock.plan === "function" && typeof visaclock.check === "function"`) {
		t.Error("globalThis.visaclock lacks evaluate, plan or check")
	}
	if eval[bool](c, `!!(navigator.serviceWorker && navigator.serviceWorker.controller)`) {
		t.Error("a service worker controls the single file")
	}
	loaded := log.take()
	if len(loaded) == 0 {
		t.Error("the network log saw nothing load, not even the file: is it recording?")
	}
	for _, u := range loaded {
		if u != fileURL {
			t.Errorf("opening the file, the page asked for %s", u)
		}
	}
	a.audit("single file")

	// A family visit, typed as a person does.
	form := `//form[@id="check"]`
	en := c.en
	c.run(chromedp.SetValue(chromedp.ID("rule"), "cn-family-visit"), chromedp.SetValue(chromedp.ID("as_of"), ""))
	c.typeInto(form, en.T("chk.stay_days"), "30")
	c.typeDate(form, en.T("chk.entry"), "2018-03-18")
	c.typeDate(form, en.T("chk.as_of"), "2018-04-01")
	c.run(chromedp.Click(button(form, en.T("chk.submit"))))
	c.wantAnswer(e, i18n.English, familyVisit, "2018-04-17")
	c.wantText("#days-left", "16")
	if sent := log.take(); len(sent) != 0 {
		t.Errorf("the page sent %d requests while answering: %v", len(sent), sent)
	}
	if n := eval[int](c, `localStorage.length`); n != 0 {
		t.Errorf("the page stored %d items without being asked", n)
	}
	a.audit("single file with an answer")
	c.noSidewaysScroll("single file")

	// The language links swap the page in place; the form and the answer
	// follow.
	for _, l := range []i18n.Lang{i18n.Chinese, i18n.Korean, i18n.KoreanKP, i18n.English} {
		c.run(chromedp.Click(chromedp.CSS(`.langs a[hreflang="`+string(l)+`"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="`+string(l)+`"] #answer`)))
		if got := eval[string](c, `document.getElementById("entry0").value`); got != "2018-03-18" {
			t.Errorf("%s: the entry came across as %q", l, got)
		}
		c.wantAnswer(e, l, familyVisit, "2018-04-17")
		if got, want := eval[string](c, `document.title`), e.Server.catalog.Printer(l).T("chk.title"); !strings.HasPrefix(got, want) {
			t.Errorf("%s: title %q, want it to start %q", l, got, want)
		}
		a.audit("single file with an answer, " + string(l))
		c.noSidewaysScroll("single file, " + string(l))
	}

	// Kept when asked, back after the file is opened again, and forgotten.
	c.run(chromedp.Click(button("", en.T("chk.keep"))))
	if kept := eval[string](c, `localStorage.getItem("visaclock.checker") || ""`); !strings.Contains(kept, "2018-03-18") {
		t.Errorf("Keep stored %q", kept)
	}
	c.run(chromedp.Navigate(fileURL + "#hl=ko"))
	c.checkerReady()
	if got := eval[string](c, `document.documentElement.lang + " " + document.getElementById("entry0").value`); got != "ko 2018-03-18" {
		t.Errorf("opened again at #hl=ko: %q, want the Korean page with the kept entry", got)
	}
	c.wantText("#days-left", "16")
	c.run(chromedp.Click(button("", e.Server.catalog.Printer(i18n.Korean).T("chk.forget"))))
	if n := eval[int](c, `localStorage.length`); n != 0 {
		t.Errorf("after Forget everything, %d items are stored", n)
	}
	for _, u := range log.take() {
		if u != fileURL && !strings.HasPrefix(u, fileURL+"#") {
			t.Errorf("the page asked for %s", u)
		}
	}
	t.Logf("single file: %d bytes; axe-core:\n%s", len(b), a.report.String())
}
