package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
)

// The web UI: server-rendered pages in English, Chinese and Korean, with
// no JavaScript. Pages share the API's authentication (the session cookie),
// its authorization (the Service) and its CSRF protection
// (http.CrossOriginProtection, in Handler), and answer errors as pages.

//go:embed templates static
var uiFiles embed.FS

// LangCookie remembers the language a person chose with the switcher.
const LangCookie = "visaclock_lang"

// pageCSP lets pages load their own stylesheet and images and post forms to
// themselves, and nothing else: no script, no inline style, no framing.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// parseTemplates parses every page once, at start-up: each page file is
// parsed with the layout into a template set of its own, so that every
// page can define "content" and "title".
func parseTemplates() (map[string]*template.Template, error) {
	layout, err := fs.ReadFile(uiFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	// partials.html holds the pieces every page may use.
	partials, err := fs.ReadFile(uiFiles, "templates/partials.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(uiFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		body, err := fs.ReadFile(uiFiles, p)
		if err != nil {
			return nil, err
		}
		t, err := template.New("layout").Funcs(templateFuncs).Parse(string(layout))
		if err != nil {
			return nil, fmt.Errorf("web: layout: %w", err)
		}
		if _, err := t.New("partials").Parse(string(partials)); err != nil {
			return nil, fmt.Errorf("web: partials: %w", err)
		}
		if _, err := t.New(name).Parse(string(body)); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

var templateFuncs = template.FuncMap{
	"iso": func(d date.Date) string {
		if d == 0 {
			return ""
		}
		return d.String()
	},
	"add":     func(a, b int) int { return a + b },
	"replace": strings.ReplaceAll,
	"list":    func(xs ...string) []string { return xs },
	// dict passes several values to a partial: dict "Name" "entry" "Value" v.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: an odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// view is what every page template gets.
type view struct {
	P         *i18n.Printer
	Lang      i18n.Lang
	HTMLLang  string
	Langs     []langOption
	User      *caseload.Principal
	Username  string
	Path      string
	Title     string
	Today     date.Date
	Page      any
	Admin     bool
	CanCreate bool
}

type langOption struct {
	Code     i18n.Lang
	Name     string
	Selected bool
}

var langNames = map[i18n.Lang]string{i18n.English: "English", i18n.Chinese: "中文（简体）", i18n.Korean: "한국어", i18n.KoreanKP: "조선말"}

var htmlLang = map[i18n.Lang]string{i18n.English: "en", i18n.Chinese: "zh-Hans", i18n.Korean: "ko", i18n.KoreanKP: "ko-KP"}

// langKey holds a language a page was asked for in its own address (the
// status letter's ?lang=), which wins over the reader's own choice.
type langKey struct{}

// lang is the request's language: one the page was asked for (langKey),
// else the switcher's cookie, else the browser's Accept-Language.
func lang(r *http.Request) i18n.Lang {
	if l, ok := r.Context().Value(langKey{}).(i18n.Lang); ok {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// pageFor is the page to come back to after switching language: the page
// itself for a GET, and for a page answering a form post (a refused form,
// lookup results), the page the form belongs to, since the post's own URL
// cannot be loaded.
func pageFor(r *http.Request) string {
	if r.Method == http.MethodGet {
		// Switching language must not reveal an identity again, nor be
		// overruled by the language the address names.
		if q := r.URL.Query(); q.Has("reveal") || q.Has("lang") {
			q.Del("reveal")
			q.Del("lang")
			u := *r.URL
			u.RawQuery = q.Encode()
			return u.RequestURI()
		}
		return r.URL.RequestURI()
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case parts[0] == "cases" && len(parts) >= 2 && parts[1] != "lookup" && parts[1] != "new":
		return "/cases/" + parts[1]
	case parts[0] == "cases" && len(parts) >= 2 && parts[1] == "new":
		return "/cases/new"
	case parts[0] == "households" && len(parts) >= 3:
		return "/households/" + parts[1]
	case parts[0] == "households":
		return "/households"
	case parts[0] == "admin" && len(parts) >= 2 && parts[1] == "users":
		return "/admin/users"
	case parts[0] == "admin":
		return "/admin/data"
	case parts[0] == "account":
		return "/account"
	case parts[0] == "login":
		return "/login"
	}
	return "/"
}

// printer is the request's message printer.
func (s *Server) printer(r *http.Request) *i18n.Printer { return s.catalog.Printer(lang(r)) }

// render writes the page name with data in the request's language.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, page any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %s", name)
	}
	l := lang(r)
	v := view{P: s.catalog.Printer(l), Lang: l, HTMLLang: htmlLang[l], Path: pageFor(r), Title: title, Today: s.Service.Today(), Page: page}
	for _, x := range i18n.Choices {
		v.Langs = append(v.Langs, langOption{x, langNames[x], x == l})
	}
	if p, ok := r.Context().Value(principalKey{}).(caseload.Principal); ok {
		v.User = &p
		v.Admin = p.Can(caseload.PermUserManage)
		v.CanCreate = p.Can(caseload.PermCaseCreate)
		if u, err := s.Service.Account(r.Context(), p); err == nil {
			v.Username = u.Username
		}
	}
	// Rendered to a buffer first, so that a template error becomes an
	// error page rather than half a page.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Content-Language", htmlLang[l])
	h.Set("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// pageError renders err as a page: the status and a sentence in the
// request's language. Internal errors are logged and shown bare.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	p := s.printer(r)
	status, msg := http.StatusInternalServerError, p.T("error.internal")
	var ae *caseload.Error
	var he *httpError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		status, msg = http.StatusRequestEntityTooLarge, p.T("error.too_large", "n", mb.Limit>>20)
	case errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, p.T("error.timeout")
	case errors.As(err, &he):
		status, msg = he.status, p.T("error.bad_request")
		if he.status == http.StatusNotFound {
			msg = p.T("error.not_found")
		}
	case errors.As(err, &ae):
		st := statusOf(ae.Code)
		switch st.Page {
		case http.StatusSeeOther:
			http.Redirect(w, r, "/login?next="+url.QueryEscape(pageFor(r)), http.StatusSeeOther)
			return
		case http.StatusInternalServerError:
			s.Log.Error("internal error", "route", r.Pattern, "err", err)
		}
		status, msg = st.Page, p.T(st.Message, "n", ae.RetryAfter)
	default:
		if errors.Is(err, errNoSession) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(pageFor(r)), http.StatusSeeOther)
			return
		}
		s.Log.Error("internal error", "route", r.Pattern, "err", err)
	}
	if rerr := s.render(w, r, status, "error", p.T("error.title"), map[string]any{"Status": status, "Message": msg}); rerr != nil {
		s.Log.Error("rendering an error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

var errNoSession = errors.New("web: no session")

// pageAuth authenticates a page request by its session cookie; without a
// valid one the person is sent to the login page.
func (s *Server) pageAuth(r *http.Request) (caseload.Principal, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return caseload.Principal{}, errNoSession
	}
	p, err := s.Service.Authenticate(r.Context(), c.Value)
	if err != nil {
		if caseload.ErrorCode(err) == caseload.EUnauthenticated {
			return caseload.Principal{}, errNoSession
		}
		return caseload.Principal{}, err
	}
	if p.EnrollOnly && !enrollPages[r.URL.Path] {
		return p, errEnroll
	}
	return p, nil
}

var errEnroll = errors.New("web: a second factor must be set up first")

// enrollPages are what a session that must first set up a second factor
// may open: its account page, the enrolment forms, and logging out.
var enrollPages = map[string]bool{"/account": true, "/account/totp": true, "/account/totp/confirm": true, "/logout": true}

// redirect answers a form post with 303 See Other, so that reloading the
// result does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// static serves the embedded stylesheet.
func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	b, err := fs.ReadFile(uiFiles, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		return errStatus(http.StatusNotFound, "not found", "", "no such file")
	}
	ct := "application/octet-stream"
	switch {
	case strings.HasSuffix(name, ".css"):
		ct = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".svg"):
		ct = "image/svg+xml"
	}
	w.Header().Set("Content-Type", ct)
	// The files change only with the binary; a day's caching is safe.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err = w.Write(b)
	return err
}
