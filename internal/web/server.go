// Package web is visaclock's HTTP JSON API: stateless evaluation and
// planning, cases with optimistic concurrency, the working list, and
// calendar feeds. Every route is listed in routes; handlers return errors,
// which are written once, as RFC 9457 problem details, by handle.
package web

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Server serves the API.
type Server struct {
	Service *caseload.Service
	Packs   *packs.Registry
	Log     *slog.Logger
	// RequestTimeout bounds each request's work; zero means 10 seconds.
	RequestTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed. Nobody else's are.
	TrustedProxies []netip.Prefix

	mux      *http.ServeMux
	catalog  *i18n.Catalog
	pages    map[string]*template.Template
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// Route is one entry of the route table, which the OpenAPI test reads.
type Route struct {
	Method, Pattern string
	handler         func(http.ResponseWriter, *http.Request) error
	// Public routes need no login: health, the description, stateless
	// evaluation (which stores nothing), logging in, the first admin's
	// set-up, and the calendar feed (which carries its own token).
	Public bool
	// MaxBody overrides the body limit; zero means MaxBody.
	MaxBody int64
	// Slow routes gather a whole organisation (exports) and get minutes,
	// not seconds.
	Slow bool
	// Page routes are the web UI: they authenticate by the session cookie
	// (sending people without one to the login page) and answer errors
	// with a page in the reader's language.
	Page bool
}

// MaxImport is the largest import body accepted.
const MaxImport = 256 << 20

// Routes lists every API route.
func (s *Server) Routes() []Route {
	pub := func(m, p string, h func(http.ResponseWriter, *http.Request) error) Route {
		return Route{Method: m, Pattern: p, handler: h, Public: true}
	}
	routes := []Route{
		pub("GET", "/healthz", s.healthz),
		pub("GET", "/readyz", s.readyz),
		pub("GET", "/v1/openapi.json", s.openapi),
		pub("POST", "/v1/evaluate", s.evaluate),
		pub("POST", "/v1/plan", s.plan),
		pub("GET", "/v1/rules", s.listRules),
		pub("POST", "/v1/setup", s.setup),
		pub("GET", "/setup", s.setupPage),
		pub("POST", "/setup", s.setupForm),
		pub("POST", "/v1/login", s.login),
		pub("GET", "/v1/calendar.ics", s.calendar),
		{Method: "POST", Pattern: "/v1/logout", handler: s.logout},
		{Method: "GET", Pattern: "/v1/me", handler: s.me},
		{Method: "POST", Pattern: "/v1/me/password", handler: s.changePassword},
		{Method: "POST", Pattern: "/v1/me/totp", handler: s.startTOTP},
		{Method: "POST", Pattern: "/v1/me/totp/confirm", handler: s.confirmTOTP},
		{Method: "GET", Pattern: "/v1/users", handler: s.listUsers},
		{Method: "POST", Pattern: "/v1/users", handler: s.createUser},
		{Method: "PUT", Pattern: "/v1/users/{id}", handler: s.updateUser},
		{Method: "DELETE", Pattern: "/v1/users/{id}/totp", handler: s.resetTOTP},
		{Method: "GET", Pattern: "/v1/tokens", handler: s.listTokens},
		{Method: "POST", Pattern: "/v1/tokens", handler: s.createToken},
		{Method: "DELETE", Pattern: "/v1/tokens/{id}", handler: s.revokeToken},
		{Method: "GET", Pattern: "/v1/audit", handler: s.auditLog},
		{Method: "GET", Pattern: "/v1/org/settings", handler: s.getSettings},
		{Method: "PUT", Pattern: "/v1/org/settings", handler: s.putSettings},
		{Method: "POST", Pattern: "/v1/export", handler: s.export, Slow: true},
		{Method: "POST", Pattern: "/v1/import", handler: s.importCases, MaxBody: MaxImport},
		{Method: "POST", Pattern: "/v1/cases", handler: s.createCase},
		{Method: "GET", Pattern: "/v1/cases", handler: s.listCases},
		{Method: "POST", Pattern: "/v1/cases/lookup", handler: s.lookup},
		{Method: "GET", Pattern: "/v1/cases/{id}", handler: s.getCase},
		{Method: "PUT", Pattern: "/v1/cases/{id}", handler: s.putCase},
		{Method: "DELETE", Pattern: "/v1/cases/{id}", handler: s.deleteCase},
		{Method: "POST", Pattern: "/v1/cases/{id}/{part}", handler: s.addPart},
		{Method: "PUT", Pattern: "/v1/cases/{id}/{part}/{n}", handler: s.putPart},
		{Method: "DELETE", Pattern: "/v1/cases/{id}/{part}/{n}", handler: s.deletePart},
		{Method: "POST", Pattern: "/v1/calendar-tokens", handler: s.createCalendarToken},
		{Method: "DELETE", Pattern: "/v1/calendar-tokens/{id}", handler: s.revokeCalendarToken},
	}
	return append(routes, s.pageRoutes()...)
}

// pageRoutes lists the web UI's pages.
func (s *Server) pageRoutes() []Route {
	page := func(m, p string, h func(http.ResponseWriter, *http.Request) error) Route {
		return Route{Method: m, Pattern: p, handler: h, Page: true}
	}
	pub := func(m, p string, h func(http.ResponseWriter, *http.Request) error) Route {
		return Route{Method: m, Pattern: p, handler: h, Page: true, Public: true}
	}
	return []Route{
		pub("GET", "/login", s.loginPage),
		pub("POST", "/login", s.loginForm),
		pub("POST", "/lang", s.langForm),
		pub("GET", "/static/{file}", s.static),
		page("POST", "/logout", s.logoutForm),
		page("GET", "/{$}", s.dashboard),
		page("GET", "/cases/new", s.newCasePage),
		page("POST", "/cases/new", s.newCaseForm),
		page("POST", "/cases/lookup", s.lookupForm),
		page("GET", "/cases/{id}", s.casePage),
		page("POST", "/cases/{id}/{part}", s.addPartForm),
		page("POST", "/cases/{id}/{part}/{n}", s.changePartForm),
		page("GET", "/regimes", s.regimes),
		page("GET", "/regimes/{id}", s.regime),
		page("GET", "/account", s.accountPage),
		page("POST", "/account/password", s.passwordForm),
		page("POST", "/account/totp", s.totpStartForm),
		page("POST", "/account/totp/confirm", s.totpConfirmForm),
		page("POST", "/account/tokens", s.tokenForm),
		page("POST", "/account/tokens/{id}/revoke", s.tokenRevokeForm),
		page("POST", "/account/calendar", s.calendarForm),
		page("POST", "/account/calendar/{id}/revoke", s.calendarRevokeForm),
		page("GET", "/admin/users", s.adminUsers),
		page("POST", "/admin/users", s.adminCreateUser),
		page("POST", "/admin/users/{id}", s.adminUpdateUser),
		page("POST", "/admin/users/{id}/totp-reset", s.adminResetTOTP),
		page("GET", "/admin/audit", s.adminAudit),
		page("GET", "/admin/data", s.adminData),
		page("POST", "/admin/settings", s.adminSettings),
		{Method: "POST", Pattern: "/admin/export", handler: s.adminExport, Page: true, Slow: true},
		{Method: "POST", Pattern: "/admin/import", handler: s.adminImport, Page: true, MaxBody: MaxImport},
	}
}

// Handler returns the server's http.Handler. Call it once.
func (s *Server) Handler() http.Handler {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "visaclock_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "visaclock_http_request_seconds", Help: "HTTP request duration by route.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .5, 1}}, []string{"route"})
	s.registry.MustRegister(s.requests, s.duration)
	// The catalogue and templates are embedded: failing to load them is a
	// broken build, which the tests catch, not bad input.
	var err error
	if s.catalog, err = i18n.Load(); err != nil {
		panic(err)
	}
	if s.pages, err = parseTemplates(); err != nil {
		panic(err)
	}
	s.mux = http.NewServeMux()
	for _, r := range s.Routes() {
		pattern := r.Method + " " + r.Pattern
		s.mux.Handle(pattern, s.handle(pattern, r))
	}
	s.mux.Handle("GET /metrics", s.metricsGate(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.WithLabelValues("cross-origin", "403").Inc()
		writeProblem(w, r, http.StatusForbidden, "forbidden", "cross-origin requests that change state are refused", nil)
	}))
	next := cop.Handler(http.HandlerFunc(s.route))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An API of case data: nothing to frame, run or sniff, nothing to
		// send on in a Referer, and nothing for a shared cache to keep.
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if s.secure(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// metricsGate serves metrics only to a scraper on the same host: a
// loopback peer that is not a proxy the operator named (whose requests come
// from elsewhere). Metrics hold no identity, but they are server-wide, and
// request counts over time tell an outsider, or another organisation's
// admin, how busy an organisation is.
func (s *Server) metricsGate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Unmap().IsLoopback() || s.fromProxy(a) || r.Header.Get("X-Forwarded-For") != "" {
			writeProblem(w, r, http.StatusForbidden, "forbidden", "metrics are served to a scraper on the server's own host only", nil)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// route dispatches to the mux, answering unknown routes and wrong methods
// with problem details rather than the mux's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// A person who mistypes a page's address gets a page, in their
	// language; programs get problem details.
	if !strings.HasPrefix(r.URL.Path, "/v1/") && strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.pageError(w, r, errStatus(http.StatusNotFound, "not found", "", "no such page"))
		return
	}
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, http.StatusMethodNotAllowed, "method not allowed", "this route takes "+strings.Join(allow, ", "), nil)
		return
	}
	writeProblem(w, r, http.StatusNotFound, "not found", "no such route; see /v1/openapi.json", nil)
}

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// handle wraps a handler: a body limit, a deadline, error responses, and
// one log line and metric per request. Logs name the route pattern, never
// the path, the body or anything from a case.
func (s *Server) handle(route string, rt Route) http.Handler {
	limit := rt.MaxBody
	if limit == 0 {
		limit = MaxBody
	}
	h := rt.handler
	switch {
	case rt.Page && !rt.Public:
		h = func(w http.ResponseWriter, r *http.Request) error {
			p, err := s.pageAuth(r)
			if errors.Is(err, errEnroll) {
				return redirect(w, r, "/account")
			}
			if err != nil {
				return err
			}
			return rt.handler(w, withPrincipal(r, p))
		}
	case !rt.Public:
		h = func(w http.ResponseWriter, r *http.Request) error {
			p, err := s.authenticate(r)
			if err != nil {
				return err
			}
			if p.EnrollOnly && !enrollRoutes[route] {
				return &caseload.Error{Code: caseload.EForbidden, Msg: "your organisation requires a second factor: set one up first (POST /v1/me/totp)"}
			}
			return rt.handler(w, withPrincipal(r, p))
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		timeout := s.RequestTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		// A large upload needs time to arrive, not only to be handled.
		if rt.MaxBody > MaxBody || rt.Slow {
			timeout = max(timeout, 5*time.Minute)
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		sw := &statusWriter{ResponseWriter: w}
		if err := h(sw, r); err != nil {
			if rt.Page {
				s.pageError(sw, r, err)
			} else {
				s.writeError(sw, r, err)
			}
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		if sw.status >= 500 {
			s.Log.Error("request failed", "route", route, "status", sw.status, "duration", time.Since(start))
		} else {
			s.Log.Debug("request", "route", route, "status", sw.status, "duration", time.Since(start))
		}
	})
}

// FieldProblem names one field at fault.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Errors   []FieldProblem `json:"errors,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail string, fields []FieldProblem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Errors: fields})
}

// httpError is an error with its HTTP status, made by handlers for
// protocol problems (a missing If-Match, a body too large).
type httpError struct {
	status int
	title  string
	detail string
	field  string
}

func (e *httpError) Error() string { return e.detail }

func errStatus(status int, title, field, format string, args ...any) error {
	return &httpError{status: status, title: title, field: field, detail: fmt.Sprintf(format, args...)}
}

// writeError maps an error to a response, in one place. Internal errors
// are logged, without request content, and shown as a bare 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var ae *caseload.Error
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		var fields []FieldProblem
		if he.field != "" {
			fields = []FieldProblem{{he.field, he.detail}}
		}
		writeProblem(w, r, he.status, he.title, he.detail, fields)
	case errors.As(err, &mb):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "request too large", fmt.Sprintf("the body may be at most %d bytes", mb.Limit), nil)
	case errors.As(err, &ae):
		var fields []FieldProblem
		if ae.Field != "" {
			fields = []FieldProblem{{ae.Field, ae.Msg}}
		}
		switch ae.Code {
		case caseload.ENotFound:
			writeProblem(w, r, http.StatusNotFound, "not found", ae.Msg, fields)
		case caseload.EConflict:
			writeProblem(w, r, http.StatusPreconditionFailed, "precondition failed", ae.Msg, nil)
		case caseload.EInvalid:
			writeProblem(w, r, http.StatusUnprocessableEntity, "invalid input", ae.Error(), fields)
		case caseload.EForbidden:
			writeProblem(w, r, http.StatusForbidden, "forbidden", ae.Msg, fields)
		case caseload.EUnauthenticated:
			w.Header().Set("WWW-Authenticate", `Bearer realm="visaclock"`)
			writeProblem(w, r, http.StatusUnauthorized, "unauthenticated", ae.Msg, fields)
		case caseload.EExists:
			writeProblem(w, r, http.StatusConflict, "conflict", ae.Error(), fields)
		case caseload.ELimited:
			w.Header().Set("Retry-After", strconv.Itoa(max(1, ae.RetryAfter)))
			writeProblem(w, r, http.StatusTooManyRequests, "too many attempts", ae.Msg, nil)
		default:
			s.internal(w, r, err)
		}
	case errors.Is(err, context.DeadlineExceeded):
		writeProblem(w, r, http.StatusServiceUnavailable, "timeout", "the request took too long; try again", nil)
	default:
		s.internal(w, r, err)
	}
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("internal error", "route", r.Pattern, "err", err)
	writeProblem(w, r, http.StatusInternalServerError, "internal error", "", nil)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.Service.Store.Ping(r.Context()); err != nil {
		s.Log.Warn("not ready", "err", err)
		return errStatus(http.StatusServiceUnavailable, "not ready", "", "the database does not answer")
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// hashToken hashes a calendar token for storage and lookup. Tokens are 160
// random bits, so a plain SHA-256 is enough: there is nothing to guess.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IsLoopback reports whether addr (host:port) listens on a loopback
// address only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
