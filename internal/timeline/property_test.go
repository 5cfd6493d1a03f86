package timeline

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"visaclock/internal/date"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

// tb is what the checks need from a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// bandRect is a status-band rect as drawn.
type bandRect struct {
	state    stay.State
	from, to date.Date
	days     int
	x, w     float64
}

func bandRects(t tb, svg string) []bandRect {
	t.Helper()
	var out []bandRect
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "rect" {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		classes := strings.Fields(attr["class"])
		if len(classes) == 0 || classes[0] != "band" {
			continue
		}
		var r bandRect
		for _, c := range classes[1:] {
			if s, ok := strings.CutPrefix(c, "band-"); ok && s != "future" {
				r.state = stay.State(s)
			}
		}
		var errs [4]error
		r.from, errs[0] = date.Parse(attr["data-from"])
		r.to, errs[1] = date.Parse(attr["data-to"])
		r.days, errs[2] = strconv.Atoi(attr["data-days"])
		r.x, errs[3] = strconv.ParseFloat(attr["x"], 64)
		w, err := strconv.ParseFloat(attr["width"], 64)
		for _, e := range append(errs[:], err) {
			if e != nil {
				t.Fatalf("band rect %v: %v", se.Attr, e)
			}
		}
		r.w = w
		out = append(out, r)
	}
	return out
}

func rootRange(t tb, svg string) span {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no root element: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			var r span
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "data-from":
					r.from, err = date.Parse(a.Value)
				case "data-to":
					r.to, err = date.Parse(a.Value)
				}
				if err != nil {
					t.Fatalf("root %s: %v", a.Name.Local, err)
				}
			}
			return r
		}
	}
}

// checkTiling checks that the status band covers the visible range day for
// day, once each, and that every day is drawn in the state an evaluation on
// that day gives; it counts the overstay days independently.
func checkTiling(t tb, c *stay.Case, svg string, today date.Date) {
	t.Helper()
	r := rootRange(t, svg)
	if r.from == 0 || r.to < r.from {
		t.Fatalf("visible range %v is empty", r)
	}
	if n := r.days(); n > MaxDays {
		t.Errorf("visible range %s – %s is %d days, more than %d", r.from, r.to, n, MaxDays)
	}
	if r.to < today.AddDays(AheadDays) {
		t.Errorf("visible range ends %s, before %d days after today %s", r.to, AheadDays, today)
	}
	rects := bandRects(t, svg)
	if len(rects) == 0 {
		t.Fatalf("no status band drawn")
	}
	sum, next, x := 0, r.from, plotL
	for i, b := range rects {
		if b.from != next {
			t.Errorf("band %d starts %s, want %s (gap or overlap)", i, b.from, next)
		}
		if b.days != b.to.Sub(b.from)+1 || b.days < 1 {
			t.Errorf("band %d, %s – %s, says %d days", i, b.from, b.to, b.days)
		}
		if math.Abs(b.x-x) > 0.011 {
			t.Errorf("band %d starts at x=%v, want %v (a visible gap or overlap)", i, b.x, x)
		}
		x = b.x + b.w
		next = b.to + 1
		sum += b.days
	}
	if next != r.to+1 {
		t.Errorf("bands end %s, want %s", next-1, r.to)
	}
	if math.Abs(x-plotR) > 0.011 {
		t.Errorf("bands end at x=%v, want %v", x, plotR)
	}
	if sum != r.days() {
		t.Errorf("band days sum to %d, want the range's %d", sum, r.days())
	}

	var ev stay.Evaluation
	wantOver, gotOver := 0, 0
	for _, b := range rects {
		if b.state == stay.StateOverstay {
			gotOver += b.days
		}
		for day := b.from; day <= b.to; day++ {
			c.EvaluateInto(&ev, day)
			if ev.State != b.state {
				t.Fatalf("%s drawn %s, but the evaluation on it says %s", day, b.state, ev.State)
			}
		}
	}
	for day := r.from; day <= r.to; day++ {
		c.EvaluateInto(&ev, day)
		if ev.State == stay.StateOverstay {
			wantOver++
		}
	}
	if gotOver != wantOver {
		t.Errorf("%d overstay days drawn, want %d", gotOver, wantOver)
	}
}

