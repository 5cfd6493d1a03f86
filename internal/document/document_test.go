package document_test

import (
	"errors"
	"strings"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

type leaf struct {
	C int    `json:"c"`
	D string `json:"d"`
}

type branch struct {
	B []leaf `json:"b"`
}

type Embedded struct {
	Shared string `json:"shared"`
}

type root struct {
	Embedded
	A      branch    `json:"a"`
	Name   string    `json:"name"`
	Flag   bool      `json:"flag"`
	N      int       `json:"n"`
	Small  int8      `json:"small"`
	When   date.Date `json:"when"`
	Ptr    *leaf     `json:"ptr"`
	List   []string  `json:"list"`
	Hidden string    `json:"-"`
	NoTag  string
}

// acceptedRoot is the list an unknown top-level field must name.
const acceptedRoot = "a, flag, list, n, name, ptr, shared, small, when"

func TestDecodeValid(t *testing.T) {
	const in = `
name: visit
flag: true
n: 1_000
small: -5
when: 2024-02-29
shared: from the embedded struct
a:
  b:
    - {c: 1, d: one}
    - c: 2
list: [x, "y"]
ptr: {c: 7}
`
	var got root
	if _, err := document.Decode([]byte(in), &got); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got.Name != "visit" || !got.Flag || got.N != 1000 || got.Small != -5 || got.Shared != "from the embedded struct" {
		t.Errorf("scalars = %+v", got)
	}
	if want := date.MustParse("2024-02-29"); got.When != want {
		t.Errorf("when = %v, want %v", got.When, want)
	}
	if len(got.A.B) != 2 || got.A.B[0] != (leaf{1, "one"}) || got.A.B[1] != (leaf{C: 2}) {
		t.Errorf("a.b = %+v", got.A.B)
	}
	if len(got.List) != 2 || got.List[0] != "x" || got.List[1] != "y" {
		t.Errorf("list = %q", got.List)
	}
	if got.Ptr == nil || got.Ptr.C != 7 {
		t.Errorf("ptr = %+v", got.Ptr)
	}
}

func TestDecodeNullLeavesZero(t *testing.T) {
	got := root{Name: "preset", Ptr: &leaf{C: 1}}
	if _, err := document.Decode([]byte("name: null\nptr: ~\n"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "" || got.Ptr != nil {
		t.Errorf("after nulls: name %q, ptr %v; want both zero", got.Name, got.Ptr)
	}
}

func TestDecodeJSON(t *testing.T) {
	const in = `{
  "name": "visit",
  "n": 3,
  "flag": false,
  "when": "2024-01-31",
  "a": {"b": [{"c": 1}, {"c": 2, "d": "two"}]}
}`
	var got root
	if _, err := document.Decode([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "visit" || got.N != 3 || got.When != date.MustParse("2024-01-31") || len(got.A.B) != 2 || got.A.B[1].D != "two" {
		t.Errorf("got %+v", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		path     string
		line     int
		contains []string
	}{
		{
			name:     "unknown top-level field lists accepted names",
			in:       "name: x\nnmae: y\n",
			path:     "nmae",
			line:     2,
			contains: []string{`unknown field "nmae"`, "accepted here: " + acceptedRoot},
		},
		{
			name:     "json tag dash and untagged fields are not accepted",
			in:       "Hidden: x\n",
			path:     "Hidden",
			line:     1,
			contains: []string{`unknown field "Hidden"`},
		},
		{
			name:     "untagged field",
			in:       "name: ok\nNoTag: x\n",
			path:     "NoTag",
			line:     2,
			contains: []string{`unknown field "NoTag"`},
		},
		{
			name:     "unknown nested field",
			in:       "a:\n  b:\n    - c: 1\n    - c: 2\n    - c: 3\n      e: 4\n",
			path:     "a.b[2].e",
			line:     6,
			contains: []string{`unknown field "e"`, "accepted here: c, d"},
		},
		{
			name:     "duplicate key",
			in:       "name: a\nflag: true\nname: b\n",
			path:     "name",
			line:     3,
			contains: []string{"given twice"},
		},
		{
			name:     "duplicate nested key",
			in:       "a:\n  b:\n    - c: 1\n      c: 2\n",
			path:     "a.b[0].c",
			line:     4,
			contains: []string{"given twice"},
		},
		{
			name:     "anchor rejected",
			in:       "ptr: &p {c: 1}\n",
			path:     "ptr",
			line:     1,
			contains: []string{"anchors and aliases are not accepted"},
		},
		{
			name:     "alias rejected",
			in:       "list:\n  - x\nname: &n visit\n",
			path:     "name",
			line:     3,
			contains: []string{"anchors and aliases are not accepted"},
		},
		{
			name:     "alias in a list rejected",
			in:       "a:\n  b:\n    - &l {c: 1}\n    - *l\n",
			path:     "a.b[0]",
			line:     3,
			contains: []string{"anchors and aliases"},
		},
		{
			name:     "quoted number for an int",
			in:       "n: \"3\"\n",
			path:     "n",
			line:     1,
			contains: []string{`expected a whole number, found "3"`},
		},
		{
			name:     "fraction for an int",
			in:       "\nn: 3.5\n",
			path:     "n",
			line:     2,
			contains: []string{`expected a whole number, found "3.5"`},
		},
		{
			name:     "int out of range",
			in:       "small: 300\n",
			path:     "small",
			line:     1,
			contains: []string{`"300" is not a whole number in range`},
		},
		{
			name:     "list for an int",
			in:       "n: [1]\n",
			path:     "n",
			line:     1,
			contains: []string{"expected a whole number, found a list"},
		},
		{
			name:     "text for a bool",
			in:       "flag: \"true\"\n",
			path:     "flag",
			line:     1,
			contains: []string{`expected true or false, found "true"`},
		},
		{
			name:     "number for a bool",
			in:       "flag: 1\n",
			path:     "flag",
			line:     1,
			contains: []string{"expected true or false"},
		},
		{
			name:     "mapping for text",
			in:       "name:\n  first: x\n",
			path:     "name",
			line:     2,
			contains: []string{"expected text, found a mapping"},
		},
		{
			name:     "scalar for a list",
			in:       "list: x\n",
			path:     "list",
			line:     1,
			contains: []string{`expected a list, found "x"`},
		},
		{
			name:     "list for a struct",
			in:       "a:\n  - 1\n",
			path:     "a",
			line:     2,
			contains: []string{"expected a mapping of fields, found a list"},
		},
		{
			name:     "scalar for a nested struct in a list",
			in:       "a:\n  b:\n    - {c: 1}\n    - oops\n",
			path:     "a.b[1]",
			line:     4,
			contains: []string{`expected a mapping of fields, found "oops"`},
		},
		{
			name:     "wrong type deep in a list",
			in:       "a:\n  b:\n    - {c: 1}\n    - {c: 2}\n    - {c: three}\n",
			path:     "a.b[2].c",
			line:     5,
			contains: []string{`expected a whole number, found "three"`},
		},
		{
			name:     "number where a date is expected",
			in:       "name: x\nwhen: 20240301\n",
			path:     "when",
			line:     2,
			contains: []string{`"20240301"`, "YYYY-MM-DD"},
		},
		{
			name:     "date that does not exist",
			in:       "when: 2023-02-29\n",
			path:     "when",
			line:     1,
			contains: []string{"day 29 does not exist in 2023-02"},
		},
		{
			name:     "mapping where a date is expected",
			in:       "when:\n  y: 2024\n",
			path:     "when",
			line:     2,
			contains: []string{"expected a single value, found a mapping"},
		},
		{
			name:     "root is not a mapping",
			in:       "- 1\n- 2\n",
			path:     "",
			line:     1,
			contains: []string{"expected a mapping of fields, found a list"},
		},
		{
			name:     "json unknown field",
			in:       "{\n  \"name\": \"x\",\n  \"a\": {\"b\": [\n    {\"c\": 1},\n    {\"c\": 2, \"z\": 3}\n  ]}\n}\n",
			path:     "a.b[1].z",
			line:     5,
			contains: []string{`unknown field "z"`},
		},
		{
			name:     "json duplicate key",
			in:       "{\"n\": 1,\n \"n\": 2}",
			path:     "n",
			line:     2,
			contains: []string{"given twice"},
		},
		{
			name:     "json string for an int",
			in:       "{\"a\": {\"b\": [{\"c\": \"1\"}]}}",
			path:     "a.b[0].c",
			line:     1,
			contains: []string{`expected a whole number, found "1"`},
		},
		{
			name:     "syntax error",
			in:       "name: x\nlist: [a, b\nn: 1\n",
			path:     "",
			contains: []string{"not valid YAML or JSON"},
		},
		{
			name:     "empty document",
			in:       "",
			path:     "",
			line:     1,
			contains: []string{"the document is empty"},
		},
		{
			name:     "a second document",
			in:       "name: x\n---\nname: y\n",
			path:     "",
			line:     2,
			contains: []string{"more than one document"},
		},
		{
			name:     "a second, broken document",
			in:       "name: x\n---\nthis is: [not even valid\n",
			path:     "",
			contains: []string{"more than one document", "not valid"},
		},
		{
			name:     "comment-only document",
			in:       "# nothing here\n",
			path:     "",
			line:     1,
			contains: []string{"the document is empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v root
			_, err := document.Decode([]byte(tt.in), &v)
			if err == nil {
				t.Fatalf("Decode(%q) = nil error, want one at %q", tt.in, tt.path)
			}
			var de *document.Error
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q) error %T %v, want *document.Error", tt.in, err, err)
			}
			if got, want := de.Path, tt.path; got != want {
				t.Errorf("path = %q, want %q (error %v)", got, want, err)
			}
			if tt.line != 0 {
				if got, want := de.Line, tt.line; got != want {
					t.Errorf("line = %d, want %d (error %v)", got, want, err)
				}
			} else if de.Line < 1 {
				t.Errorf("line = %d, want a line number (error %v)", de.Line, err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestSyntaxErrorLine(t *testing.T) {
	// The unterminated flow sequence is reported at or after the line it
	// starts on, never as line 0.
	_, err := document.Decode([]byte("name: x\nflag: true\nlist: [a, b\n"), new(root))
	var de *document.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v, want *document.Error", err)
	}
	if de.Line < 3 {
		t.Errorf("line = %d, want >= 3 (error %v)", de.Line, err)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    document.Error
		want string
	}{
		{document.Error{Path: "trips[2].exit", Line: 7, Msg: "bad"}, "line 7: trips[2].exit: bad"},
		{document.Error{Path: "trips[2].exit", Msg: "bad"}, "trips[2].exit: bad"},
		{document.Error{Line: 3, Msg: "bad"}, "line 3: bad"},
		{document.Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestDecodeNeedsPointer(t *testing.T) {
	n, err := document.Parse([]byte("name: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Decode(root{}); err == nil {
		t.Error("Decode(non-pointer) = nil, want error")
	}
	var nilp *root
	if err := n.Decode(nilp); err == nil {
		t.Error("Decode(nil pointer) = nil, want error")
	}
}

const lineDoc = `as_of: 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
trips:
  - entry: 2024-01-01
    exit: 2024-01-10
  - entry: 2024-02-01
  -
    entry: 2024-03-01
extensions: []
person:
  born: 1990-01-01
`

func TestLine(t *testing.T) {
	n, err := document.Parse([]byte(lineDoc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want int
	}{
		{"", 1},
		{"as_of", 1},
		{"grants", 2}, // a block sequence begins on its key's line
		{"grants[0]", 3},
		{"grants[0].rule", 4},
		{"trips[0].exit", 7},
		{"trips[1].entry", 8},
		{"trips[2]", 10},
		{"trips[2].entry", 10},
		{"extensions", 11},
		// Absent: the nearest present parent.
		{"trips[1].exit", 8},
		{"trips[2].grant", 10},
		{"trips[7].entry", 5},
		{"grants[0].admit_until", 3},
		// A field's line is its key's, even when its value starts below.
		{"person", 12},
		{"person.born", 13},
		{"person.name", 12},
		{"extensions[0].filed", 11},
		{"as_of.x", 1},
		{"trips[x]", 5},
	}
	for _, tt := range tests {
		if got := n.Line(tt.path); got != tt.want {
			t.Errorf("Line(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
	var nilNode *document.Node
	if got := nilNode.Line("trips[0]"); got != 0 {
		t.Errorf("nil Node Line = %d, want 0", got)
	}
}

func TestLineJSON(t *testing.T) {
	const in = "{\n  \"grants\": [\n    {\"id\": \"a\",\n     \"rule\": \"x\"}\n  ],\n  \"trips\": [{\"entry\": \"2024-01-01\"}]\n}\n"
	n, err := document.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{
		"grants[0].id":   3,
		"grants[0].rule": 4,
		"trips[0].entry": 6,
		"trips[0].exit":  6,
		"as_of":          1,
	} {
		if got := n.Line(path); got != want {
			t.Errorf("Line(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestLocate(t *testing.T) {
	n, err := document.Parse([]byte(lineDoc))
	if err != nil {
		t.Fatal(err)
	}
	e := &document.Error{Path: "trips[1].entry", Msg: "bad"}
	if got := n.Locate(e); got != e || e.Line != 8 {
		t.Errorf("Locate set line %d, want 8", e.Line)
	}
	e2 := &document.Error{Path: "trips[1].entry", Line: 99, Msg: "bad"}
	n.Locate(e2)
	if e2.Line != 99 {
		t.Errorf("Locate changed a known line to %d", e2.Line)
	}
	plain := errors.New("plain")
	if got := n.Locate(plain); got != plain {
		t.Errorf("Locate(plain) = %v, want it unchanged", got)
	}
}

// A history decodes with the document layer and its errors carry the line.
func TestDecodeHistory(t *testing.T) {
	var h stay.History
	_, err := document.Decode([]byte(lineDoc), &h)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(h.Trips), 3; got != want {
		t.Fatalf("trips = %d, want %d", got, want)
	}
	if got, want := h.Trips[0].Exit, date.MustParse("2024-01-10"); got != want {
		t.Errorf("trips[0].exit = %v, want %v", got, want)
	}
	bad := strings.Replace(lineDoc, "    rule: schengen-short-stay\n", "    rule: schengen-short-stay\n    entries: 0\n", 1)
	_, err = document.Decode([]byte(bad), &h)
	var de *document.Error
	if !errors.As(err, &de) || de.Path != "grants[0].entries" || de.Line != 5 {
		t.Errorf("entries: 0 gave %v, want an error at grants[0].entries, line 5", err)
	}
	bad = strings.Replace(lineDoc, "extensions: []", "extensions:\n  - {filed: 2024-01-05, outcome: maybe}", 1)
	_, err = document.Decode([]byte(bad), &h)
	if !errors.As(err, &de) || de.Path != "extensions[0].outcome" || de.Line != 12 || !strings.Contains(de.Msg, "accepted: pending, granted, refused") {
		t.Errorf("outcome: maybe gave %v, want an error at extensions[0].outcome, line 12, listing the outcomes", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		lineDoc,
		"as_of: 2024-05-01\ngrants: [{id: a, rule: us-visitor, admit_until: 2024-06-01, entries: multiple}]\ntrips: [{entry: 2024-03-01}]\nperson: {born: 1990-02-28}\n",
		"{\"as_of\": \"2024-05-01\", \"grants\": [{\"id\": \"a\", \"rule\": \"x\", \"entries\": 2, \"stay_days\": 30}], \"trips\": []}",
		"extensions:\n  - {filed: 2024-01-05, outcome: granted, decided: 2024-01-06, granted_months: 2, filing: paper}\n",
		"a: &x 1\nb: *x\n",
		"trips: [{entry: 20240101}]\n",
		"grants: [{entries: \"multiple\"}, {entries: '3'}, {entries: -1}]",
		"---\n---\n",
		"",
		"[",
		"!!binary aGVsbG8=",
		"as_of: !!int 5",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h stay.History
		n, err := document.Decode(data, &h)
		if err != nil {
			var de *document.Error
			if errors.As(err, &de) && n == nil && de.Msg == "" {
				t.Errorf("error with no message: %#v", de)
			}
			return
		}
		if n == nil {
			t.Fatal("Decode returned a nil Node and no error")
		}
		_ = n.Line("trips[0].entry")
		_ = h.String()
	})
}
