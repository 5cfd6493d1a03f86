package stay_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"visaclock/internal/date"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

// compactOf is what an answer in the compact formats must decode to: the
// full answer (as encoding/json writes it) with each item's citation moved
// to the citations map, the allowed-entry steps left out (or, for none,
// the whole explanation), and the level named.
func compactOf(t *rapid.T, full []byte, x stay.Explain) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(full, &m); err != nil {
		t.Fatal(err)
	}
	cites := map[string]any{}
	move := func(v any) {
		item := v.(map[string]any)
		rule, _ := item["rule"].(string)
		c, _ := item["citation"].(string)
		if prev, ok := cites[rule]; rule != "" && c != "" && ok && prev != c {
			return // another text under the same id: kept on the item
		}
		if rule == "" && c != "" {
			return
		}
		if rule != "" && c != "" {
			cites[rule] = c
		}
		delete(item, "citation")
	}
	for _, k := range []string{"next_actions", "deadlines"} {
		for _, v := range m[k].([]any) {
			move(v)
		}
	}
	if v := m["planned_violation"]; v != nil {
		move(v)
	}
	for _, v := range m["consequences"].([]any) {
		move(v)
	}
	if x == stay.ExplainNone {
		m["explanation"] = nil
	} else {
		steps := []any{}
		for _, v := range m["explanation"].([]any) {
			if v.(map[string]any)["code"] == "entry" {
				continue
			}
			move(v)
			steps = append(steps, v)
		}
		m["explanation"] = steps
	}
	m["explain"] = x.String()
	m["citations"] = cites
	return m
}

// checkEncoding holds AppendJSON to encoding/json: the full format byte for
// byte, the compact ones value for value.
func checkEncoding(t *rapid.T, ev *stay.Evaluation) {
	want, err := stay.MarshalReflect(ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ev.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("full format differs from encoding/json:\n got %s\nwant %s", got, want)
	}
	buf := []byte("prefix")
	for _, x := range []stay.Explain{stay.ExplainCompact, stay.ExplainNone} {
		b := ev.AppendJSON(buf[:6], x)
		if string(b[:6]) != "prefix" {
			t.Fatalf("AppendJSON overwrote what was before it")
		}
		b = b[6:]
		var got any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", x, err, b)
		}
		if want := compactOf(t, want, x); !reflect.DeepEqual(got, any(want)) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("%s format:\n got %s\nwant %s", x, g, w)
		}
	}
}

// TestAppendJSONAgreesWithEncodingJSON evaluates the worked examples of
// every embedded pack, moved about in time, with grant ids that need
// escaping, on many dates, and compares the encoders.
func TestAppendJSONAgreesWithEncodingJSON(t *testing.T) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var examples []*stay.History
	for _, id := range reg.IDs() {
		pf, _ := reg.File(id)
		for i := range pf.Tests {
			examples = append(examples, pf.Tests[i].History)
		}
	}
	n := 0
	rapid.Check(t, func(t *rapid.T) {
		h := rapid.SampledFrom(examples).Draw(t, "example").Clone()
		if rapid.Bool().Draw(t, "rename") {
			id := rapid.SampledFrom([]string{"a\"b", "<script>&", "\u2028x\u2029", "tab\there", "\xff\xfe", "é漢字", "\x01\x1f"}).Draw(t, "id")
			old := h.Grants[0].ID
			h.Grants[0].ID = id
			for i := range h.Trips {
				if h.Trips[i].Grant == old {
					h.Trips[i].Grant = id
				}
			}
			for i := range h.Extensions {
				if h.Extensions[i].Grant == old {
					h.Extensions[i].Grant = id
				}
			}
		}
		if len(h.Trips) > 0 && rapid.Bool().Draw(t, "stretch") {
			last := &h.Trips[len(h.Trips)-1]
			if last.Exit != 0 {
				last.Exit = last.Exit.AddDays(rapid.IntRange(0, 400).Draw(t, "more"))
			} else if rapid.Bool().Draw(t, "close") {
				last.Exit = last.Entry.AddDays(rapid.IntRange(0, 400).Draw(t, "len"))
			}
		}
		c, err := stay.Prepare(h, reg.Lookup)
		if err != nil {
			return
		}
		var ev stay.Evaluation
		for _, off := range []int{-400, -40, -1, 0, 1, 30, 95, 200, 800, 4000} {
			on := h.AsOf.AddDays(off)
			if on < date.MustParse("1700-01-01") {
				continue
			}
			c.EvaluateInto(&ev, on)
			checkEncoding(t, &ev)
			n++
		}
	})
	t.Logf("%d evaluations compared", n)
}

// TestAppendJSONDoesNotAllocate: into a buffer large enough, the compact
// answer of a Schengen history allocates only the sentences of the steps
// it keeps.
func TestAppendJSONAllocations(t *testing.T) {
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	h := &stay.History{Grants: []stay.Grant{{ID: "vf", Rule: "schengen-short-stay"}}, AsOf: date.MustParse("2025-06-01"),
		Trips: []stay.Trip{{Entry: date.MustParse("2025-01-01"), Exit: date.MustParse("2025-01-10")}}}
	c, err := stay.Prepare(h, reg.Lookup)
	if err != nil {
		t.Fatal(err)
	}
	ev := c.Evaluate(h.AsOf)
	buf := make([]byte, 0, 1<<16)
	n := testing.AllocsPerRun(100, func() { buf = ev.AppendJSON(buf[:0], stay.ExplainNone) })
	if n != 0 {
		t.Errorf("ExplainNone: %v allocations, want 0", n)
	}
}
