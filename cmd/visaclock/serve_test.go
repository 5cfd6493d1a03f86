package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the real visaclock binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "visaclock")
	// -tags testclock: the binary runs on VISACLOCK_TEST_TODAY when a test
	// sets it (wallclock_testclock.go).
	out, err := exec.Command("go", "build", "-tags", "testclock", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running `visaclock serve` process.
type server struct {
	cmd   *exec.Cmd
	url   string
	logs  *strings.Builder
	done  chan error
	token string // an admin's API token, made through the first-run link
}

// do sends a request with the server's API token.
func (s *server) do(method, path, body string) (*http.Response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	return http.DefaultClient.Do(req)
}

// firstRun follows the set-up link the server printed, as a person would:
// the form makes the first admin, who logs in and makes an API token.
func (s *server) firstRun(t *testing.T, link string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	page, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(b), `name="token"`) {
		t.Fatalf("set-up page: %s\n%s", page.Status, b)
	}
	form := url.Values{"token": {u.Query().Get("token")}, "username": {"admin"}, "password": {"correct horse battery staple"}}
	res, err := http.PostForm(s.url+"/setup", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("set-up form: %s\n%s", res.Status, b)
	}
	// The link works once.
	if again, err := http.PostForm(s.url+"/setup", form); err != nil || again.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("the set-up link worked twice: %v %v", again.Status, err)
	}
	res, err = http.Post(s.url+"/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"correct horse battery staple"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "__Host-visaclock" {
			cookie = c
		}
	}
	if res.StatusCode != http.StatusOK || cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login: %s, cookie %+v", res.Status, cookie)
	}
	req, _ := http.NewRequest("POST", s.url+"/v1/tokens", strings.NewReader(`{"name":"e2e","scopes":["case.read","case.create","case.write","case.list"],"expires_in_days":1}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(cookie)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct{ Token string }
	json.NewDecoder(res.Body).Decode(&tok)
	if res.StatusCode != http.StatusCreated || tok.Token == "" {
		t.Fatalf("token: %s", res.Status)
	}
	s.token = tok.Token
}

// runServer starts cmd, whose standard error is stderr, and waits for its
// "listening" log line; the process is killed when the test ends.
func runServer(t *testing.T, cmd *exec.Cmd, stderr io.Reader) *server {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	s := &server{cmd: cmd, logs: &strings.Builder{}, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.logs.WriteString(sc.Text() + "\n")
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				urls <- line.URL
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.url = <-urls:
	case err := <-s.done:
		t.Fatalf("server exited before listening: %v\n%s", err, s.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start\n%s", s.logs)
	}
	return s
}

// startServer runs the binary on a free loopback port and waits for its
// "listening" log line.
func startServer(t *testing.T, bin, data string, extra ...string) *server {
	t.Helper()
	_, statErr := os.Stat(filepath.Join(data, "visaclock.db"))
	fresh := slices.Contains(extra, "--db") || errors.Is(statErr, os.ErrNotExist)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-format", "json"}, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	links := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "/setup?token="); i >= 0 {
				links <- sc.Text()
			}
		}
	}()
	s := runServer(t, cmd, stderr)
	// A fresh database (a new data directory, or the new schema a --db
	// test gives) has no account, so the server must print a set-up link.
	if fresh {
		select {
		case link := <-links:
			s.firstRun(t, link)
		case <-time.After(60 * time.Second):
			t.Fatalf("a fresh server printed no set-up link\n%s", s.logs)
		}
	}
	return s
}

const e2eCase = `{"reference":"E2E-1","history":{"grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-05","exit":"2026-01-20"}]}}`

// TestAcknowledgedWriteSurvivesKill9 writes a case, kills the server with
// SIGKILL right after the 201, and reads the case back from a new server
// on the same data directory.
func TestAcknowledgedWriteSurvivesKill9(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	s := startServer(t, bin, data)
	res, err := s.do("POST", "/v1/cases", e2eCase)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %s", res.Status)
	}
	loc := res.Header.Get("Location")
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done

	s2 := startServer(t, bin, data)
	s2.token = s.token
	res, err = s2.do("GET", loc, "")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct{ Reference string }
	json.NewDecoder(res.Body).Decode(&got)
	if res.StatusCode != http.StatusOK || got.Reference != "E2E-1" {
		t.Fatalf("after kill -9: %s, reference %q", res.Status, got.Reference)
	}
}

// TestSIGTERMFinishesRequestsInFlight starts a request, has the server
// receive SIGTERM while the handler is reading the body, and checks that the
// request still completes and the server then exits cleanly. The client
// asks for 100-continue, so it knows the handler is running before the
// signal is sent; no timing is guessed.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	bin := buildBinary(t)
	s := startServer(t, bin, t.TempDir())
	addr := strings.TrimPrefix(s.url, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/cases HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, s.token, len(e2eCase))
	r := bufio.NewReader(conn)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, "100 Continue") {
		t.Fatalf("want 100 Continue, got %q, %v", status, err)
	}
	r.ReadString('\n') // the blank line after the interim response
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait until the listener is closed: shutdown has begun.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if ctx.Err() != nil {
			t.Fatal("the server kept accepting connections after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
	io.WriteString(conn, e2eCase)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("the request in flight was cut off: %v\n%s", err, s.logs)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight request: %s", res.Status)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("server exit: %v\n%s", err, s.logs)
	}
	if !strings.Contains(s.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the logs:\n%s", s.logs)
	}
}

// TestServeRefusesNonLoopback keeps the caseload off the network until
// accounts exist.
func TestServeRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:80"} {
		var stderr strings.Builder
		err := run(context.Background(), testNow, []string{"serve", "--addr", addr, "--data", t.TempDir()}, nil, io.Discard, &stderr)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("serve --addr %s = %v, want a usage error about loopback", addr, err)
		}
	}

}

// TestMigrateAndSeed runs the operator commands on a fresh SQLite file:
// migrate applies the schema once, and seed loads cases the list can see.
func TestMigrateAndSeed(t *testing.T) {
	data := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), testNow, []string{"migrate", "--data", data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied: 0001_cases.sql") {
		t.Errorf("first migrate said %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), testNow, []string{"migrate", "--data", data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Errorf("second migrate said %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), testNow, []string{"dev", "seed", "--n", "300", "--data", data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "seeded 300 cases into sqlite") {
		t.Errorf("seed said %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), testNow, []string{"dev", "bench-list", "--n", "8", "--data", data}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "8 list requests") || strings.Contains(out.String(), "(0 rows)") {
		t.Errorf("bench-list said %q; want rows from the seeded cases", out.String())
	}
}
