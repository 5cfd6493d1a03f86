package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzRoutes are the routes whose request bodies and queries come from the
// network and are decoded by our code.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/v1/login"},
	{"POST", "/v1/setup"},
	{"POST", "/setup"},
	{"POST", "/v1/cases"},
	{"POST", "/v1/export"},
	{"POST", "/v1/import"},
	{"POST", "/v1/tokens"},
	{"POST", "/v1/users"},
	{"POST", "/v1/me/totp/confirm"},
	{"POST", "/v1/me/password"},
	{"POST", "/v1/evaluate"},
	{"POST", "/v1/plan"},
	{"GET", "/v1/cases?passport="},
	{"GET", "/v1/audit?after="},
	{"GET", "/v1/calendar.ics?token="},
}

// FuzzAPIRequests sends arbitrary bodies and query values to the decoders
// that face the network, through the real handler on a real SQLite store:
// nothing may panic or answer 500, and every error is a problem document.
func FuzzAPIRequests(f *testing.F) {
	exportWorkFactor = 10
	for i := range fuzzRoutes {
		f.Add(uint8(i), []byte(`{}`), "x")
	}
	f.Add(uint8(0), []byte(`{"username":"admin","password":"correct horse battery staple","totp":"12345"}`), "")
	f.Add(uint8(1), []byte(`{"token":"vcsetup_x","username":"a","password":"correct horse battery staple"}`), "")
	f.Add(uint8(2), []byte("token=x&username=%ff&password=y"), "")
	f.Add(uint8(3), []byte(`{"reference":"F","identity":{"name":"A","birth_date":"1960-02-30","passport":"\u0000"},"history":{"grants":[]}}`), "")
	f.Add(uint8(4), []byte(`{"ids":["c_1"],"recipients":["age1"]}`), "")
	f.Add(uint8(5), []byte("age-encryption.org/v1\n-> scrypt AAAA 10\n\n--- x\n"), "correct horse battery staple")
	f.Add(uint8(6), []byte(`{"name":"t","scopes":["case.read","nope"],"expires_in_days":400}`), "")
	f.Add(uint8(7), []byte(`{"username":"x y","password":"p","role":"root"}`), "")
	f.Add(uint8(12), []byte{}, "px 77-34")
	f.Add(uint8(13), []byte{}, "-1")
	e := newEnv(f, openSQLite, nil)
	h := e.Server.Handler()
	f.Fuzz(func(t *testing.T, route uint8, body []byte, value string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path := r.path
		if strings.HasSuffix(path, "=") {
			path += urlEscape(value)
		}
		req := httptest.NewRequest(r.method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.Token)
		if r.path == "/setup" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		if r.path == "/v1/import" {
			req.Header.Set(PassphraseHeader, value)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && r.path != "/setup" {
			var p problemDoc
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != rec.Code {
				t.Fatalf("%s %s %q: %d is not a problem document: %s %s", r.method, path, body, rec.Code, ct, rec.Body)
			}
		}
	})
}

// urlEscape escapes a query value the way a client would, so that the
// fuzzer explores the decoders rather than URL syntax errors.
func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}
