package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/login"
)

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// loadOpenAPI decodes the embedded document.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi %q, want 3.x", v)
	}
	routes := map[string]bool{"GET /metrics": true}
	for _, r := range (&Server{}).Routes() {
		if r.Page {
			continue // the web UI's pages are HTML, not API
		}
		routes[r.Method+" "+r.Pattern] = true
	}
	documented := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		for k := range item.(map[string]any) {
			if slices.Contains(httpMethods, k) {
				documented[strings.ToUpper(k)+" "+p] = true
			}
		}
	}
	var missing, extra []string
	for r := range routes {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes the OpenAPI document does not describe: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("operations in the OpenAPI document that are no route: %v", extra)
	}
	if len(routes) < 18 {
		t.Errorf("only %d routes; the route table looks empty", len(routes))
	}

	// Every {param} of a path is declared, on the path or the operation.
	for p, item := range paths {
		params := regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(p, -1)
		for m, op := range item.(map[string]any) {
			if !slices.Contains(httpMethods, m) {
				continue
			}
			declared := map[string]bool{}
			for _, list := range []any{item.(map[string]any)["parameters"], op.(map[string]any)["parameters"]} {
				ps, _ := list.([]any)
				for _, x := range ps {
					if pm := x.(map[string]any); pm["in"] == "path" {
						declared[pm["name"].(string)] = true
					}
				}
			}
			for _, pm := range params {
				if !declared[pm[1]] {
					t.Errorf("%s %s: path parameter %s is not declared", strings.ToUpper(m), p, pm[1])
				}
			}
		}
	}
}

