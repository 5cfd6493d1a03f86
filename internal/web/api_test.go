package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// engineJSON is what the CLI engine path gives for a history document:
// strict decoding, as_of defaulting to today, stay.Prepare, Evaluate and
// MarshalJSON, with the newline the API adds.
func engineJSON(t *testing.T, e *apiEnv, body []byte) ([]byte, error) {
	t.Helper()
	var h stay.History
	if _, err := document.Decode(body, &h); err != nil {
		return nil, err
	}
	if h.AsOf == 0 {
		h.AsOf = e.Clock.Today()
	}
	c, err := stay.Prepare(&h, e.Packs.Lookup)
	if err != nil {
		return nil, err
	}
	b, err := c.Evaluate(h.AsOf).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n'), nil
}

func TestEvaluate(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)

		t.Run("same bytes as the engine", func(t *testing.T) {
			for _, name := range []string{"schengen.json", "cn-family-visit-extension.json", "us-visitor.json", "schengen-today.json"} {
				body := readTestdata(t, name)
				want, err := engineJSON(t, e, body)
				if err != nil {
					t.Fatalf("%s: the engine refuses it: %v", name, err)
				}
				r := e.do("POST", "/v1/evaluate", body).want(t, http.StatusOK)
				if mt := r.mediaType(); mt != "application/json" {
					t.Errorf("%s: Content-Type %q", name, mt)
				}
				if !bytes.Equal(r.Body, want) {
					t.Errorf("%s: POST /v1/evaluate gave\n%s\nthe engine gives\n%s", name, r.Body, want)
				}
			}
		})

		t.Run("the evaluation is the one each history calls for", func(t *testing.T) {
			// Spot checks, so that "same bytes" cannot pass on two equally wrong answers.
			for _, tc := range []struct {
				file, state, until, asOf string
				overstay                 float64
			}{
				// Aug–Sep's 46 days leave the window on 03-14; the stay since
				// 12-20 then reaches its 90th day on 03-19.
				{"schengen.json", "lawful", "2026-03-19", "2026-01-20", 0},
				{"cn-family-visit-extension.json", "lawful", "2018-05-17", "2018-05-01", 0},
				{"us-visitor.json", "overstay", "2023-11-20", "2024-01-01", 42},
				// No as_of: the clock's today.
				{"schengen-today.json", "lawful", "2026-01-29", startDay, 0},
			} {
				ev := e.do("POST", "/v1/evaluate", readTestdata(t, tc.file)).want(t, http.StatusOK).object(t)
				if got := str(t, ev, "state"); got != tc.state {
					t.Errorf("%s: state %q, want %q", tc.file, got, tc.state)
				}
				if got := str(t, ev, "authorized_until"); got != tc.until {
					t.Errorf("%s: authorized_until %q, want %q", tc.file, got, tc.until)
				}
				if got := str(t, ev, "as_of"); got != tc.asOf {
					t.Errorf("%s: as_of %q, want %q", tc.file, got, tc.asOf)
				}
				if got := ev["overstay_days"]; got != tc.overstay {
					t.Errorf("%s: overstay_days %v, want %v", tc.file, got, tc.overstay)
				}
			}
		})

		t.Run("invalid histories name the field", func(t *testing.T) {
			for _, tc := range []struct{ name, body, field string }{
				{"exit before entry", `{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-12-05","exit":"2025-12-01"}]}`, "trips[0].exit"},
				{"unknown rule pack", `{"grants":[{"id":"v","rule":"atlantis-visitor"}],"trips":[]}`, "grants[0].rule"},
				{"unknown field", `{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-12-01","exti":"2025-12-02"}]}`, "trips[0].exti"},
				{"a name", `{"name":"Jane Doe","grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[]}`, "name"},
				{"a date that is not one", `{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-02-30"}]}`, "trips[0].entry"},
				{"no grant", `{"grants":[],"trips":[]}`, "grants"},
				{"second trip overlaps", `{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-12-01","exit":"2025-12-10"},{"entry":"2025-12-05","exit":"2025-12-06"}]}`, "trips[1].entry"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := e.do("POST", "/v1/evaluate", tc.body).problem(t, http.StatusUnprocessableEntity)
					p.field(t, tc.field)
				})
			}
		})

		t.Run("malformed JSON", func(t *testing.T) {
			for _, body := range []string{`{"grants":[`, `{"grants":[{"id":"v",}]`, ``} {
				p := e.do("POST", "/v1/evaluate", body).problem(t, http.StatusUnprocessableEntity)
				if p.Detail == "" {
					t.Errorf("body %q: a 422 without a message: %+v", body, p)
				}
			}
		})

		t.Run("a body over 1 MiB", func(t *testing.T) {
			big := `{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[],"pad":"` + strings.Repeat("a", MaxBody) + `"}`
			p := e.do("POST", "/v1/evaluate", big).problem(t, http.StatusRequestEntityTooLarge)
			if !strings.Contains(p.Detail, fmt.Sprint(MaxBody)) {
				t.Errorf("413 detail %q does not say the limit", p.Detail)
			}
			// Just under the limit is read (and refused for its content, not its size).
			under := `{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[],"pad":"` + strings.Repeat("a", MaxBody-200) + `"}`
			e.do("POST", "/v1/evaluate", under).problem(t, http.StatusUnprocessableEntity).field(t, "pad")
		})

		t.Run("concurrent requests do not mix answers", func(t *testing.T) {
			files := []string{"schengen.json", "cn-family-visit-extension.json", "us-visitor.json", "schengen-today.json"}
			bodies := make([][]byte, len(files))
			wants := make([][]byte, len(files))
			for i, f := range files {
				bodies[i] = readTestdata(t, f)
				var err error
				if wants[i], err = engineJSON(t, e, bodies[i]); err != nil {
					t.Fatal(err)
				}
			}
			const workers, each = 8, 20
			errs := make(chan error, workers)
			for w := range workers {
				go func() {
					for j := range each {
						i := (w + j) % len(files)
						r, err := send(e.URL, "POST", "/v1/evaluate", bodies[i])
						if err == nil && (r.Status != http.StatusOK || !bytes.Equal(r.Body, wants[i])) {
							err = fmt.Errorf("%s: %d\n%s\nwant\n%s", files[i], r.Status, r.Body, wants[i])
						}
						if err != nil {
							errs <- err
							return
						}
					}
					errs <- nil
				}()
			}
			for range workers {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})

		t.Run("random histories: same bytes or the same field", func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				body := genHistory(rt)
				want, werr := engineJSON(t, e, body)
				r, err := send(e.URL, "POST", "/v1/evaluate", body)
				if err != nil {
					rt.Fatal(err)
				}
				if werr != nil {
					if r.Status != http.StatusUnprocessableEntity {
						rt.Fatalf("engine: %v; API: %d %s\nbody %s", werr, r.Status, r.Body, body)
					}
					var de *document.Error
					var fe *stay.FieldError
					wantField := ""
					switch {
					case errors.As(werr, &de):
						wantField = de.Path
					case errors.As(werr, &fe):
						wantField = fe.Path
					}
					var p problemDoc
					json.Unmarshal(r.Body, &p)
					gotField := ""
					if len(p.Errors) > 0 {
						gotField = p.Errors[0].Field
					}
					if gotField != wantField {
						rt.Fatalf("field %q, engine says %q (%v)\nbody %s", gotField, wantField, werr, body)
					}
					return
				}
				if r.Status != http.StatusOK || !bytes.Equal(r.Body, want) {
					rt.Fatalf("API %d\n%s\nengine\n%s\nbody %s", r.Status, r.Body, want, body)
				}
			})
		})
	})
}

