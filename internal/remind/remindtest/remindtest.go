// Package remindtest runs, inside tests, a real SMTP server (STARTTLS or
// implicit TLS, with a test certificate) and a real HTTP webhook receiver
// that checks signatures, and records what reaches them.
package remindtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Cert makes a certificate for 127.0.0.1, writes it to a file, and
// returns the TLS configuration serving it, the file and a pool trusting
// it. Its validity is fixed and wide: the TLS stack checks it against the
// real clock, which tests do not read.
func Cert(t testing.TB) (*tls.Config, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "visaclock test mail"},
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mail-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, file, pool
}

// Mail is one message the SMTP server accepted.
type Mail struct {
	From, To  string
	MessageID string
	Header    mail.Header
	Body      []byte
}

// SMTP is a running SMTP server.
type SMTP struct {
	Addr     string
	CAFile   string
	Pool     *x509.CertPool
	Implicit bool // implicit TLS; otherwise STARTTLS

	mu    sync.Mutex
	mails []Mail
	// hold, when set, runs after a message is recorded and before it is
	// acknowledged: a sender killed meanwhile has delivered the message
	// without knowing it.
	hold func(Mail)
}

// NewSMTP starts an SMTP server on 127.0.0.1 that offers STARTTLS, or
// speaks TLS from the start when implicit is set.
func NewSMTP(t testing.TB, implicit bool) *SMTP {
	t.Helper()
	conf, file, pool := Cert(t)
	s := &SMTP{CAFile: file, Pool: pool, Implicit: implicit}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		ln = tls.NewListener(ln, conf)
	} else {
		srv.TLSConfig = conf
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Hold makes the server run f on each message after recording it and
// before acknowledging it.
func (s *SMTP) Hold(f func(Mail)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = f
}

// Mails returns the messages accepted so far.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type backend struct{ s *SMTP }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if _, ok := c.TLSConnectionState(); !ok && b.s.Implicit {
		return nil, &smtp.SMTPError{Code: 530, Message: "TLS required"}
	}
	return &session{s: b.s, c: c}, nil
}

type session struct {
	s        *SMTP
	c        *smtp.Conn
	from, to string
}

func (x *session) Reset()        { x.from, x.to = "", "" }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	// Refuse a message in the clear: reminders must go over TLS.
	if _, ok := x.c.TLSConnectionState(); !ok {
		return &smtp.SMTPError{Code: 530, Message: "must issue STARTTLS first"}
	}
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: x.from, To: x.to}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	m.Header = msg.Header
	m.MessageID = msg.Header.Get("Message-ID")
	m.Body, _ = io.ReadAll(msg.Body)
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, m)
	hold := x.s.hold
	x.s.mu.Unlock()
	if hold != nil {
		hold(m)
	}
	return nil
}

// Delivery is one webhook request the receiver accepted.
type Delivery struct {
	Key       string
	Timestamp string
	Body      []byte
	Payload   map[string]any
}

// Receiver is a running webhook receiver. It accepts a request only if
// its signature is right for Secret, and counts the others.
type Receiver struct {
	URL string

	mu         sync.Mutex
	secret     []byte
	deliveries []Delivery
	bad        int
	// fail lists idempotency keys to answer 503 once each.
	fail map[string]bool
	hold func(Delivery)
}

// NewReceiver starts a webhook receiver.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{fail: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hook"
	return r
}

// SetSecret sets the secret signatures are checked with.
func (r *Receiver) SetSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = []byte(s)
}

// FailOnce makes the receiver answer 503 to the first request with this
// idempotency key (after checking it), as a receiver that is down does.
func (r *Receiver) FailOnce(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail[key] = true
}

// Hold makes the receiver run f on each delivery after recording it and
// before answering.
func (r *Receiver) Hold(f func(Delivery)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = f
}

// Deliveries returns the accepted deliveries; Bad counts the requests
// refused for a wrong signature.
func (r *Receiver) Deliveries() (ds []Delivery, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.deliveries...), r.bad
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 1<<20))
	if err != nil || req.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ts, sig, key := req.Header.Get("Visaclock-Timestamp"), req.Header.Get("Visaclock-Signature"), req.Header.Get("Idempotency-Key")
	r.mu.Lock()
	mac := hmac.New(sha256.New, r.secret)
	mac.Write([]byte(ts + "." + string(body)))
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	var payload map[string]any
	if ts == "" || key == "" || !hmac.Equal([]byte(sig), []byte(want)) || json.Unmarshal(body, &payload) != nil {
		r.bad++
		r.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.fail[key] {
		delete(r.fail, key)
		r.mu.Unlock()
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	d := Delivery{Key: key, Timestamp: ts, Body: body, Payload: payload}
	r.deliveries = append(r.deliveries, d)
	hold := r.hold
	r.mu.Unlock()
	if hold != nil {
		hold(d)
	}
	w.WriteHeader(http.StatusNoContent)
}