// operation returns the documented operation for method and pattern.
func operation(doc map[string]any, method, pattern string) (map[string]any, bool) {
	item, ok := doc["paths"].(map[string]any)[pattern].(map[string]any)
	if !ok {
		return nil, false
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	return op, ok
}

// schemaChecker checks JSON values against the document's schemas: $ref,
// type (with null), enum, const, oneOf, required, properties,
// additionalProperties: false, items, and the date and date-time formats.
type schemaChecker struct {
	doc  map[string]any
	errs []string
}

func (c *schemaChecker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func (c *schemaChecker) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, found := strings.CutPrefix(ref, "#/components/schemas/")
		target, ok := c.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		if !found || !ok {
			c.fail(ref, "a $ref to nothing")
			return map[string]any{}
		}
		s = target
	}
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func (c *schemaChecker) check(schema map[string]any, v any, path string) {
	s := c.resolve(schema)
	if t, ok := s["type"]; ok {
		var allowed []string
		switch x := t.(type) {
		case string:
			allowed = []string{x}
		case []any:
			for _, a := range x {
				allowed = append(allowed, a.(string))
			}
		}
		got := jsonType(v)
		if !slices.Contains(allowed, got) && !(got == "integer" && slices.Contains(allowed, "number")) {
			c.fail(path, "%s, want %v", got, allowed)
			return
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		c.fail(path, "%v is not one of %v", v, enum)
	}
	if cv, ok := s["const"]; ok && cv != v {
		c.fail(path, "%v, want the constant %v", v, cv)
	}
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, alt := range one {
			sub := &schemaChecker{doc: c.doc}
			sub.check(alt.(map[string]any), v, path)
			if len(sub.errs) == 0 {
				n++
			}
		}
		if n != 1 {
			c.fail(path, "%v matches %d of oneOf, want 1", v, n)
		}
	}
	if str, ok := v.(string); ok {
		switch s["format"] {
		case "date":
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				c.fail(path, "%q is not a date", str)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				c.fail(path, "%q is not a date-time", str)
			}
		}
	}
	switch x := v.(type) {
	case map[string]any:
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				c.fail(path, "required property %q is missing", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, pv := range x {
			if ps, ok := props[k].(map[string]any); ok {
				c.check(ps, pv, path+"."+k)
			} else if s["additionalProperties"] == false {
				c.fail(path, "property %q is not in the schema", k)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range x {
				c.check(items, it, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
}

// conform checks that the response's status is documented for the
// operation, with its media type, and that a JSON body fits the schema.
func conform(t *testing.T, doc map[string]any, method, pattern string, r *response) {
	t.Helper()
	op, ok := operation(doc, method, pattern)
	if !ok {
		t.Errorf("%s %s is not documented", method, pattern)
		return
	}
	res, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)].(map[string]any)
	if !ok {
		t.Errorf("%s %s: status %d is not documented (%s)", method, pattern, r.Status, r.req)
		return
	}
	content, _ := res["content"].(map[string]any)
	if len(content) == 0 {
		if len(r.Body) != 0 {
			t.Errorf("%s %s %d: a body where the document says none: %s", method, pattern, r.Status, r.Body)
		}
		return
	}
	media, ok := content[r.mediaType()].(map[string]any)
	if !ok {
		t.Errorf("%s %s %d: media type %q is not documented", method, pattern, r.Status, r.mediaType())
		return
	}
	schema, _ := media["schema"].(map[string]any)
	if !strings.HasSuffix(r.mediaType(), "json") || schema == nil {
		return
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Errorf("%s: %v", r.req, err)
		return
	}
	c := &schemaChecker{doc: doc}
	c.check(schema, v, "$")
	for _, e := range c.errs {
		t.Errorf("%s %s %d: %s", method, pattern, r.Status, e)
	}
}

func TestOpenAPIResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)

		r := e.do("GET", "/v1/openapi.json", nil).want(t, http.StatusOK)
		if r.mediaType() != "application/json" || !bytes.Equal(r.Body, openAPIDoc) {
			t.Errorf("GET /v1/openapi.json: %s, %d bytes; want the embedded document", r.Header.Get("Content-Type"), len(r.Body))
		}
		conform(t, doc, "GET", "/v1/openapi.json", r)

		for _, f := range []string{"schengen.json", "cn-family-visit-extension.json", "us-visitor.json", "schengen-today.json"} {
			conform(t, doc, "POST", "/v1/evaluate", e.do("POST", "/v1/evaluate", readTestdata(t, f)).want(t, http.StatusOK))
		}
		// With consequences and a planned violation.
		conform(t, doc, "POST", "/v1/evaluate", e.do("POST", "/v1/evaluate",
			`{"as_of":"2014-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2014-01-01","exit":"2014-03-05"},{"entry":"2014-06-01","exit":"2014-09-30"}]}`).want(t, http.StatusOK))
		conform(t, doc, "POST", "/v1/evaluate", e.do("POST", "/v1/evaluate", `{"grants":[]}`).want(t, http.StatusUnprocessableEntity))
		conform(t, doc, "POST", "/v1/evaluate", e.do("POST", "/v1/evaluate", `{"pad":"`+strings.Repeat("x", MaxBody)+`"}`).want(t, http.StatusRequestEntityTooLarge))

		schengen := json.RawMessage(readTestdata(t, "schengen-closed.json"))
		conform(t, doc, "POST", "/v1/plan", e.do("POST", "/v1/plan", map[string]any{"history": schengen, "enter": "2026-02-01"}).want(t, http.StatusOK))
		conform(t, doc, "POST", "/v1/plan", e.do("POST", "/v1/plan",
			`{"history":{"as_of":"2025-05-29","grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-03-01","exit":"2025-05-29"}]},"enter":"2025-08-27"}`).want(t, http.StatusOK))
		conform(t, doc, "POST", "/v1/plan", e.do("POST", "/v1/plan",
			`{"history":{"as_of":"2018-03-01","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]},"enter":"2018-03-18"}`).want(t, http.StatusOK))
		conform(t, doc, "POST", "/v1/plan", e.do("POST", "/v1/plan", map[string]any{"history": schengen}).want(t, http.StatusUnprocessableEntity))

		conform(t, doc, "GET", "/v1/rules", e.do("GET", "/v1/rules", nil).want(t, http.StatusOK))

		r = e.do("POST", "/v1/cases", caseBody("OA-1", "n", schengenStay("2025-09-02", ""))).want(t, http.StatusCreated)
		conform(t, doc, "POST", "/v1/cases", r)
		id := str(t, r.object(t), "id")
		e.create(t, "OA-2", "", cnPending("2025-12-01", "2025-12-20", 30))
		e.create(t, "OA-3", "", schengenStay("2025-10-01", "2025-10-20"))
		e.create(t, "OA-4", "", schengenEnding("2026-01-15"))
		conform(t, doc, "POST", "/v1/cases", e.do("POST", "/v1/cases", `{"reference":"x","name":"y"}`).want(t, http.StatusUnprocessableEntity))

		path := "/v1/cases/" + id
		conform(t, doc, "GET", "/v1/cases/{id}", e.do("GET", path, nil).want(t, http.StatusOK))
		conform(t, doc, "GET", "/v1/cases/{id}", e.do("GET", "/v1/cases/c_none", nil).want(t, http.StatusNotFound))
		body := caseBody("OA-1", "m", schengenStay("2025-09-02", ""))
		conform(t, doc, "PUT", "/v1/cases/{id}", e.do("PUT", path, body).want(t, http.StatusPreconditionRequired))
		conform(t, doc, "PUT", "/v1/cases/{id}", e.do("PUT", path, body, "If-Match", `"9"`).want(t, http.StatusPreconditionFailed))
		conform(t, doc, "PUT", "/v1/cases/{id}", e.do("PUT", path, body, "If-Match", `"1"`).want(t, http.StatusOK))
		conform(t, doc, "POST", "/v1/cases/{id}/{part}", e.do("POST", path+"/trips", `{"entry":"2025-01-01","exit":"2025-01-03"}`, "If-Match", `"2"`).want(t, http.StatusCreated))
		conform(t, doc, "PUT", "/v1/cases/{id}/{part}/{n}", e.do("PUT", path+"/trips/1", `{"entry":"2025-01-01","exit":"2025-01-02"}`, "If-Match", `"3"`).want(t, http.StatusOK))
		conform(t, doc, "PUT", "/v1/cases/{id}/{part}/{n}", e.do("PUT", path+"/trips/9", `{"entry":"2025-01-01"}`, "If-Match", `"4"`).want(t, http.StatusNotFound))
		conform(t, doc, "DELETE", "/v1/cases/{id}/{part}/{n}", e.do("DELETE", path+"/trips/1", nil, "If-Match", `"4"`).want(t, http.StatusOK))

		e.Clock.Set("2026-01-20")
		for _, q := range []string{"", urgentOrDue, "?limit=1", "?state=absent"} {
			conform(t, doc, "GET", "/v1/cases", e.do("GET", "/v1/cases"+q, nil).want(t, http.StatusOK))
		}
		conform(t, doc, "GET", "/v1/cases", e.do("GET", "/v1/cases?limit=0", nil).want(t, http.StatusUnprocessableEntity))

		r = e.do("POST", "/v1/calendar-tokens", nil).want(t, http.StatusCreated)
		conform(t, doc, "POST", "/v1/calendar-tokens", r)
		tok := r.object(t)
		conform(t, doc, "GET", "/v1/calendar.ics", e.do("GET", str(t, tok, "url"), nil).want(t, http.StatusOK))
		conform(t, doc, "DELETE", "/v1/calendar-tokens/{id}", e.do("DELETE", "/v1/calendar-tokens/"+str(t, tok, "id"), nil).want(t, http.StatusNoContent))
		conform(t, doc, "GET", "/v1/calendar.ics", e.do("GET", str(t, tok, "url"), nil).want(t, http.StatusNotFound))

		conform(t, doc, "DELETE", "/v1/cases/{id}", e.do("DELETE", path, nil, "If-Match", `"5"`).want(t, http.StatusNoContent))
		conform(t, doc, "GET", "/healthz", e.do("GET", "/healthz", nil).want(t, http.StatusOK))
		conform(t, doc, "GET", "/readyz", e.do("GET", "/readyz", nil).want(t, http.StatusOK))
		conform(t, doc, "GET", "/metrics", e.do("GET", "/metrics", nil).want(t, http.StatusOK))
	})
}

