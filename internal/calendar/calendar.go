// Package calendar renders visa deadlines as an iCalendar (RFC 5545) feed
// that calendar apps can subscribe to or import.
//
// Every deadline is an all-day event (DTSTART;VALUE=DATE with an exclusive
// DTEND on the next day), so no time zone can shift it to the wrong day.
//
// The feed holds only what the caller puts in it, and a feed URL is a
// capability that leaks easily: keep summaries neutral (a case reference,
// not a name, nationality or visa type) and link back to the authenticated
// UI from Description rather than copying case details into it.
package calendar

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"visaclock/internal/date"
)

// Event is one all-day deadline.
type Event struct {
	UID         string    // stable across renders; the caller builds it, e.g. "<case id>-<kind>-<date>@visaclock"
	Date        date.Date // the all-day event's day
	Summary     string    // e.g. "A-123: extension filing closes"
	Description string    // optional
}

// Feed is a whole calendar.
type Feed struct {
	Name   string    // X-WR-CALNAME
	Stamp  time.Time // DTSTAMP for every event (UTC); callers pass a fixed time in tests
	Events []Event
}

// maxLine is the longest physical line in octets, excluding CRLF (RFC 5545 §3.1).
const maxLine = 75

// Write renders the feed as text/calendar with CRLF line endings, lines
// folded at 75 octets (never inside a UTF-8 sequence), TEXT values escaped
// (backslash, semicolon, comma, newline).
//
// TEXT values cannot carry control characters: CRLF and lone CR become
// newlines, and other controls except tab are dropped. Invalid UTF-8
// becomes U+FFFD. Write reports an error, and writes nothing, for a zero
// Stamp, an event without a UID, or an event date outside 0001-01-01 to
// 9999-12-30 (the next day must be printable as DTEND).
func (f *Feed) Write(w io.Writer) error {
	if f.Stamp.IsZero() {
		return errors.New("calendar: feed has no Stamp for DTSTAMP")
	}
	stamp := f.Stamp.UTC().Format("20060102T150405Z")
	var e encoder
	e.line("BEGIN:VCALENDAR")
	e.line("VERSION:2.0")
	e.line("PRODID:-//visaclock//visaclock//EN")
	e.line("CALSCALE:GREGORIAN")
	e.line("METHOD:PUBLISH")
	if f.Name != "" {
		e.line("X-WR-CALNAME:" + escape(f.Name))
	}
	e.line("REFRESH-INTERVAL;VALUE=DURATION:PT12H")
	e.line("X-PUBLISHED-TTL:PT12H")
	for i, ev := range f.Events {
		if ev.UID == "" {
			return fmt.Errorf("calendar: event %d has no UID", i)
		}
		next := ev.Date.AddDays(1)
		if ev.Date < 1 || next.Year() > date.MaxYear {
			return fmt.Errorf("calendar: event %d has no usable date", i) // no UID: errors reach logs, which hold nothing of a case
		}
		alarm := ev.Summary
		if alarm == "" {
			alarm = "Deadline" // DISPLAY alarms need a DESCRIPTION some clients show
		}
		e.line("BEGIN:VEVENT")
		e.line("UID:" + escape(ev.UID))
		e.line("DTSTAMP:" + stamp)
		e.line("DTSTART;VALUE=DATE:" + basic(ev.Date))
		e.line("DTEND;VALUE=DATE:" + basic(next))
		e.line("SUMMARY:" + escape(ev.Summary))
		if ev.Description != "" {
			e.line("DESCRIPTION:" + escape(ev.Description))
		}
		e.line("TRANSP:TRANSPARENT")
		for _, trigger := range []string{"-P7D", "-P1D"} {
			e.line("BEGIN:VALARM")
			e.line("ACTION:DISPLAY")
			e.line("DESCRIPTION:" + escape(alarm))
			e.line("TRIGGER:" + trigger)
			e.line("END:VALARM")
		}
		e.line("END:VEVENT")
	}
	e.line("END:VCALENDAR")
	_, err := w.Write(e.buf)
	return err
}

// basic formats d in the iCalendar DATE form YYYYMMDD.
func basic(d date.Date) string {
	y, m, dd := d.YMD()
	return fmt.Sprintf("%04d%02d%02d", y, int(m), dd)
}

// escape renders s as an RFC 5545 TEXT value (§3.3.11).
func escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s { // invalid UTF-8 arrives as utf8.RuneError, written as U+FFFD
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t' || r == 0x7f:
			// CONTROL characters are not allowed in TEXT; drop them.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// encoder accumulates content lines so that Write emits all or nothing.
type encoder struct{ buf []byte }

// line appends one logical content line, folded so that no physical line
// exceeds maxLine octets and no fold splits a UTF-8 sequence. s must be
// valid UTF-8 (escape guarantees it for values).
func (e *encoder) line(s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		e.buf = append(e.buf, s[:cut]...)
		e.buf = append(e.buf, "\r\n "...)
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, "\r\n"...)
}
