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
