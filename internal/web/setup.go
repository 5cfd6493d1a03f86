package web

import (
	"errors"
	"net/http"
	"strings"

	"visaclock/internal/caseload"
)

// The first-run page: the link `visaclock serve` prints on an empty
// database opens it, and it makes the organisation's first admin. It works
// without JavaScript, and the token travels in the form, never in a log.

type setupView struct {
	Token, Username string
	Errors          fieldErrors
	Done            bool
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "setup", s.printer(r).T("setup.title"), setupView{Token: r.URL.Query().Get("token"), Errors: fieldErrors{}})
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	p := s.printer(r)
	v := setupView{Token: r.PostForm.Get("token"), Username: strings.ToLower(strings.TrimSpace(r.PostForm.Get("username"))), Errors: fieldErrors{}}
	if _, err := s.Service.ClaimSetup(r.Context(), v.Token, v.Username, r.PostForm.Get("password")); err != nil {
		var ae *caseload.Error
		if !errors.As(err, &ae) || ae.Code == caseload.EInternal {
			return err
		}
		switch ae.Field {
		case "username":
			v.Errors["username"] = p.T("setup.bad_username")
		case "password":
			v.Errors["password"] = p.T("setup.bad_password")
		default:
			v.Errors["token"] = p.T("setup.link_invalid")
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "setup", p.T("setup.title"), v)
	}
	v.Done = true
	return s.render(w, r, http.StatusCreated, "setup", p.T("setup.title"), v)
}
