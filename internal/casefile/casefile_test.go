package casefile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/packs"
)

func registry(tb testing.TB) *packs.Registry {
	tb.Helper()
	reg, err := packs.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

func evaluateJSON(t *testing.T, reg *packs.Registry, file string, asOf date.Date) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := casefile.Parse(data, reg.Lookup, asOf)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	b, err := json.MarshalIndent(c.Evaluate(c.History.AsOf), "", "  ")
	if err != nil {
		t.Fatalf("%s: marshal: %v", file, err)
	}
	return b
}

// The same history written in YAML and in JSON gives the same evaluation,
// byte for byte.
func TestJSONAndYAMLAgree(t *testing.T) {
	reg := registry(t)
	asOf := date.MustParse("2024-02-01")
	for _, tt := range []struct {
		name  string
		state string
	}{
		{"extended", "lawful"},
		{"schengen", "overstay"},
		{"us", "overstay"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			y := evaluateJSON(t, reg, filepath.Join("testdata", tt.name+".yaml"), asOf)
			j := evaluateJSON(t, reg, filepath.Join("testdata", tt.name+".json"), asOf)
			if !bytes.Equal(y, j) {
				t.Errorf("YAML and JSON evaluations differ:\nYAML: %s\nJSON: %s", y, j)
			}
			var got struct {
				State string `json:"state"`
			}
			if err := json.Unmarshal(y, &got); err != nil {
				t.Fatal(err)
			}
			if got.State != tt.state {
				t.Errorf("state = %q, want %q", got.State, tt.state)
			}
		})
	}
}