// genHistory draws a small family-visit or Schengen history and a today.
func genHistory(t *rapid.T) (*stay.History, date.Date) {
	pack := rapid.SampledFrom([]string{"cn-family-visit-2019-report", "cn-family-visit", "schengen-short-stay"}).Draw(t, "pack")
	start := dt("2024-01-01").AddDays(rapid.IntRange(0, 600).Draw(t, "start"))
	g := stay.Grant{ID: "g", Rule: pack}
	family := pack != "schengen-short-stay"
	if pack == "cn-family-visit" {
		g.StayDays = rapid.IntRange(5, 90).Draw(t, "stay")
	}
	if family && rapid.Bool().Draw(t, "multiple") {
		g.Entries = rules.Multiple
	}
	if rapid.Bool().Draw(t, "validity") {
		g.ValidFrom = start.AddDays(-rapid.IntRange(0, 30).Draw(t, "vf"))
		g.ValidUntil = g.ValidFrom.AddDays(rapid.IntRange(30, 400).Draw(t, "vu"))
		if !family {
			// A Schengen visa states its duration of stay.
			g.StayDays = rapid.IntRange(1, 90).Draw(t, "visa days")
		}
	}
	h := &stay.History{Grants: []stay.Grant{g}}
	at := start
	n := rapid.IntRange(0, 5).Draw(t, "trips")
	for i := range n {
		if i > 0 {
			at = at.AddDays(rapid.IntRange(1, 120).Draw(t, "gap"))
		}
		tr := stay.Trip{Entry: at, Exit: at.AddDays(rapid.IntRange(0, 100).Draw(t, "len"))}
		at = tr.Exit
		h.Trips = append(h.Trips, tr)
	}
	if n > 0 && rapid.Bool().Draw(t, "open") {
		h.Trips[n-1].Exit = 0
	}
	if family && n > 0 {
		for range rapid.IntRange(0, 3).Draw(t, "extensions") {
			tr := h.Trips[rapid.IntRange(0, n-1).Draw(t, "trip")]
			last := tr.Exit
			if last == 0 {
				last = tr.Entry.AddDays(150)
			}
			e := stay.Extension{Filed: tr.Entry.AddDays(rapid.IntRange(0, last.Sub(tr.Entry)).Draw(t, "filed"))}
			switch rapid.IntRange(0, 2).Draw(t, "outcome") {
			case 0:
				e.Outcome = stay.Pending
			case 1:
				e.Outcome, e.Decided = stay.Granted, e.Filed.AddDays(rapid.IntRange(0, 20).Draw(t, "decided"))
				if pack == "cn-family-visit" {
					e.GrantedDays = rapid.IntRange(1, 60).Draw(t, "days")
				} else {
					e.GrantedMonths = rapid.IntRange(1, 3).Draw(t, "months")
				}
			case 2:
				e.Outcome, e.Decided = stay.Refused, e.Filed.AddDays(rapid.IntRange(0, 20).Draw(t, "decided"))
			}
			h.Extensions = append(h.Extensions, e)
		}
	}
	return h, start.AddDays(rapid.IntRange(-30, 900).Draw(t, "today"))
}

func TestBandTilesRange(t *testing.T) {
	lookup := registry(t).Lookup
	rapid.Check(t, func(t *rapid.T) {
		h, today := genHistory(t)
		c, err := stay.Prepare(h, lookup)
		if err != nil {
			t.Fatalf("generated an invalid history %s: %v", h, err)
		}
		svg := render(c, Options{Today: today, Labels: english}, "p")
		checkTiling(t, c, svg, today)
	})
}
