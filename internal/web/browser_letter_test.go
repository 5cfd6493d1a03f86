package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"visaclock/internal/i18n"
)

// pdftools returns the paths of pdftotext and pdfinfo (poppler-utils),
// which read a printed letter back; without them the test skips, or fails
// under CI=true, as it does without Chromium.
func pdftools(t *testing.T) (text, info string) {
	t.Helper()
	return browserNeed(t, "pdftotext (poppler-utils)", "VISACLOCK_PDFTOTEXT", "/usr/bin/pdftotext"),
		browserNeed(t, "pdfinfo (poppler-utils)", "VISACLOCK_PDFINFO", "/usr/bin/pdfinfo")
}

// printPDF prints the page shown as Chromium's print dialog would, with
// the page's own @page size, and writes the PDF to path.
func (c *chrome) printPDF(path string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, step)
	defer cancel()
	yes := true
	pdf, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes})
		return r.Data, err
	}))
	if err != nil {
		c.t.Fatalf("printing %s to PDF: %v", c.location(), err)
	}
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// pdfText is the text of a PDF as pdftotext reads it, in reading order,
// and its number of pages as pdfinfo counts them.
func pdfText(t *testing.T, pdftotext, pdfinfo, path string) (string, int) {
	t.Helper()
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	info, err := exec.Command(pdfinfo, path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo %s says no page count:\n%s", path, info)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if !regexp.MustCompile(`(?m)^Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)`).Match(info) {
		t.Errorf("%s is not A4:\n%s", path, info)
	}
	return string(out), n
}

// TestBrowserStatusLetter follows the case page's link to the status
// letter, audits the letter with axe-core in each language, prints it to
// PDF in Chromium and reads the PDF back with pdftotext: the reference, the
// state, the last lawful day and a citation are on it, in English, Chinese
// and Korean, on one A4 page without the app's header and navigation; and
// every seeded case's letter, named or not, fits one page.
func TestBrowserStatusLetter(t *testing.T) {
	exe, axe := chromium(t), axeScript(t)
	pdftotext, pdfinfo := pdftools(t)
	e := newEnv(t, openSQLite, nil)
	ids := seedCaseload(t, e)
	// A report pack's letter carries its disagreements with the statute
	// as cautions: the longest letter of the embedded packs.
	ids["RP-2026-001"] = str(t, e.do("POST", "/v1/cases", caseBody("RP-2026-001", "", reportCase)).want(t, http.StatusCreated).object(t), "id")
	c := newChrome(t, exe, e)
	a := &auditor{c: c, axe: axe}
	dir := artifacts(t)
	c.login("/")

	fv := "/cases/" + ids["FV-2026-014"]
	c.open(fv)
	if st := c.load(chromedp.Click(xpath(`//a[normalize-space()=` + xpathLiteral(c.en.T("letter.link")) + `]`))); st != http.StatusOK || c.location() != fv+"/letter" {
		t.Fatalf("the case page's letter link: %d at %s", st, c.location())
	}
	c.wantText("h1", "Status letter")

	for _, tc := range []struct {
		lang                   i18n.Lang
		state, lastDay, cite   string
		prepared, notEnglishTo string
	}{
		{i18n.English, "Lawful", "19 Jul 2026 (29 days left)", "EEAL Art. 29(2)", "Prepared on 20 Jun 2026", ""},
		{i18n.Chinese, "合法停留", "2026年7月19日（还剩29天）", "《中华人民共和国出境入境管理法》第二十九条第二款", "出具日期：2026年6月20日", "Status letter"},
		{i18n.Korean, "합법 체류", "2026년 7월 19일 (29일 남음)", "EEAL Art. 29(2)", "작성일: 2026년 6월 20일", "Status letter"},
	} {
		c.open(fv + "/letter?lang=" + string(tc.lang))
		if got, want := eval[string](c, `document.documentElement.lang`), htmlLang[tc.lang]; got != want {
			t.Errorf("%s: <html lang=%q>, want %q", tc.lang, got, want)
		}
		a.audit("letter in " + string(tc.lang))
		path := filepath.Join(dir, "letter-"+string(tc.lang)+".pdf")
		c.printPDF(path)
		text, pages := pdfText(t, pdftotext, pdfinfo, path)
		// pdftotext breaks lines where the page does; a sentence is found
		// with its spaces and breaks made one.
		flat := strings.Join(strings.Fields(text), " ")
		for _, want := range []string{"FV-2026-014", tc.state, tc.lastDay, tc.cite, tc.prepared, "NGO default"} {
			if !strings.Contains(flat, strings.Join(strings.Fields(want), " ")) && !strings.Contains(strings.ReplaceAll(flat, " ", ""), strings.ReplaceAll(want, " ", "")) {
				t.Errorf("%s: the printed letter lacks %q:\n%s", tc.lang, want, text)
			}
		}
		p := e.Server.catalog.Printer(tc.lang)
		for _, screenOnly := range []string{p.T("nav.dashboard"), p.T("letter.back"), p.T("nav.logout"), "Ri Chol-su", "PX7734521"} {
			if strings.Contains(flat, screenOnly) {
				t.Errorf("%s: the printed letter shows %q", tc.lang, screenOnly)
			}
		}
		if tc.notEnglishTo != "" && strings.Contains(flat, tc.notEnglishTo) {
			t.Errorf("%s: the printed letter is partly in English: %q", tc.lang, tc.notEnglishTo)
		}
		if pages != 1 {
			t.Errorf("%s: the letter prints on %d pages, want 1", tc.lang, pages)
		}
	}

	// Every seeded case, in each language, named: one page each.
	for ref, id := range ids {
		for _, l := range []i18n.Lang{i18n.English, i18n.Chinese, i18n.Korean} {
			c.open(fmt.Sprintf("/cases/%s/letter?lang=%s&reveal=identity", id, l))
			path := filepath.Join(dir, fmt.Sprintf("letter-%s-%s-named.pdf", ref, l))
			c.printPDF(path)
			text, pages := pdfText(t, pdftotext, pdfinfo, path)
			if pages != 1 {
				t.Errorf("%s in %s, named: %d pages, want 1", ref, l, pages)
			}
			if !strings.Contains(text, ref) {
				t.Errorf("%s in %s: the printed letter lacks its reference:\n%s", ref, l, text)
			}
		}
	}
	a.audit("letter, named, in ko")

	// On a phone the letter reads without sideways scrolling.
	c.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
	for _, l := range []i18n.Lang{i18n.English, i18n.Chinese} {
		c.open(fv + "/letter?reveal=identity&lang=" + string(l))
		c.noSidewaysScroll("the letter on a phone in " + string(l))
		a.audit("the letter on a phone in " + string(l))
	}
	c.run(chromedp.ResetViewport())
	t.Logf("printed %d letters", 3*len(ids))
	c.noLoggedErrors("the letters")
}
