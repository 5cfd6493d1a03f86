// Package packs loads rule packs: the ones embedded in the binary and any a
// user supplies. Loading decodes each file strictly, validates it, and runs
// the worked examples it carries; a pack whose examples fail does not load.
package packs

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/rules"
	"visaclock/internal/stay"
)

//go:embed data/*.yaml
var embedded embed.FS

// File is a rule pack as written: the pack and its worked examples.
type File struct {
	rules.Pack
	Tests []Test `json:"tests"`
}

// Test is a worked example: a history, optionally a planned entry, and the
// answers its source gives.
type Test struct {
	Name    string        `json:"name"`
	Source  string        `json:"source"`
	History *stay.History `json:"history"`
	Plan    *struct {
		Enter date.Date `json:"enter"`
		Grant string    `json:"grant"`
	} `json:"plan"`
	Expect Expect `json:"expect"`
}

// Expect lists the answers a test checks; fields left out are not checked.
type Expect struct {
	State            *string          `json:"state"`
	AuthorizedUntil  *date.Date       `json:"authorized_until"`
	DaysRemaining    *int             `json:"days_remaining"`
	OverstayDays     *int             `json:"overstay_days"`
	WindowUsed       *int             `json:"window_used"`
	PlannedViolation *date.Date       `json:"planned_violation"`
	Deadlines        []ExpectDeadline `json:"deadlines"`
	NoDeadline       []string         `json:"no_deadline"`
	NextActions      []ExpectAction   `json:"next_actions"`
	NoNextAction     []string         `json:"no_next_action"`
	Consequences     []ExpectConseq   `json:"consequences"`
	NoConsequence    []string         `json:"no_consequence"`

	LatestExit               *date.Date `json:"latest_exit"`
	MaxStayDays              *int       `json:"max_stay_days"`
	EarliestEntry            *date.Date `json:"earliest_entry"`
	EarliestStayDays         *int       `json:"earliest_stay_days"`
	LatestExitWithExtensions *date.Date `json:"latest_exit_with_extensions"`
}

// ExpectDeadline is a deadline that must be among the answers.
type ExpectDeadline struct {
	Kind string    `json:"kind"`
	Date date.Date `json:"date"`
	// Condition, when given, must match ("" for a certain deadline).
	Condition    *string    `json:"condition"`
	BarYears     *int       `json:"bar_years"`
	OtherReading *date.Date `json:"other_reading_date"`
}

// ExpectAction is a next action that must be among the answers, in the
// order the list gives them; only the fields given are compared.
type ExpectAction struct {
	Kind        string     `json:"kind"`
	Date        *date.Date `json:"date"`
	Condition   *string    `json:"condition"`
	BarYears    *int       `json:"bar_years"`
	BarYearsNow *int       `json:"bar_years_now"`
	LateRefusal *bool      `json:"late_refusal"`
}

func (x ExpectAction) match(a stay.NextAction) bool {
	return x.Kind == a.Kind && (x.Date == nil || *x.Date == a.Date) && (x.Condition == nil || *x.Condition == a.Condition) &&
		(x.BarYears == nil || *x.BarYears == a.BarYears) && (x.BarYearsNow == nil || *x.BarYearsNow == a.BarYearsNow) &&
		(x.LateRefusal == nil || *x.LateRefusal == a.LateRefusal)
}

func (x ExpectDeadline) match(d stay.Deadline) bool {
	return x.Kind == d.Kind && x.Date == d.Date && (x.Condition == nil || *x.Condition == d.Condition) &&
		(x.BarYears == nil || *x.BarYears == d.BarYears) && (x.OtherReading == nil || *x.OtherReading == d.OtherReading)
}

// ExpectConseq is a consequence that must be among the answers; only the
// fields given are compared.
type ExpectConseq struct {
	Kind     string     `json:"kind"`
	Min      *int       `json:"min"`
	Max      *int       `json:"max"`
	Years    *int       `json:"years"`
	YearsMin *int       `json:"years_min"`
	From     *date.Date `json:"from"`
	Until    *date.Date `json:"until"`
}

