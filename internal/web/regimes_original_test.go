package web

import (
	"html/template"
	"net/http"
	"strings"
	"testing"

	"visaclock/internal/i18n"
)

// TestRegimeOriginalText: a PRC regime page in Chinese quotes the statute
// in Chinese (lang="zh") beside the English citation (lang="en"); the same
// page in English shows the English only.
func TestRegimeOriginalText(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	b := newBrowser(t, e)
	b.login("admin", testPassword)

	f, ok := e.Packs.File("cn-family-visit")
	if !ok {
		t.Fatal("pack cn-family-visit is not loaded")
	}
	// Two originals the pack quotes: the extension rule's (EEAL Art. 29)
	// and a note's.
	var rule, ruleEN, note string
	if x := f.Extension; x != nil {
		rule, ruleEN = x.Original, x.Citation
	}
	if o := f.Overstay; o != nil {
		for _, n := range o.Notes {
			if n.Original != "" {
				note = n.Original
				break
			}
		}
	}
	if rule == "" || note == "" {
		t.Fatal("cn-family-visit quotes no original for its extension rule or for any note")
	}
	if !strings.Contains(rule, "届满七日前") {
		t.Errorf("the extension rule's original does not quote EEAL Art. 29(2): %q", rule)
	}

	b.cookies[LangCookie] = string(i18n.Chinese)
	zh := b.get("/regimes/cn-family-visit").want(t, http.StatusOK).complete(t)
	zh.contains(t,
		`<p class="source-text" lang="zh">`+esc(t, rule)+`</p>`,
		`<p class="muted" lang="en">`+esc(t, ruleEN)+`</p>`,
		`<p class="source-text" lang="zh">`+esc(t, note)+`</p>`,
	)

	b.cookies[LangCookie] = string(i18n.English)
	en := b.get("/regimes/cn-family-visit").want(t, http.StatusOK).complete(t)
	if strings.Contains(en.Body, esc(t, rule)) || strings.Contains(en.Body, `lang="zh"`) {
		t.Error("the English page shows the Chinese original")
	}
	en.contains(t, `<td lang="en">`+esc(t, ruleEN)+`</td>`)
}

// esc escapes s as the page templates do.
func esc(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	if err := template.Must(template.New("").Parse("{{.}}")).Execute(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
