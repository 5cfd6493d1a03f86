package web

import (
	"net/http"
	"strings"

	"visaclock/internal/checker"
	"visaclock/internal/i18n"
	"visaclock/internal/site"
)

// The private checker at /check/ (docs/checker.md): the same files
// `visaclock site` writes, served without a login, and the answer to its
// form when the reader's scripts are off. That answer is worked out from
// the form and forgotten: nothing is stored, and the request log has the
// route and status only.

// checkRedirect sends /check to /check/, where the page's relative links
// resolve.
func (s *Server) checkRedirect(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/check/", http.StatusMovedPermanently)
	return nil
}

// checkFile serves a file of the checker site; /check/ is its English page.
func (s *Server) checkFile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	b, ok := s.Checker.File(name)
	if !ok {
		return errStatus(http.StatusNotFound, "not found", "", "no such file")
	}
	s.checkHeaders(w, name)
	_, err := w.Write(b)
	return err
}

// checkHeaders replaces the API's policy with the page's own, and lets the
// browser cache the files (the service worker keeps them anyway).
func (s *Server) checkHeaders(w http.ResponseWriter, name string) {
	h := w.Header()
	h.Set("Content-Type", site.ContentType(name))
	h.Set("Content-Security-Policy", s.Checker.CSP()+"; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-cache")
	if name == "sw.js" {
		h.Set("Service-Worker-Allowed", "/check/")
	}
}

// checkForm answers the checker's form when scripts are off: the page
// again, with the answer or the problem.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad form", "", "the form could not be read")
	}
	l, ok := i18n.Parse(r.PostForm.Get("lang"))
	if !ok {
		l = i18n.English
	}
	p := s.catalog.Printer(l)
	f := checker.Form{}
	for k, v := range r.PostForm {
		if k != "lang" && len(v) > 0 && len(f) < 8+8*checker.MaxRows {
			f[k] = strings.TrimSpace(v[0])
		}
	}
	var view *checker.View
	var problem *checker.Problem
	if _, doc, err := f.History(); err != nil {
		pr := checker.Explain(p, f, err)
		problem = &pr
	} else if c, err := s.Service.Check(doc); err != nil {
		pr := checker.Explain(p, f, err)
		problem = &pr
	} else {
		view = checker.Words(p, c.Evaluate(c.History.AsOf))
	}
	b, err := s.Checker.Render(l, f, view, problem)
	if err != nil {
		return err
	}
	s.checkHeaders(w, "index.html")
	if problem != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	_, err = w.Write(b)
	return err
}
