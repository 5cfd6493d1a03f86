// Package casefile reads stay histories from YAML or JSON documents and
// prepares them for the engine, reporting every problem with its field path
// and line.
package casefile

import (
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

// ParseJSON is Parse for one JSON document, faster for large batches and
// the API: it reads the document without reflection when it is JSON as
// encoders write it, and leaves anything else to the strict decoder, which
// has the same answer or the same error for it. Keys must match exactly,
// as in Parse.
func ParseJSON(data []byte, lookup stay.Lookup, asOf date.Date) (*stay.Case, error) {
	h := new(stay.History)
	if !decodeJSON(data, h) {
		return Parse(data, lookup, asOf)
	}
	if h.AsOf == 0 {
		h.AsOf = asOf
	}
	c, err := stay.Prepare(h, lookup)
	if err != nil {
		// Re-read strictly to give the error its line.
		return Parse(data, lookup, asOf)
	}
	return c, nil
}
