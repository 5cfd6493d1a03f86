package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"visaclock/internal/i18n"
)

// TestBrowserHouseholds is the households' pages in Chromium, in every
// language: the dashboard shows a family together under its label, the
// household page lists each member with its own state, the trip form
// refused names the member and records nothing, the trip form accepted
// records for the members ticked only; and every page passes axe-core,
// also on a phone.
func TestBrowserHouseholds(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	e := newEnv(t, openSQLite, nil)
	// F-2 overstays, F-3 awaits a decision, F-1 must leave in 10 days;
	// X-1, in no household, overstays too.
	ids := map[string]string{
		"F-1": e.create(t, "F-1", "", schengenEnding("2026-01-20")),
		"F-2": e.create(t, "F-2", "", schengenStay("2025-09-01", "")),
		"F-3": e.create(t, "F-3", "", cnPending("2025-12-01", "2025-12-20", 30)),
		"X-1": e.create(t, "X-1", "", schengenStay("2025-08-01", "")),
	}
	h, err := e.Server.Service.CreateHousehold(context.Background(), e.Admin, "H-12", []string{ids["F-1"], ids["F-2"], ids["F-3"]})
	if err != nil {
		t.Fatal(err)
	}
	hp := "/households/" + h.ID
	c := newChrome(t, exe, e)
	a := &auditor{c: c, axe: axe}
	c.login("/")

	for _, l := range i18n.Choices {
		c.open("/")
		c.switchLang(l)
		p, in := e.Server.catalog.Printer(l), " in "+string(l)

		// The dashboard: X-1, who overstayed first, then the household's
		// label row and its three members, most urgent first, all in the
		// overstay group (F-2's).
		c.open("/")
		c.wantText("tbody.household tr.household-label", p.T("hh.row_label", "label", "H-12"))
		got := eval[[]string](c, `[...document.querySelectorAll("section.overstay tbody th[scope=row]")].map(e => e.innerText)`)
		if want := []string{"X-1", "F-2", "F-3", "F-1"}; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("the overstay group%s lists %v, want %v: the household's members together", in, got, want)
		}
		if n := eval[int](c, `document.querySelectorAll("tbody.household tr:not(.household-label)").length`); n != 3 {
			t.Errorf("the household block%s has %d members, want 3", in, n)
		}
		a.audit("dashboard with a household" + in)

		c.open(hp)
		c.wantText("h1", "H-12")
		c.wantText("table.cases", p.T("state.overstay"), p.T("state.pending"), p.T("state.lawful"))
		a.audit("household" + in)

		// An exit before the members entered: refused, naming F-1 (the
		// first ticked), and nothing recorded.
		form := fmt.Sprintf(`//form[@action=%s]`, xpathLiteral(hp+"/trips"))
		c.run(chromedp.SetValue(chromedp.ID("trip-date"), "2025-07-01"))
		if st := c.load(chromedp.Click(button(form, p.T("hh.trip_submit")))); st != http.StatusUnprocessableEntity {
			t.Errorf("an exit before the entry%s: %d, want 422", in, st)
		}
		c.wantText("#members-error", "F-1")
		a.audit("household, trip refused" + in)

		// The case page's household panel.
		c.open("/cases/" + ids["F-1"])
		c.wantText("#household-h", p.T("hh.panel"))
		a.audit("case in a household" + in)
		c.open("/cases/" + ids["X-1"])
		a.audit("case in no household" + in)
		c.open("/households")
		a.audit("households" + in)
	}
	c.open("/")
	c.switchLang(i18n.English)

	// A phone: nothing scrolls sideways.
	c.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	for _, path := range []string{"/", hp, "/cases/" + ids["F-1"]} {
		c.open(path)
		c.noSidewaysScroll(path + " on a phone")
		a.audit(path + " on a phone")
	}
	c.run(chromedp.ResetViewport())

	// F-1 and F-2 leave together; F-3 is not ticked and stays.
	c.open(hp)
	form := fmt.Sprintf(`//form[@action=%s]`, xpathLiteral(hp+"/trips"))
	c.run(chromedp.Click(labelled(form, "F-3")))
	c.run(chromedp.SetValue(chromedp.ID("trip-date"), "2026-01-09"))
	if st := c.load(chromedp.Click(button(form, c.en.T("hh.trip_submit")))); st != http.StatusOK || c.location() != hp+"?recorded=1" {
		t.Fatalf("recording the exit: %d at %s", st, c.location())
	}
	c.wantText("main", c.en.T("hh.recorded"))
	states := eval[[]string](c, `[...document.querySelectorAll("table.cases tbody tr")].map(r => r.querySelector("th").innerText + " " + r.querySelector(".badge").innerText)`)
	if want := []string{"F-1 " + c.en.T("state.absent"), "F-2 " + c.en.T("state.absent"), "F-3 " + c.en.T("state.pending")}; strings.Join(states, ", ") != strings.Join(want, ", ") {
		t.Errorf("after the exit the members are %v, want %v", states, want)
	}
	a.audit("household, trip recorded")

	// A household started from a case's page: its label, never a name.
	c.open("/cases/" + ids["X-1"])
	nf := `//form[@action="/households"]`
	if st := c.load(chromedp.Click(button(nf, c.en.T("hh.create")))); st != http.StatusUnprocessableEntity {
		t.Errorf("a household without a label: %d, want 422", st)
	}
	a.audit("case, household form refused")
	c.typeInto(nf, c.en.T("hh.new_label"), "H-13")
	if st := c.load(chromedp.Click(button(nf, c.en.T("hh.create")))); st != http.StatusOK || !strings.HasPrefix(c.location(), "/households/h_") {
		t.Fatalf("starting a household: %d at %s", st, c.location())
	}
	c.wantText("h1", "H-13")
	c.wantText("table.cases", "X-1")
	c.noLoggedErrors("the household pages")
}