// TestOpenAPIRequiredProperties is the narrow form of the check above for
// the four main answers: every required property of the documented schema
// (after $ref) is in the real response.
func TestOpenAPIRequiredProperties(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := e.create(t, "RQ-1", "", schengenStay("2026-01-01", ""))
		for _, tc := range []struct {
			method, pattern string
			r               *response
		}{
			{"POST", "/v1/evaluate", e.do("POST", "/v1/evaluate", readTestdata(t, "us-visitor.json"))},
			{"GET", "/v1/cases/{id}", e.do("GET", "/v1/cases/"+id, nil)},
			{"GET", "/v1/cases", e.do("GET", "/v1/cases", nil)},
			{"POST", "/v1/plan", e.do("POST", "/v1/plan", map[string]any{"history": json.RawMessage(readTestdata(t, "schengen-closed.json")), "enter": "2026-02-01"})},
		} {
			tc.r.want(t, http.StatusOK)
			op, ok := operation(doc, tc.method, tc.pattern)
			if !ok {
				t.Errorf("%s %s is not documented", tc.method, tc.pattern)
				continue
			}
			schema, ok := jsonPath(op, "responses.200.content.application/json.schema")
			if !ok {
				t.Errorf("%s %s: no application/json schema for 200", tc.method, tc.pattern)
				continue
			}
			c := &schemaChecker{doc: doc}
			s := c.resolve(schema.(map[string]any))
			req, _ := s["required"].([]any)
			if len(req) == 0 {
				t.Errorf("%s %s: the documented schema requires nothing", tc.method, tc.pattern)
			}
			body := tc.r.object(t)
			for _, k := range req {
				if _, ok := body[k.(string)]; !ok {
					t.Errorf("%s %s: required %q is not in the response %s", tc.method, tc.pattern, k, tc.r.Body)
				}
			}
		}
	})
}

