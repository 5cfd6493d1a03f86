package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestRemindersAPI sets an account's reminders through the API: the
// proposal before any choice, refusals naming the field, a webhook's
// secret shown once, and a new one on request.
func TestRemindersAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		check := func(method string, body any, status int) *response {
			t.Helper()
			r := e.do(method, "/v1/me/reminders", body).want(t, status)
			conform(t, doc, method, "/v1/me/reminders", r)
			return r
		}
		got := check("GET", nil, http.StatusOK).object(t)
		if got["email"] != "" || got["webhook_url"] != "" || got["overstay"] != true || len(got["offsets"].([]any)) != 4 || got["lang"] != "en" {
			t.Errorf("the proposal before any choice: %v", got)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"email": "Wei <wei@example.org>"}, "email"},
			{map[string]any{"email": "not an address"}, "email"},
			{map[string]any{"webhook_url": "ftp://example.org/hook"}, "webhook_url"},
			{map[string]any{"webhook_url": "https://user:pw@example.org/hook"}, "webhook_url"},
			{map[string]any{"offsets": []int{30, 3}}, "offsets"},
			{map[string]any{"lang": "fr"}, "lang"},
		} {
			r := e.do("PUT", "/v1/me/reminders", c.body)
			conform(t, doc, "PUT", "/v1/me/reminders", r)
			r.problem(t, http.StatusUnprocessableEntity).field(t, c.field)
		}
		got = check("PUT", map[string]any{"email": "wei@example.org", "webhook_url": "https://hooks.example.org/visaclock",
			"offsets": []int{1, 30}, "overstay": false, "lang": "ko"}, http.StatusOK).object(t)
		secret, _ := got["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || got["has_secret"] != true || got["lang"] != "ko" || got["overstay"] != false {
			t.Errorf("the first webhook: %v", got)
		}
		if o := got["offsets"].([]any); len(o) != 2 || o[0] != float64(30) || o[1] != float64(1) {
			t.Errorf("offsets %v, want [30 1]", o)
		}
		got = check("GET", nil, http.StatusOK).object(t)
		if _, ok := got["secret"]; ok || got["has_secret"] != true || got["email"] != "wei@example.org" {
			t.Errorf("read back: %v", got)
		}
		got = check("PUT", map[string]any{"webhook_url": "https://hooks.example.org/visaclock", "offsets": []int{7}}, http.StatusOK).object(t)
		if _, ok := got["secret"]; ok {
			t.Errorf("the secret was shown again: %v", got)
		}
		got = check("PUT", map[string]any{"webhook_url": "https://hooks.example.org/visaclock", "new_secret": true}, http.StatusOK).object(t)
		if s, _ := got["secret"].(string); !strings.HasPrefix(s, "whsec_") || s == secret {
			t.Errorf("a new secret: %v (the old one %s)", got, secret)
		}
		got = check("PUT", map[string]any{}, http.StatusOK).object(t)
		if got["has_secret"] != false || got["webhook_url"] != "" {
			t.Errorf("no webhook, no secret: %v", got)
		}
	})
}
