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
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"visaclock/internal/caseload"
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

	mux      *http.ServeMux
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// Route is one entry of the route table, which the OpenAPI test reads.
type Route struct {
	Method, Pattern string
	handler         func(http.ResponseWriter, *http.Request) error
}

// Routes lists every API route.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/healthz", s.healthz},
		{"GET", "/readyz", s.readyz},
		{"GET", "/v1/openapi.json", s.openapi},
		{"POST", "/v1/evaluate", s.evaluate},
		{"POST", "/v1/plan", s.plan},
		{"GET", "/v1/rules", s.listRules},
		{"POST", "/v1/cases", s.createCase},
		{"GET", "/v1/cases", s.listCases},
		{"GET", "/v1/cases/{id}", s.getCase},
		{"PUT", "/v1/cases/{id}", s.putCase},
		{"DELETE", "/v1/cases/{id}", s.deleteCase},
		{"POST", "/v1/cases/{id}/{part}", s.addPart},
		{"PUT", "/v1/cases/{id}/{part}/{n}", s.putPart},
		{"DELETE", "/v1/cases/{id}/{part}/{n}", s.deletePart},
		{"POST", "/v1/calendar-tokens", s.createCalendarToken},
		{"DELETE", "/v1/calendar-tokens/{id}", s.revokeCalendarToken},
		{"GET", "/v1/calendar.ics", s.calendar},
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
	s.mux = http.NewServeMux()
	for _, r := range s.Routes() {
		pattern := r.Method + " " + r.Pattern
		s.mux.Handle(pattern, s.handle(pattern, r.handler))
	}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
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
		next.ServeHTTP(w, r)
	})
}

// route dispatches to the mux, answering unknown routes and wrong methods
// with problem details rather than the mux's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
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
func (s *Server) handle(route string, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		timeout := s.RequestTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		sw := &statusWriter{ResponseWriter: w}
		if err := h(sw, r); err != nil {
			s.writeError(sw, r, err)
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
			writeProblem(w, r, http.StatusNotFound, "not found", ae.Msg, nil)
		case caseload.EConflict:
			writeProblem(w, r, http.StatusPreconditionFailed, "precondition failed", ae.Msg, nil)
		case caseload.EInvalid:
			writeProblem(w, r, http.StatusUnprocessableEntity, "invalid input", ae.Error(), fields)
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
