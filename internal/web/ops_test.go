package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore/sqlstoretest"
)

func TestOperations(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)

		if got := e.do("GET", "/healthz", nil).want(t, http.StatusOK).object(t); got["status"] != "ok" {
			t.Errorf("/healthz: %v", got)
		}
		if got := e.do("GET", "/readyz", nil).want(t, http.StatusOK).object(t); got["status"] != "ready" {
			t.Errorf("/readyz: %v", got)
		}
		for _, req := range [][2]string{{"GET", "/nothing/here"}, {"GET", "/v1/case"}, {"GET", "/v2/cases"}, {"GET", "/v1/cases/x/trips/0/more"}} {
			p := e.do(req[0], req[1], nil).problem(t, http.StatusNotFound)
			if p.Detail == "" {
				t.Errorf("%s %s: a 404 without detail", req[0], req[1])
			}
		}
		// A known route with the wrong method is 405, with Allow.
		if r := e.do("PATCH", "/v1/cases/x", nil); r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, PUT, DELETE" {
			t.Errorf("PATCH /v1/cases/x: %d, Allow %q; want 405 and GET, PUT, DELETE", r.Status, r.Header.Get("Allow"))
		}
		e.do("GET", "/v1/cases/c_nosuchcase", nil).problem(t, http.StatusNotFound)

		r := e.do("GET", "/metrics", nil).want(t, http.StatusOK)
		if mt := r.mediaType(); mt != "text/plain" {
			t.Errorf("/metrics Content-Type %q, want text/plain", r.Header.Get("Content-Type"))
		}
		metrics := string(r.Body)
		for _, want := range []string{
			`visaclock_http_requests_total{route="GET /healthz",status="200"} 1`,
			`visaclock_http_requests_total{route="GET /readyz",status="200"} 1`,
			`visaclock_http_requests_total{route="GET /v1/cases/{id}",status="404"} 1`,
			`visaclock_http_request_seconds_count{route="GET /healthz"} 1`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Routes are patterns, never paths: no case id and no unknown path in a label.
		if strings.Contains(metrics, "c_nosuchcase") || strings.Contains(metrics, "/nothing/here") {
			t.Errorf("/metrics has a path in a label")
		}

		// A browser page on another site cannot write: the list of visa
		// holders is not a form any web page can post to.
		for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			r := e.do("POST", "/v1/cases", caseBody("XS-1", "", schengenStay("2026-01-01", "")), h[0], h[1])
			if r.Status != http.StatusForbidden {
				t.Errorf("a cross-origin POST (%s: %s) got %d, want 403", h[0], h[1], r.Status)
			}
		}
		if got := e.do("GET", "/v1/cases", nil).object(t)["items"]; len(got.([]any)) != 0 {
			t.Errorf("a cross-origin POST created a case: %v", got)
		}
		e.do("POST", "/v1/cases", caseBody("XS-2", "", schengenStay("2026-01-01", "")), "Sec-Fetch-Site", "same-origin").want(t, http.StatusCreated)

		// Last: with the database gone, the process is up but not ready.
		if err := e.Store.Close(); err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/readyz", nil).problem(t, http.StatusServiceUnavailable)
		e.do("GET", "/healthz", nil).want(t, http.StatusOK)
	})
}

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsCarryNoCaseContent(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		var buf syncBuffer
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := newEnv(t, open, log)
		const ref, notes = "REF-ZX81", "secret-note-77"
		hist := schengenStay("2025-09-02", "")

		requests := 0
		do := func(method, path string, body any, hdr ...string) *response {
			t.Helper()
			requests++
			return e.do(method, path, body, hdr...)
		}
		c := do("POST", "/v1/cases", caseBody(ref, notes, hist)).want(t, http.StatusCreated).object(t)
		id := str(t, c, "id")
		other := str(t, do("POST", "/v1/cases", caseBody(ref+"-2", notes, schengenStay("2026-01-01", ""))).want(t, http.StatusCreated).object(t), "id")
		do("GET", "/v1/cases/"+id, nil).want(t, http.StatusOK)
		do("GET", "/v1/cases?state=overstay,pending&due_within=14d", nil).want(t, http.StatusOK)
		do("PUT", "/v1/cases/"+id, caseBody(ref, notes+" again", hist), "If-Match", `"1"`).want(t, http.StatusOK)
		do("PUT", "/v1/cases/"+id, caseBody(ref, notes, hist), "If-Match", `"1"`).want(t, http.StatusPreconditionFailed)
		do("PUT", "/v1/cases/"+id, caseBody(ref, notes, hist)).want(t, http.StatusPreconditionRequired)
		do("POST", "/v1/cases/"+id+"/trips", `{"entry":"2025-01-01","exit":"2025-01-02","note":"`+notes+`"}`, "If-Match", `"2"`).want(t, http.StatusUnprocessableEntity)
		do("POST", "/v1/cases/"+id+"/trips", `{"entry":"2025-01-01","exit":"2025-01-02"}`, "If-Match", `"2"`).want(t, http.StatusCreated)
		do("POST", "/v1/evaluate", `{"grants":[{"id":"`+ref+`","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-01"}]}`).want(t, http.StatusOK)
		do("POST", "/v1/evaluate", `{"grants":[{"id":"v","rule":"`+ref+`"}],"trips":[],"x":"`+notes+`"}`).want(t, http.StatusUnprocessableEntity)
		do("POST", "/v1/evaluate", `{"reference":"`+ref+`",`).want(t, http.StatusUnprocessableEntity)
		do("POST", "/v1/cases", `{"reference":"`+ref+`","name":"`+notes+`","history":{"grants":[]}}`).want(t, http.StatusUnprocessableEntity)
		do("POST", "/v1/plan", map[string]any{"history": hist, "enter": ref}).want(t, http.StatusUnprocessableEntity)
		do("GET", "/v1/cases/"+ref, nil).want(t, http.StatusNotFound)
		do("GET", "/"+ref+"/"+notes, nil).want(t, http.StatusNotFound)
		do("GET", "/v1/cases?cursor="+ref, nil).want(t, http.StatusUnprocessableEntity)
		tok := do("POST", "/v1/calendar-tokens", nil).want(t, http.StatusCreated).object(t)
		feed := str(t, tok, "url")
		do("GET", feed, nil).want(t, http.StatusOK)
		do("DELETE", "/v1/calendar-tokens/"+str(t, tok, "id"), nil).want(t, http.StatusNoContent)
		do("DELETE", "/v1/cases/"+other, nil, "If-Match", `"1"`).want(t, http.StatusNoContent)
		// An error the server logs: the database is gone.
		e.Store.Close()
		do("GET", "/v1/cases/"+id, nil).want(t, http.StatusInternalServerError)
		do("GET", "/readyz", nil).want(t, http.StatusServiceUnavailable)

		// Closing the server waits for every handler, and so for every log line.
		e.HTTP.Close()
		logs := buf.String()
		for _, secret := range []string{ref, notes, id, other, strings.TrimPrefix(feed, "/v1/calendar.ics?token="), str(t, tok, "id")} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs carry %q:\n%s", secret, logs)
			}
		}
		lines := 0
		sc := bufio.NewScanner(strings.NewReader(logs))
		for sc.Scan() {
			lines++
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("a log line is not JSON: %v\n%s", err, sc.Text())
			}
			if route, ok := m["route"].(string); ok && strings.Contains(route, "/") && !strings.Contains(route, " ") {
				t.Errorf("route %q is a path, not a method and pattern", route)
			}
		}
		// One line per request at least (the unknown routes bypass the wrapper).
		if lines < requests-2 {
			t.Errorf("%d log lines for %d requests; logging is not on:\n%s", lines, requests, logs)
		}
		if !strings.Contains(logs, `"route":"GET /v1/cases/{id}"`) || !strings.Contains(logs, `"status":500`) {
			t.Errorf("the logs do not name routes and statuses:\n%s", logs)
		}
	})
}

func TestIsLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:8080", true},
		{"[::1]:80", true},
		{"localhost:1", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"192.168.1.2:80", false},
		{"10.0.0.1:8080", false},
		{"example.com:80", false},
		{"127.0.0.1", false},
		{"localhost", false},
		{"garbage", false},
		{"", false},
	} {
		if got := IsLoopback(tc.addr); got != tc.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// TestCaseReadableWithoutItsPack: a case whose rule pack is no longer
// loaded (a --rules directory dropped at restart) is still served, with a
// null evaluation and the reason, not a 500.
func TestCaseReadableWithoutItsPack(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		created := e.do("POST", "/v1/cases", map[string]any{
			"reference": "GONE-1",
			"history":   map[string]any{"grants": []any{map[string]any{"id": "vf", "rule": "schengen-short-stay"}}, "trips": []any{map[string]any{"entry": "2026-01-05"}}},
		}).want(t, http.StatusCreated).object(t)
		id := created["id"].(string)
		// The same store, served by a server that lacks every pack.
		none := &packs.Registry{}
		srv := &Server{Service: &caseload.Service{Store: e.Store, Lookup: none.Lookup, Now: e.Clock.Now, Keys: sqlstoretest.Keyring()}, Packs: none}
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		req, _ := http.NewRequest("GET", hs.URL+"/v1/cases/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+e.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got map[string]any
		json.NewDecoder(res.Body).Decode(&got)
		if res.StatusCode != http.StatusOK || got["evaluation"] != nil || !strings.Contains(fmt.Sprint(got["evaluation_error"]), "schengen-short-stay") {
			t.Errorf("GET a case without its pack: %d %v", res.StatusCode, got)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		for _, path := range []string{"/healthz", "/v1/cases", "/v1/openapi.json", "/nowhere"} {
			r := e.do("GET", path, nil)
			for name, want := range map[string]string{
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"Cache-Control":           "no-store",
			} {
				if got := r.Header.Get(name); got != want {
					t.Errorf("GET %s: %s = %q, want %q", path, name, got, want)
				}
			}
		}
	})
}

// TestSecondReviewRegressions: inputs a database cannot take are refused
// before they reach it, on both stores, and If-Match takes lists and "*".
func TestSecondReviewRegressions(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		hist := map[string]any{"grants": []any{map[string]any{"id": "vf", "rule": "schengen-short-stay"}}, "trips": []any{map[string]any{"entry": "2026-01-05"}}}
		for _, path := range []string{"/v1/cases/%ff", "/v1/cases/c_a%00b", "/v1/cases/../x"} {
			if r := e.do("GET", path, nil); r.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, r.Status)
			}
		}
		e.do("DELETE", "/v1/calendar-tokens/a%00b", nil).problem(t, http.StatusNotFound)
		for _, c := range []string{"MjoxOgA", "MjoxOv8"} { // "2:1:\x00", "2:1:\xff"
			e.do("GET", "/v1/cases?cursor="+c, nil).problem(t, http.StatusUnprocessableEntity).field(t, "cursor")
		}
		e.do("POST", "/v1/cases", map[string]any{"reference": "a\x00b", "history": hist}).problem(t, http.StatusUnprocessableEntity).field(t, "reference")
		e.do("POST", "/v1/cases", map[string]any{"reference": "ok", "notes": "a\x00b", "history": hist}).problem(t, http.StatusUnprocessableEntity).field(t, "notes")
		long := strings.Repeat("名", 200) // 200 characters, 600 bytes
		e.do("POST", "/v1/cases", map[string]any{"reference": long, "history": hist}).want(t, http.StatusCreated)

		created := e.do("POST", "/v1/cases", map[string]any{"reference": "IM-1", "history": hist}).want(t, http.StatusCreated).object(t)
		path := "/v1/cases/" + created["id"].(string)
		body := map[string]any{"reference": "IM-1", "notes": "x", "history": hist}
		e.do("PUT", path, body, "If-Match", `"7", "1"`).want(t, http.StatusOK) // a list: one matches
		e.do("PUT", path, body, "If-Match", `W/"2"`).problem(t, http.StatusPreconditionFailed)
		// "*" matches any current version: concurrent writers all succeed.
		var wg sync.WaitGroup
		codes := make(chan int, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				day := fmt.Sprintf("2025-06-%02d", 1+2*i) // before the open trip, apart from each other
				codes <- e.do("POST", path+"/trips", map[string]any{"entry": day, "exit": day}, "If-Match", "*").Status
			}()
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			if c != http.StatusCreated {
				t.Errorf(`If-Match: * gave %d, want 201`, c)
			}
		}
		got := e.do("GET", path, nil).want(t, http.StatusOK).object(t)
		if n := len(got["history"].(map[string]any)["trips"].([]any)); n != 9 {
			t.Errorf("%d trips after 8 appends with If-Match: *, want 9: no update may be lost", n)
		}
	})
}
