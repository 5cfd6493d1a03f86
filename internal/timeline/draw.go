package timeline

import (
	"bytes"
	"encoding/xml"
	"math"
	"slices"
	"strconv"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// Geometry, in viewBox units. The drawing scales to its container's width,
// text included: at 480 units, 12-unit text is 9 pixels on a phone's 360,
// and the page's stylesheet should cap the width on a desktop (class
// "timeline"), where it would otherwise grow large.
const (
	width    = 480
	plotL    = 8.0
	plotR    = width - 8.0
	axisH    = 28.0 // month labels, above the first row
	labelH   = 17.0 // a row's label line, above its bar
	barH     = 14.0
	rowGap   = 9.0
	rowH     = labelH + barH + rowGap
	footH    = 24.0 // today's label
	fontAxis = 12.0
	fontRow  = 13.0
	fontMark = 11.0
)

// Colours read as traffic lights. Red and green are the pair colour-blind
// readers confuse most, which is why overstay is also hatched, pending
// dotted, and every shape titled.
const (
	colText     = "#1f2328"
	colGrid     = "#d8dee4"
	colGridYear = "#8c959f"
	colGrant    = "#e3eaf5"
	colGrantLn  = "#5b7bb2"
	colTrip     = "#3f5f8f"
	colLawful   = "#4caf50"
	colPending  = "#f2a900"
	colOverstay = "#c62828"
	colAbsent   = "#eef0f3"
	colAuth     = "#a5d6a7"
	colAuthExt  = "#dcedc8"
	colAuthLn   = "#1b5e20"
	colWindow   = "#bbdefb"
	colWindowLn = "#1565c0"
	colViolate  = "#b71c1c"
	colToday    = "#111111"
	dashed      = "5 3"
)

type drawing struct {
	c        *stay.Case
	opt      Options
	lb       Labels
	id       string
	today    date.Date
	hasToday bool
	r        span
	dayW     float64
	now      stay.Evaluation

	bands   []band
	windows []span
	auth    []authSpan
	exts    []extRec

	b bytes.Buffer
	// line holds the horizontal extents already taken in the label line
	// being drawn, so that markers' words do not print over each other.
	line [][2]float64
}

// band is a run of days in one state.
type band struct {
	state stay.State
	span
}

// authSpan is an authorised stay: the stay on entry, or what a granted
// extension added to it.
type authSpan struct {
	span
	granted bool
}

// extRec is an extension application as known on today.
type extRec struct {
	filed, decided, until date.Date
	outcome               stay.Outcome
}

func render(c *stay.Case, opt Options, id string) string {
	d := &drawing{c: c, opt: opt, lb: opt.Labels, id: id}
	d.today = opt.Today
	if d.today == 0 {
		d.today = c.History.AsOf
	}
	d.hasToday = d.today != 0
	if !d.hasToday {
		d.today = lastDated(c.History)
	}
	if d.today == 0 {
		// Nothing in the history is dated and no day was given: there is no
		// axis to draw on.
		d.open(axisH)
		d.raw("</svg>")
		return d.b.String()
	}
	c.EvaluateInto(&d.now, d.today)
	d.r = visibleRange(c, &d.now, opt, d.today)
	d.dayW = (plotR - plotL) / float64(d.r.days())
	d.evaluateDays()
	d.readExplanation()
	d.draw()
	return d.b.String()
}

// lastDated is the latest day the history names, standing in for today
// when the caller gives none.
func lastDated(h *stay.History) date.Date {
	last := date.Date(0)
	for _, t := range h.Trips {
		last = max(last, t.Entry, t.Exit)
	}
	for _, e := range h.Extensions {
		last = max(last, e.Filed, e.Decided)
	}
	for _, g := range h.Grants {
		last = max(last, g.ValidFrom)
	}
	return last
}

// evaluateDays finds the state of every visible day and the filing windows
// open on them. A window is named by the day it closes: a day on which the
// engine offers a filing deadline belongs to the window closing then.
func (d *drawing) evaluateDays() {
	var ev stay.Evaluation
	for day := d.r.from; day <= d.r.to; day++ {
		d.c.EvaluateInto(&ev, day)
		// A run also breaks after today: the days after it are what would
		// follow from the trips as recorded and planned, drawn paler, and
		// a tooltip must not count them with the days already lived.
		if n := len(d.bands); n > 0 && d.bands[n-1].state == ev.State && !(d.hasToday && day == d.today+1) {
			d.bands[n-1].to = day
		} else {
			d.bands = append(d.bands, band{ev.State, span{day, day}})
		}
		var opens, closes date.Date
		for _, dl := range ev.Deadlines {
			switch dl.Kind {
			case stay.FilingOpens:
				opens = dl.Date
			case stay.FilingCloses:
				closes = dl.Date
			}
		}
		if closes == 0 {
			continue
		}
		w := span{day, closes}
		if opens != 0 {
			w.from = opens
		}
		if i := slices.IndexFunc(d.windows, func(s span) bool { return s.to == closes }); i >= 0 {
			d.windows[i].from = min(d.windows[i].from, w.from)
		} else {
			d.windows = append(d.windows, w)
		}
	}
	slices.SortFunc(d.windows, func(a, b span) int { return a.from.Sub(b.from) })
}

// readExplanation takes the authorised stays and the extensions from the
// engine's own account of today, so that the dates drawn are the dates it
// computed (calendar months, caps and validity cuts included).
func (d *drawing) readExplanation() {
	until := make(map[int]date.Date)
	for _, s := range d.now.Explanation {
		switch s.Kind {
		case stay.StepStayDays, stay.StepStayMonths, stay.StepAdmitUntil:
			if s.D2 >= s.D1 {
				d.auth = append(d.auth, authSpan{span: span{s.D1, s.D2}})
			}
			until[s.Trip] = s.D2
		case stay.StepValidityCut:
			if n := len(d.auth); n > 0 {
				d.auth[n-1].to = s.D2
				if d.auth[n-1].to < d.auth[n-1].from {
					d.auth = d.auth[:n-1]
				}
			}
			until[s.Trip] = s.D2
		case stay.StepExtTimely, stay.StepExtLate, stay.StepExtCapReached, stay.StepExtTooMany:
			d.exts = append(d.exts, extRec{filed: s.D1, outcome: stay.Pending})
		case stay.StepExtGranted:
			if n := len(d.exts); n > 0 {
				d.exts[n-1].outcome, d.exts[n-1].decided, d.exts[n-1].until = stay.Granted, s.D1, s.D2
			}
			if prev := until[s.Trip]; s.D2 > prev {
				d.auth = append(d.auth, authSpan{span: span{prev + 1, s.D2}, granted: true})
			}
			until[s.Trip] = s.D2
		case stay.StepExtRefused:
			if n := len(d.exts); n > 0 {
				d.exts[n-1].outcome, d.exts[n-1].decided, d.exts[n-1].until = stay.Refused, s.D1, s.D2
			}
		}
	}
}

// layout holds the top of each row, or -1 for a row with nothing to show.
type layout struct {
	grants, trips, status, auth, windows, plan, bottom float64
}

func (d *drawing) layout() layout {
	var l layout
	y := axisH
	next := func(show bool) float64 {
		if !show {
			return -1
		}
		at := y
		y += rowH
		return at
	}
	l.grants = y
	y += rowH * float64(len(d.c.History.Grants))
	l.trips = next(true)
	l.status = next(true)
	l.auth = next(d.showAuth())
	_, shown := d.shownWindows()
	l.windows = next(len(shown) > 0)
	l.plan = next(d.opt.Plan != nil)
	l.bottom = y - rowGap
	return l
}

func (d *drawing) showAuth() bool {
	if len(d.exts) > 0 || d.inRange(d.now.AuthorizedUntil) {
		return true
	}
	for _, a := range d.auth {
		if _, ok := d.clip(a.span); ok {
			return true
		}
	}
	return false
}

// shownWindows pairs each filing window with the days drawn for it: up to
// the day before the next one opens, since a decision can open the next
// window before the previous one would have closed, and that one is over
// by then; and within the visible range.
func (d *drawing) shownWindows() (whole, drawn []span) {
	for i, w := range d.windows {
		s := w
		if i+1 < len(d.windows) {
			s.to = min(s.to, d.windows[i+1].from-1)
		}
		if cs, ok := d.clip(s); ok {
			whole, drawn = append(whole, w), append(drawn, cs)
		}
	}
	return whole, drawn
}

func (d *drawing) draw() {
	l := d.layout()
	d.open(l.bottom + footH)
	d.defs()
	d.months(l)
	y := l.grants
	for i := range d.c.History.Grants {
		d.grantRow(&d.c.History.Grants[i], y)
		y += rowH
	}
	d.tripRow(l.trips)
	d.statusRow(l.status)
	if l.auth >= 0 {
		d.authRow(l.auth)
	}
	if l.windows >= 0 {
		d.windowRow(l.windows)
	}
	if l.plan >= 0 {
		d.planRow(l.plan)
	}
	d.violation(l)
	d.todayLine(l)
	d.raw("</svg>")
}

func (d *drawing) open(height float64) {
	d.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="100%" viewBox="0 0 `)
	d.num(width)
	d.raw(" ")
	d.num(height)
	d.raw(`" role="img" aria-labelledby="`)
	d.raw(d.id + "-title " + d.id + "-desc")
	d.raw(`" font-family="system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans KR', sans-serif" fill="` + colText + `"`)
	if d.r.from != 0 {
		d.raw(` data-from="` + d.r.from.String() + `" data-to="` + d.r.to.String() + `"`)
	}
	d.raw(`><title id="` + d.id + `-title">`)
	d.esc(d.lb.Title)
	d.raw(`</title><desc id="` + d.id + `-desc">`)
	d.esc(d.lb.Summary)
	d.raw("</desc>\n")
}

func (d *drawing) defs() {
	d.raw(`<defs><pattern id="` + d.id + `-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="` + colOverstay + `"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2.5"/></pattern>` +
		`<pattern id="` + d.id + `-dots" patternUnits="userSpaceOnUse" width="5" height="5">` +
		`<rect width="5" height="5" fill="` + colPending + `"/><circle cx="2.5" cy="2.5" r="1" fill="#5c4000"/></pattern></defs>` + "\n")
}

// months draws a tick at the first of each month and labels as many as fit:
// every month, or every second, third, fourth, sixth or twelfth.
func (d *drawing) months(l layout) {
	type tick struct {
		day   date.Date
		year  int
		month time.Month
		label string
	}
	var ticks []tick
	widest := 0.0
	y, m, _ := d.r.from.YMD()
	for {
		first := date.MustOf(y, m, 1)
		if first > d.r.to {
			break
		}
		if first >= d.r.from {
			t := tick{day: first, year: y, month: m, label: d.monthLabel(y, m)}
			widest = max(widest, textWidth(t.label, fontAxis))
			ticks = append(ticks, t)
		}
		if m++; m > time.December {
			y, m = y+1, time.January
		}
	}
	monthW := 30.44 * d.dayW
	every := 12
	for _, k := range []int{1, 2, 3, 4, 6} {
		if float64(k)*monthW >= widest+8 {
			every = k
			break
		}
	}
	d.raw(`<g class="months">`)
	for _, t := range ticks {
		x := d.x(t.day)
		col := colGrid
		if t.month == time.January {
			col = colGridYear
		}
		d.raw(`<line x1="`)
		d.num(x)
		d.raw(`" x2="`)
		d.num(x)
		d.raw(`" y1="`)
		d.num(axisH - 8)
		d.raw(`" y2="`)
		d.num(l.bottom)
		d.raw(`" stroke="` + col + `" stroke-width="1"/>` + "\n")
		if (int(t.month)-1)%every != 0 || x+3+textWidth(t.label, fontAxis) > plotR {
			continue
		}
		d.text(x+3, axisH-12, fontAxis, "start", t.label)
	}
	d.raw("</g>\n")
}

func (d *drawing) grantRow(g *stay.Grant, y float64) {
	d.rowLabel(y, join(d.lb.Grant, g.ID))
	s := span{g.ValidFrom, g.ValidUntil}
	if s.from == 0 {
		s.from = d.r.from
	}
	if s.to == 0 {
		s.to = d.r.to
	}
	title := join(d.lb.Grant, g.ID) + " (" + g.Rule + "): " + d.openDate(g.ValidFrom) + " – " + d.openDate(g.ValidUntil)
	if cs, ok := d.clip(s); ok {
		d.rect(cs, y+labelH, barH, `class="grant" fill="`+colGrant+`" stroke="`+colGrantLn+`"`, title)
	}
}

func (d *drawing) tripRow(y float64) {
	d.rowLabel(y, d.lb.Trip)
	h := d.c.History
	by := y + labelH
	for _, t := range h.Trips {
		end, open := t.Exit, t.Exit == 0
		if open {
			end = d.r.to // still there
		}
		s, ok := d.clip(span{t.Entry, end})
		if !ok {
			continue
		}
		planned := d.hasToday && t.Entry > d.today
		title := d.lb.Trip + ": " + d.date(t.Entry) + " – "
		if open {
			title += "…"
		} else {
			title += d.date(t.Exit) + " (" + d.days(t.Exit.Sub(t.Entry)+1) + ")"
		}
		if len(h.Grants) > 1 {
			title += " · " + join(d.lb.Grant, t.Grant)
		}
		if planned {
			title = d.lb.Planned + " · " + title
		}
		d.raw(`<g class="trip">`)
		d.title(title)
		// The days after today are intentions, not facts: drawn dashed.
		past, future := s, span{}
		if d.hasToday && s.to > d.today {
			past.to = min(s.to, d.today)
			future = span{max(s.from, d.today+1), s.to}
		}
		if past.to >= past.from {
			d.rect(past, by, barH, `fill="`+colTrip+`"`, "")
		}
		if future.from != 0 {
			d.rect(future, by+0.5, barH-1, `fill="#ffffff" stroke="`+colTrip+`" stroke-width="1.5" stroke-dasharray="`+dashed+`"`, "")
		}
		d.raw("</g>\n")
		if planned {
			d.barText(s, by, d.lb.Planned)
		}
	}
}

func (d *drawing) statusRow(y float64) {
	// The legend is the row's label: each state's word beside its swatch.
	d.line = d.line[:0]
	x := plotL
	for _, st := range []stay.State{stay.StateLawful, stay.StatePending, stay.StateOverstay, stay.StateAbsent} {
		word := d.stateWord(st)
		if word == "" {
			continue
		}
		d.raw(`<rect x="`)
		d.num(x)
		d.raw(`" y="`)
		d.num(y + 3)
		d.raw(`" width="10" height="10" ` + d.stateFill(st) + `/>` + "\n")
		d.text(x+13, y+12, fontRow, "start", word)
		x += 13 + textWidth(word, fontRow) + 12
	}
	d.line = append(d.line, [2]float64{plotL, x})
	by := y + labelH
	for _, b := range d.bands {
		class := "band band-" + string(b.state)
		future := d.hasToday && b.from > d.today
		if future {
			class += " band-future"
		}
		d.raw(`<rect class="` + class + `" data-from="` + b.from.String() + `" data-to="` + b.to.String() + `" data-days="` + strconv.Itoa(b.days()) + `"`)
		d.box(b.span, by, barH)
		d.raw(" " + d.stateFill(b.state))
		if future {
			d.raw(` fill-opacity="0.55"`)
		}
		d.raw(">")
		d.title(d.stateWord(b.state) + ": " + d.rangeText(b.span))
		d.raw("</rect>\n")
	}
}

func (d *drawing) stateWord(s stay.State) string {
	switch s {
	case stay.StateLawful:
		return d.lb.Lawful
	case stay.StatePending:
		return d.lb.Pending
	case stay.StateOverstay:
		return d.lb.Overstay
	}
	return d.lb.Absent
}

func (d *drawing) stateFill(s stay.State) string {
	switch s {
	case stay.StateLawful:
		return `fill="` + colLawful + `"`
	case stay.StatePending:
		return `fill="url(#` + d.id + `-dots)" stroke="` + colPending + `" stroke-width="0.5"`
	case stay.StateOverstay:
		return `fill="url(#` + d.id + `-hatch)" stroke="` + colOverstay + `" stroke-width="0.5"`
	}
	return `fill="` + colAbsent + `" stroke="` + colGrid + `" stroke-width="0.5"`
}

func (d *drawing) authRow(y float64) {
	word := d.lb.Lawful
	if len(d.exts) > 0 {
		word = d.lb.Extension
	}
	d.rowLabel(y, word)
	by := y + labelH
	mid := by + barH/2
	for _, a := range d.auth {
		s, ok := d.clip(a.span)
		if !ok {
			continue
		}
		if a.granted {
			d.rect(s, by+2, barH-4, `class="extension-granted" fill="`+colAuthExt+`" stroke="`+colAuthLn+`"`,
				join(d.lb.Extension, d.lb.Granted)+": "+d.rangeText(a.span))
		} else {
			d.rect(s, by+2, barH-4, `class="authorised" fill="`+colAuth+`" stroke="`+colAuthLn+`"`,
				d.lb.Lawful+": "+d.rangeText(a.span))
		}
	}
	for _, e := range d.exts {
		end := e.decided
		if e.outcome == stay.Pending {
			end = d.today
			if !d.hasToday {
				end = d.r.to
			}
		}
		if s, ok := d.clip(span{e.filed, end}); ok && end > e.filed {
			d.raw(`<line x1="`)
			d.num(d.mid(s.from))
			d.raw(`" x2="`)
			d.num(d.mid(s.to))
			d.raw(`" y1="`)
			d.num(mid)
			d.raw(`" y2="`)
			d.num(mid)
			d.raw(`" stroke="` + colText + `" stroke-width="1.5"`)
			if e.outcome == stay.Pending {
				d.raw(` stroke-dasharray="3 2"`)
			}
			d.raw(`/>` + "\n")
		}
		if d.inRange(e.filed) {
			d.raw(`<circle class="extension-filed" cx="`)
			d.num(d.mid(e.filed))
			d.raw(`" cy="`)
			d.num(mid)
			d.raw(`" r="4" fill="#ffffff" stroke="` + colText + `" stroke-width="1.5">`)
			title := d.lb.Extension + ": " + d.date(e.filed)
			if e.outcome == stay.Pending {
				title = join(d.lb.Extension, d.lb.PendingDecision) + ": " + d.date(e.filed) + " – …"
			}
			d.title(title)
			d.raw("</circle>\n")
		}
		if e.outcome == stay.Pending || !d.inRange(e.decided) {
			continue
		}
		cx := d.mid(e.decided)
		if e.outcome == stay.Granted {
			d.raw(`<rect class="extension-decision" x="`)
			d.num(cx - 4)
			d.raw(`" y="`)
			d.num(mid - 4)
			d.raw(`" width="8" height="8" fill="` + colAuthLn + `">`)
			d.title(join(d.lb.Extension, d.lb.Granted) + ": " + d.date(e.decided) + " → " + d.date(e.until))
			d.raw("</rect>\n")
			continue
		}
		d.raw(`<g class="extension-decision" stroke="` + colViolate + `" stroke-width="2.5">`)
		d.title(join(d.lb.Extension, d.lb.Refused) + ": " + d.date(e.decided) + " · " + d.lb.Lawful + " → " + d.date(e.until))
		// A transparent disc under the cross gives the title something to
		// hover over.
		d.raw(`<circle cx="`)
		d.num(cx)
		d.raw(`" cy="`)
		d.num(mid)
		d.raw(`" r="5" fill="#ffffff" fill-opacity="0" stroke="none"/>` + "\n")
		for _, sign := range []float64{1, -1} {
			d.raw(`<line x1="`)
			d.num(cx - 4)
			d.raw(`" y1="`)
			d.num(mid - 4*sign)
			d.raw(`" x2="`)
			d.num(cx + 4)
			d.raw(`" y2="`)
			d.num(mid + 4*sign)
			d.raw(`"/>` + "\n")
		}
		d.raw("</g>\n")
	}
	if au := d.now.AuthorizedUntil; d.inRange(au) {
		x := d.x(au + 1)
		d.raw(`<g class="authorised-until">`)
		d.title(d.lb.Lawful + " → " + d.date(au))
		d.raw(`<line x1="`)
		d.num(x)
		d.raw(`" x2="`)
		d.num(x)
		d.raw(`" y1="`)
		d.num(by - 3)
		d.raw(`" y2="`)
		d.num(by + barH + 3)
		d.raw(`" stroke="` + colAuthLn + `" stroke-width="2.5"/>` + "\n")
		d.raw("</g>\n")
		d.lineText(x, y, "→ "+d.date(au))
	}
}

// windowRow draws the filing windows. The title keeps the closing day the
// law set. Each is inset a little, so that two that meet read as two.
func (d *drawing) windowRow(y float64) {
	d.rowLabel(y, d.lb.FilingWindow)
	whole, drawn := d.shownWindows()
	for i, s := range drawn {
		x0, x1 := d.x(s.from), d.x(s.to+1)
		inset := min(1.0, (x1-x0)/4)
		d.raw(`<rect class="filing-window" x="`)
		d.num(x0 + inset)
		d.raw(`" y="`)
		d.num(y + labelH)
		d.raw(`" width="`)
		d.num(x1 - x0 - 2*inset)
		d.raw(`" height="`)
		d.num(barH)
		d.raw(`" fill="` + colWindow + `" stroke="` + colWindowLn + `">`)
		d.title(d.lb.FilingWindow + ": " + d.rangeText(whole[i]))
		d.raw("</rect>\n")
	}
}

func (d *drawing) planRow(y float64) {
	p := d.opt.Plan
	d.rowLabel(y, join(d.lb.Planned, p.Grant))
	by := y + labelH
	planned := `fill="#ffffff" stroke="` + colTrip + `" stroke-width="1.5" stroke-dasharray="` + dashed + `"`
	if p.LatestExit != 0 {
		s := span{p.Enter, p.LatestExit}
		if cs, ok := d.clip(s); ok {
			d.rect(cs, by+0.5, barH-1, `class="plan" `+planned, d.lb.Planned+": "+d.rangeText(s)+suffix(p.Rule))
		}
		if p.LatestExitWithExtensions > p.LatestExit {
			s := span{p.LatestExit + 1, p.LatestExitWithExtensions}
			if cs, ok := d.clip(s); ok {
				d.rect(cs, by+3, barH-6, `class="plan-extension" fill="#eef3fa" stroke="`+colTrip+`" stroke-dasharray="2 2"`,
					join(d.lb.Planned, d.lb.Extension)+": "+d.rangeText(s))
			}
		}
		return
	}
	title := d.lb.Violation + ": " + d.date(p.Enter) + suffix(p.Rule)
	if p.EarliestEntry != 0 && p.EarliestStayDays > 0 {
		s := span{p.EarliestEntry, p.EarliestEntry.AddDays(p.EarliestStayDays - 1)}
		if cs, ok := d.clip(s); ok {
			d.rect(cs, by+0.5, barH-1, `class="plan" `+planned, d.lb.Planned+": "+d.rangeText(s))
		}
	}
	if d.inRange(p.Enter) {
		d.warning(d.mid(p.Enter), by, title)
		d.lineText(d.mid(p.Enter), y, d.lb.Violation)
	}
}

// violation marks the first unlawful day of planned presence, from the
// trips row down through the status band, where the red begins.
func (d *drawing) violation(l layout) {
	v := d.now.PlannedViolation
	if v.Date == 0 || !d.inRange(v.Date) {
		return
	}
	x := d.mid(v.Date)
	title := d.lb.Violation + ": " + d.date(v.Date)
	if v.HasWindow {
		title += " (" + d.days(v.WindowUsed) + ")"
	}
	if v.Rule != "" {
		title += " · " + v.Rule
	}
	if v.Citation != "" {
		title += ": " + v.Citation
	}
	d.raw(`<g class="violation">`)
	d.title(title)
	d.raw(`<line x1="`)
	d.num(x)
	d.raw(`" x2="`)
	d.num(x)
	d.raw(`" y1="`)
	d.num(l.trips + labelH)
	d.raw(`" y2="`)
	d.num(l.status + labelH + barH + 3)
	d.raw(`" stroke="` + colViolate + `" stroke-width="2" stroke-dasharray="3 2"/>` + "\n")
	d.raw("</g>\n")
	d.warning(x, l.trips+labelH, title)
	d.line = d.line[:0]
	d.line = append(d.line, [2]float64{plotL, plotL + textWidth(d.lb.Trip, fontRow) + 6})
	d.lineText(x, l.trips, d.lb.Violation)
}

// warning draws a triangle with an exclamation mark, a shape that says
// "problem" without its colour.
func (d *drawing) warning(x, top float64, title string) {
	d.raw(`<g class="warning">`)
	d.title(title)
	d.raw(`<path d="M`)
	d.num(x)
	d.raw(" ")
	d.num(top - 1)
	d.raw("L")
	d.num(x + 8)
	d.raw(" ")
	d.num(top + barH + 1)
	d.raw("L")
	d.num(x - 8)
	d.raw(" ")
	d.num(top + barH + 1)
	d.raw(`Z" fill="` + colViolate + `" stroke="#ffffff" stroke-width="1"/>` + "\n")
	d.text(x, top+barH-1, fontMark, "middle", "!", `fill="#ffffff" font-weight="bold"`)
	d.raw("</g>\n")
}

func (d *drawing) todayLine(l layout) {
	if !d.hasToday || !d.inRange(d.today) {
		return
	}
	x := d.mid(d.today)
	word := join(d.lb.Today, d.date(d.today))
	d.raw(`<g class="today">`)
	d.title(d.lb.Today + ": " + d.date(d.today))
	d.raw(`<line x1="`)
	d.num(x)
	d.raw(`" x2="`)
	d.num(x)
	d.raw(`" y1="`)
	d.num(axisH - 6)
	d.raw(`" y2="`)
	d.num(l.bottom + 4)
	d.raw(`" stroke="` + colToday + `" stroke-width="2"/>` + "\n")
	w := textWidth(word, fontRow)
	switch {
	case x-w/2 < plotL:
		d.text(plotL, l.bottom+18, fontRow, "start", word, `font-weight="bold"`)
	case x+w/2 > plotR:
		d.text(plotR, l.bottom+18, fontRow, "end", word, `font-weight="bold"`)
	default:
		d.text(x, l.bottom+18, fontRow, "middle", word, `font-weight="bold"`)
	}
	d.raw("</g>\n")
}

// rowLabel starts a row: its word on the label line, which is then taken up
// to the word's end.
func (d *drawing) rowLabel(y float64, word string) {
	d.line = d.line[:0]
	if word == "" {
		return
	}
	d.text(plotL, y+12, fontRow, "start", word, `font-weight="600"`)
	d.line = append(d.line, [2]float64{plotL, plotL + textWidth(word, fontRow) + 6})
}

// lineText writes a marker's word on the current label line near x,
// moving it right past words already there, or to the left of x when it
// would run off the edge.
func (d *drawing) lineText(x, y float64, word string) {
	if word == "" {
		return
	}
	w := textWidth(word, fontMark)
	at := x + 3
	for moved := true; moved; {
		moved = false
		for _, t := range d.line {
			if at < t[1] && at+w > t[0] {
				at, moved = t[1]+2, true
			}
		}
	}
	if at+w > plotR {
		at = max(plotL, x-3-w)
	}
	d.text(at, y+12, fontMark, "start", word)
	d.line = append(d.line, [2]float64{at, at + w + 4})
}

// barText labels a bar inside it when it fits, else beside it.
func (d *drawing) barText(s span, by float64, word string) {
	if word == "" {
		return
	}
	x0, x1 := d.x(s.from), d.x(s.to+1)
	w := textWidth(word, fontMark)
	switch {
	case x1-x0 >= w+6:
		d.text(x0+3, by+barH-3.5, fontMark, "start", word, `fill="`+colTrip+`"`)
	case x1+3+w <= plotR:
		d.text(x1+3, by+barH-3.5, fontMark, "start", word, `fill="`+colTrip+`"`)
	default:
		d.text(x0-3, by+barH-3.5, fontMark, "end", word, `fill="`+colTrip+`"`)
	}
}

// Geometry helpers.

// x is the left edge of day's column.
func (d *drawing) x(day date.Date) float64 {
	return plotL + float64(day.Sub(d.r.from))*d.dayW
}

// mid is the centre of day's column, where point markers go.
func (d *drawing) mid(day date.Date) float64 { return d.x(day) + d.dayW/2 }

func (d *drawing) inRange(day date.Date) bool { return day != 0 && d.r.from <= day && day <= d.r.to }

func (d *drawing) clip(s span) (span, bool) {
	if s.to < d.r.from || s.from > d.r.to || s.to < s.from {
		return s, false
	}
	return span{max(s.from, d.r.from), min(s.to, d.r.to)}, true
}

// Words.

func (d *drawing) date(day date.Date) string {
	if d.opt.FormatDate != nil {
		return d.opt.FormatDate(day)
	}
	return day.String()
}

// openDate is a bound of a validity, or an ellipsis for none.
func (d *drawing) openDate(day date.Date) string {
	if day == 0 {
		return "…"
	}
	return d.date(day)
}

func (d *drawing) days(n int) string {
	if d.opt.FormatDays != nil {
		return d.opt.FormatDays(n)
	}
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

// rangeText is "from – to (n days)", or "day (1 day)".
func (d *drawing) rangeText(s span) string {
	if s.from == s.to {
		return d.date(s.from) + " (" + d.days(1) + ")"
	}
	return d.date(s.from) + " – " + d.date(s.to) + " (" + d.days(s.days()) + ")"
}

func (d *drawing) monthLabel(y int, m time.Month) string {
	if d.opt.MonthLabel != nil {
		return d.opt.MonthLabel(y, m)
	}
	return m.String()[:3] + " " + strconv.Itoa(y)
}

// join puts words together with a space, leaving out empty ones, so that a
// missing label does not leave a stray space.
func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func suffix(rule string) string {
	if rule == "" {
		return ""
	}
	return " · " + rule
}

// textWidth estimates the width of s at size: a Latin letter is about 0.6
// of the size, a CJK or Hangul character a full size. Close is enough; it
// only decides where labels go.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 {
			w += size
		} else {
			w += 0.6 * size
		}
	}
	return w
}

