package web

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"visaclock/internal/caseimport"
	"visaclock/internal/i18n"
)

// TestBrowserImport imports the template in Chromium as a person does:
// choose the file, read the preview, import; then, in each language, the
// upload page, the preview of the same file (nothing left to import) and a
// bad file's errors, each page audited with axe-core, and the preview at
// phone width without sideways scrolling.
func TestBrowserImport(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	e := newEnv(t, openSQLite, nil)
	e.Clock.Set("2026-11-10")
	c := newChrome(t, exe, e)
	a := &auditor{c: c, axe: axe}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "cases.csv"), filepath.Join(dir, "bad.csv")
	os.WriteFile(good, caseimport.Template, 0o600)
	os.WriteFile(bad, []byte("reference,rule,stay_days,entry,exit\nA,cn-family-visit,60,2026-03-01,2026-02-01\nB,cn-family-visit,sixty,2026-03-01,\n"), 0o600)
	form := `//form[@action="/cases/import"]`
	upload := func(p *i18n.Printer, file string, want int) {
		t.Helper()
		c.run(chromedp.SetUploadFiles(labelled(form, p.T("import.file")), []string{file}))
		if st := c.load(chromedp.Click(button(form, p.T("import.preview")))); st != want {
			t.Fatalf("uploading %s: %d, want %d", filepath.Base(file), st, want)
		}
	}

	c.login("/cases/new")
	if st := c.load(chromedp.Click(xpath(fmt.Sprintf(`//a[normalize-space()=%s]`, xpathLiteral(c.en.T("import.link")))))); st != http.StatusOK || c.location() != "/cases/import" {
		t.Fatalf("following the link from the new-case page: %d at %s", st, c.location())
	}
	upload(c.en, good, http.StatusOK)
	c.wantText("#import-summary", "New cases to create: 3")
	c.wantText("main", "FV-2026-101", "US-2026-007", "SC-2026-040", "Given, sealed")
	a.audit("import preview")
	c.screenshot(artifacts(t), "import-preview.png")
	c.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	c.noSidewaysScroll("import preview on a phone")
	a.audit("import preview on a phone")
	c.run(chromedp.ResetViewport())
	if st := c.load(chromedp.Click(button(form, c.en.T("import.submit", "n", 3)))); st != http.StatusOK {
		t.Fatalf("importing: %d", st)
	}
	c.wantText("#import-summary", "New cases created: 3")
	a.audit("import done")
	if n := countCases(t, e); n != 3 {
		t.Errorf("%d cases after the import, want 3", n)
	}

	for _, l := range i18n.Choices {
		p, in := e.Server.catalog.Printer(l), " in "+string(l)
		c.open("/cases/import")
		c.switchLang(l)
		a.audit("import upload" + in)
		upload(p, good, http.StatusOK)
		c.wantText("#import-nothing", p.T("import.nothing"))
		a.audit("import preview, nothing new" + in)
		c.open("/cases/import")
		upload(p, bad, http.StatusUnprocessableEntity)
		c.wantText("#import-errors", p.T("import.at", "line", 2, "column", "exit", "msg", ""))
		a.audit("import refused" + in)
		if l == i18n.Korean {
			c.screenshot(artifacts(t), "import-refused-ko.png")
		}
	}
	if n := countCases(t, e); n != 3 {
		t.Errorf("%d cases at the end, want 3", n)
	}
	c.noLoggedErrors("the import")
}
