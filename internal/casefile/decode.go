package casefile

import (
	"time"

	"visaclock/internal/date"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

// decodeJSON reads one JSON history into h without reflection, for the
// common case only: JSON as encoders write it, with the format's keys
// each given once, text without escapes and in ASCII, whole numbers
// without fraction or exponent. It reports false for anything else, valid
// or not, and the caller then asks the strict decoder, which has the
// answer or the error, with its path and line, for it. FuzzDecodeJSON holds
// it to the strict decoder: whatever it accepts, document.Decode accepts
// too and reads the same.
func decodeJSON(data []byte, h *stay.History) bool {
	d := jsonReader{b: data}
	*h = stay.History{}
	d.ws()
	if !d.object(func(k int) bool { return d.historyField(k, h) }, historyKeys) {
		return false
	}
	d.ws()
	return d.i == len(d.b)
}

// The format's keys, by object: the index of a key in its list is what the
// field callbacks switch on, and its bit what finds it given twice.
var (
	historyKeys   = []string{"as_of", "person", "grants", "trips", "extensions"}
	personKeys    = []string{"born"}
	grantKeys     = []string{"id", "rule", "valid_from", "valid_until", "entries", "stay_days", "admit_until", "nationality"}
	tripKeys      = []string{"entry", "exit", "grant"}
	extensionKeys = []string{"grant", "filed", "requested_days", "requested_months", "outcome", "decided", "granted_days", "granted_months", "granted_until", "filing", "refusal_reason"}
)

type jsonReader struct {
	b []byte
	i int
}

// ws skips white space. Tabs are left for the strict decoder: YAML, which
// reads JSON here, does not take them everywhere JSON does.
func (d *jsonReader) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonReader) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *jsonReader) lit(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

// null consumes a null, which sets any field to its zero value, as the
// strict decoder does.
func (d *jsonReader) null() bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	return false
}

// str reads a string without escapes, control characters or non-ASCII
// bytes.
func (d *jsonReader) str() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		c := d.b[j]
		if c == '"' {
			d.i = j + 1
			return d.b[start:j], true
		}
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return nil, false
		}
	}
	return nil, false
}

