package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
)

// safeNext keeps a post-login or language-switch destination on this site.
func safeNext(next string) string {
	// Only a path on this site: browsers drop tabs and newlines from a
	// Location and read a backslash as a slash, so "/\t/evil" or "/\\evil"
	// would lead elsewhere.
	if next == "" || next[0] != '/' || strings.ContainsAny(next, "\\\x00\t\n\r") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	return next
}

// loginPage serves GET /login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "login", s.printer(r).T("login.title"), loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

type loginView struct {
	Next, Username, Error string
	TOTPField             bool
}

// loginForm serves POST /login.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	p := s.printer(r)
	v := loginView{Next: safeNext(r.PostForm.Get("next")), Username: strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))}
	res, err := s.Service.Login(r.Context(), v.Username, r.PostForm.Get("password"), r.PostForm.Get("totp"), s.clientAddr(r))
	if err != nil {
		var ae *caseload.Error
		if !errors.As(err, &ae) {
			return err
		}
		status := http.StatusUnauthorized
		switch {
		case ae.Code == caseload.ELimited:
			status, v.Error = http.StatusTooManyRequests, p.T("login.limited", "n", ae.RetryAfter)
			w.Header().Set("Retry-After", fmt.Sprint(max(1, ae.RetryAfter)))
		case ae.Field == "totp":
			v.Error, v.TOTPField = p.T("login.totp_needed"), true
		default:
			v.Error = p.T("login.failed")
		}
		return s.render(w, r, status, "login", p.T("login.title"), v)
	}
	_, maxAge := s.Service.SessionLimitsOrDefault()
	s.setCookie(w, res.Secret, int(maxAge/time.Second))
	if res.EnrollOnly {
		return redirect(w, r, "/account")
	}
	return redirect(w, r, v.Next)
}

// logoutForm serves POST /logout.
func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.Service.Logout(r.Context(), principal(r), c.Value); err != nil {
			return err
		}
	}
	s.setCookie(w, "", -1)
	return redirect(w, r, "/login")
}

// langForm serves POST /lang: the switcher, a form, so that it works
// without JavaScript.
func (s *Server) langForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	l, ok := i18n.Parse(r.PostForm.Get("lang"))
	if !ok {
		l = i18n.English
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	return redirect(w, r, safeNext(r.PostForm.Get("next")))
}
