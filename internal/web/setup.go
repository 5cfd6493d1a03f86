package web

import (
	"html/template"
	"net/http"
	"strings"

	"visaclock/internal/caseload"
)

// setupTemplate is the first-run page: the link `visaclock serve` prints
// on an empty database opens it, and it makes the first admin. It works
// without JavaScript, and the token travels in the form, never in a log.
var setupTemplate = template.Must(template.New("setup").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>visaclock: set up the first admin</title></head>
<body>
<main>
<h1>Set up the first admin</h1>
{{if .Done}}
<p role="status">The admin account <strong>{{.Username}}</strong> is ready. Log in with it (POST /v1/login), then add the others.</p>
{{else}}
<p>This link works once. Choose a username and a password of at least 12 characters. No name or e-mail address is needed.</p>
{{if .Error}}<p role="alert" id="error"><strong>Not done:</strong> {{.Error}}</p>{{end}}
<form method="post" action="/setup">
<input type="hidden" name="token" value="{{.Token}}">
<p><label for="username">Username</label><br>
<input id="username" name="username" autocomplete="username" required minlength="2" maxlength="64" value="{{.Username}}"{{if .Error}} aria-describedby="error"{{end}}></p>
<p><label for="password">Password</label><br>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="256"></p>
<p><button type="submit">Create the admin account</button></p>
</form>
{{end}}
</main>
</body>
</html>
`))

type setupView struct {
	Token, Username, Error string
	Done                   bool
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSetup(w, http.StatusOK, setupView{Token: r.URL.Query().Get("token")})
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	v := setupView{Token: r.PostForm.Get("token"), Username: strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))}
	if _, err := s.Service.ClaimSetup(r.Context(), v.Token, v.Username, r.PostForm.Get("password")); err != nil {
		var ae *caseload.Error
		if !asAppError(err, &ae) || ae.Code == caseload.EInternal {
			return err
		}
		v.Error = ae.Error()
		return s.renderSetup(w, http.StatusUnprocessableEntity, v)
	}
	v.Done = true
	return s.renderSetup(w, http.StatusCreated, v)
}

func (s *Server) renderSetup(w http.ResponseWriter, status int, v setupView) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	return setupTemplate.Execute(w, v)
}