// TestSchemaChecker makes sure the checker above can fail.
func TestSchemaChecker(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, tc := range []struct {
		ref, body string
		errs      int
	}{
		{"Problem", `{"type":"about:blank","title":"x","status":422}`, 0},
		{"Problem", `{"type":"about:blank","title":"x"}`, 1},
		{"Problem", `{"type":"about:blank","title":"x","status":"422"}`, 1},
		{"CaseList", `{"on":"2026-01-01","items":[{"id":"a","reference":"r","state":"lawful","authorized_until":null,"deadline":"2026-13-01","version":1}]}`, 1},
		{"CaseList", `{"on":"2026-01-01","items":[{"id":"a","reference":"r","state":"lawful","deadline":null,"version":1.5}]}`, 2},
		{"History", `{"grants":[{"id":"g","rule":"r","entries":"many"}],"name":"x"}`, 2},
		{"History", `{"grants":[{"id":"g","rule":"r","entries":"multiple"}]}`, 0},
	} {
		var v any
		if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
			t.Fatal(err)
		}
		c := &schemaChecker{doc: doc}
		c.check(map[string]any{"$ref": "#/components/schemas/" + tc.ref}, v, "$")
		if len(c.errs) != tc.errs {
			t.Errorf("%s %s: %d errors %v, want %d", tc.ref, tc.body, len(c.errs), c.errs, tc.errs)
		}
	}
}

// TestOpenAPICaseWithoutTrips: a case may be created before any trip (a
// visa issued, not yet used); its history must still fit the schema, where
// trips is an array.
func TestOpenAPICaseWithoutTrips(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		r := e.do("POST", "/v1/cases", `{"reference":"NT-1","history":{"grants":[{"id":"v","rule":"schengen-short-stay"}]}}`).want(t, http.StatusCreated)
		conform(t, doc, "POST", "/v1/cases", r)
		conform(t, doc, "GET", "/v1/cases/{id}", e.do("GET", "/v1/cases/"+str(t, r.object(t), "id"), nil).want(t, http.StatusOK))
	})
}

