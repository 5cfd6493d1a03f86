// Package document decodes the YAML and JSON documents that visaclock reads
// (stay histories and rule packs) strictly, into Go structs described by
// their json tags.
//
// Strict means: an unknown field, a duplicate key, a number where a date is
// expected or a YAML alias is an error, and every error names the field path
// (such as trips[2].exit) and the line. JSON is read by the same YAML 1.2
// parser, so one schema, one set of rules and one kind of error serve both.
package document

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v4"
)

// Error is a problem at one place in a document. Line is 1-based, or 0 when
// the place has no line (as in an in-memory value).
type Error struct {
	Path string // field path, such as "trips[2].exit"; "" for the whole document
	Line int
	Msg  string // what is wrong and what is accepted
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Node is a parsed document that remembers where each value was written, so
// that errors found after decoding (say, an exit before its entry) can still
// be reported with their line.
type Node struct{ root *yaml.Node }

// Parse parses one YAML or JSON document.
func Parse(data []byte) (*Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Error{Line: 1, Msg: "the document is empty"}
		}
		return nil, &Error{Line: yamlErrLine(err), Msg: "not valid YAML or JSON: " + cleanYAMLErr(err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{Line: 1, Msg: "the document is empty"}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		return nil, &Error{Line: yamlErrLine(err), Msg: "more than one document, and the next is not valid: " + cleanYAMLErr(err)}
	default:
		return nil, &Error{Line: extra.Line, Msg: "more than one document; give one document per file"}
	}
	return &Node{root: doc.Content[0]}, nil
}

// Decode parses data and decodes it into v, which must be a pointer to a
// struct.
func Decode(data []byte, v any) (*Node, error) {
	n, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return n, n.Decode(v)
}

// Decode decodes the document into v.
func (n *Node) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("document: Decode needs a non-nil pointer, got %T", v)
	}
	return decode(n.root, rv.Elem(), "")
}

// Line returns the line on which the value at path begins, or, when path
// names a field that is absent, the line of its nearest present parent. It
// returns 0 when nothing on the path is in the document.
func (n *Node) Line(path string) int {
	if n == nil || n.root == nil {
		return 0
	}
	cur := n.root
	line := cur.Line
	for _, part := range splitPath(path) {
		key, next := child(cur, part)
		if next == nil {
			return line
		}
		cur = next
		line = cur.Line
		if key != nil {
			// A field's line is its key's: a nested mapping starts below it.
			line = key.Line
		}
	}
	return line
}

// Locate fills in the line of a *Error found in err that has none.
func (n *Node) Locate(err error) error {
	var de *Error
	if errors.As(err, &de) && de.Line == 0 {
		de.Line = n.Line(de.Path)
	}
	return err
}