// genHistory draws a small history, valid or not, as a JSON document.
func genHistory(t *rapid.T) []byte {
	base := date.MustParse("2025-01-01")
	day := func(label string) string {
		return base.AddDays(rapid.IntRange(0, 500).Draw(t, label)).String()
	}
	h := map[string]any{}
	if rapid.Bool().Draw(t, "as_of") {
		h["as_of"] = day("as_of_day")
	}
	var grant map[string]any
	var extend bool
	switch rapid.IntRange(0, 3).Draw(t, "rule") {
	case 0:
		grant = map[string]any{"id": "g", "rule": "schengen-short-stay"}
	case 1:
		grant = map[string]any{"id": "g", "rule": "cn-family-visit", "stay_days": rapid.IntRange(0, 200).Draw(t, "stay_days")}
		extend = true
	case 2:
		grant = map[string]any{"id": "g", "rule": "us-visitor", "admit_until": day("admit_until")}
		extend = true
	case 3:
		grant = map[string]any{"id": "g", "rule": "uk-standard-visitor"}
	}
	h["grants"] = []any{grant}
	var trips []any
	for i := range rapid.IntRange(0, 3).Draw(t, "trips") {
		tr := map[string]any{"entry": day(fmt.Sprint("entry", i))}
		if rapid.IntRange(0, 3).Draw(t, fmt.Sprint("open", i)) > 0 {
			tr["exit"] = day(fmt.Sprint("exit", i))
		}
		trips = append(trips, tr)
	}
	h["trips"] = trips
	if extend && rapid.Bool().Draw(t, "extension") {
		x := map[string]any{"filed": day("filed"), "requested_days": 30}
		switch rapid.IntRange(0, 2).Draw(t, "outcome") {
		case 0:
			x["outcome"] = "pending"
		case 1:
			x["outcome"], x["decided"], x["granted_days"] = "granted", day("decided"), 30
		case 2:
			x["outcome"], x["decided"] = "refused", day("decided")
		}
		if grant["rule"] == "us-visitor" {
			delete(x, "requested_days")
			x["requested_months"] = 6
			if g, ok := x["granted_days"]; ok {
				delete(x, "granted_days")
				x["granted_months"] = g.(int) / 30
			}
		}
		h["extensions"] = []any{x}
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlan(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		schengen := json.RawMessage(readTestdata(t, "schengen-closed.json"))

		t.Run("a plan", func(t *testing.T) {
			r := e.do("POST", "/v1/plan", map[string]any{"history": schengen, "enter": "2026-04-01"}).want(t, http.StatusOK)
			pl := r.object(t)
			for _, k := range []string{"latest_exit", "max_stay_days", "earliest_entry", "schedule"} {
				if _, ok := pl[k]; !ok {
					t.Errorf("the plan has no %q: %s", k, r.Body)
				}
			}
			var h stay.History
			if _, err := document.Decode(schengen, &h); err != nil {
				t.Fatal(err)
			}
			want, err := stay.PlanEntry(&h, e.Packs.Lookup, date.MustParse("2026-04-01"), "")
			if err != nil {
				t.Fatal(err)
			}
			wb, _ := want.MarshalJSON()
			if !bytes.Equal(r.Body, append(wb, '\n')) {
				t.Errorf("POST /v1/plan gave\n%s\nthe engine gives\n%s", r.Body, wb)
			}
			if _, ok := pl["schedule"].([]any); !ok {
				t.Errorf("schedule is %T, want an array", pl["schedule"])
			}
		})

		t.Run("a plan with nothing possible says when", func(t *testing.T) {
			h := `{"as_of":"2025-05-29","grants":[{"id":"visa-free","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-03-01","exit":"2025-05-29"}]}`
			pl := e.do("POST", "/v1/plan", `{"history":`+h+`,"enter":"2025-08-27"}`).want(t, http.StatusOK).object(t)
			if pl["max_stay_days"] != 0.0 || pl["latest_exit"] != nil {
				t.Errorf("max_stay_days %v latest_exit %v, want 0 and null", pl["max_stay_days"], pl["latest_exit"])
			}
			if got := str(t, pl, "earliest_entry.date"); got != "2025-08-28" {
				t.Errorf("earliest_entry.date %q, want 2025-08-28 (SEM 2025 example 1)", got)
			}
		})

		t.Run("an extension schedule", func(t *testing.T) {
			h := `{"as_of":"2018-03-01","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}`
			pl := e.do("POST", "/v1/plan", `{"history":`+h+`,"enter":"2018-03-18"}`).want(t, http.StatusOK).object(t)
			if got := str(t, pl, "latest_exit"); got != "2018-04-17" {
				t.Errorf("latest_exit %q, want 2018-04-17", got)
			}
			if got := str(t, pl, "latest_exit_with_extensions"); got != "2018-05-17" {
				t.Errorf("latest_exit_with_extensions %q, want 2018-05-17", got)
			}
			if s, _ := pl["schedule"].([]any); len(s) == 0 {
				t.Errorf("no schedule: %v", pl["schedule"])
			}
		})

		t.Run("no as_of: today", func(t *testing.T) {
			h := `{"grants":[{"id":"visa-free","rule":"schengen-short-stay"}],"trips":[{"entry":"2025-11-01","exit":"2026-01-09"}]}`
			pl := e.do("POST", "/v1/plan", `{"history":`+h+`,"enter":"2026-01-11"}`).want(t, http.StatusOK).object(t)
			// 70 days used in the window ending on 01-11's window; the stay can be 20 days.
			if pl["max_stay_days"] != 20.0 {
				t.Errorf("max_stay_days %v, want 20", pl["max_stay_days"])
			}
		})

		t.Run("invalid plans", func(t *testing.T) {
			for _, tc := range []struct{ name, body, field string }{
				{"missing enter", `{"history":` + string(schengen) + `}`, "enter"},
				{"enter not a date", `{"history":` + string(schengen) + `,"enter":"soon"}`, "enter"},
				{"unknown grant", `{"history":` + string(schengen) + `,"enter":"2026-04-01","grant":"nope"}`, "grant"},
				{"unknown field", `{"history":` + string(schengen) + `,"enter":"2026-04-01","leave":"2026-05-01"}`, "leave"},
				{"invalid history", `{"history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-10","exit":"2026-01-05"}]},"enter":"2026-03-01"}`, "history.trips[0].exit"},
				{"unknown field in the history", `{"history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entri":"2026-01-10"}]},"enter":"2026-03-01"}`, "history.trips[0].entri"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.do("POST", "/v1/plan", tc.body).problem(t, http.StatusUnprocessableEntity).field(t, tc.field)
				})
			}
		})

		t.Run("the field of an invalid trip after a set-aside one", func(t *testing.T) {
			// trips[0] lies after enter and is set aside by the plan; the
			// faulty trip is trips[1], and the error must say so.
			body := `{"history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[` +
				`{"entry":"2026-06-01","exit":"2026-06-10"},{"entry":"2026-01-10","exit":"2026-01-05"}]},"enter":"2026-03-01"}`
			e.do("POST", "/v1/plan", body).problem(t, http.StatusUnprocessableEntity).field(t, "history.trips[1].exit")
		})
	})
}

