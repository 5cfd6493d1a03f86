package site

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"visaclock/internal/checker"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
)

func options(t *testing.T) Options {
	t.Helper()
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Packs: reg, Catalog: cat, Module: Module{WASM: []byte("\x00asm-test"), Exec: []byte("// exec")}}
}

// TestBuild: the same inputs give the same files, byte for byte (so that a
// hosted copy can be checked against one built from the release), and the
// service worker's version follows the files.
func TestBuild(t *testing.T) {
	o := options(t)
	a, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"app.js", "icon.svg", "index.html", "ko-KP.html", "ko.html", "manifest.webmanifest", "style.css", "sw.js", "visaclock.wasm", "wasm_exec.js", "zh.html"}
	if got := a.Names(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", got, want)
	}
	for _, n := range a.Names() {
		x, _ := a.File(n)
		y, _ := b.File(n)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds", n)
		}
	}
	o.Module.WASM = []byte("\x00asm-other")
	c, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	swA, _ := a.File("sw.js")
	swC, _ := c.File("sw.js")
	if bytes.Equal(swA, swC) {
		t.Error("a new module left the service worker's version as it was")
	}
	if bytes.Contains(swA, []byte("__VERSION__")) || bytes.Contains(swA, []byte("__FILES__")) {
		t.Error("sw.js was not filled in")
	}
}

func TestBuildWithoutModule(t *testing.T) {
	o := options(t)
	o.Module = Module{}
	o.RequireModule = true
	if _, err := Build(o); !errors.Is(err, ErrNoModule) {
		t.Errorf("Build without a module: %v, want ErrNoModule", err)
	}
	o.RequireModule = false
	s, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	if s.HasModule() {
		t.Error("HasModule without one")
	}
	page, _ := s.File("index.html")
	if !bytes.Contains(page, []byte(`data-module="no"`)) {
		t.Error("the page does not know it has no module")
	}
	if bytes.Contains(page, []byte("wasm_exec.js")) {
		t.Error("the page loads wasm_exec.js, which a site without a module does not have")
	}
}

// TestCSP: the form may post only where the site says.
func TestCSP(t *testing.T) {
	for action, want := range map[string]string{"": "form-action 'none'", "./": "form-action 'self';", "https://example.org/check/": "form-action 'self' https://example.org/check/;"} {
		o := options(t)
		o.Action = action
		s, err := Build(o)
		if err != nil {
			t.Fatal(err)
		}
		csp := s.CSP()
		if !strings.Contains(csp, want) || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "'wasm-unsafe-eval'") {
			t.Errorf("action %q: %s", action, csp)
		}
	}
}

// TestRender: the server's answer keeps what the person typed (escaped),
// adds rows for what they filled beyond the first, and shows the problem.
func TestRender(t *testing.T) {
	o := options(t)
	o.Action = "./"
	s, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	f := checker.Form{"rule": "schengen-short-stay", "entry5": "<b>2014-01-01", "ext_filed3": "2014-01-02"}
	b, err := s.Render(i18n.Korean, f, nil, &checker.Problem{Field: "entry5", Message: "날짜가 <아닙니다>"})
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`<html lang="ko">`, `value="&lt;b&gt;2014-01-01"`, `id="entry5"`, `id="ext_filed3"`, `날짜가 &lt;아닙니다&gt;`,
		`<option value="schengen-short-stay" selected>`, `action="./"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="entry6"`) {
		t.Error("the page has a row beyond the last filled")
	}
}