// Registry is a set of loaded packs.
type Registry struct {
	packs map[string]*File
}

// Lookup finds a pack by id.
func (r *Registry) Lookup(id string) (*rules.Pack, bool) {
	f, ok := r.packs[id]
	if !ok {
		return nil, false
	}
	return &f.Pack, true
}

// File returns the pack file with the given id.
func (r *Registry) File(id string) (*File, bool) {
	f, ok := r.packs[id]
	return f, ok
}

// IDs returns the ids of the loaded packs in order.
func (r *Registry) IDs() []string {
	ids := make([]string, 0, len(r.packs))
	for id := range r.packs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Embedded loads the packs built into the binary.
func Embedded() (*Registry, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	r := &Registry{packs: map[string]*File{}}
	if err := r.AddDir(sub); err != nil {
		return nil, fmt.Errorf("packs: embedded: %w", err)
	}
	return r, nil
}

// AddDir loads every *.yaml, *.yml and *.json file in fsys's top directory.
// A pack may replace one of the same id only with a different version.
func (r *Registry) AddDir(fsys fs.FS) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	var loaded []*File
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return err
		}
		f, err := Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		if old, ok := r.packs[f.ID]; ok && old.Version == f.Version {
			return fmt.Errorf("%s: pack %s version %s is already loaded", e.Name(), f.ID, f.Version)
		}
		r.packs[f.ID] = f
		loaded = append(loaded, f)
	}
	// Examples run once every pack is in, since a history may use several.
	for _, f := range loaded {
		if err := r.RunTests(f); err != nil {
			delete(r.packs, f.ID)
			return err
		}
	}
	return nil
}

// Parse decodes and validates one pack file, without running its tests.
// Errors carry the line.
func Parse(data []byte) (*File, error) {
	var f File
	doc, err := document.Decode(data, &f)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		var ve *rules.ValidationError
		if errors.As(err, &ve) {
			first := ve.Errors[0]
			return nil, &document.Error{Path: first.Path, Line: doc.Line(first.Path), Msg: first.Msg}
		}
		return nil, err
	}
	for i, t := range f.Tests {
		p := fmt.Sprintf("tests[%d]", i)
		if t.Name == "" || t.Source == "" {
			return nil, &document.Error{Path: p, Line: doc.Line(p), Msg: "every test needs a name and the source of its expected answers"}
		}
		if t.History == nil || t.History.AsOf == 0 {
			return nil, &document.Error{Path: p + ".history.as_of", Line: doc.Line(p + ".history"), Msg: "required: a test evaluates a fixed date"}
		}
	}
	return &f, nil
}

// RunTests runs f's worked examples against the packs in r.
func (r *Registry) RunTests(f *File) error {
	for i := range f.Tests {
		if err := r.runTest(&f.Tests[i]); err != nil {
			return fmt.Errorf("pack %s: test %q: %w", f.ID, f.Tests[i].Name, err)
		}
	}
	return nil
}

