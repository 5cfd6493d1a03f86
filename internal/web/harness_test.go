package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/login"
	"visaclock/internal/packs"
	"visaclock/internal/sqlstore"
	"visaclock/internal/sqlstore/sqlstoretest"
)

// This file starts the real handler over a real database: a SQLite file in
// t.TempDir(), or a schema of its own on a PostgreSQL server. Every API
// test runs against both.

// testClock is the service's clock, set by tests; the calendar moves only
// when a test says so.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to noon UTC on day (YYYY-MM-DD).
func (c *testClock) Set(day string) {
	y, m, d := date.MustParse(day).YMD()
	c.mu.Lock()
	c.now = time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	c.mu.Unlock()
}

func (c *testClock) Today() date.Date {
	y, m, d := c.Now().UTC().Date()
	return date.MustOf(y, m, d)
}

// opener opens a fresh, migrated store for one test.
type opener func(t testing.TB) *sqlstore.Store

type backend struct {
	name string
	open opener
}

var backends = []backend{{"sqlite", openSQLite}, {"postgres", openPostgres}}

// eachBackend runs f once per database, as parallel subtests.
func eachBackend(t *testing.T, f func(t *testing.T, open opener)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b.open)
		})
	}
}

func openSQLite(t testing.TB) *sqlstore.Store   { return sqlstoretest.SQLite(t) }
func openPostgres(t testing.TB) *sqlstore.Store { return sqlstoretest.Postgres(t, "vc_web_") }

var (
	registryOnce sync.Once
	registry     *packs.Registry
	registryErr  error
)

// embeddedPacks loads the embedded rule packs once for the package.
func embeddedPacks(t testing.TB) *packs.Registry {
	t.Helper()
	registryOnce.Do(func() { registry, registryErr = packs.Embedded() })
	if registryErr != nil {
		t.Fatal(registryErr)
	}
	return registry
}

// apiEnv is one running server.
type apiEnv struct {
	t      testing.TB
	URL    string
	Clock  *testClock
	Store  *sqlstore.Store
	Packs  *packs.Registry
	Server *Server
	HTTP   *httptest.Server
	// Admin is the first admin of the default organisation, and Token an
	// API token of theirs with every permission, which do sends unless
	// the request names its own Authorization (or "Authorization", "" for
	// none).
	Admin caseload.Principal
	Token string
}

// testPassword passes login.ValidatePassword; the tests' argon2 cost is
// low so that logins are quick.
const testPassword = "correct horse battery staple"

var testParams = login.Params{Memory: 64, Time: 1, Threads: 1}

// startDay is the clock's day when a test starts, unless it sets another.
const startDay = "2026-01-10"

// newEnv starts the real handler with httptest.NewServer over a fresh store.
// log may be nil.
func newEnv(t testing.TB, open opener, log *slog.Logger) *apiEnv {
	t.Helper()
	reg := embeddedPacks(t)
	clk := &testClock{}
	clk.Set(startDay)
	st := open(t)
	srv := &Server{
		Service: &caseload.Service{Store: st, Lookup: reg.Lookup, Now: clk.Now, Keys: sqlstoretest.Keyring(), PasswordParams: testParams},
		Packs:   reg,
		Log:     log,
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e := &apiEnv{t: t, URL: hs.URL, Clock: clk, Store: st, Packs: reg, Server: srv, HTTP: hs}
	e.Admin, e.Token = e.newOrg(caseload.DefaultOrg, "admin")
	return e
}

// newOrg makes an organisation through its set-up link, and returns its
// first admin and an API token of theirs with every permission.
func (e *apiEnv) newOrg(id, username string) (caseload.Principal, string) {
	e.t.Helper()
	ctx := context.Background()
	svc := e.Server.Service
	_, secret, err := svc.CreateOrg(ctx, id, "NGO "+id)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := svc.ClaimSetup(ctx, secret, username, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	p := caseload.Principal{User: u.ID, Org: u.Org, Role: u.Role}
	return p, e.tokenFor(p, caseload.Permissions...)
}

// tokenFor makes an API token for p with the permissions of scopes that
// p's role has.
func (e *apiEnv) tokenFor(p caseload.Principal, scopes ...caseload.Permission) string {
	e.t.Helper()
	var have []caseload.Permission
	for _, sc := range scopes {
		if caseload.ScopeOf(p.Role, sc) != caseload.ScopeNone {
			have = append(have, sc)
		}
	}
	_, secret, err := e.Server.Service.CreateToken(context.Background(), p, "tests", have, caseload.MaxTokenLife)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// auth returns hdr with the env's token added, unless hdr names an
// Authorization of its own.
func (e *apiEnv) auth(hdr []string) []string {
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Authorization") {
			return hdr
		}
	}
	return append([]string{"Authorization", "Bearer " + e.Token}, hdr...)
}

// response is what the server answered.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	req    string // "METHOD path", for messages
}

