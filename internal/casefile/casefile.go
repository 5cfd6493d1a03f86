// Package casefile reads stay histories from YAML or JSON documents and
// prepares them for the engine, reporting every problem with its field path
// and line.
package casefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// Parse decodes one history and prepares it. If the history gives no as_of,
// asOf is used. Errors are *document.Error values with path and line.
func Parse(data []byte, lookup stay.Lookup, asOf date.Date) (*stay.Case, error) {
	var h stay.History
	doc, err := document.Decode(data, &h)
	if err != nil {
		return nil, err
	}
	if h.AsOf == 0 {
		h.AsOf = asOf
	}
	c, err := stay.Prepare(&h, lookup)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) {
			return nil, &document.Error{Path: fe.Path, Line: doc.Line(fe.Path), Msg: fe.Msg}
		}
		return nil, err
	}
	return c, nil
}

// ParseJSON is Parse for one JSON document, faster for large batches: it
// decodes with encoding/json and falls back to the strict decoder only to
// explain an error. Keys must match exactly, as in Parse.
func ParseJSON(data []byte, lookup stay.Lookup, asOf date.Date) (*stay.Case, error) {
	var h stay.History
	// encoding/json is laxer than the format: it folds the case of keys,
	// keeps the last of duplicate keys, replaces invalid UTF-8 and ignores
	// what follows the first value. Anything it might have let through goes
	// to the strict decoder, which gives the answer (or the error) for it.
	if !utf8.Valid(data) || !exactKeys(data) {
		return Parse(data, lookup, asOf)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil || len(bytes.TrimSpace(data[dec.InputOffset():])) != 0 {
		return Parse(data, lookup, asOf)
	}
	if h.AsOf == 0 {
		h.AsOf = asOf
	}
	c, err := stay.Prepare(&h, lookup)
	if err != nil {
		// Re-read strictly to give the error its line.
		return Parse(data, lookup, asOf)
	}
	return c, nil
}

// exactKeys reports whether every object key in data is made of a-z, 0-9
// and _ only, and given once per object, as the format's keys are. It
// returns false for anything it cannot follow, sending data to the strict
// decoder.
func exactKeys(data []byte) bool {
	var stack [][]string // keys seen in each open object; nil for arrays
	expectKey := false   // the next string in the current object is a key
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{':
			stack = append(stack, []string{})
			expectKey = true
		case '[':
			stack = append(stack, nil)
			expectKey = false
		case '}', ']':
			if len(stack) == 0 {
				return false
			}
			stack = stack[:len(stack)-1]
			expectKey = false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1] != nil
		case ':':
			expectKey = false
		case '"':
			j := i + 1
			for ; j < len(data) && data[j] != '"'; j++ {
				if data[j] == '\\' {
					if expectKey {
						return false // an escape in a key: let the strict decoder read it
					}
					j++
				}
			}
			if j >= len(data) {
				return false
			}
			if expectKey {
				if len(stack) == 0 {
					return false
				}
				key := data[i+1 : j]
				for _, b := range key {
					if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
						return false
					}
				}
				top := &stack[len(stack)-1]
				for _, k := range *top {
					if k == string(key) {
						return false
					}
				}
				*top = append(*top, string(key))
			}
			i = j
		}
	}
	return len(stack) == 0
}
