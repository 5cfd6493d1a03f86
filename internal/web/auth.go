package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/login"
)

// SessionCookie is the name of the session cookie. The __Host- prefix
// makes browsers refuse it unless it is Secure, has Path=/ and no Domain,
// so that no sibling host can set or read it. Browsers treat
// http://localhost and 127.0.0.1 as secure, so it works on loopback too.
const SessionCookie = "__Host-visaclock"

type principalKey struct{}

// principal returns the request's authenticated principal; handle puts it
// there before calling any route that is not public.
func principal(r *http.Request) caseload.Principal {
	p, _ := r.Context().Value(principalKey{}).(caseload.Principal)
	return p
}

// authenticate finds who sends r: an API token in Authorization, or a
// session cookie. A request with neither is refused.
func (s *Server) authenticate(r *http.Request) (caseload.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return caseload.Principal{}, &caseload.Error{Code: caseload.EUnauthenticated, Field: "Authorization", Msg: "send Authorization: Bearer followed by an API token"}
		}
		return s.Service.AuthenticateToken(r.Context(), strings.TrimSpace(token))
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return s.Service.Authenticate(r.Context(), c.Value)
	}
	return caseload.Principal{}, &caseload.Error{Code: caseload.EUnauthenticated, Msg: "log in (POST /v1/login) or send an API token"}
}

// enrollRoutes are what a session that must first set up a second factor
// may use.
var enrollRoutes = map[string]bool{
	"GET /v1/me": true, "POST /v1/logout": true, "POST /v1/me/totp": true, "POST /v1/me/totp/confirm": true,
}

func withPrincipal(r *http.Request, p caseload.Principal) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
}

// clientAddr is the address rate limits count failures against: the peer,
// or, when the peer is a proxy the operator named, the address the proxy
// says it forwarded for. IPv6 clients are counted by their /64, since one
// host usually holds a whole /64.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if s.fromProxy(addr) {
		// The last hop the proxy appended is the one it saw; earlier ones
		// are whatever the client claimed.
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				addr = a
			}
		}
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (s *Server) fromProxy(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// secure reports whether the client reached us over TLS: directly, or
// through a proxy the operator named that says so.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && s.fromProxy(a) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

type loginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

type userJSON struct {
	ID          string                `json:"id"`
	Username    string                `json:"username"`
	Org         string                `json:"org"`
	Role        caseload.Role         `json:"role"`
	Team        string                `json:"team,omitempty"`
	TOTP        bool                  `json:"totp"`
	Disabled    bool                  `json:"disabled"`
	Version     int64                 `json:"version"`
	Permissions []caseload.Permission `json:"permissions,omitempty"`
}

func toUserJSON(u *caseload.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Org: u.Org, Role: u.Role, Team: u.Team,
		TOTP: len(u.TOTPSecret) > 0 && !u.TOTPPending, Disabled: u.Disabled, Version: u.Version}
}