// caseBody is a case document.
func caseBody(ref, notes string, history any) map[string]any {
	return map[string]any{"reference": ref, "notes": notes, "history": history}
}

// schengenStay is a Schengen history with one trip; exit "" leaves it open.
func schengenStay(entry, exit string) map[string]any {
	trip := map[string]any{"entry": entry}
	if exit != "" {
		trip["exit"] = exit
	}
	return map[string]any{
		"grants": []any{map[string]any{"id": "visa-free", "rule": "schengen-short-stay"}},
		"trips":  []any{trip},
	}
}

// schengenEnding is an open Schengen stay whose 90th day is last.
func schengenEnding(last string) map[string]any {
	return schengenStay(date.MustParse(last).AddDays(-89).String(), "")
}

// cnPending is a family visit entered on entry, with a timely extension
// filed on filed and still pending.
func cnPending(entry, filed string, stayDays int) map[string]any {
	return map[string]any{
		"grants":     []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": stayDays}},
		"trips":      []any{map[string]any{"entry": entry}},
		"extensions": []any{map[string]any{"filed": filed, "requested_days": 30, "outcome": "pending"}},
	}
}

// create posts a case and returns its id.
func (e *apiEnv) create(t *testing.T, ref, notes string, history any) string {
	t.Helper()
	c := e.do("POST", "/v1/cases", caseBody(ref, notes, history)).want(t, http.StatusCreated).object(t)
	return str(t, c, "id")
}

