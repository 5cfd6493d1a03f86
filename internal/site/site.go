// Package site is the private checker as a static site (docs/checker.md):
// a page in each language, the engine as a WebAssembly module with the Go
// runtime's wasm_exec.js, a stylesheet, a script, a web app manifest and a
// service worker that keeps them all for use without the network. The same
// files are written by `visaclock site` and served by `visaclock serve` at
// /check/, which also answers the page's form when scripts are off.
// Site.Single makes the same checker as one HTML file, with everything in
// it, that works opened from disk with no network.
//
// The module is built from cmd/visaclock-wasm by `go generate
// ./internal/site` into module/, which the binary embeds; a binary built
// without it writes the site from a module it is given (Options.Module), or
// refuses (ErrNoModule).
package site

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"visaclock/internal/checker"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
)

//go:embed assets
var assets embed.FS

// The module directory always holds its README, so that the embed
// pattern matches on a fresh clone before `go generate` has run.
//
//go:embed module
var module embed.FS

// Module is the engine compiled to WebAssembly and the wasm_exec.js of the
// Go release that compiled it (they must match).
type Module struct {
	WASM, Exec []byte
}

// File names of the module in module/ and in the site.
const (
	WASMFile = "visaclock.wasm"
	ExecFile = "wasm_exec.js"
)

// ErrNoModule is returned when a site is asked for without a module.
var ErrNoModule = errors.New("this visaclock was built without the checker's WebAssembly module: run `go generate ./internal/site` and build again, or give --module DIR (docs/checker.md)")

// Embedded returns the module built into the binary, if it was.
func Embedded() (Module, bool) {
	return ReadModule(module, "module")
}

// ReadModule reads visaclock.wasm and wasm_exec.js from dir in fsys.
func ReadModule(fsys fs.FS, dir string) (Module, bool) {
	w, err1 := fs.ReadFile(fsys, path.Join(dir, WASMFile))
	x, err2 := fs.ReadFile(fsys, path.Join(dir, ExecFile))
	if err1 != nil || err2 != nil || len(w) == 0 || len(x) == 0 {
		return Module{}, false
	}
	return Module{WASM: w, Exec: x}, true
}

// Options says what a site holds.
type Options struct {
	Packs   *packs.Registry
	Catalog *i18n.Catalog
	// Module is the engine; without it the pages are written but cannot
	// answer with scripts on (Build with RequireModule refuses).
	Module        Module
	RequireModule bool
	// Action is where the form posts when scripts are off: "./" when the
	// site is served by `visaclock serve`, a URL ending in /check/ for a
	// static copy that names such a server, "" for none (the page then
	// says that it needs scripts).
	Action string
}

// Site is the built files by name, and what renders its page.
type Site struct {
	files map[string][]byte
	page  *template.Template
	opts  Options
	packs []packOption
}

// pageFile names each language's page.
var pageFile = map[i18n.Lang]string{i18n.English: "index.html", i18n.Chinese: "zh.html", i18n.Korean: "ko.html", i18n.KoreanKP: "ko-KP.html"}

var langNames = map[i18n.Lang]string{i18n.English: "English", i18n.Chinese: "中文（简体）", i18n.Korean: "한국어", i18n.KoreanKP: "조선말"}

// Build makes the site's files.
func Build(o Options) (*Site, error) {
	if o.RequireModule && len(o.Module.WASM) == 0 {
		return nil, ErrNoModule
	}
	page, err := template.New("page.html").Funcs(template.FuncMap{
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"inc": func(i int) int { return i + 1 },
		"key": func(parts ...any) string { return fmt.Sprint(parts...) },
	}).ParseFS(assets, "assets/page.html")
	if err != nil {
		return nil, err
	}
	s := &Site{files: map[string][]byte{}, page: page, opts: o}
	for _, id := range o.Packs.IDs() {
		f, _ := o.Packs.File(id)
		s.packs = append(s.packs, packOption{ID: id, Title: f.Title})
	}
	for _, name := range []string{"app.js", "style.css", "icon.svg", "manifest.webmanifest"} {
		b, err := fs.ReadFile(assets, "assets/"+name)
		if err != nil {
			return nil, err
		}
		s.files[name] = b
	}
	if len(o.Module.WASM) > 0 {
		s.files[WASMFile], s.files[ExecFile] = o.Module.WASM, o.Module.Exec
	}
	for _, l := range i18n.Choices {
		b, err := s.Render(l, nil, nil, nil)
		if err != nil {
			return nil, err
		}
		s.files[pageFile[l]] = b
	}
	// The service worker names every other file and a version drawn from
	// their contents, so that a new site replaces the cached one whole.
	names := s.Names()
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write(s.files[n])
	}
	list, _ := json.Marshal(names)
	sw, err := fs.ReadFile(assets, "assets/sw.js")
	if err != nil {
		return nil, err
	}
	sw = bytes.Replace(sw, []byte("__VERSION__"), []byte(hex.EncodeToString(h.Sum(nil))[:16]), 1)
	sw = bytes.Replace(sw, []byte("__FILES__"), list, 1)
	s.files["sw.js"] = sw
	return s, nil
}

