// Package checker is the one-person checker's answers: the evaluation and
// plan JSON that `visaclock check --json` and `plan --json` print and the
// WebAssembly module returns (one code path, so the bytes are the same),
// the history a checker form describes, and the answer in a reader's
// language for the checker page. It is pure: no clock, no I/O.
package checker

import (
	"bytes"
	"encoding/json"
	"errors"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/stay"
)

// Evaluate reads a history document (YAML or JSON) and evaluates it on its
// as_of, or on asOf when it gives none. Errors carry the field path and
// line (*document.Error).
func Evaluate(doc []byte, lookup stay.Lookup, asOf date.Date) (*stay.Evaluation, error) {
	c, err := casefile.Parse(doc, lookup, asOf)
	if err != nil {
		return nil, err
	}
	if c.History.AsOf == 0 {
		return nil, &document.Error{Path: "as_of", Msg: "required: the date to evaluate on, YYYY-MM-DD"}
	}
	return c.Evaluate(c.History.AsOf), nil
}

// EvaluationJSON is ev as `check --json` prints it: indented, with a final
// newline.
func EvaluationJSON(ev *stay.Evaluation, explain stay.Explain) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Indent(&b, ev.AppendJSON(nil, explain), "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Plan reads a history document and plans an entry on enter under grant
// ("" for the engine's default), as of the history's as_of or asOf.
// Errors in the history are *document.Error with path and line; errors in
// enter or grant are *stay.FieldError with path "enter" or "grant".
func Plan(doc []byte, lookup stay.Lookup, asOf, enter date.Date, grant string) (*stay.Plan, error) {
	var h stay.History
	d, err := document.Decode(doc, &h)
	if err != nil {
		return nil, err
	}
	if h.AsOf == 0 {
		h.AsOf = asOf
	}
	if h.AsOf == 0 {
		return nil, &document.Error{Path: "as_of", Msg: "required: the date to plan from, YYYY-MM-DD"}
	}
	pl, err := stay.PlanEntry(&h, lookup, enter, grant)
	if err != nil {
		var fe *stay.FieldError
		if errors.As(err, &fe) && fe.Path != "enter" && fe.Path != "grant" {
			return nil, &document.Error{Path: fe.Path, Line: d.Line(fe.Path), Msg: fe.Msg}
		}
		return nil, err
	}
	return pl, nil
}

// PlanJSON is pl as `plan --json` prints it: indented, with a final
// newline.
func PlanJSON(pl *stay.Plan) ([]byte, error) {
	b, err := json.MarshalIndent(pl, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
