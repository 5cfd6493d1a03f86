package web

import (
	"net/http"
	"strconv"
	"strings"
	"visaclock/internal/caseload"
)

// adminUsersView is the accounts page.
type adminUsersView struct {
	Nav   []subnavItem
	Users []userRow
	Roles []roleOption
	// New is the create form's values; FormID names the form the errors
	// belong to: "new" or an account id.
	NewUsername, NewRole, NewTeam string
	FormID                        string
	Errors                        fieldErrors
	Done                          string // what was just done, in words
}

type userRow struct {
	ID, Username, Role, RoleName, Team string
	TOTP, TOTPPending, Disabled, Self  bool
	Version                            int64
}

type roleOption struct {
	Value, Label string
}

// adminUsers serves GET /admin/users.
func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	p := s.printer(r)
	v := &adminUsersView{Errors: fieldErrors{}, NewRole: string(caseload.RoleCaseworker)}
	switch r.URL.Query().Get("done") {
	case "created":
		v.Done = p.T("admin.users.done.created")
	case "saved":
		v.Done = p.T("admin.users.done.saved")
	case "totp_reset":
		v.Done = p.T("admin.users.done.totp_reset")
	}
	return s.renderUsers(w, r, http.StatusOK, v, nil)
}

// renderUsers fills the accounts and renders the page; form, when set, is
// a refused account form whose values the account's row shows again.
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, v *adminUsersView, form map[string]string) error {
	pr, p := principal(r), s.printer(r)
	users, err := s.Service.Users(r.Context(), pr)
	if err != nil {
		return err
	}
	v.Nav = adminNav(p, "/admin/users")
	for _, role := range caseload.Roles {
		v.Roles = append(v.Roles, roleOption{string(role), p.T("acct.role." + string(role))})
	}
	for _, u := range users {
		row := userRow{ID: u.ID, Username: u.Username, Role: string(u.Role), RoleName: p.T("acct.role." + string(u.Role)), Team: u.Team,
			TOTP: len(u.TOTPSecret) > 0 && !u.TOTPPending, TOTPPending: u.TOTPPending, Disabled: u.Disabled, Self: u.ID == pr.User, Version: u.Version}
		if form != nil && v.FormID == u.ID {
			row.Role, row.Team, row.Disabled = form["role"], form["team"], form["disabled"] != ""
		}
		v.Users = append(v.Users, row)
	}
	return s.render(w, r, status, "admin_users", p.T("admin.users.title"), v)
}

// adminCreateUser serves POST /admin/users.
func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminUsersView{Errors: fieldErrors{}, FormID: "new", NewUsername: strings.ToLower(strings.TrimSpace(f.Get("username"))),
		NewRole: f.Get("role"), NewTeam: strings.TrimSpace(f.Get("team"))}
	if v.NewUsername == "" {
		v.Errors["username"] = p.T("form.required")
	}
	if f.Get("password") == "" {
		v.Errors["password"] = p.T("form.required")
	}
	if len(v.Errors) > 0 {
		return s.renderUsers(w, r, http.StatusUnprocessableEntity, v, nil)
	}
	in := caseload.UserInput{Username: v.NewUsername, Password: f.Get("password"), Role: caseload.Role(v.NewRole), Team: v.NewTeam}
	if _, err := s.Service.CreateUser(r.Context(), principal(r), in); err != nil {
		if accountError(p, v.Errors, err, map[string]string{"username": "username", "password": "password", "role": "role", "team": "team"}) {
			return s.renderUsers(w, r, http.StatusUnprocessableEntity, v, nil)
		}
		return err
	}
	return redirect(w, r, "/admin/users?done=created")
}

// adminUpdateUser serves POST /admin/users/{id}: a new role, team,
// disabled flag or password, at the version the form was shown with, so
// that two admins do not overwrite each other. The account's sessions end.
func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	p, f := s.printer(r), r.PostForm
	v := &adminUsersView{Errors: fieldErrors{}, FormID: id, NewRole: string(caseload.RoleCaseworker)}
	form := map[string]string{"role": f.Get("role"), "team": strings.TrimSpace(f.Get("team")), "disabled": f.Get("disabled")}
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil || version < 1 {
		return errStatus(http.StatusBadRequest, "bad request", "version", "the form lacks the account's version")
	}
	in := caseload.UserInput{Password: f.Get("password"), Role: caseload.Role(form["role"]), Team: form["team"], Disabled: form["disabled"] != ""}
	if _, err := s.Service.UpdateUser(r.Context(), principal(r), id, []int64{version}, in); err != nil {
		switch {
		case caseload.ErrorCode(err) == caseload.EConflict:
			v.Errors["form"] = p.T("admin.users.conflict")
			v.FormID = "" // show the account as it is now
			return s.renderUsers(w, r, statusOf(caseload.EConflict).Page, v, nil)
		case accountError(p, v.Errors, err, map[string]string{"password": "password", "role": "role", "team": "team"}):
			return s.renderUsers(w, r, http.StatusUnprocessableEntity, v, form)
		}
		return err
	}
	return redirect(w, r, "/admin/users?done=saved")
}

// adminResetTOTP serves POST /admin/users/{id}/totp-reset: the remedy for
// a lost phone. The account's sessions end.
func (s *Server) adminResetTOTP(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := s.Service.ResetTOTP(r.Context(), principal(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users?done=totp_reset")
}