// do sends a request. body is sent as is when it is a string or []byte,
// and as JSON otherwise; nil sends none. hdr holds header name, value pairs.
func (e *apiEnv) do(method, path string, body any, hdr ...string) *response {
	e.t.Helper()
	return doRequest(e.t, e.URL, method, path, body, e.auth(hdr)...)
}

func doRequest(t testing.TB, base, method, path string, body any, hdr ...string) *response {
	t.Helper()
	r, err := send(base, method, path, body, hdr...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is doRequest for goroutines: it reports errors instead of failing.
func send(base, method, path string, body any, hdr ...string) (*response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] != "" {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", method, path, err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: b, req: method + " " + path}, nil
}

// want fails the test unless the status is status.
func (r *response) want(t *testing.T, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body: %s", r.req, r.Status, status, r.Body)
	}
	return r
}

// mediaType is the Content-Type without parameters.
func (r *response) mediaType() string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

// object decodes a JSON object body, after checking it is application/json.
func (r *response) object(t *testing.T) map[string]any {
	t.Helper()
	if mt := r.mediaType(); mt != "application/json" {
		t.Fatalf("%s: Content-Type %q, want application/json; body: %s", r.req, r.Header.Get("Content-Type"), r.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v\n%s", r.req, err, r.Body)
	}
	return m
}

// problemDoc is an RFC 9457 problem details document as the API writes it.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// problem checks that the response is a problem with this status and
// decodes it.
func (r *response) problem(t *testing.T, status int) problemDoc {
	t.Helper()
	r.want(t, status)
	if mt := r.mediaType(); mt != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json", r.req, r.Header.Get("Content-Type"))
	}
	var p problemDoc
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: problem body does not decode: %v\n%s", r.req, err, r.Body)
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Errorf("%s: problem %+v: want status %d and a type and title", r.req, p, status)
	}
	return p
}

// field checks that the problem names field first, and returns its message.
func (p problemDoc) field(t *testing.T, field string) string {
	t.Helper()
	if len(p.Errors) == 0 {
		t.Errorf("problem %q (%s) has no errors[]; want errors[0].field %q", p.Title, p.Detail, field)
		return ""
	}
	if p.Errors[0].Field != field {
		t.Errorf("errors[0].field = %q, want %q (message %q)", p.Errors[0].Field, field, p.Errors[0].Message)
	}
	if p.Errors[0].Message == "" {
		t.Errorf("errors[0].message is empty for %q", field)
	}
	return p.Errors[0].Message
}

// readTestdata reads a file under testdata/.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonPath returns the value at a dotted path ("evaluation.state",
// "items.0.id") in a decoded JSON value, and whether it is there.
func jsonPath(v any, path string) (any, bool) {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// str returns the string at path, failing the test when there is none.
func str(t *testing.T, v any, path string) string {
	t.Helper()
	x, ok := jsonPath(v, path)
	if !ok {
		t.Fatalf("no %s in %v", path, v)
	}
	s, ok := x.(string)
	if !ok {
		t.Fatalf("%s = %v (%T), want a string", path, x, x)
	}
	return s
}
