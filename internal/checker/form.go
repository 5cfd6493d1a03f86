package checker

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// MaxRows bounds the trips and the extension applications a form may
// carry, so that a form cannot make the engine work without end.
const MaxRows = 40

// Form is the checker form's fields by name, as the page posts them (or,
// with scripts on, hands them to the module): rule, stay_days,
// nationality, valid_until, admit_until, as_of; trips as entryN and exitN;
// extension applications as ext_filedN, ext_daysN, ext_outcomeN,
// ext_decidedN and ext_grantedN (days granted), for N from 0. Blank rows
// are skipped.
type Form map[string]string

// FormError is a field of the form that cannot be read, named as the form
// names it, so that the page can show the message beside the field.
type FormError struct {
	Field string
	Code  string // the engine's reason code, when the engine found it
	Args  []any
	Msg   string
}

func (e *FormError) Error() string { return e.Field + ": " + e.Msg }

// History reads the form into a history with one grant, "visa", and its
// JSON document, the same bytes a saved file holds.
func (f Form) History() (*stay.History, []byte, error) {
	get := func(k string) string { return strings.TrimSpace(f[k]) }
	h := &stay.History{Grants: []stay.Grant{{ID: "visa", Rule: get("rule")}}}
	g := &h.Grants[0]
	if g.Rule == "" {
		return nil, nil, &FormError{Field: "rule", Msg: "required: choose the visa or right"}
	}
	var err error
	if h.AsOf, err = f.date("as_of"); err != nil {
		return nil, nil, err
	}
	if g.StayDays, err = f.days("stay_days"); err != nil {
		return nil, nil, err
	}
	if g.ValidUntil, err = f.date("valid_until"); err != nil {
		return nil, nil, err
	}
	if g.AdmitUntil, err = f.date("admit_until"); err != nil {
		return nil, nil, err
	}
	if n := strings.ToUpper(get("nationality")); n != "" {
		if !nationality.MatchString(n) {
			return nil, nil, &FormError{Field: "nationality", Msg: fmt.Sprintf("%q is not a country code; write three letters, as in a passport (PRK, CHN, GBR)", n)}
		}
		g.Nationality = n
	}
	for i := range MaxRows {
		in, out := fmt.Sprint("entry", i), fmt.Sprint("exit", i)
		if get(in) == "" && get(out) == "" {
			continue
		}
		var t stay.Trip
		if t.Entry, err = f.date(in); err != nil {
			return nil, nil, err
		}
		if t.Entry == 0 {
			return nil, nil, &FormError{Field: in, Msg: "required: the day of entry, when a day of leaving is given"}
		}
		if t.Exit, err = f.date(out); err != nil {
			return nil, nil, err
		}
		h.Trips = append(h.Trips, t)
	}
	for i := range MaxRows {
		k := func(s string) string { return fmt.Sprint("ext_", s, i) }
		if get(k("filed")) == "" && get(k("days")) == "" && get(k("decided")) == "" && get(k("granted")) == "" {
			continue
		}
		e := stay.Extension{Outcome: stay.Pending}
		if e.Filed, err = f.date(k("filed")); err != nil {
			return nil, nil, err
		}
		if e.Filed == 0 {
			return nil, nil, &FormError{Field: k("filed"), Msg: "required: the day the application was filed"}
		}
		if e.RequestedDays, err = f.days(k("days")); err != nil {
			return nil, nil, err
		}
		if o := get(k("outcome")); o != "" {
			if err := e.Outcome.UnmarshalText([]byte(o)); err != nil {
				return nil, nil, &FormError{Field: k("outcome"), Msg: err.Error()}
			}
		}
		if e.Decided, err = f.date(k("decided")); err != nil {
			return nil, nil, err
		}
		if e.GrantedDays, err = f.days(k("granted")); err != nil {
			return nil, nil, err
		}
		h.Extensions = append(h.Extensions, e)
	}
	doc, err := json.Marshal(h)
	if err != nil {
		return nil, nil, err
	}
	return h, doc, nil
}

var nationality = regexp.MustCompile(`^[A-Z]{3}$`)

func (f Form) date(k string) (date.Date, error) {
	s := strings.TrimSpace(f[k])
	if s == "" {
		return 0, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		return 0, &FormError{Field: k, Msg: fmt.Sprintf("%q is not a date; write it as YYYY-MM-DD, for example 2026-09-07", s)}
	}
	return d, nil
}

func (f Form) days(k string) (int, error) {
	s := strings.TrimSpace(f[k])
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 3650 {
		return 0, &FormError{Field: k, Msg: fmt.Sprintf("%q is not a number of days; write a whole number from 1 to 3650", s)}
	}
	return n, nil
}

// FieldOf names the form field that an engine field path points at, for
// a history the form made: "trips[1].exit" is exit1 when no trip row
// before it was blank; the nearest field the form has otherwise.
func FieldOf(f Form, path string) string {
	m := enginePath.FindStringSubmatch(path)
	if m == nil {
		switch {
		case strings.HasPrefix(path, "grants"):
			if strings.HasSuffix(path, "stay_days") {
				return "stay_days"
			}
			return "rule"
		}
		return "as_of"
	}
	n, _ := strconv.Atoi(m[2])
	kind, field := m[1], m[3]
	prefix, probe := "entry", "entry"
	if kind == "extensions" {
		prefix, probe = "ext_", "ext_filed"
	}
	// The nth non-blank row of the form.
	for i, seen := 0, -1; i < MaxRows; i++ {
		if strings.TrimSpace(f[fmt.Sprint(probe, i)]) == "" {
			continue
		}
		if seen++; seen == n {
			switch {
			case kind == "trips" && field == "exit":
				return fmt.Sprint("exit", i)
			case kind == "trips":
				return fmt.Sprint("entry", i)
			case field == "requested_days":
				return fmt.Sprint(prefix, "days", i)
			case field == "granted_days":
				return fmt.Sprint(prefix, "granted", i)
			case field == "outcome" || field == "decided":
				return fmt.Sprint(prefix, field, i)
			}
			return fmt.Sprint(prefix, "filed", i)
		}
	}
	return "as_of"
}

var enginePath = regexp.MustCompile(`^(trips|extensions)\[(\d+)\](?:\.([a-z_]+))?`)
