package web

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"visaclock/internal/caseload"
	"visaclock/internal/date"
	"visaclock/internal/i18n"
	"visaclock/internal/wording"
)

// fieldErrors maps a form field to the message shown beside it.
type fieldErrors map[string]string

// formDate reads an optional date field, noting an error beside it.
func formDate(p *i18n.Printer, errs fieldErrors, field, v string) date.Date {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	d, err := date.Parse(v)
	if err != nil {
		errs[field] = p.T("form.bad_date")
	}
	return d
}

// formInt reads an optional whole number from lo to hi.
func formInt(p *i18n.Printer, errs fieldErrors, field, v string, lo, hi int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		errs[field] = p.T("form.bad_number", "lo", lo, "hi", hi)
	}
	return n
}

// engineError puts an error from the service beside the form field it
// names, in the page's language; it reports false for errors that are not
// about the input.
func engineError(p *i18n.Printer, errs fieldErrors, err error, fieldOf func(path string) string) bool {
	var ae *caseload.Error
	if !errors.As(err, &ae) || (ae.Code != caseload.EInvalid && ae.Code != caseload.EExists) {
		return false
	}
	field := fieldOf(ae.Field)
	errs[field] = p.T("form.rejected", "detail", ae.Msg)
	if msg, ok := wording.Invalid(p, ae.Reason, ae.Args); ok {
		errs[field] = msg
	}
	return true
}

func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return errStatus(http.StatusBadRequest, "bad request", "", "the form could not be read")
	}
	return nil
}

// accountError puts a refusal from the Service beside the form field it
// concerns (fields maps the Service's field names to the form's), in the
// reader's language; it reports false for errors that are not about the
// input.
func accountError(p *i18n.Printer, errs fieldErrors, err error, fields map[string]string) bool {
	var ae *caseload.Error
	if !errors.As(err, &ae) || (ae.Code != caseload.EInvalid && ae.Code != caseload.EExists) {
		return false
	}
	field, ok := fields[ae.Field]
	if !ok {
		field = "form"
	}
	errs[field] = serviceMessage(p, ae)
	return true
}

var (
	reAtLeast = regexp.MustCompile(`at least (\d+) characters`)
	reAtMost  = regexp.MustCompile(`at most (\d+) characters`)
)

// serviceMessage words one of the Service's refusals, which are English,
// in the reader's language; one it does not know is shown as it is.
func serviceMessage(p *i18n.Printer, ae *caseload.Error) string {
	msg := ae.Msg
	switch ae.Field {
	case "password":
		switch {
		case reAtLeast.MatchString(msg):
			return p.T("acct.err.password_short", "n", reAtLeast.FindStringSubmatch(msg)[1])
		case reAtMost.MatchString(msg):
			return p.T("acct.err.password_long", "n", reAtMost.FindStringSubmatch(msg)[1])
		case strings.Contains(msg, "too common"):
			return p.T("acct.err.password_common")
		case strings.Contains(msg, "control characters"), strings.Contains(msg, "valid text"):
			return p.T("acct.err.password_control")
		}
	case "current_password":
		return p.T("acct.err.current_password")
	case "username":
		if ae.Code == caseload.EExists {
			return p.T("acct.err.username_taken")
		}
		return p.T("acct.err.username")
	case "team":
		return p.T("acct.err.team")
	case "role":
		if strings.Contains(msg, "yourself") {
			return p.T("acct.err.self")
		}
		return p.T("acct.err.role")
	case "name":
		return p.T("acct.err.token_name")
	case "scopes":
		return p.T("acct.err.scopes")
	case "expires_in_days":
		return p.T("form.bad_number", "lo", 1, "hi", int(caseload.MaxTokenLife/(24*time.Hour)))
	case "code":
		return p.T("acct.err.totp_code")
	case "retention_days":
		return p.T("form.bad_number", "lo", 0, "hi", 36500)
	case "":
		switch {
		case strings.HasPrefix(msg, "a second factor is set up already"):
			return p.T("acct.err.totp_on")
		case strings.HasPrefix(msg, "no second factor is waiting"):
			return p.T("acct.err.totp_none")
		}
	}
	return p.T("form.rejected", "detail", ae.Error())
}
