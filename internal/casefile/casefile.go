// Package casefile reads stay histories from YAML or JSON documents and
// prepares them for the engine, reporting every problem with its field path
// and line.
package casefile

import (
	"bytes"
	"encoding/json"
	"errors"

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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil || dec.More() || !exactKeys(data) {
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

// exactKeys reports whether every object key in data is written in lower
// case, as the format requires: encoding/json would otherwise match "As_Of"
// to as_of without a word, and the strict decoder must then say so.
func exactKeys(data []byte) bool {
	inString, escaped, key := false, false, false
	start := 0
	for i, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if key {
					for _, k := range data[start:i] {
						if k >= 'A' && k <= 'Z' {
							// Might be a value; check what follows.
							if isKey(data[i+1:]) {
								return false
							}
							break
						}
					}
				}
			}
		case c == '"':
			inString, key, start = true, true, i+1
		}
	}
	return true
}

// isKey reports whether a string just closed is followed by a colon.
func isKey(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}
