package calendar

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"visaclock/internal/date"
)

var update = flag.Bool("update", false, "rewrite testdata/feed.golden")

var stamp = time.Date(2026, time.November, 26, 12, 0, 0, 0, time.UTC)

// Long enough to fold several times, multi-byte throughout, and full of
// characters TEXT must escape.
const longSummary = "B-7F3 截止: 延期申请截止日期，请务必提前准备材料; 包括护照、照片、银行流水\\存款证明, 以及雇主信函"

const longDescription = "Open the case: https://visaclock.example/cases/B-7F3\n" +
	"Rule: extension must be filed 45 days before expiry; see pack cn.residence, v3."

func sampleFeed() *Feed {
	return &Feed{
		Name:  "visaclock – caseworker 42",
		Stamp: stamp,
		Events: []Event{
			{UID: "A-123-extension-2026-12-31@visaclock", Date: date.MustParse("2026-12-31"),
				Summary: "A-123: extension filing closes"},
			{UID: "B-7F3-extension-2027-02-28@visaclock", Date: date.MustParse("2027-02-28"),
				Summary: longSummary, Description: longDescription},
			{UID: "C-9-exit-2028-02-28@visaclock", Date: date.MustParse("2028-02-28"),
				Summary: "C-9: last day; leave by midnight", Description: "Leap year: DTEND is 2028-02-29."},
		},
	}
}

func render(t testing.TB, f *Feed) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	got := render(t, sampleFeed())
	path := filepath.Join("testdata", "feed.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("feed differs from %s (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// physicalLines splits out on CRLF and checks every line: CRLF-terminated,
// no bare CR or LF, at most 75 octets, valid UTF-8, and a continuation line
// is one space plus at least one character.
func physicalLines(t testing.TB, out string) []string {
	t.Helper()
	if !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output does not end with CRLF: %q", out[max(0, len(out)-20):])
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8 (a fold split a sequence?): %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") && len(l) < 2 {
			t.Errorf("line %d is an empty continuation", i+1)
		}
	}
	return lines
}

// unfold removes every CRLF followed by one space and returns the logical lines.
func unfold(out string) []string {
	out = strings.ReplaceAll(out, "\r\n ", "")
	return strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
}

func TestFolding(t *testing.T) {
	out := render(t, sampleFeed())
	phys := physicalLines(t, out)

	// The long summary must have been folded, and at least one fold must
	// have backed off from 75 octets to avoid splitting a UTF-8 sequence.
	folds, backedOff := 0, false
	for i := 0; i+1 < len(phys); i++ {
		if strings.HasPrefix(phys[i+1], " ") {
			folds++
			if len(phys[i]) < 75 {
				backedOff = true
			}
		}
	}
	if folds < 3 {
		t.Errorf("got %d folds, want at least 3 for the long summary and description", folds)
	}
	if !backedOff {
		t.Errorf("no fold backed off from 75 octets; the multi-byte summary should force one")
	}

	// Unfolding restores the logical lines, written out here by hand.
	logical := unfold(out)
	for _, want := range []string{
		`SUMMARY:B-7F3 截止: 延期申请截止日期，请务必提前准备材料\; 包括护照、照片、银行流水\\存款证明\, 以及雇主信函`,
		`DESCRIPTION:Open the case: https://visaclock.example/cases/B-7F3\nRule: extension must be filed 45 days before expiry\; see pack cn.residence\, v3.`,
		`X-WR-CALNAME:visaclock – caseworker 42`,
	} {
		found := false
		for _, l := range logical {
			found = found || l == want
		}
		if !found {
			t.Errorf("no logical line %q after unfolding", want)
		}
	}
	if len(logical) >= len(phys) {
		t.Errorf("unfolding gave %d logical lines from %d physical ones", len(logical), len(phys))
	}
}

func TestFoldASCIIExact(t *testing.T) {
	// Pure ASCII folds at exactly 75 octets, then 1+74.
	f := &Feed{Stamp: stamp, Events: []Event{{UID: "u", Date: date.MustParse("2026-01-01"), Summary: strings.Repeat("x", 200)}}}
	out := render(t, f)
	want := "SUMMARY:" + strings.Repeat("x", 67) + "\r\n " + strings.Repeat("x", 74) + "\r\n " + strings.Repeat("x", 59) + "\r\n"
	if !strings.Contains(out, want) {
		t.Errorf("ASCII summary not folded at 75/74 octets:\n%s", out)
	}
}