// Markup. Every string that reaches the output from the history or the
// options goes through esc; raw takes only this package's constants and
// numbers.

func (d *drawing) raw(s string) { d.b.WriteString(s) }

func (d *drawing) esc(s string) {
	// EscapeText also turns invalid UTF-8 and characters XML forbids into
	// U+FFFD; writing to a bytes.Buffer never fails.
	_ = xml.EscapeText(&d.b, []byte(s))
}

func (d *drawing) num(v float64) {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	b := d.b.AvailableBuffer()
	d.b.Write(strconv.AppendFloat(b, v, 'f', -1, 64))
}

func (d *drawing) title(s string) {
	d.raw("<title>")
	d.esc(s)
	d.raw("</title>")
}

func (d *drawing) text(x, y, size float64, anchor, s string, attrs ...string) {
	d.raw(`<text x="`)
	d.num(x)
	d.raw(`" y="`)
	d.num(y)
	d.raw(`" font-size="`)
	d.num(size)
	d.raw(`"`)
	if anchor != "start" {
		d.raw(` text-anchor="` + anchor + `"`)
	}
	for _, a := range attrs {
		d.raw(" " + a)
	}
	d.raw(">")
	d.esc(s)
	d.raw("</text>\n")
}

// box writes the x, y, width and height attributes of the days s. Both
// edges are rounded before the width is taken, so that adjacent days share
// an edge exactly and runs tile without hairline gaps.
func (d *drawing) box(s span, y, h float64) {
	x0 := math.Round(d.x(s.from)*100) / 100
	x1 := math.Round(d.x(s.to+1)*100) / 100
	d.raw(` x="`)
	d.num(x0)
	d.raw(`" y="`)
	d.num(y)
	d.raw(`" width="`)
	d.num(x1 - x0)
	d.raw(`" height="`)
	d.num(h)
	d.raw(`"`)
}

// rect draws the days s with attrs, and a title when one is given.
func (d *drawing) rect(s span, y, h float64, attrs, title string) {
	d.raw("<rect")
	d.box(s, y, h)
	d.raw(" " + attrs)
	if title == "" {
		d.raw("/>\n")
		return
	}
	d.raw(">")
	d.title(title)
	d.raw("</rect>\n")
}
