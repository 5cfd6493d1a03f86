package web

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"visaclock/internal/caseimport"
	"visaclock/internal/i18n"
)

// postFile sends the import page's form: the file, when given, and the
// other fields.
func (b *browser) postFile(path string, file []byte, kv ...string) *page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if file != nil {
		part, _ := w.CreateFormFile("file", "cases.csv")
		part.Write(file)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		w.WriteField(kv[i], kv[i+1])
	}
	w.Close()
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return &page{Status: res.StatusCode, Body: string(raw), Header: res.Header}
}

var hiddenData = regexp.MustCompile(`name="data" value="([^"]*)"`)

// TestImportPages: the upload page in each language; a file previewed,
// then imported from the preview's confirmation; the same file again
// changes nothing; a bad file refused with each error's line and column in
// the reader's language; the template downloaded.
func TestImportPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		e.Clock.Set("2026-11-10")
		b := newBrowser(t, e)
		b.login("admin", testPassword)
		b.get("/cases/new").want(t, http.StatusOK).contains(t, `href="/cases/import"`)
		for _, l := range i18n.Choices {
			b.cookies[LangCookie] = string(l)
			b.get("/cases/import").want(t, http.StatusOK).complete(t)
		}
		b.cookies[LangCookie] = string(i18n.English)

		prev := b.postFile("/cases/import", caseimport.Template).want(t, http.StatusOK).complete(t)
		prev.contains(t, "Preview: nothing is stored yet", "Rows read: 5. New cases to create: 3. Cases already there and unchanged: 0.",
			"FV-2026-101", "2–3", "New case", "Lawful", "until 18 Nov 2026", "Given, sealed", "Import 3 new cases")
		m := hiddenData.FindStringSubmatch(prev.Body)
		if m == nil {
			t.Fatal("the preview has no form to import the file")
		}
		if countCases(t, e) != 0 {
			t.Fatal("the preview stored cases")
		}
		done := b.postFile("/cases/import", nil, "data", html.UnescapeString(m[1]), "step", "import").want(t, http.StatusOK).complete(t)
		done.contains(t, "New cases created: 3. Cases already there and left unchanged: 0.", `<a href="/cases/c_`)
		if n := countCases(t, e); n != 3 {
			t.Errorf("%d cases after the import, want 3", n)
		}
		b.postFile("/cases/import", caseimport.Template).want(t, http.StatusOK).
			contains(t, "New cases to create: 0. Cases already there and unchanged: 3.", "Already there, unchanged")

		bad := []byte("reference,rule,stay_days,entry,exit\nA,cn-family-visit,60,2026-03-01,2026-02-01\nB,cn-family-visit,sixty,2026-03-01,\n")
		b.postFile("/cases/import", bad).want(t, http.StatusUnprocessableEntity).complete(t).contains(t,
			"The file is refused and nothing was imported.",
			"Line 2, column exit: The exit (1 Feb 2026) is before the entry (1 Mar 2026).",
			"Line 3, column stay_days: “sixty” is not a whole number: write digits alone, such as 30.")
		b.cookies[LangCookie] = string(i18n.Chinese)
		b.postFile("/cases/import", bad).want(t, http.StatusUnprocessableEntity).complete(t).contains(t, "第 3 行，stay_days 列：“sixty”不是整数")
		b.cookies[LangCookie] = string(i18n.KoreanKP)
		b.postFile("/cases/import", nil).want(t, http.StatusUnprocessableEntity).complete(t).contains(t, "CSV 또는 XLSX 화일을 선택하십시오.")
		if n := countCases(t, e); n != 3 {
			t.Errorf("%d cases after refused files, want 3", n)
		}

		tmpl := b.get("/cases/import/template.csv").want(t, http.StatusOK)
		if tmpl.Body != string(caseimport.Template) || !strings.HasPrefix(tmpl.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("the template: %s, %d bytes", tmpl.Header.Get("Content-Type"), len(tmpl.Body))
		}
	})
}

// TestImportReasonsWorded: every reason a spreadsheet's error may have is
// worded in the catalogue (each language has each key: i18n's test).
func TestImportReasonsWorded(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(caseimport.Reasons, "required") {
		if _, ok := c.Message(i18n.English, "invalid."+r); !ok {
			t.Errorf("no message invalid.%s", r)
		}
	}
}
