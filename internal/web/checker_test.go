package web

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/site"
	"visaclock/internal/site/sitetest"
	"visaclock/internal/sqlstore/sqlstoretest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	sitetest.Cleanup()
	os.Exit(code)
}

// newCheckerEnv starts the real handler, as newEnv does, with the checker
// at /check/ carrying a module built from this checkout when withModule.
func newCheckerEnv(t *testing.T, withModule bool) *apiEnv {
	t.Helper()
	reg := embeddedPacks(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var mod site.Module
	if withModule {
		mod, _ = sitetest.Module(t)
	}
	chk, err := site.Build(site.Options{Packs: reg, Catalog: cat, Module: mod, Action: "./"})
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{}
	clk.Set(startDay)
	st := openSQLite(t)
	srv := &Server{
		Service: &caseload.Service{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring(), PasswordParams: testParams},
		Packs:   reg,
		Checker: chk,
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &apiEnv{t: t, URL: hs.URL, Clock: clk, Store: st, Packs: reg, Server: srv, HTTP: hs}
}

func postCheck(t *testing.T, e *apiEnv, form url.Values) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+"/check/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, html.UnescapeString(string(b)), res.Header
}

// TestCheckFormWithoutScripts: with scripts off the page's form posts to
// /check/, which answers with the page and the answer in the form's
// language, or the problem beside the field, and keeps nothing.
func TestCheckFormWithoutScripts(t *testing.T) {
	e := newCheckerEnv(t, false)
	cat := e.Server.catalog
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"family visit in English", url.Values{"lang": {"en"}, "rule": {"cn-family-visit"}, "stay_days": {"30"}, "entry0": {"2018-03-18"}, "as_of": {"2018-04-01"}}, 200,
			[]string{cat.Printer(i18n.English).T("status.lawful", "date", "17 Apr 2018", "left", "16 days left"), `<dd id="days-left">16</dd>`, `value="2018-03-18"`, "State Council Decree No. 637"}},
		{"family visit in Korean, northern", url.Values{"lang": {"ko-KP"}, "rule": {"cn-family-visit"}, "stay_days": {"30"}, "entry0": {"2018-03-18"}, "as_of": {"2018-04-01"}}, 200,
			[]string{`<html lang="ko-KP">`, "2018년 4월 17일", `<dd id="days-left">16</dd>`}},
		{"Schengen, three stays", url.Values{"lang": {"zh"}, "rule": {"schengen-short-stay"}, "entry0": {"2013-06-01"}, "exit0": {"2013-07-13"},
			"entry1": {"2013-08-15"}, "exit1": {"2013-09-30"}, "entry2": {"2014-01-01"}, "as_of": {"2014-01-30"}}, 200,
			[]string{"2014年3月31日", `<html lang="zh">`}},
		{"a bad date", url.Values{"lang": {"en"}, "rule": {"cn-family-visit"}, "entry0": {"18/03/2018"}, "as_of": {"2018-04-01"}}, 422,
			[]string{`"18/03/2018" is not a date`, `value="18/03/2018"`}},
		{"leaving before entering", url.Values{"lang": {"en"}, "rule": {"cn-family-visit"}, "stay_days": {"30"}, "entry0": {"2018-03-18"}, "exit0": {"2018-03-01"}, "as_of": {"2018-04-01"}}, 422,
			[]string{cat.Printer(i18n.English).T("chk.problem")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := postCheck(t, e, tc.form)
			if status != tc.status {
				t.Errorf("status %d, want %d\n%.2000s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the answer lacks %q", w)
				}
			}
			if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
	// The family visit's date as of the clock when the form gives none.
	e.Clock.Set("2018-04-10")
	_, body, _ := postCheck(t, e, url.Values{"rule": {"cn-family-visit"}, "stay_days": {"30"}, "entry0": {"2018-03-18"}})
	if !strings.Contains(body, `<dd id="days-left">7</dd>`) {
		t.Errorf("without as_of the server's today (2018-04-10) should leave 7 days")
	}
}

// TestCheckFiles: /check redirects to /check/, which serves the English
// page; every file of the site is served with its type, and no login.
func TestCheckFiles(t *testing.T) {
	e := newCheckerEnv(t, false)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(e.URL + "/check")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/check/" {
		t.Errorf("/check: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	for name, ct := range map[string]string{"": "text/html", "zh.html": "text/html", "app.js": "text/javascript", "sw.js": "text/javascript",
		"style.css": "text/css", "manifest.webmanifest": "application/manifest+json"} {
		res, err := http.Get(e.URL + "/check/" + name)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ct) {
			t.Errorf("/check/%s: %d %s", name, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	res, err = http.Get(e.URL + "/check/nothing.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("/check/nothing.js: %d", res.StatusCode)
	}
}