func (s *Server) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in loginInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	res, err := s.Service.Login(r.Context(), strings.ToLower(strings.TrimSpace(in.Username)), in.Password, in.TOTP, s.clientAddr(r))
	if err != nil {
		return err
	}
	_, max := s.Service.SessionLimitsOrDefault()
	s.setCookie(w, res.Secret, int(max/time.Second))
	out := toUserJSON(res.User)
	return writeJSON(w, http.StatusOK, map[string]any{"user": out, "enroll_totp": res.EnrollOnly})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.Service.Logout(r.Context(), principal(r), c.Value); err != nil {
			return err
		}
	}
	s.setCookie(w, "", -1)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	u, err := s.Service.Store.FindUser(r.Context(), p.Org, p.User)
	if err != nil {
		return err
	}
	out := toUserJSON(u)
	for _, perm := range caseload.Permissions {
		if p.Can(perm) {
			out.Permissions = append(out.Permissions, perm)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"user": out, "enroll_totp": p.EnrollOnly, "token": p.Scopes != nil})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if err := s.Service.ChangePassword(r.Context(), principal(r), in.Current, in.New); err != nil {
		return err
	}
	s.setCookie(w, "", -1)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	secret, u, err := s.Service.StartTOTP(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{
		"secret": login.EncodeSecret(secret),
		"uri":    login.TOTPURI(secret, "visaclock", u.Username),
	})
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if err := s.Service.ConfirmTOTP(r.Context(), principal(r), in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type userInput struct {
	Username string        `json:"username"`
	Password string        `json:"password"`
	Role     caseload.Role `json:"role"`
	Team     string        `json:"team"`
	Disabled bool          `json:"disabled"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.Service.Users(r.Context(), principal(r))
	if err != nil {
		return err
	}
	out := []userJSON{}
	for i := range us {
		out = append(out, toUserJSON(&us[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.Service.CreateUser(r.Context(), principal(r), caseload.UserInput{Username: strings.ToLower(in.Username), Password: in.Password, Role: in.Role, Team: in.Team, Disabled: in.Disabled})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}

func userID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "u_") {
		return "", caseload.Errorf(caseload.ENotFound, "", "no such account")
	}
	return id, nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	versions, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	var in userInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.Service.UpdateUser(r.Context(), principal(r), id, versions, caseload.UserInput{Password: in.Password, Role: in.Role, Team: in.Team, Disabled: in.Disabled})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, toUserJSON(u))
}

func (s *Server) resetTOTP(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := s.Service.ResetTOTP(r.Context(), principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type tokenJSON struct {
	ID      string                `json:"id"`
	Name    string                `json:"name"`
	Scopes  []caseload.Permission `json:"scopes"`
	Created time.Time             `json:"created"`
	Expires time.Time             `json:"expires"`
	Revoked bool                  `json:"revoked"`
	Token   string                `json:"token,omitempty"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Service.Tokens(r.Context(), principal(r))
	if err != nil {
		return err
	}
	out := []tokenJSON{}
	for _, t := range ts {
		out = append(out, tokenJSON{ID: t.ID, Name: t.Name, Scopes: t.Scopes, Created: t.Created, Expires: t.Expires, Revoked: t.Revoked})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
		Days   int      `json:"expires_in_days"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	scopes, err := caseload.ParseScopes(strings.Join(in.Scopes, ","))
	if err != nil {
		return err
	}
	t, secret, err := s.Service.CreateToken(r.Context(), principal(r), in.Name, scopes, time.Duration(in.Days)*24*time.Hour)
	if err != nil {
		return err
	}
	// The token is shown this once; only its hash is kept.
	return writeJSON(w, http.StatusCreated, tokenJSON{ID: t.ID, Name: t.Name, Scopes: t.Scopes, Created: t.Created, Expires: t.Expires, Token: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !caseload.ValidID(id, "tok_") {
		return caseload.Errorf(caseload.ENotFound, "", "no such token")
	}
	if err := s.Service.RevokeToken(r.Context(), principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type auditJSON struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Case   string    `json:"case,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, err := intParam(q.Get("after"), "after", 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", 1, 1000)
	if err != nil {
		return err
	}
	es, err := s.Service.AuditLog(r.Context(), principal(r), int64(after), limit)
	if err != nil {
		return err
	}
	out := []auditJSON{}
	for _, e := range es {
		out = append(out, auditJSON{e.Seq, e.At, e.Actor, e.Action, e.Case, e.Detail})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

type settingsJSON struct {
	Name          string `json:"name"`
	RequireTOTP   bool   `json:"require_totp"`
	RetentionDays int    `json:"retention_days"`
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Service.Settings(r.Context(), principal(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settingsJSON{o.Name, o.RequireTOTP, o.RetentionDays})
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var in settingsJSON
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	o, err := s.Service.UpdateSettings(r.Context(), principal(r), in.RequireTOTP, in.RetentionDays)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settingsJSON{o.Name, o.RequireTOTP, o.RetentionDays})
}

type setupInput struct {
	Token    string `json:"token"`
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	var in setupInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := s.Service.ClaimSetup(r.Context(), in.Token, strings.ToLower(in.Username), in.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toUserJSON(u))
}