func TestParseUsesDefaultAsOfOnlyWhenMissing(t *testing.T) {
	reg := registry(t)
	def := date.MustParse("2024-02-01")
	data, err := os.ReadFile(filepath.Join("testdata", "us.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := casefile.Parse(data, reg.Lookup, def)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.History.AsOf; got != def {
		t.Errorf("as_of = %v, want the default %v", got, def)
	}
	data, err = os.ReadFile(filepath.Join("testdata", "schengen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err = casefile.Parse(data, reg.Lookup, def)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.History.AsOf, date.MustParse("2014-06-09"); got != want {
		t.Errorf("as_of = %v, want the file's %v", got, want)
	}
}

// Errors found after decoding (by Prepare) come back as *document.Error with
// the field path and the line of the field.
func TestParseErrorsCarryPathAndLine(t *testing.T) {
	reg := registry(t)
	tests := []struct {
		name, in, path string
		line           int
		msg            string
	}{
		{
			name: "exit before entry",
			in:   "as_of: 2024-05-01\ngrants: [{id: a, rule: schengen-short-stay}]\ntrips:\n  - entry: 2024-03-10\n    exit: 2024-03-01\n",
			path: "trips[0].exit", line: 5, msg: "before the entry",
		},
		{
			name: "no grants",
			in:   "as_of: 2024-05-01\ntrips: []\n",
			path: "grants", line: 1, msg: "at least one grant",
		},
		{
			name: "unknown grant in a trip",
			in:   "as_of: 2024-05-01\ngrants:\n  - {id: a, rule: schengen-short-stay}\n  - {id: b, rule: schengen-short-stay}\ntrips:\n  - entry: 2024-03-10\n    grant: c\n",
			path: "trips[0].grant", line: 7, msg: `no grant has id "c"; accepted: a, b`,
		},
		{
			name: "missing admit_until",
			in:   "as_of: 2024-05-01\ngrants:\n  - id: b2\n    rule: us-visitor\ntrips: []\n",
			path: "grants[0].admit_until", line: 3, msg: "required by rule us-visitor",
		},
		{
			name: "decode error",
			in:   "{\"as_of\": \"2024-05-01\",\n \"grants\": [{\"id\": \"a\", \"rule\": \"schengen-short-stay\"}],\n \"trips\": [{\"entry\": \"2024-13-01\"}]}",
			path: "trips[0].entry", line: 3, msg: "month 13",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := casefile.Parse([]byte(tt.in), reg.Lookup, date.MustParse("2024-01-01"))
			var de *document.Error
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want *document.Error", err, err)
			}
			if de.Path != tt.path || de.Line != tt.line || !strings.Contains(de.Msg, tt.msg) {
				t.Errorf("got path %q line %d msg %q; want path %q line %d msg containing %q", de.Path, de.Line, de.Msg, tt.path, tt.line, tt.msg)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	reg := registry(f)
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, filepath.Join("..", "..", "examples", "family-visit.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, int32(date.MustParse("2024-02-01")))
	}
	// The worked examples of the embedded packs are valid histories too.
	for _, id := range reg.IDs() {
		pf, _ := reg.File(id)
		for _, tc := range pf.Tests {
			b, err := json.Marshal(tc.History)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, int32(tc.History.AsOf))
		}
	}
	f.Add([]byte("grants: [{id: a, rule: uk-standard-visitor}]\ntrips: [{entry: 2025-01-31}, {entry: 2025-08-01}]\n"), int32(date.MustParse("2025-09-30")))
	f.Add([]byte("grants: [{id: a, rule: us-visitor, admit_until: 9000-12-31}]\ntrips: [{entry: 1600-01-01}]\n"), int32(date.MustParse("9000-12-31")))
	f.Fuzz(func(t *testing.T, data []byte, asOf int32) {
		d := date.Date(asOf)
		if d < date.MustParse("1600-01-01") || d > date.MustParse("9000-12-31") {
			d = date.MustParse("2024-02-01")
		}
		c, err := casefile.Parse(data, reg.Lookup, d)
		if err != nil {
			if c != nil {
				t.Errorf("Parse returned a case and an error %v", err)
			}
			return
		}
		ev := c.Evaluate(c.History.AsOf)
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, b)
		}
		if s := m["state"]; s != "lawful" && s != "pending" && s != "overstay" && s != "absent" {
			t.Errorf("state = %v", s)
		}
		if n, _ := m["overstay_days"].(float64); n < 0 {
			t.Errorf("overstay_days = %v, want >= 0", n)
		}
	})
}

// FuzzParseJSON holds the fast JSON path that check --batch uses to the
// strict one: it must never panic, an error must be the strict decoder's,
// and when both accept a document they must evaluate it the same way.
func FuzzParseJSON(f *testing.F) {
	reg := registry(f)
	for _, name := range []string{"extended.json", "schengen.json", "us.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			f.Fatal(err)
		}
		f.Add(compact.Bytes())
	}
	for _, id := range reg.IDs() {
		pf, _ := reg.File(id)
		for _, tc := range pf.Tests {
			b, err := json.Marshal(tc.History)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"as_of":"2024-03-10","as_of":"2024-04-05","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}`))
	f.Add([]byte(`{"As_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}`))
	f.Add([]byte(`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]} {}`))
	// Inputs encoding/json alone would read differently from the format:
	// folded key case (U+017F folds to s), escaped keys, invalid UTF-8 and
	// trailing text after the value.
	f.Add([]byte(`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","\u017ftay_days":30}],"trips":[]}`))
	f.Add([]byte("{\"as_of\":\"2024-03-10\",\"grants\":[{\"id\":\"q2\",\"rule\":\"cn-family-visit\",\"\u017ftay_days\":30}],\"trips\":[]}"))
	f.Add([]byte(`{"\u0041s_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}`))
	f.Add([]byte("{\"as_of\":\"2024-03-10\",\"grants\":[{\"id\":\"q\xab\",\"rule\":\"cn-family-visit\",\"stay_days\":30}],\"trips\":[]}"))
	f.Add([]byte(`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}]`))
	f.Add([]byte(`{}]`))
	asOf := date.MustParse("2024-02-01")
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, errFast := casefile.ParseJSON(data, reg.Lookup, asOf)
		strict, errStrict := casefile.Parse(data, reg.Lookup, asOf)
		if errFast != nil {
			if errStrict == nil || errFast.Error() != errStrict.Error() {
				t.Fatalf("ParseJSON error %q, Parse error %v", errFast, errStrict)
			}
			return
		}
		if errStrict != nil {
			t.Fatalf("ParseJSON accepted what Parse rejects: %v", errStrict)
		}
		a, err := json.Marshal(fast.Evaluate(fast.History.AsOf))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(strict.Evaluate(strict.History.AsOf))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("ParseJSON and Parse evaluate differently:\nfast:   %s\nstrict: %s", a, b)
		}
	})
}

// TestNoIdentityFields holds the format to its promise: it has no place for
// a name or a passport number, so a history carrying one is refused rather
// than stored or echoed.
func TestNoIdentityFields(t *testing.T) {
	reg := registry(t)
	for _, in := range []string{
		"name: Kim\ngrants: [{id: v, rule: schengen-short-stay}]\ntrips: []\n",
		"person: {born: 1990-01-01, name: Kim}\ngrants: [{id: v, rule: schengen-short-stay}]\ntrips: []\n",
		"grants: [{id: v, rule: schengen-short-stay, passport: X123}]\ntrips: []\n",
	} {
		_, err := casefile.Parse([]byte(in), reg.Lookup, date.MustParse("2024-01-01"))
		if err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("Parse(%q) = %v, want an unknown-field error", in, err)
		}
	}
}