// object reads {"key": value, ...}, calling field with each key's index in
// keys; an unknown or repeated key, or a key and its colon on two lines,
// is refused.
func (d *jsonReader) object(field func(k int) bool, keys []string) bool {
	if d.peek() != '{' {
		return false
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return true
	}
	var seen uint32
	for {
		name, ok := d.str()
		if !ok {
			return false
		}
		k := -1
		for j, n := range keys {
			if string(name) == n {
				k = j
				break
			}
		}
		if k < 0 || seen&(1<<k) != 0 {
			return false
		}
		seen |= 1 << k
		for d.i < len(d.b) && d.b[d.i] == ' ' {
			d.i++
		}
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		if !field(k) {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// array reads [value, ...], calling elem before each value.
func (d *jsonReader) array(elem func() bool) bool {
	if d.peek() != '[' {
		return false
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return true
		default:
			return false
		}
	}
}

// date reads a date as date.Parse does, or null.
func (d *jsonReader) date(v *date.Date) bool {
	if d.null() {
		*v = 0
		return true
	}
	s, ok := d.str()
	if !ok || len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	dd, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < date.ParseMinYear || y > date.ParseMaxYear || m < 1 || m > 12 || dd < 1 || dd > date.DaysIn(y, time.Month(m)) {
		return false
	}
	*v = date.MustOf(y, time.Month(m), dd)
	return true
}

func digits(s []byte) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// int reads a whole number of at most 15 digits, as JSON writes it, or null.
// length reads a length (stay_days, requested_months, …): a given 0 is an
// error, which the strict decoder reports with its line.
func (d *jsonReader) length(v *int) bool {
	if d.null() {
		*v = 0
		return true
	}
	return d.int(v) && *v != 0
}

func (d *jsonReader) int(v *int) bool {
	if d.null() {
		*v = 0
		return true
	}
	d.ws()
	j := d.i
	neg := j < len(d.b) && d.b[j] == '-'
	if neg {
		j++
	}
	start := j
	n := 0
	for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' && j-start < 16 {
		n = n*10 + int(d.b[j]-'0')
		j++
	}
	switch {
	case j == start, j-start > 15, j-start > 1 && d.b[start] == '0':
		return false
	case j < len(d.b) && (d.b[j] == '.' || d.b[j] == 'e' || d.b[j] == 'E' || d.b[j] >= '0' && d.b[j] <= '9'):
		return false
	}
	if neg {
		if n == 0 {
			return false // YAML reads -0 as a float
		}
		n = -n
	}
	d.i, *v = j, n
	return true
}

// text reads a string field, or null.
func (d *jsonReader) text(v *string) bool {
	if d.null() {
		*v = ""
		return true
	}
	s, ok := d.str()
	if ok {
		*v = string(s)
	}
	return ok
}

func (d *jsonReader) historyField(k int, h *stay.History) bool {
	switch historyKeys[k] {
	case "as_of":
		return d.date(&h.AsOf)
	case "person":
		if d.null() {
			h.Person = nil
			return true
		}
		p := &stay.Person{}
		h.Person = p
		return d.object(func(int) bool { return d.date(&p.Born) }, personKeys)
	case "grants":
		if d.null() {
			h.Grants = nil
			return true
		}
		h.Grants = []stay.Grant{}
		return d.array(func() bool {
			h.Grants = append(h.Grants, stay.Grant{})
			g := &h.Grants[len(h.Grants)-1]
			return d.null() || d.object(func(k int) bool { return d.grantField(k, g) }, grantKeys)
		})
	case "trips":
		if d.null() {
			h.Trips = nil
			return true
		}
		h.Trips = make([]stay.Trip, 0, 24)
		return d.array(func() bool {
			h.Trips = append(h.Trips, stay.Trip{})
			t := &h.Trips[len(h.Trips)-1]
			return d.null() || d.object(func(k int) bool { return d.tripField(k, t) }, tripKeys)
		})
	case "extensions":
		if d.null() {
			h.Extensions = nil
			return true
		}
		h.Extensions = []stay.Extension{}
		return d.array(func() bool {
			h.Extensions = append(h.Extensions, stay.Extension{})
			e := &h.Extensions[len(h.Extensions)-1]
			return d.null() || d.object(func(k int) bool { return d.extensionField(k, e) }, extensionKeys)
		})
	}
	return false
}

func (d *jsonReader) grantField(k int, g *stay.Grant) bool {
	switch grantKeys[k] {
	case "id":
		return d.text(&g.ID)
	case "rule":
		return d.text(&g.Rule)
	case "valid_from":
		return d.date(&g.ValidFrom)
	case "valid_until":
		return d.date(&g.ValidUntil)
	case "entries":
		// As rules.Count reads it: "multiple" or a whole number from 1.
		if d.null() {
			g.Entries = 0
			return true
		}
		if d.peek() == '"' {
			s, ok := d.str()
			if !ok || string(s) != "multiple" {
				return false
			}
			g.Entries = rules.Multiple
			return true
		}
		var n int
		if !d.int(&n) || n < 1 {
			return false
		}
		g.Entries = rules.Count(n)
		return true
	case "stay_days":
		return d.length(&g.StayDays)
	case "admit_until":
		return d.date(&g.AdmitUntil)
	case "nationality":
		return d.text(&g.Nationality)
	}
	return false
}

func (d *jsonReader) tripField(k int, t *stay.Trip) bool {
	switch tripKeys[k] {
	case "entry":
		return d.date(&t.Entry)
	case "exit":
		return d.date(&t.Exit)
	case "grant":
		return d.text(&t.Grant)
	}
	return false
}

func (d *jsonReader) extensionField(k int, e *stay.Extension) bool {
	switch extensionKeys[k] {
	case "grant":
		return d.text(&e.Grant)
	case "filed":
		return d.date(&e.Filed)
	case "requested_days":
		return d.length(&e.RequestedDays)
	case "requested_months":
		return d.length(&e.RequestedMonths)
	case "outcome":
		if d.null() {
			e.Outcome = ""
			return true
		}
		s, ok := d.str()
		return ok && e.Outcome.UnmarshalText(s) == nil
	case "decided":
		return d.date(&e.Decided)
	case "granted_days":
		return d.length(&e.GrantedDays)
	case "granted_months":
		return d.length(&e.GrantedMonths)
	case "granted_until":
		return d.date(&e.GrantedUntil)
	case "filing":
		if d.null() {
			e.Filing = ""
			return true
		}
		s, ok := d.str()
		return ok && e.Filing.UnmarshalText(s) == nil
	case "refusal_reason":
		return d.text(&e.RefusalReason)
	}
	return false
}