// prop is one parsed content line.
type prop struct{ name, params, value string }

// component is a parsed BEGIN/END block.
type component struct {
	name  string
	props []prop
	subs  []*component
}

func (c *component) get(name string) []prop {
	var ps []prop
	for _, p := range c.props {
		if p.name == name {
			ps = append(ps, p)
		}
	}
	return ps
}

func (c *component) one(t testing.TB, name string) prop {
	t.Helper()
	ps := c.get(name)
	if len(ps) != 1 {
		t.Fatalf("%s has %d %s properties, want 1", c.name, len(ps), name)
	}
	return ps[0]
}

// unescape reverses RFC 5545 TEXT escaping, rejecting unknown escapes.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("trailing backslash in %q", s)
		}
		i++
		switch s[i] {
		case '\\', ';', ',':
			b.WriteByte(s[i])
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			return "", fmt.Errorf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return b.String(), nil
}

// parse is a deliberately independent mini-parser: it unfolds, splits each
// logical line at the first colon into name;params and value, unescapes
// values, and builds the component tree. It rejects ASCII control
// characters other than tab, which RFC 5545 content lines cannot contain.
func parse(out string) (*component, error) {
	root := &component{}
	stack := []*component{root}
	for n, l := range unfold(out) {
		if i := strings.IndexFunc(l, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }); i >= 0 {
			return nil, fmt.Errorf("line %d has control character %q: %q", n+1, l[i], l)
		}
		head, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("line %d has no colon: %q", n+1, l)
		}
		name, params, _ := strings.Cut(head, ";")
		top := stack[len(stack)-1]
		switch name {
		case "BEGIN":
			c := &component{name: value}
			top.subs = append(top.subs, c)
			stack = append(stack, c)
		case "END":
			if len(stack) == 1 || top.name != value {
				return nil, fmt.Errorf("line %d: END:%s does not close %q", n+1, value, top.name)
			}
			stack = stack[:len(stack)-1]
		default:
			v, err := unescape(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n+1, err)
			}
			top.props = append(top.props, prop{name, params, v})
		}
	}
	if len(stack) != 1 || len(root.subs) != 1 || root.subs[0].name != "VCALENDAR" {
		return nil, errors.New("not exactly one closed VCALENDAR")
	}
	return root.subs[0], nil
}

