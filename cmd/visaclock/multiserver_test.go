package main

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"visaclock/internal/sqlstore/sqlstoretest"
)

// startPeer runs another `visaclock serve` on the database at dsn, which
// a first server has already set up, and waits for it to listen. extra
// are more flags.
func startPeer(t *testing.T, bin, dsn string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--data", t.TempDir(), "--log-format", "json"}, extra...)...)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	return runServer(t, cmd, stderr)
}

// loginAt posts a login to s as the load balancer would forward it from
// client, and returns the status, the Retry-After header and the session
// cookie, if any.
func loginAt(t *testing.T, s *server, client, username, password string) (status int, retryAfter string, cookie *http.Cookie) {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
	req, err := http.NewRequest("POST", s.url+"/v1/login", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", client)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "__Host-visaclock" {
			cookie = c
		}
	}
	return res.StatusCode, res.Header.Get("Retry-After"), cookie
}

// sessionAt sends method path to s with the session cookie and returns the
// status.
func sessionAt(t *testing.T, s *server, method, path string, cookie *http.Cookie) int {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestTwoServersActAsOne runs two `visaclock serve` processes on one
// PostgreSQL schema, as behind a load balancer (the test plays the
// balancer, named by --trusted-proxy, and says which client it forwards
// for), and shows that they behave as one: a session made on one is valid
// on the other and a logout on either ends it on both, and failed logins
// spread across them meet the limits of one server, for the account and
// for the client address.
func TestTwoServersActAsOne(t *testing.T) {
	dsn := sqlstoretest.SchemaURL(t, "vc_multi_")
	t.Setenv(MasterKeysEnv, mustNewKey(t)) // every server holds the same master keys
	bin := buildBinary(t)
	a := startServer(t, bin, t.TempDir(), "--db", dsn, "--trusted-proxy", "127.0.0.1")
	b := startPeer(t, bin, dsn, "--trusted-proxy", "127.0.0.1")
	servers := map[string]*server{"a": a, "b": b}
	const password = "correct horse battery staple" // the admin startServer set up

	t.Run("sessions", func(t *testing.T) {
		status, _, cookie := loginAt(t, a, "192.0.2.1", "admin", password)
		if status != http.StatusOK || cookie == nil {
			t.Fatalf("login on a: %d, cookie %v", status, cookie)
		}
		for name, s := range servers {
			if got := sessionAt(t, s, "GET", "/v1/me", cookie); got != http.StatusOK {
				t.Errorf("GET /v1/me on %s with a session made on a: %d, want 200", name, got)
			}
		}
		if got := sessionAt(t, b, "POST", "/v1/logout", cookie); got/100 != 2 {
			t.Fatalf("logout on b: %d", got)
		}
		for name, s := range servers {
			if got := sessionAt(t, s, "GET", "/v1/me", cookie); got != http.StatusUnauthorized {
				t.Errorf("GET /v1/me on %s after a logout on b: %d, want 401", name, got)
			}
		}
	})

	t.Run("account limit", func(t *testing.T) {
		// Five failures, alternating between the servers, and from two
		// clients: each server alone has seen fewer than five.
		for i := range 5 {
			s, client := []*server{a, b}[i%2], fmt.Sprintf("192.0.2.%d", 10+i%2)
			if status, _, _ := loginAt(t, s, client, "admin", "wrong password, try "+strconv.Itoa(i)); status != http.StatusUnauthorized {
				t.Fatalf("failed login %d: %d, want 401", i+1, status)
			}
		}
		// The sixth, even with the right password, from a new client, is
		// held back whichever server answers.
		for name, s := range servers {
			status, retry, _ := loginAt(t, s, "198.51.100.7", "admin", password)
			secs, _ := strconv.Atoi(retry)
			if status != http.StatusTooManyRequests || secs < 1 || secs > 60 {
				t.Errorf("6th login on %s: %d, Retry-After %q; want 429 within a minute", name, status, retry)
			}
		}
	})

	t.Run("address limit", func(t *testing.T) {
		// Twenty failures from one client, each on a name of its own (no
		// account limit is reached), half on each server.
		client := "203.0.113.5"
		for i := range 20 {
			s := []*server{a, b}[i%2]
			if status, _, _ := loginAt(t, s, client, fmt.Sprintf("nobody%d", i), "wrong password"); status != http.StatusUnauthorized {
				t.Fatalf("failed login %d: %d, want 401", i+1, status)
			}
		}
		for name, s := range servers {
			if status, _, _ := loginAt(t, s, client, "nobody-else", "wrong password"); status != http.StatusTooManyRequests {
				t.Errorf("21st login from the client on %s: %d, want 429", name, status)
			}
			// Another client is not held back.
			if status, _, _ := loginAt(t, s, "203.0.113.6", "nobody-else", "wrong password"); status != http.StatusUnauthorized {
				t.Errorf("a login from another client on %s: %d, want 401", name, status)
			}
		}
	})

	// Logs carry no identity: stop both servers (so their logs are
	// complete) and look for the clients and the password.
	for _, s := range servers {
		s.cmd.Process.Kill()
		<-s.done
	}
	for name, s := range servers {
		for _, secret := range []string{"192.0.2.10", "203.0.113.5", "198.51.100.7", password} {
			if strings.Contains(s.logs.String(), secret) {
				t.Errorf("server %s logged %q", name, secret)
			}
		}
	}
}
