package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"visaclock/internal/caseload"
)

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
