package remind

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/i18n"
	"visaclock/internal/wording"
)

// message is a reminder's content, in its reader's language: the case's
// reference, the deadline and a link, never an identity.
type message struct {
	r       caseload.Reminder
	Subject string
	Text    string
	Link    string
}

func compose(p *i18n.Printer, r caseload.Reminder, base string) message {
	m := message{r: r, Link: base + "/cases/" + r.CaseID}
	var what string
	if r.Kind == caseload.ReminderOverstay {
		m.Subject = p.T("remind.subject.overstay", "reference", r.Reference, "date", p.Date(r.Date))
		what = p.T("remind.body.overstay", "reference", r.Reference, "date", p.Date(r.Date))
	} else {
		deadline := wording.Deadline(p, r.Kind, r.Date)
		m.Subject = p.T("remind.subject.deadline", "reference", r.Reference, "deadline", deadline)
		what = p.N("remind.body.deadline", r.Offset, "reference", r.Reference, "deadline", deadline)
	}
	m.Text = what + "\n\n" + p.T("remind.body.link", "link", m.Link) + "\n\n-- \n" + p.T("remind.body.why") + "\n"
	return m
}

// mail is the message as RFC 5322 text. Its Message-ID is made from the
// reminder's key, so a repeat carries the first one's.
func (m message) mail(from, to, key string, now time.Time) []byte {
	domain := "visaclock.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", key, domain)
	b.WriteString("Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// SMTP is the mail server reminders are sent through.
type SMTP struct {
	// Addr is host:port; empty means no e-mail.
	Addr string
	// Security is "starttls" (upgrade a plain connection, usually port
	// 587; the default), "tls" (implicit TLS, usually port 465) or "none"
	// (only to a server on a loopback address).
	Security string
	// Username and Password, when set, log in with AUTH PLAIN, always
	// over TLS.
	Username, Password string
	// From is the sender's address.
	From string
	// RootCAs verifies the server's certificate; nil means the system's.
	RootCAs *x509.CertPool
}

// Validate checks m, once, at start-up, filling in the default
// security; its errors name the serve flags.
func (m *SMTP) Validate() error {
	if m.Addr == "" {
		if m.From != "" || m.Username != "" || m.RootCAs != nil {
			return errors.New("--smtp-from, --smtp-user and --smtp-ca need --smtp-addr, the mail server")
		}
		return nil
	}
	host, port, err := net.SplitHostPort(m.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("--smtp-addr %q: give HOST:PORT, such as mail.example.org:587", m.Addr)
	}
	switch m.Security {
	case "":
		m.Security = "starttls"
	case "starttls", "tls":
	case "none":
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("--smtp-security none: only for a server on a loopback address; %s needs starttls or tls", host)
		}
	default:
		return fmt.Errorf("--smtp-security %q: accepted: starttls, tls, none", m.Security)
	}
	if a, err := mail.ParseAddress(m.From); err != nil || a.Address != m.From {
		return fmt.Errorf("--smtp-from %q: give the sender's bare address, such as visaclock@example.org", m.From)
	}
	return nil
}

// send delivers msg to to, within ctx.
func (m *SMTP) send(ctx context.Context, to string, msg []byte) error {
	if m.Addr == "" {
		return errors.New("no SMTP server is configured (--smtp-addr)")
	}
	host, _, _ := net.SplitHostPort(m.Addr)
	conf := &tls.Config{ServerName: host, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	var err error
	if m.Security == "tls" {
		conn, err = (&tls.Dialer{Config: conf}).DialContext(ctx, "tcp", m.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", m.Addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	// The job's deadline bounds the whole conversation.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if m.Security == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the server does not offer STARTTLS")
		}
		if err := c.StartTLS(conf); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("smtp: AUTH: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("smtp: MAIL: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp: RCPT: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	return c.Quit()
}

// Webhook headers. The signature is HMAC-SHA-256, keyed with the
// account's secret, over the timestamp, a full stop and the body, in hex:
// "v1=" + hex(HMAC(secret, timestamp + "." + body)).
const (
	HeaderTimestamp   = "Visaclock-Timestamp"
	HeaderSignature   = "Visaclock-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// Payload is the JSON body of a webhook.
type Payload struct {
	Key        string `json:"key"`
	CaseID     string `json:"case_id"`
	Reference  string `json:"reference"`
	Kind       string `json:"kind"`
	Date       string `json:"date"`
	DaysBefore int    `json:"days_before"`
	Link       string `json:"link"`
	Subject    string `json:"subject"`
	Text       string `json:"text"`
}

// webhookClient posts webhooks without following redirects and, unless
// private is set, only to public addresses: the check is on the address
// dialled, after DNS, so a name that resolves inward is refused too.
func webhookClient(private bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !private {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
				return fmt.Errorf("webhook: %s is not a public address (serve --webhook-private allows it)", ip)
			}
			return nil
		}
	}
	return &http.Client{
		// No proxy: the address check must see where the request goes.
		Transport:     &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func postWebhook(ctx context.Context, hc *http.Client, t caseload.ReminderTarget, m message, now time.Time) error {
	body, err := json.Marshal(Payload{Key: m.r.Key, CaseID: m.r.CaseID, Reference: m.r.Reference, Kind: m.r.Kind,
		Date: m.r.Date.String(), DaysBefore: m.r.Offset, Link: m.Link, Subject: m.Subject, Text: m.Text})
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, t.Secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "visaclock-reminders")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, "v1="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set(HeaderIdempotency, m.r.Key)
	resp, err := hc.Do(req)
	if err != nil {
		// Without the URL, which is the account's and may carry a token:
		// the error is logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: the receiver answered %s", resp.Status)
	}
	return nil
}