// TestOpenAPIAccountResponses checks the answers of the account, token,
// audit, settings, identity and exchange routes against the document, as
// TestOpenAPIResponses does for the others.
func TestOpenAPIAccountResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	wf := exportWorkFactor
	exportWorkFactor = 10 // the subtests below run after this function returns
	t.Cleanup(func() { exportWorkFactor = wf })
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		ctx := context.Background()
		svc := e.Server.Service
		check := func(method, pattern, path string, body any, status int, hdr ...string) *response {
			t.Helper()
			r := e.do(method, path, body, hdr...).want(t, status)
			conform(t, doc, method, pattern, r)
			return r
		}
		anon := []string{"Authorization", ""}
		orgSetup := func(id string) string {
			t.Helper()
			_, secret, err := svc.CreateOrg(ctx, id, "NGO "+id)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}

		// The first-run page and form, and the same in JSON.
		check("GET", "/setup", "/setup?token=vcsetup_x", nil, http.StatusOK, anon...)
		form := []string{"Authorization", "", "Content-Type", "application/x-www-form-urlencoded"}
		secret := orgSetup("o_form")
		body := url.Values{"token": {"vcsetup_wrong"}, "username": {"formadmin"}, "password": {testPassword}}.Encode()
		check("POST", "/setup", "/setup", body, http.StatusUnprocessableEntity, form...)
		body = url.Values{"token": {secret}, "username": {"formadmin"}, "password": {testPassword}}.Encode()
		check("POST", "/setup", "/setup", body, http.StatusCreated, form...)
		secret = orgSetup("o_json")
		check("POST", "/v1/setup", "/v1/setup", map[string]string{"token": secret, "username": "admin", "password": testPassword}, http.StatusConflict, anon...)
		check("POST", "/v1/setup", "/v1/setup", map[string]string{"token": secret, "username": "x", "password": testPassword}, http.StatusUnprocessableEntity, anon...)
		check("POST", "/v1/setup", "/v1/setup", map[string]string{"token": secret, "username": "jsonadmin", "password": testPassword}, http.StatusCreated, anon...)
		check("POST", "/v1/setup", "/v1/setup", map[string]string{"token": secret, "username": "jsonadmin2", "password": testPassword}, http.StatusNotFound, anon...)

		// Logging in: a session cookie; wrong passwords; too many of them.
		r := check("POST", "/v1/login", "/v1/login", map[string]string{"username": "admin", "password": testPassword}, http.StatusOK, anon...)
		cookieOf := func(r *response) []string {
			t.Helper()
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				if c.Name == SessionCookie && c.Value != "" {
					return []string{"Authorization", "", "Cookie", c.Name + "=" + c.Value}
				}
			}
			t.Fatalf("%s: no session cookie", r.req)
			return nil
		}
		session := cookieOf(r)
		check("POST", "/v1/login", "/v1/login", `{"user":"admin"}`, http.StatusUnprocessableEntity, anon...)
		limited := false
		for range 10 {
			r := e.do("POST", "/v1/login", map[string]string{"username": "ghost", "password": "not the password"}, anon...)
			conform(t, doc, "POST", "/v1/login", r)
			if r.Status == http.StatusTooManyRequests {
				limited = true
				break
			}
			r.want(t, http.StatusUnauthorized)
		}
		if !limited {
			t.Error("POST /v1/login: no 429 after 10 failures")
		}

		// Who am I; a second factor.
		check("GET", "/v1/me", "/v1/me", nil, http.StatusOK)
		check("GET", "/v1/me", "/v1/me", nil, http.StatusOK, session...)
		check("GET", "/v1/me", "/v1/me", nil, http.StatusUnauthorized, anon...)
		check("POST", "/v1/me/totp", "/v1/me/totp", nil, http.StatusForbidden)
		r = check("POST", "/v1/me/totp", "/v1/me/totp", nil, http.StatusCreated, session...)
		totp, err := login.DecodeSecret(str(t, r.object(t), "secret"))
		if err != nil {
			t.Fatal(err)
		}
		check("POST", "/v1/me/totp/confirm", "/v1/me/totp/confirm", map[string]string{"code": "12345"}, http.StatusUnprocessableEntity, session...)
		check("POST", "/v1/me/totp/confirm", "/v1/me/totp/confirm", map[string]string{"code": login.TOTPCode(totp, e.Clock.Now())}, http.StatusNoContent, session...)
		check("POST", "/v1/me/totp/confirm", "/v1/me/totp/confirm", map[string]string{"code": login.TOTPCode(totp, e.Clock.Now())}, http.StatusConflict, session...)
		check("POST", "/v1/me/totp", "/v1/me/totp", nil, http.StatusConflict, session...)
		check("POST", "/v1/me/password", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": testPassword + "!"}, http.StatusForbidden)
		check("POST", "/v1/me/password", "/v1/me/password", map[string]string{"current_password": "not the password", "new_password": testPassword + "!"}, http.StatusUnprocessableEntity, session...)

		// Accounts.
		check("GET", "/v1/users", "/v1/users", nil, http.StatusOK)
		newUser := map[string]any{"username": "cw1", "password": testPassword, "role": "caseworker", "team": "north"}
		r = check("POST", "/v1/users", "/v1/users", newUser, http.StatusCreated)
		cw := str(t, r.object(t), "id")
		tag := r.Header.Get("ETag")
		check("POST", "/v1/users", "/v1/users", newUser, http.StatusConflict)
		check("POST", "/v1/users", "/v1/users", map[string]any{"username": "cw2", "password": testPassword, "role": "boss"}, http.StatusUnprocessableEntity)
		change := map[string]any{"role": "caseworker", "team": "north"}
		check("PUT", "/v1/users/{id}", "/v1/users/"+cw, change, http.StatusPreconditionRequired)
		check("PUT", "/v1/users/{id}", "/v1/users/"+cw, change, http.StatusPreconditionFailed, "If-Match", `"99"`)
		check("PUT", "/v1/users/{id}", "/v1/users/"+cw, change, http.StatusOK, "If-Match", tag)
		check("PUT", "/v1/users/{id}", "/v1/users/u_nope", change, http.StatusNotFound, "If-Match", "*")
		check("DELETE", "/v1/users/{id}/totp", "/v1/users/"+cw+"/totp", nil, http.StatusNoContent)
		check("DELETE", "/v1/users/{id}/totp", "/v1/users/u_nope/totp", nil, http.StatusNotFound)
		cwToken := []string{"Authorization", "Bearer " + e.tokenFor(caseload.Principal{User: cw, Org: caseload.DefaultOrg, Role: caseload.RoleCaseworker, Team: "north"}, caseload.Permissions...)}
		check("GET", "/v1/users", "/v1/users", nil, http.StatusForbidden, cwToken...)

		// API tokens.
		check("GET", "/v1/tokens", "/v1/tokens", nil, http.StatusOK)
		tokenBody := map[string]any{"name": "script", "scopes": []string{"case.read", "case.list"}, "expires_in_days": 30}
		check("POST", "/v1/tokens", "/v1/tokens", tokenBody, http.StatusForbidden)
		check("POST", "/v1/tokens", "/v1/tokens", map[string]any{"name": "script", "scopes": []string{"case.fly"}, "expires_in_days": 30}, http.StatusUnprocessableEntity, session...)
		r = check("POST", "/v1/tokens", "/v1/tokens", tokenBody, http.StatusCreated, session...)
		tokID := str(t, r.object(t), "id")
		check("GET", "/v1/tokens", "/v1/tokens", nil, http.StatusOK, session...)
		check("DELETE", "/v1/tokens/{id}", "/v1/tokens/"+tokID, nil, http.StatusNoContent, session...)
		check("DELETE", "/v1/tokens/{id}", "/v1/tokens/"+tokID, nil, http.StatusNotFound, session...)

		// Settings and the audit log.
		check("GET", "/v1/org/settings", "/v1/org/settings", nil, http.StatusOK)
		check("PUT", "/v1/org/settings", "/v1/org/settings", map[string]any{"require_totp": false, "retention_days": 30}, http.StatusOK)
		check("PUT", "/v1/org/settings", "/v1/org/settings", map[string]any{"retention_days": -1}, http.StatusUnprocessableEntity)
		check("GET", "/v1/org/settings", "/v1/org/settings", nil, http.StatusForbidden, cwToken...)
		check("GET", "/v1/audit", "/v1/audit", nil, http.StatusOK)
		check("GET", "/v1/audit", "/v1/audit?after=1&limit=5", nil, http.StatusOK)
		check("GET", "/v1/audit", "/v1/audit?limit=0", nil, http.StatusUnprocessableEntity)
		check("GET", "/v1/audit", "/v1/audit", nil, http.StatusForbidden, cwToken...)

		// Cases with identities, assignees and teams.
		withID := caseBody("ID-1", "", schengenStay("2026-01-02", ""))
		withID["identity"] = map[string]any{"name": "Ann Marie Lee", "birth_date": "1990-02-03", "nationality": "CA", "passport": "AB 123-4567", "contact": "+1 555 0100"}
		withID["assignee"], withID["team"] = cw, "north"
		r = check("POST", "/v1/cases", "/v1/cases", withID, http.StatusCreated)
		id := str(t, r.object(t), "id")
		check("GET", "/v1/cases/{id}", "/v1/cases/"+id, nil, http.StatusOK, cwToken...)
		check("GET", "/v1/cases/{id}", "/v1/cases/"+id+"?reveal=identity", nil, http.StatusOK)
		check("GET", "/v1/cases/{id}", "/v1/cases/"+id+"?reveal=all", nil, http.StatusUnprocessableEntity)
		r = check("POST", "/v1/cases/lookup", "/v1/cases/lookup", map[string]string{"passport": "ab1234567"}, http.StatusOK)
		check("POST", "/v1/cases/lookup", "/v1/cases/lookup", map[string]string{"passport": ""}, http.StatusUnprocessableEntity)
		check("GET", "/v1/cases", "/v1/cases?passport=ab1234567", nil, http.StatusUnprocessableEntity)
		if got, _ := jsonPath(r.object(t), "items.0.id"); got != id {
			t.Errorf("passport lookup: items.0.id = %v, want %s; %s", got, id, r.Body)
		}
		check("GET", "/v1/cases", "/v1/cases", nil, http.StatusUnauthorized, anon...)
		theirs := e.create(t, "ID-2", "", schengenStay("2026-01-02", ""))
		check("GET", "/v1/cases/{id}", "/v1/cases/"+theirs, nil, http.StatusNotFound, cwToken...)
		closed := caseBody("ID-2", "", schengenStay("2026-01-02", "2026-01-05"))
		closed["closed"] = true
		r = check("PUT", "/v1/cases/{id}", "/v1/cases/"+theirs, closed, http.StatusOK, "If-Match", "*")
		if v, _ := jsonPath(r.object(t), "closed"); v == nil {
			t.Errorf("PUT closed: true: closed is null: %s", r.Body)
		}
		check("DELETE", "/v1/cases/{id}", "/v1/cases/"+theirs, nil, http.StatusForbidden, append(cwToken, "If-Match", "*")...)

		// Exports and imports.
		const pass = "a passphrase long enough"
		r = check("POST", "/v1/export", "/v1/export", map[string]any{"passphrase": pass}, http.StatusOK)
		file := r.Body
		check("POST", "/v1/export", "/v1/export", map[string]any{}, http.StatusUnprocessableEntity)
		check("POST", "/v1/export", "/v1/export", map[string]any{"passphrase": "too short"}, http.StatusUnprocessableEntity)
		check("POST", "/v1/export", "/v1/export", map[string]any{"ids": []string{"c_none"}, "passphrase": pass}, http.StatusNotFound)
		check("POST", "/v1/export", "/v1/export", map[string]any{"passphrase": pass}, http.StatusForbidden, cwToken...)
		octets := []string{"Content-Type", "application/octet-stream"}
		check("POST", "/v1/import", "/v1/import", file, http.StatusUnprocessableEntity, octets...)
		check("POST", "/v1/import", "/v1/import", file, http.StatusUnprocessableEntity, append(octets, PassphraseHeader, "not the passphrase")...)
		check("POST", "/v1/import", "/v1/import", file, http.StatusConflict, append(octets, PassphraseHeader, pass)...)
		for _, c := range []string{id, theirs} {
			check("DELETE", "/v1/cases/{id}", "/v1/cases/"+c, nil, http.StatusNoContent, "If-Match", "*")
		}
		r = check("POST", "/v1/import", "/v1/import", file, http.StatusCreated, append(octets, PassphraseHeader, pass)...)
		if n, _ := jsonPath(r.object(t), "imported"); n != float64(2) {
			t.Errorf("imported %v, want 2", n)
		}

		// Logging out, and a password change, which ends every session.
		check("POST", "/v1/logout", "/v1/logout", nil, http.StatusNoContent, session...)
		check("POST", "/v1/logout", "/v1/logout", nil, http.StatusUnauthorized, session...)
		r = check("POST", "/v1/login", "/v1/login", map[string]string{"username": "cw1", "password": testPassword}, http.StatusOK, anon...)
		cwSession := cookieOf(r)
		check("POST", "/v1/me/password", "/v1/me/password", map[string]string{"current_password": testPassword, "new_password": testPassword + "!"}, http.StatusNoContent, cwSession...)
		check("GET", "/v1/me", "/v1/me", nil, http.StatusUnauthorized, cwSession...)
	})
}