func (r *Registry) runTest(t *Test) error {
	c, err := stay.Prepare(t.History, r.Lookup)
	if err != nil {
		return err
	}
	ev := c.Evaluate(t.History.AsOf)
	var bad []string
	x := &t.Expect
	check := func(name string, want *int, got int, ok bool) {
		if want != nil && (!ok || *want != got) {
			if !ok {
				bad = append(bad, fmt.Sprintf("%s: got null, want %d", name, *want))
			} else {
				bad = append(bad, fmt.Sprintf("%s: got %d, want %d", name, got, *want))
			}
		}
	}
	checkDate := func(name string, want *date.Date, got date.Date) {
		if want != nil && *want != got {
			bad = append(bad, fmt.Sprintf("%s: got %q, want %s", name, got, *want))
		}
	}
	if x.State != nil && string(ev.State) != *x.State {
		bad = append(bad, fmt.Sprintf("state: got %s, want %s", ev.State, *x.State))
	}
	checkDate("authorized_until", x.AuthorizedUntil, ev.AuthorizedUntil)
	check("days_remaining", x.DaysRemaining, ev.DaysRemaining, ev.HasDaysRemaining)
	check("overstay_days", x.OverstayDays, ev.OverstayDays, true)
	check("window.used", x.WindowUsed, ev.Window.Used, ev.Window.Length > 0)
	checkDate("planned_violation", x.PlannedViolation, ev.PlannedViolation.Date)
	for _, d := range x.Deadlines {
		if !slices.ContainsFunc(ev.Deadlines, d.match) {
			bad = append(bad, fmt.Sprintf("deadline %s %s missing; got %+v", d.Kind, d.Date, ev.Deadlines))
		}
	}
	// Expected actions must appear in the order given.
	at := 0
	for _, a := range x.NextActions {
		j := slices.IndexFunc(ev.NextActions[at:], a.match)
		if j < 0 {
			bad = append(bad, fmt.Sprintf("next action %s missing or out of order; got %+v", a.Kind, ev.NextActions))
			break
		}
		at += j + 1
	}
	for _, k := range x.NoNextAction {
		if slices.ContainsFunc(ev.NextActions, func(a stay.NextAction) bool { return a.Kind == k }) {
			bad = append(bad, "unexpected next action "+k)
		}
	}
	for _, k := range x.NoDeadline {
		if slices.ContainsFunc(ev.Deadlines, func(g stay.Deadline) bool { return g.Kind == k }) {
			bad = append(bad, "unexpected deadline "+k)
		}
	}
	for _, want := range x.Consequences {
		if !slices.ContainsFunc(ev.Consequences, func(g stay.Consequence) bool { return consMatch(want, g) }) {
			bad = append(bad, fmt.Sprintf("consequence %s %s missing; got %+v", want.Kind, fmtConseq(want), ev.Consequences))
		}
	}
	for _, k := range x.NoConsequence {
		if slices.ContainsFunc(ev.Consequences, func(g stay.Consequence) bool { return g.Kind == k }) {
			bad = append(bad, "unexpected consequence "+k)
		}
	}
	if t.Plan != nil {
		pl, err := stay.PlanEntry(t.History, r.Lookup, t.Plan.Enter, t.Plan.Grant)
		if err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		checkDate("latest_exit", x.LatestExit, pl.LatestExit)
		check("max_stay_days", x.MaxStayDays, pl.MaxStayDays, true)
		checkDate("earliest_entry", x.EarliestEntry, pl.EarliestEntry)
		check("earliest_stay_days", x.EarliestStayDays, pl.EarliestStayDays, true)
		checkDate("latest_exit_with_extensions", x.LatestExitWithExtensions, pl.LatestExitWithExtensions)
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

func consMatch(w ExpectConseq, g stay.Consequence) bool {
	eqI := func(p *int, v int) bool { return p == nil || *p == v }
	eqD := func(p *date.Date, v date.Date) bool { return p == nil || *p == v }
	return w.Kind == g.Kind && eqI(w.Min, g.Min) && eqI(w.Max, g.Max) && eqI(w.Years, g.Years) &&
		eqI(w.YearsMin, g.YearsMin) && eqD(w.From, g.From) && eqD(w.Until, g.Until)
}

func fmtConseq(w ExpectConseq) string {
	var parts []string
	add := func(name string, p *int) {
		if p != nil {
			parts = append(parts, fmt.Sprintf("%s=%d", name, *p))
		}
	}
	add("min", w.Min)
	add("max", w.Max)
	add("years", w.Years)
	add("years_min", w.YearsMin)
	return strings.Join(parts, " ")
}

// With returns a registry holding r's packs and f, replacing any pack of the
// same id, so that f's examples can run before it is installed.
func (r *Registry) With(f *File) *Registry {
	c := &Registry{packs: make(map[string]*File, len(r.packs)+1)}
	for id, p := range r.packs {
		c.packs[id] = p
	}
	c.packs[f.ID] = f
	return c
}