func TestCases(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)

		// Lawful until 2026-03-31.
		hist := schengenStay("2026-01-01", "")
		r := e.do("POST", "/v1/cases", caseBody("A-1", "first visit", hist)).want(t, http.StatusCreated)
		created := r.object(t)
		id := str(t, created, "id")
		if got := r.Header.Get("Location"); got != "/v1/cases/"+id {
			t.Errorf("Location %q, want /v1/cases/%s", got, id)
		}
		if got := r.Header.Get("ETag"); got != `"1"` {
			t.Errorf("ETag %q, want \"1\"", got)
		}
		if created["version"] != 1.0 || created["reference"] != "A-1" || created["notes"] != "first visit" {
			t.Errorf("created %v", created)
		}
		if got := str(t, created, "created"); got != "2026-01-10T12:00:00Z" {
			t.Errorf("created %q, want the clock's time 2026-01-10T12:00:00Z", got)
		}
		if got := str(t, created, "evaluation.as_of"); got != startDay {
			t.Errorf("evaluation.as_of %q, want %s", got, startDay)
		}
		path := "/v1/cases/" + id

		t.Run("get", func(t *testing.T) {
			r := e.do("GET", path, nil).want(t, http.StatusOK)
			if got := r.Header.Get("ETag"); got != `"1"` {
				t.Errorf("ETag %q, want \"1\"", got)
			}
			c := r.object(t)
			if str(t, c, "id") != id || str(t, c, "reference") != "A-1" || str(t, c, "notes") != "first visit" {
				t.Errorf("GET gave %v", c)
			}
			if str(t, c, "evaluation.state") != "lawful" || str(t, c, "evaluation.authorized_until") != "2026-03-31" {
				t.Errorf("evaluation %v", c["evaluation"])
			}
			if got, _ := jsonPath(c, "evaluation.days_remaining"); got != 80.0 {
				t.Errorf("days_remaining %v on %s, want 80", got, startDay)
			}
			if got, _ := jsonPath(c, "history.trips.0.entry"); got != "2026-01-01" {
				t.Errorf("history.trips[0].entry %v", got)
			}
			// The evaluation is what POST /v1/evaluate gives for the history today.
			var raw struct {
				History    json.RawMessage `json:"history"`
				Evaluation json.RawMessage `json:"evaluation"`
			}
			if err := json.Unmarshal(r.Body, &raw); err != nil {
				t.Fatal(err)
			}
			ev := e.do("POST", "/v1/evaluate", []byte(raw.History)).want(t, http.StatusOK)
			if !bytes.Equal(append([]byte(raw.Evaluation), '\n'), ev.Body) {
				t.Errorf("the case's evaluation\n%s\ndiffers from POST /v1/evaluate of its history\n%s", raw.Evaluation, ev.Body)
			}
		})

		t.Run("the evaluation follows the clock", func(t *testing.T) {
			e.Clock.Set("2026-01-15")
			defer e.Clock.Set(startDay)
			c := e.do("GET", path, nil).want(t, http.StatusOK).object(t)
			if got := str(t, c, "evaluation.as_of"); got != "2026-01-15" {
				t.Errorf("evaluation.as_of %q, want the clock's 2026-01-15", got)
			}
			if got, _ := jsonPath(c, "evaluation.days_remaining"); got != 75.0 {
				t.Errorf("days_remaining %v, want 75", got)
			}
			if c["version"] != 1.0 {
				t.Errorf("a read changed the version: %v", c["version"])
			}
		})

		t.Run("If-None-Match is not answered with 304", func(t *testing.T) {
			// The ETag is the case's version; the body carries today's
			// evaluation, which changes with the day, so a cached copy
			// must never be confirmed as current.
			r := e.do("GET", path, nil, "If-None-Match", `"1"`).want(t, http.StatusOK)
			if got := r.Header.Get("ETag"); got != `"1"` {
				t.Errorf("ETag %q", got)
			}
			e.Clock.Set(e.Clock.Today().AddDays(1).String())
			next := e.do("GET", path, nil, "If-None-Match", `"1"`).want(t, http.StatusOK).object(t)
			if ev := next["evaluation"].(map[string]any); ev["as_of"] == r.object(t)["evaluation"].(map[string]any)["as_of"] {
				t.Errorf("the next day's answer has the same evaluation day")
			}
			e.Clock.Set(e.Clock.Today().AddDays(-1).String())
		})

		t.Run("put", func(t *testing.T) {
			body := caseBody("A-1", "second visit", hist)
			p := e.do("PUT", path, body).problem(t, http.StatusPreconditionRequired)
			if len(p.Errors) > 0 && p.Errors[0].Field != "If-Match" {
				t.Errorf("428 names %q, want If-Match", p.Errors[0].Field)
			}
			e.do("PUT", path, body, "If-Match", `"7"`).problem(t, http.StatusPreconditionFailed)
			e.do("PUT", path, body, "If-Match", `garbage`).problem(t, http.StatusPreconditionFailed)
			if c := e.do("GET", path, nil).object(t); c["notes"] != "first visit" || c["version"] != 1.0 {
				t.Fatalf("a refused PUT changed the case: %v", c)
			}
			e.Clock.Set("2026-01-11")
			defer e.Clock.Set(startDay)
			r := e.do("PUT", path, body, "If-Match", `"1"`).want(t, http.StatusOK)
			if got := r.Header.Get("ETag"); got != `"2"` {
				t.Errorf("ETag after PUT %q, want \"2\"", got)
			}
			c := r.object(t)
			if c["version"] != 2.0 || c["notes"] != "second visit" {
				t.Errorf("PUT gave %v", c)
			}
			if c["created"] != "2026-01-10T12:00:00Z" || c["updated"] != "2026-01-11T12:00:00Z" {
				t.Errorf("created %v updated %v, want 2026-01-10T12:00:00Z and the clock's 2026-01-11T12:00:00Z", c["created"], c["updated"])
			}
			// The old ETag no longer matches anything.
			e.do("GET", path, nil, "If-None-Match", `"1"`).want(t, http.StatusOK)
			e.do("PUT", path, body, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
			if c := e.do("GET", path, nil).object(t); c["version"] != 2.0 {
				t.Errorf("version %v after a refused PUT, want 2", c["version"])
			}
		})

		t.Run("invalid case bodies", func(t *testing.T) {
			for _, tc := range []struct{ name, body, field string }{
				{"a name", `{"reference":"A-2","name":"Jane Doe","history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[]}}`, "name"},
				{"no reference", `{"history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[]}}`, "reference"},
				{"exit before entry", `{"reference":"A-2","history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-05","exit":"2026-01-01"}]}}`, "history.trips[0].exit"},
				{"unknown field in the history", `{"reference":"A-2","history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-05","exti":"2026-01-06"}]}}`, "history.trips[0].exti"},
				{"unknown rule", `{"reference":"A-2","history":{"grants":[{"id":"v","rule":"atlantis"}],"trips":[]}}`, "history.grants[0].rule"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e.do("POST", "/v1/cases", tc.body).problem(t, http.StatusUnprocessableEntity).field(t, tc.field)
					e.do("PUT", path, tc.body, "If-Match", `"2"`).problem(t, http.StatusUnprocessableEntity).field(t, tc.field)
				})
			}
			e.do("POST", "/v1/cases", `{"reference":`).problem(t, http.StatusUnprocessableEntity)
			big := `{"reference":"A-2","notes":"` + strings.Repeat("n", MaxBody) + `","history":{"grants":[{"id":"v","rule":"schengen-short-stay"}],"trips":[]}}`
			e.do("POST", "/v1/cases", big).problem(t, http.StatusRequestEntityTooLarge)
			if c := e.do("GET", path, nil).object(t); c["version"] != 2.0 {
				t.Errorf("version %v after refused PUTs, want 2", c["version"])
			}
		})

		t.Run("unknown ids", func(t *testing.T) {
			e.do("GET", "/v1/cases/c_nosuchcase", nil).problem(t, http.StatusNotFound)
			e.do("PUT", "/v1/cases/c_nosuchcase", caseBody("X", "", hist), "If-Match", `"1"`).problem(t, http.StatusNotFound)
			e.do("DELETE", "/v1/cases/c_nosuchcase", nil, "If-Match", `"1"`).problem(t, http.StatusNotFound)
		})

		t.Run("delete", func(t *testing.T) {
			e.do("DELETE", path, nil).problem(t, http.StatusPreconditionRequired)
			e.do("DELETE", path, nil, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
			e.do("GET", path, nil).want(t, http.StatusOK)
			r := e.do("DELETE", path, nil, "If-Match", `"2"`).want(t, http.StatusNoContent)
			if len(r.Body) != 0 {
				t.Errorf("204 with a body: %s", r.Body)
			}
			e.do("GET", path, nil).problem(t, http.StatusNotFound)
			e.do("DELETE", path, nil, "If-Match", `"2"`).problem(t, http.StatusNotFound)
			e.do("PUT", path, caseBody("A-1", "", hist), "If-Match", `"2"`).problem(t, http.StatusNotFound)
		})
	})
}