// child returns the node at one step of a path, and its key when the step
// is a field.
func child(n *yaml.Node, part string) (key, val *yaml.Node) {
	if strings.HasPrefix(part, "[") {
		i, err := strconv.Atoi(strings.Trim(part, "[]"))
		if err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
			return nil, nil
		}
		return nil, n.Content[i]
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == part {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func splitPath(path string) []string {
	var parts []string
	for _, dotted := range strings.Split(path, ".") {
		if dotted == "" {
			continue
		}
		name, rest, _ := strings.Cut(dotted, "[")
		if name != "" {
			parts = append(parts, name)
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			parts = append(parts, "["+idx+"]")
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return parts
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

func decode(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return &Error{Path: path, Line: n.Line, Msg: "YAML anchors and aliases are not accepted; write the value out"}
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		v.SetZero()
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decode(n, v.Elem(), path)
	}
	if pv := v.Addr(); pv.Type().Implements(jsonUnmarshaler) && n.Kind == yaml.ScalarNode {
		text := n.Value
		if n.Tag == "!!str" || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			b, _ := json.Marshal(n.Value)
			text = string(b)
		}
		if err := pv.Interface().(json.Unmarshaler).UnmarshalJSON([]byte(text)); err != nil {
			return &Error{Path: path, Line: n.Line, Msg: err.Error()}
		}
		return nil
	}
	if pv := v.Addr(); pv.Type().Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode {
			return &Error{Path: path, Line: n.Line, Msg: "expected a single value, found " + kindName(n)}
		}
		if err := pv.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			return &Error{Path: path, Line: n.Line, Msg: err.Error()}
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		return decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return &Error{Path: path, Line: n.Line, Msg: "expected a list, found " + kindName(n)}
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.String:
		// Only text is text: a JSON 5 or true, or an unquoted YAML 2019, is
		// not taken for "5", "true" or "2019" without a word.
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			msg := "expected text, found " + kindName(n)
			if n.Kind == yaml.ScalarNode {
				msg += "; write it in quotes if it is meant as text"
			}
			return &Error{Path: path, Line: n.Line, Msg: msg}
		}
		v.SetString(n.Value)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return &Error{Path: path, Line: n.Line, Msg: fmt.Sprintf("expected a whole number, found %s", describe(n))}
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, v.Type().Bits())
		if err != nil {
			return &Error{Path: path, Line: n.Line, Msg: fmt.Sprintf("%q is not a whole number in range", n.Value)}
		}
		v.SetInt(i)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return &Error{Path: path, Line: n.Line, Msg: fmt.Sprintf("expected true or false, found %s", describe(n))}
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
		return nil
	}
	return fmt.Errorf("document: %s: cannot decode into %s", path, v.Type())
}

func decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return &Error{Path: path, Line: n.Line, Msg: "expected a mapping of fields, found " + kindName(n)}
	}
	fields := fieldsOf(v.Type())
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fpath := k.Value
		if path != "" {
			fpath = path + "." + k.Value
		}
		f, ok := fields.byName[k.Value]
		if !ok {
			return &Error{Path: fpath, Line: k.Line, Msg: fmt.Sprintf("unknown field %q; accepted here: %s", k.Value, strings.Join(fields.names, ", "))}
		}
		if seen[k.Value] {
			return &Error{Path: fpath, Line: k.Line, Msg: "field given twice"}
		}
		seen[k.Value] = true
		fv := v.FieldByIndex(f)
		if err := decode(val, fv, fpath); err != nil {
			return err
		}
		if r, ok := fields.nonzero[k.Value]; ok && fv.IsZero() && !(val.Kind == yaml.ScalarNode && val.Tag == "!!null") {
			return &Error{Path: fpath, Line: val.Line, Msg: "0 is outside " + r}
		}
	}
	return nil
}

// structFields are a struct's fields by their json names. A field tagged
// nonzero:"RANGE" (a length, where the zero value means "not given") may
// be left out or null, but not given as zero: that is refused as outside
// RANGE.
type structFields struct {
	byName  map[string][]int
	names   []string
	nonzero map[string]string
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if c, ok := fieldCache.Load(t); ok {
		return c.(*structFields)
	}
	sf := &structFields{byName: map[string][]int{}, nonzero: map[string]string{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "-" || !f.IsExported() {
				continue
			}
			if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if tag == "" {
				continue
			}
			sf.byName[tag] = idx
			sf.names = append(sf.names, tag)
			if r := f.Tag.Get("nonzero"); r != "" {
				sf.nonzero[tag] = r
			}
		}
	}
	walk(t, nil)
	sort.Strings(sf.names)
	fieldCache.Store(t, sf)
	return sf
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return describe(n)
}

func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return kindName(n)
	}
	return strconv.Quote(n.Value)
}

// yamlErrLine finds the line in a parser error, whose messages read
// "yaml: line N: …"; the library exports no structured parse error.
func yamlErrLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(rest[:j]); err == nil {
			return n
		}
	}
	return 0
}

func cleanYAMLErr(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, "line "); i == 0 {
		if j := strings.Index(msg, ": "); j > 0 {
			msg = msg[j+2:]
		}
	}
	return msg
}
