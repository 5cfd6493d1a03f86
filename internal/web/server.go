// Package web is visaclock's two faces over one caseload.Service: the
// HTTP JSON API (stateless evaluation and planning, cases with optimistic
// concurrency, the working list, calendar feeds) and the server-rendered
// pages. Handlers decode a request, call one Service method and render
// the answer; errors are returned, and written once, as RFC 9457 problem
// details or as an error page, from one table of statuses.
//
// The files, by part:
//   - the server: server.go (Server, Handler), routes.go (every route),
//     middleware.go (authentication, limits, logs, metrics), auth.go,
//     request.go (reading requests), problems.go and status.go (errors).
//   - the API, a file per resource: api_cases.go, api_parts.go,
//     api_list.go, api_calendar.go, api_evaluate.go, api_account.go,
//     api_users.go, api_tokens.go, api_org.go, exchange.go.
//   - the pages, a file per page: ui.go (templates, rendering, error
//     pages), ui_form.go (form reading), ui_login.go, ui_dashboard.go,
//     ui_case.go, ui_case_new.go, ui_case_parts.go, ui_account.go,
//     ui_admin*.go, ui_regimes.go, ui_explain.go, setup.go.
package web

import (
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/site"
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
	// Reeval, when set, is the background re-evaluation whose progress
	// /metrics reports.
	Reeval *caseload.Reevaluator
	// Checker is the private checker served at /check/; when nil, Handler
	// builds it with the module embedded in the binary, if any.
	Checker *site.Site

	mux      *http.ServeMux
	catalog  *i18n.Catalog
	pages    map[string]*template.Template
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
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
	if re := s.Reeval; re != nil {
		s.registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "visaclock_reeval_pending_cases", Help: "Cases evaluated with other rule packs than the loaded ones, as last counted."},
				func() float64 { return float64(re.Progress().Pending) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "visaclock_reeval_cases_total", Help: "Cases this process has re-evaluated after a change of rule packs."},
				func() float64 { return float64(re.Progress().Total) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "visaclock_reeval_cases_per_second", Help: "Re-evaluation rate of the current run, or of the last."},
				func() float64 { return re.Progress().Rate }),
		)
	}
	// The catalogue and templates are embedded: failing to load them is a
	// broken build, which the tests catch, not bad input.
	var err error
	if s.catalog, err = i18n.Load(); err != nil {
		panic(err)
	}
	if s.pages, err = parseTemplates(); err != nil {
		panic(err)
	}
	if s.Checker == nil {
		m, _ := site.Embedded()
		if s.Checker, err = site.Build(site.Options{Packs: s.Packs, Catalog: s.catalog, Module: m, Action: "./"}); err != nil {
			panic(err)
		}
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

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.Service.Ping(r.Context()); err != nil {
		s.Log.Warn("not ready", "err", err)
		return errStatus(http.StatusServiceUnavailable, "not ready", "", "the database does not answer")
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
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
