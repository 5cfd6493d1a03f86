package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReminders chooses reminders on the account page in Chromium
// as a person would: a refused address shown beside its field, then an
// address and a webhook saved, the webhook's secret shown once, and the
// choice read back through the API; axe-core audits both states.
func TestBrowserReminders(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	e := newEnv(t, openSQLite, nil)
	c := newChrome(t, exe, e)
	a := &auditor{c: c, axe: axe}
	c.login("/account")
	section := `//section[@aria-labelledby="remind-h"]`
	save := button(section, c.en.T("acct.remind.save"))

	c.typeInto(section, c.en.T("acct.remind.email"), "wei at example")
	if st := c.load(chromedp.Click(save)); st != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong address: %d, want 422", st)
	}
	c.wantText("#email-error", c.en.T("acct.remind.err.email"))
	if got := eval[string](c, `document.getElementById("email").getAttribute("aria-invalid") || ""`); got != "true" {
		t.Errorf("the refused address is not marked invalid: %q", got)
	}
	a.audit("account, reminders refused")

	eval[bool](c, `(document.getElementById("email").value = "") === ""`)
	c.typeInto(section, c.en.T("acct.remind.email"), "wei@example.org")
	c.typeInto(section, c.en.T("acct.remind.webhook"), "https://hooks.example.org/visaclock")
	c.run(chromedp.Click(labelled(section, c.en.N("acct.remind.offset", 7))))
	c.run(chromedp.SetValue(chromedp.ID("remind-lang"), "zh"))
	if st := c.load(chromedp.Click(save)); st != http.StatusOK {
		t.Fatalf("saving reminders: %d at %s", st, c.location())
	}
	c.wantText("#reminders-saved", c.en.T("acct.remind.saved"))
	secret := c.text("#new-secret code")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("the new secret shown is %q", secret)
	}
	a.audit("account, reminders saved")

	got := e.do("GET", "/v1/me/reminders", nil).want(t, http.StatusOK).object(t)
	offsets := got["offsets"].([]any)
	if got["email"] != "wei@example.org" || got["webhook_url"] != "https://hooks.example.org/visaclock" || got["lang"] != "zh" ||
		got["overstay"] != true || got["has_secret"] != true || len(offsets) != 3 || offsets[2] != float64(1) {
		t.Errorf("the reminders saved: %v", got)
	}
	// The secret is shown once: the page opened again does not show it.
	c.open("/account")
	if n := eval[int](c, `document.querySelectorAll("#new-secret").length`); n != 0 {
		t.Error("the secret is shown again")
	}
	c.wantText(`section[aria-labelledby="remind-h"]`, c.en.T("acct.remind.has_secret"))
	c.noLoggedErrors("reminders")
}