// Names lists the site's files, sorted.
func (s *Site) Names() []string {
	names := make([]string, 0, len(s.files))
	for n := range s.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// File returns a file of the site.
func (s *Site) File(name string) ([]byte, bool) {
	b, ok := s.files[name]
	return b, ok
}

// HasModule says whether the site carries the engine.
func (s *Site) HasModule() bool { _, ok := s.files[WASMFile]; return ok }

// ContentType is the media type of a site file.
func ContentType(name string) string {
	switch filepath.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".wasm":
		return "application/wasm"
	case ".webmanifest":
		return "application/manifest+json"
	}
	return "text/plain; charset=utf-8"
}

// CSP is the page's content security policy: nothing from elsewhere, the
// module may be compiled ('wasm-unsafe-eval'), and the form may post only
// to the site's own server (or the one named at build time). The page
// itself narrows connect-src to 'none' once the module has loaded.
func (s *Site) CSP() string {
	form := "'self'"
	if a := s.opts.Action; strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://") {
		form += " " + a
	} else if a == "" {
		form = "'none'"
	}
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"worker-src 'self'; manifest-src 'self'; form-action " + form + "; base-uri 'none'; object-src 'none'"
}

// WriteDir writes the site into dir, with SHA256SUMS listing each file's
// checksum as sha256sum prints it.
func (s *Site) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var sums bytes.Buffer
	for _, n := range s.Names() {
		if err := os.WriteFile(filepath.Join(dir, n), s.files[n], 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(s.files[n])
		fmt.Fprintf(&sums, "%x  %s\n", sum, n)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), sums.Bytes(), 0o644)
}

type packOption struct{ ID, Title string }

type langLink struct {
	Code, Name, Href string
	Current          bool
}

// pageData is what page.html is given.
type pageData struct {
	Lang      i18n.Lang
	P         *i18n.Printer
	CSP       string
	Langs     []langLink
	Packs     []packOption
	Action    string
	HasModule bool
	Form      checker.Form
	Trips     int
	Exts      int
	View      *checker.View
	Problem   *checker.Problem
}

// defaultPack is the one the form shows chosen: the checker is for the
// family visit first.
const defaultPack = "cn-family-visit"

// Rows shown at first: with scripts on, the page adds more.
const (
	tripRows = 3
	extRows  = 1
)

// Render renders the page in l, with the form's values and the answer
// (or the problem) when the server answers the form.
func (s *Site) Render(l i18n.Lang, f checker.Form, v *checker.View, pr *checker.Problem) ([]byte, error) {
	var b bytes.Buffer
	if err := s.page.Execute(&b, s.data(l, f, v, pr, false)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// data is what the page in l is rendered from. In the single file the
// language links name a language in the address (#hl=zh) instead of
// another file, and the form posts nowhere.
func (s *Site) data(l i18n.Lang, f checker.Form, v *checker.View, pr *checker.Problem, single bool) pageData {
	// The packs by their names in the reader's language where the
	// catalogue has one; the first is the family visit unless the form
	// chose another.
	packs := make([]packOption, len(s.packs))
	for i, pk := range s.packs {
		packs[i] = pk
		if t, ok := s.opts.Catalog.Message(l, "chk.pack."+pk.ID); ok {
			packs[i].Title = t
		}
	}
	if f["rule"] == "" {
		f = maps.Clone(f)
		if f == nil {
			f = checker.Form{}
		}
		f["rule"] = defaultPack
	}
	action := s.opts.Action
	if single {
		action = ""
	}
	d := pageData{
		Lang: l, P: s.opts.Catalog.Printer(l), CSP: s.CSP(), Packs: packs, Action: action,
		HasModule: len(s.opts.Module.WASM) > 0, Form: f, Trips: tripRows, Exts: extRows, View: v, Problem: pr,
	}
	for _, x := range i18n.Choices {
		href := pageFile[x]
		if x == i18n.English {
			href += "?hl=en" // the English page otherwise follows the browser's language
		}
		if single {
			href = "#hl=" + string(x)
		}
		d.Langs = append(d.Langs, langLink{Code: string(x), Name: langNames[x], Href: href, Current: x == l})
	}
	// Rows the form filled beyond those shown at first.
	for i := checker.MaxRows - 1; i >= tripRows; i-- {
		if f[fmt.Sprint("entry", i)] != "" || f[fmt.Sprint("exit", i)] != "" {
			d.Trips = i + 1
			break
		}
	}
	for i := checker.MaxRows - 1; i >= extRows; i-- {
		if f[fmt.Sprint("ext_filed", i)] != "" {
			d.Exts = i + 1
			break
		}
	}
	return d
}

// PageFile names the page of a language.
func PageFile(l i18n.Lang) string { return pageFile[l] }
