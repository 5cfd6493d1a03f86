package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"time"

	"visaclock/internal/remind"
)

// SMTPPasswordEnv holds the mail server's password: kept out of flags,
// which other users of the machine can see.
const SMTPPasswordEnv = "VISACLOCK_SMTP_PASSWORD"

// reminderFlags are serve's flags for sending reminders.
type reminderFlags struct {
	addr, security, user, from, ca string
	timeout                        time.Duration
	privateHooks                   bool
}

func (f *reminderFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "smtp-addr", "", "send e-mail reminders through the mail server at `HOST:PORT`; without it, e-mail reminders wait in the queue")
	fs.StringVar(&f.security, "smtp-security", "starttls", "starttls (upgrade, usually port 587), tls (implicit TLS, usually port 465), or none (loopback only)")
	fs.StringVar(&f.user, "smtp-user", "", "log in to the mail server as `NAME` (password in "+SMTPPasswordEnv+")")
	fs.StringVar(&f.from, "smtp-from", "", "the sender `ADDRESS` of e-mail reminders")
	fs.StringVar(&f.ca, "smtp-ca", "", "trust the mail server's certificate if signed by the CA in `FILE` (PEM); default the system's")
	fs.BoolVar(&f.privateHooks, "webhook-private", false, "let reminder webhooks reach loopback, private and link-local addresses (off: public addresses only)")
	fs.DurationVar(&f.timeout, "reminder-timeout", 30*time.Second, "the longest one reminder's send may take; one in flight at a crash is sent again after twice this")
}

// smtp checks the flags, once, and returns the mail server's settings.
func (f *reminderFlags) smtp() (remind.SMTP, error) {
	m := remind.SMTP{Addr: f.addr, Security: f.security, Username: f.user, Password: os.Getenv(SMTPPasswordEnv), From: f.from}
	if f.timeout < time.Second || f.timeout > 10*time.Minute {
		return m, usageError{fmt.Sprintf("--reminder-timeout %s: accepted: from 1s to 10m", f.timeout)}
	}
	if f.ca != "" {
		pem, err := os.ReadFile(f.ca)
		if err != nil {
			return m, usageError{fmt.Sprintf("--smtp-ca: %v", err)}
		}
		m.RootCAs = x509.NewCertPool()
		if !m.RootCAs.AppendCertsFromPEM(pem) {
			return m, usageError{fmt.Sprintf("--smtp-ca %s: no PEM certificate in it", f.ca)}
		}
	}
	if f.user != "" && m.Password == "" {
		return m, usageError{"--smtp-user: give the password in " + SMTPPasswordEnv}
	}
	if err := m.Validate(); err != nil {
		return m, usageError{err.Error()}
	}
	return m, nil
}