func TestParse(t *testing.T) {
	feed := sampleFeed()
	cal, err := parse(render(t, feed))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"VERSION": "2.0", "PRODID": "-//visaclock//visaclock//EN", "CALSCALE": "GREGORIAN",
		"METHOD": "PUBLISH", "X-WR-CALNAME": feed.Name, "REFRESH-INTERVAL": "PT12H", "X-PUBLISHED-TTL": "PT12H",
	} {
		if got := cal.one(t, name).value; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := cal.one(t, "REFRESH-INTERVAL").params; got != "VALUE=DURATION" {
		t.Errorf("REFRESH-INTERVAL params = %q, want VALUE=DURATION", got)
	}
	if len(cal.subs) != len(feed.Events) {
		t.Fatalf("got %d components, want %d VEVENTs", len(cal.subs), len(feed.Events))
	}
	for i, ev := range cal.subs {
		want := feed.Events[i]
		if ev.name != "VEVENT" {
			t.Fatalf("component %d is %s, want VEVENT", i, ev.name)
		}
		if got := ev.one(t, "UID").value; got != want.UID {
			t.Errorf("event %d UID = %q, want %q", i, got, want.UID)
		}
		if got := ev.one(t, "DTSTAMP").value; got != "20261126T120000Z" {
			t.Errorf("event %d DTSTAMP = %q", i, got)
		}
		start, end := ev.one(t, "DTSTART"), ev.one(t, "DTEND")
		if start.params != "VALUE=DATE" || end.params != "VALUE=DATE" {
			t.Errorf("event %d DTSTART/DTEND params = %q/%q, want VALUE=DATE", i, start.params, end.params)
		}
		// Check the dates with time, not the date package under the encoder.
		s, err1 := time.Parse("20060102", start.value)
		e, err2 := time.Parse("20060102", end.value)
		if err1 != nil || err2 != nil {
			t.Fatalf("event %d dates %q/%q: %v %v", i, start.value, end.value, err1, err2)
		}
		if s.Format(time.DateOnly) != want.Date.String() {
			t.Errorf("event %d DTSTART = %s, want %s", i, s.Format(time.DateOnly), want.Date)
		}
		if !e.Equal(s.AddDate(0, 0, 1)) {
			t.Errorf("event %d DTEND = %s, want the day after %s", i, end.value, start.value)
		}
		if got := ev.one(t, "SUMMARY").value; got != want.Summary {
			t.Errorf("event %d SUMMARY = %q, want %q", i, got, want.Summary)
		}
		if d := ev.get("DESCRIPTION"); want.Description == "" && len(d) != 0 || want.Description != "" && (len(d) != 1 || d[0].value != want.Description) {
			t.Errorf("event %d DESCRIPTION = %v, want %q", i, d, want.Description)
		}
		if got := ev.one(t, "TRANSP").value; got != "TRANSPARENT" {
			t.Errorf("event %d TRANSP = %q", i, got)
		}
		var triggers []string
		for _, a := range ev.subs {
			if a.name != "VALARM" {
				t.Errorf("event %d has a %s", i, a.name)
				continue
			}
			if a.one(t, "ACTION").value != "DISPLAY" || a.one(t, "DESCRIPTION").value != want.Summary {
				t.Errorf("event %d alarm = %+v, want DISPLAY with the summary", i, a.props)
			}
			triggers = append(triggers, a.one(t, "TRIGGER").value)
		}
		if strings.Join(triggers, " ") != "-P7D -P1D" {
			t.Errorf("event %d triggers = %q, want [-P7D -P1D]", i, triggers)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ok := Event{UID: "u@visaclock", Date: date.MustParse("2026-01-01")}
	for name, f := range map[string]*Feed{
		"zero stamp": {Events: []Event{ok}},
		"no UID":     {Stamp: stamp, Events: []Event{ok, {Date: ok.Date}}},
		"zero date":  {Stamp: stamp, Events: []Event{{UID: "u"}}},
		"last day":   {Stamp: stamp, Events: []Event{{UID: "u", Date: date.Max}}},
	} {
		var buf bytes.Buffer
		if err := f.Write(&buf); err == nil {
			t.Errorf("%s: Write succeeded, want an error", name)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Write wrote %d bytes before failing", name, buf.Len())
		}
	}
	want := errors.New("disk full")
	if err := sampleFeed().Write(failWriter{want}); !errors.Is(err, want) {
		t.Errorf("Write to a failing writer = %v, want %v", err, want)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// normalize is what a TEXT value can carry: CRLF and CR become LF, other
// ASCII controls except tab are dropped.
func normalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

func FuzzWrite(f *testing.F) {
	f.Add("A-123: extension filing closes", "")
	f.Add(longSummary, longDescription)
	f.Add("a\\;b,c\nd\r\ne\rf", "\\n is not a newline; \\\\ ,,")
	f.Add(strings.Repeat("😀", 40), strings.Repeat("é", 80))
	f.Add("\x00\x1f\x7f\t", "bell\a and NUL\x00")
	f.Add("invalid \xff\xfe", "\xc3")
	f.Fuzz(func(t *testing.T, summary, description string) {
		feed := &Feed{Name: summary, Stamp: stamp, Events: []Event{{
			UID: "fuzz-" + summary + "@visaclock", Date: date.MustParse("2026-12-31"),
			Summary: summary, Description: description,
		}}}
		out := render(t, feed)
		physicalLines(t, out)
		cal, err := parse(out)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if len(cal.subs) != 1 || len(cal.subs[0].subs) != 2 {
			t.Fatalf("want 1 VEVENT with 2 VALARMs:\n%s", out)
		}
		if !utf8.ValidString(summary) || !utf8.ValidString(description) {
			return // invalid bytes become U+FFFD; the line checks above still hold
		}
		ev := cal.subs[0]
		if got, want := ev.one(t, "SUMMARY").value, normalize(summary); got != want {
			t.Errorf("SUMMARY = %q, want %q", got, want)
		}
		if got, want := ev.one(t, "UID").value, normalize(feed.Events[0].UID); got != want {
			t.Errorf("UID = %q, want %q", got, want)
		}
		d := ev.get("DESCRIPTION")
		if description == "" {
			if len(d) != 0 {
				t.Errorf("DESCRIPTION present for an empty description: %v", d)
			}
		} else if len(d) != 1 || d[0].value != normalize(description) {
			t.Errorf("DESCRIPTION = %v, want %q", d, normalize(description))
		}
	})
}
