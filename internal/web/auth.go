package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"visaclock/internal/caseload"
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

func (s *Server) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}
