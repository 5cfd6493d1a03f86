package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
)

// Attributes that make a browser load or send something.
var urlAttr = regexp.MustCompile(`(?i)\s(src|href|action|formaction|srcset|poster|data|manifest|ping)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)

// TestSingle: the single file names nothing outside itself, carries the
// module byte for byte, runs only its own inline scripts and style (their
// hashes are in its policy), has every language, and is the same at every
// build.
func TestSingle(t *testing.T) {
	o := options(t)
	o.Action = "https://example.org/check/" // the single file ignores it: it sends nothing
	o.Module.WASM = bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00 a module "), 5000)
	s, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Single()
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)

	got, err := SingleModule(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, o.Module.WASM) {
		t.Errorf("the embedded module decodes to %d bytes that are not the module's %d", len(got), len(o.Module.WASM))
	}
	if len(b) > len(o.Module.WASM) {
		t.Errorf("the file is %d bytes for a module of %d: it is not compressed", len(b), len(o.Module.WASM))
	}

	// Nothing external: no address anywhere, and every attribute that
	// loads or sends names the file itself (#…) or data in it (data:).
	for _, m := range regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://`).FindAllString(page, -1) {
		t.Errorf("the file names an address (%s…)", m)
	}
	attrs := urlAttr.FindAllStringSubmatch(page, -1)
	if len(attrs) < 5 {
		t.Fatalf("found %d URL attributes; the language links and the icon should be among them", len(attrs))
	}
	for _, a := range attrs {
		v := strings.Trim(a[2], `"'`)
		if v != "" && !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:") {
			t.Errorf("%s=%q points outside the file", a[1], v)
		}
	}
	if strings.Contains(page, "<link rel=\"stylesheet\"") || strings.Contains(page, "<script src") || strings.Contains(page, "manifest") {
		t.Error("the file loads a stylesheet, a script or a manifest")
	}

	// The policy allows nothing from anywhere, and names by hash exactly
	// the inline scripts and style the file has.
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy <meta>")
	}
	policy := html.UnescapeString(csp[1])
	for _, want := range []string{"default-src 'none'", "connect-src 'none'", "form-action 'none'", "img-src data:;", "'wasm-unsafe-eval'", "base-uri 'none'"} {
		if !strings.Contains(policy, want) {
			t.Errorf("the policy lacks %s: %s", want, policy)
		}
	}
	if strings.Contains(policy, "'self'") || strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "example.org") {
		t.Errorf("the policy allows too much: %s", policy)
	}
	hashOf := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 2 {
		t.Fatalf("the file has %d inline scripts, want wasm_exec.js and app.js", len(scripts))
	}
	app, _ := s.File("app.js")
	if scripts[0][1] != string(o.Module.Exec) || scripts[1][1] != string(app) {
		t.Error("the inline scripts are not wasm_exec.js and app.js as they are")
	}
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(page, -1)
	if len(styles) != 1 {
		t.Fatalf("the file has %d <style> elements, want 1", len(styles))
	}
	for _, inline := range []string{scripts[0][1], scripts[1][1], styles[0][1]} {
		if !strings.Contains(policy, hashOf(inline)) {
			t.Errorf("the policy does not name an inline script or style by its hash %s", hashOf(inline))
		}
	}
	if strings.Contains(page, " style=") || strings.Contains(page, " onclick=") {
		t.Error("the file has an inline style or handler attribute, which its policy blocks")
	}

	// Every language: English shown, all four as templates, with links
	// that change the address's #hl= only.
	if !strings.Contains(page, `<html lang="en">`) {
		t.Error("the file does not open in English")
	}
	for _, l := range []string{"en", "zh", "ko", "ko-KP"} {
		if !strings.Contains(page, `<template data-lang="`+l+`"`) || !strings.Contains(page, `href="#hl=`+l+`"`) {
			t.Errorf("the file lacks the %s page or its link", l)
		}
	}
	if !strings.Contains(page, "려권") {
		t.Error("the northern Korean page is not in the file (no 려권)")
	}

	again, err := s.Single()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Error("two single files from the same site differ")
	}
}

func TestSingleRefuses(t *testing.T) {
	o := options(t)
	o.Module = Module{}
	s, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Single(); !errors.Is(err, ErrNoModule) {
		t.Errorf("Single without a module: %v, want ErrNoModule", err)
	}
	o = options(t)
	o.Module.Exec = []byte("var x = '</SCRIPT>';")
	if s, err = Build(o); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Single(); err == nil || !strings.Contains(err.Error(), "wasm_exec.js") {
		t.Errorf("a wasm_exec.js that ends its element early: %v, want an error naming it", err)
	}
}

func FuzzSingleModule(f *testing.F) {
	f.Add([]byte(`<script id="visaclock-module">H4sIAAAAAAAC/0tMTAQAKa9Z2wMAAAA=</script>`))
	f.Add([]byte(`<script id="visaclock-module">!!</script>`))
	f.Add([]byte(`id="visaclock-module"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := SingleModule(b)
		if err == nil && len(m) > 64<<20 {
			t.Errorf("decoded %d bytes, over the limit", len(m))
		}
	})
}