func TestParts(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		e := newEnv(t, open, nil)
		id := e.create(t, "P-1", "", schengenStay("2025-12-01", "2025-12-10"))
		path := "/v1/cases/" + id
		trips := func(c map[string]any) []string {
			t.Helper()
			var out []string
			list, _ := jsonPath(c, "history.trips")
			for _, tr := range list.([]any) {
				m := tr.(map[string]any)
				out = append(out, fmt.Sprint(m["entry"], "..", m["exit"]))
			}
			return out
		}
		version := func() string {
			t.Helper()
			return e.do("GET", path, nil).want(t, http.StatusOK).Header.Get("ETag")
		}

		t.Run("append, replace, remove", func(t *testing.T) {
			r := e.do("POST", path+"/trips", `{"entry":"2026-01-05"}`, "If-Match", `"1"`).want(t, http.StatusCreated)
			if got := r.Header.Get("ETag"); got != `"2"` {
				t.Errorf("ETag %q after POST trips, want \"2\"", got)
			}
			c := r.object(t)
			if got, want := trips(c), []string{"2025-12-01..2025-12-10", "2026-01-05..<nil>"}; !slices.Equal(got, want) {
				t.Errorf("trips %v, want %v", got, want)
			}
			if c["version"] != 2.0 || str(t, c, "evaluation.as_of") != startDay || str(t, c, "evaluation.state") != "lawful" {
				t.Errorf("after POST trips: version %v evaluation %v", c["version"], c["evaluation"])
			}
			// 10 + 6 days used by 01-10: the evaluation saw the new trip.
			if got, _ := jsonPath(c, "evaluation.window.used"); got != 16.0 {
				t.Errorf("window.used %v, want 16 (10 days in December, 6 since 01-05)", got)
			}

			r = e.do("PUT", path+"/trips/0", `{"entry":"2025-12-02","exit":"2025-12-09"}`, "If-Match", `"2"`).want(t, http.StatusOK)
			if got := r.Header.Get("ETag"); got != `"3"` {
				t.Errorf("ETag %q after PUT trips/0, want \"3\"", got)
			}
			if got, want := trips(r.object(t)), []string{"2025-12-02..2025-12-09", "2026-01-05..<nil>"}; !slices.Equal(got, want) {
				t.Errorf("trips %v, want %v", got, want)
			}

			r = e.do("DELETE", path+"/trips/0", nil, "If-Match", `"3"`).want(t, http.StatusOK)
			if got := r.Header.Get("ETag"); got != `"4"` {
				t.Errorf("ETag %q after DELETE trips/0, want \"4\"", got)
			}
			if got, want := trips(r.object(t)), []string{"2026-01-05..<nil>"}; !slices.Equal(got, want) {
				t.Errorf("trips %v, want %v", got, want)
			}
			if got := trips(e.do("GET", path, nil).object(t)); !slices.Equal(got, []string{"2026-01-05..<nil>"}) {
				t.Errorf("stored trips %v", got)
			}
		})

		t.Run("If-Match", func(t *testing.T) {
			before := version()
			e.do("POST", path+"/trips", `{"entry":"2026-02-05"}`).problem(t, http.StatusPreconditionRequired)
			e.do("PUT", path+"/trips/0", `{"entry":"2026-01-05"}`).problem(t, http.StatusPreconditionRequired)
			e.do("DELETE", path+"/trips/0", nil).problem(t, http.StatusPreconditionRequired)
			e.do("POST", path+"/trips", `{"entry":"2026-02-05"}`, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
			e.do("PUT", path+"/trips/0", `{"entry":"2026-01-05"}`, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
			e.do("DELETE", path+"/trips/0", nil, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed)
			if got := version(); got != before {
				t.Errorf("refused writes moved the ETag from %s to %s", before, got)
			}
		})

		t.Run("positions and parts that are not there", func(t *testing.T) {
			v := version()
			for _, tc := range []struct{ method, path string }{
				{"PUT", "/trips/1"}, {"DELETE", "/trips/1"}, {"PUT", "/trips/-1"}, {"DELETE", "/trips/x"},
				{"DELETE", "/extensions/0"}, {"POST", "/visas"}, {"PUT", "/visas/0"}, {"DELETE", "/visas/0"},
			} {
				e.do(tc.method, path+tc.path, `{"entry":"2026-01-05"}`, "If-Match", v).problem(t, http.StatusNotFound)
			}
			e.do("POST", "/v1/cases/c_nosuchcase/trips", `{"entry":"2026-01-05"}`, "If-Match", `"1"`).problem(t, http.StatusNotFound)
			if got := version(); got != v {
				t.Errorf("refused writes moved the ETag from %s to %s", v, got)
			}
		})

		t.Run("invalid parts name the field", func(t *testing.T) {
			v := version()
			// The case has one trip; an appended one is trips[1].
			e.do("POST", path+"/trips", `{"entry":"2026-02-05","exit":"2026-02-01"}`, "If-Match", v).
				problem(t, http.StatusUnprocessableEntity).field(t, "history.trips[1].exit")
			e.do("PUT", path+"/trips/0", `{"entry":"2026-02-05","exit":"2026-02-01"}`, "If-Match", v).
				problem(t, http.StatusUnprocessableEntity).field(t, "history.trips[0].exit")
			e.do("POST", path+"/grants", `{"id":"g2","rule":"atlantis"}`, "If-Match", v).
				problem(t, http.StatusUnprocessableEntity).field(t, "history.grants[1].rule")
			e.do("POST", path+"/trips", `{"entry":"2026-02-05",`, "If-Match", v).problem(t, http.StatusUnprocessableEntity)
			if got := version(); got != v {
				t.Errorf("refused writes moved the ETag from %s to %s", v, got)
			}
		})

		t.Run("an unknown field in a part is named like any other field of the case", func(t *testing.T) {
			// Errors found after decoding say history.trips[1].exit; an
			// unknown key in the same body must use the same form.
			v := version()
			e.do("POST", path+"/trips", `{"entry":"2026-02-05","exti":"2026-02-06"}`, "If-Match", v).
				problem(t, http.StatusUnprocessableEntity).field(t, "history.trips[1].exti")
		})

		t.Run("extensions", func(t *testing.T) {
			cn := e.create(t, "P-CN", "", map[string]any{
				"grants": []any{map[string]any{"id": "q2", "rule": "cn-family-visit", "stay_days": 30}},
				"trips":  []any{map[string]any{"entry": "2026-01-01"}},
			})
			c := e.do("GET", "/v1/cases/"+cn, nil).object(t)
			if str(t, c, "evaluation.authorized_until") != "2026-01-31" {
				t.Fatalf("cn case: %v", c["evaluation"])
			}
			c = e.do("POST", "/v1/cases/"+cn+"/extensions", `{"filed":"2026-01-10","requested_days":30,"outcome":"granted","decided":"2026-01-10","granted_days":30}`, "If-Match", `"1"`).
				want(t, http.StatusCreated).object(t)
			if got := str(t, c, "evaluation.authorized_until"); got != "2026-03-02" {
				t.Errorf("authorized_until %q after a 30-day extension, want 2026-03-02", got)
			}
		})

		t.Run("two writers with one ETag: one wins, no update is lost", func(t *testing.T) {
			const writers = 6
			for round := range 4 {
				v := version()
				statuses := make([]int, writers)
				errs := make([]error, writers)
				start := make(chan struct{})
				done := make(chan int)
				for w := range writers {
					go func() {
						<-start
						var r *response
						var err error
						if w%2 == 0 {
							r, err = send(e.URL, "PUT", path, caseBody("P-1", fmt.Sprintf("writer %d", w), schengenStay("2026-01-05", "")), e.auth([]string{"If-Match", v})...)
						} else {
							r, err = send(e.URL, "POST", path+"/trips", `{"entry":"2025-12-01","exit":"2025-12-02"}`, e.auth([]string{"If-Match", v})...)
						}
						if err == nil {
							statuses[w] = r.Status
						}
						errs[w] = err
						done <- w
					}()
				}
				close(start)
				for range writers {
					<-done
				}
				wins := 0
				for w, st := range statuses {
					if errs[w] != nil {
						t.Fatalf("round %d writer %d: %v", round, w, errs[w])
					}
					switch st {
					case http.StatusOK, http.StatusCreated:
						wins++
					case http.StatusPreconditionFailed:
					default:
						t.Errorf("round %d writer %d: status %d", round, w, st)
					}
				}
				if wins != 1 {
					t.Fatalf("round %d: %d writers won with the same ETag %s (statuses %v), want exactly 1", round, wins, v, statuses)
				}
				var n int
				fmt.Sscanf(v, `"%d"`, &n)
				if got := version(); got != fmt.Sprintf(`"%d"`, n+1) {
					t.Errorf("round %d: ETag %s after one write at %s", round, got, v)
				}
				// Put the case back to a known shape for the next round.
				cur := version()
				e.do("PUT", path, caseBody("P-1", "", schengenStay("2026-01-05", "")), "If-Match", cur).want(t, http.StatusOK)
			}
		})
	})
}
