package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
)

// errorCodes reads caseload's error codes from its source: every string
// constant named E followed by a capital. A code added there without a
// row in statuses fails TestEveryCodeHasAStatus.
func errorCodes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../caseload/*.go")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`^E[A-Z]`)
	codes := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if regexp.MustCompile(`_test\.go$`).MatchString(path) {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !name.MatchString(n.Name) || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						codes[n.Name] = v
					}
				}
			}
		}
	}
	if len(codes) < 8 {
		t.Fatalf("found %d error codes in caseload: %v", len(codes), codes)
	}
	return codes
}

// TestEveryCodeHasAStatus: one table answers every caseload error code,
// for both faces, with a page sentence in every language.
func TestEveryCodeHasAStatus(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	codes := errorCodes(t)
	for name, code := range codes {
		st, ok := statuses[code]
		if !ok {
			t.Errorf("caseload.%s (%q) has no row in statuses", name, code)
			continue
		}
		if st.API < 400 || st.Title == "" {
			t.Errorf("%s: API status %d, title %q", code, st.API, st.Title)
		}
		if st.Page == http.StatusSeeOther {
			continue
		}
		if st.Page < 400 || st.Message == "" {
			t.Errorf("%s: page status %d, message %q", code, st.Page, st.Message)
		}
		for _, l := range i18n.Choices {
			if _, ok := cat.Message(l, st.Message); !ok {
				t.Errorf("%s: no %s message %q", code, l, st.Message)
			}
		}
	}
	if len(statuses) != len(codes) {
		t.Errorf("statuses has %d rows for %d codes", len(statuses), len(codes))
	}
	for _, tc := range []struct {
		code      string
		api, page int
	}{
		{caseload.EConflict, http.StatusPreconditionFailed, http.StatusConflict},
		{caseload.ENotFound, http.StatusNotFound, http.StatusNotFound},
		{caseload.EInvalid, http.StatusUnprocessableEntity, http.StatusUnprocessableEntity},
		{caseload.EExists, http.StatusConflict, http.StatusUnprocessableEntity},
		{caseload.EUnauthenticated, http.StatusUnauthorized, http.StatusSeeOther},
		{caseload.EInternal, http.StatusInternalServerError, http.StatusInternalServerError},
		{"no-such-code", http.StatusInternalServerError, http.StatusInternalServerError},
	} {
		if st := statusOf(tc.code); st.API != tc.api || st.Page != tc.page {
			t.Errorf("%s: API %d page %d, want %d and %d", tc.code, st.API, st.Page, tc.api, tc.page)
		}
	}
}
