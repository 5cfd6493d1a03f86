//go:build js && wasm

// Command visaclock-wasm is the engine as a WebAssembly module for the
// checker page (docs/checker.md). It registers globalThis.visaclock:
//
//   - evaluate(historyJSON) returns what `visaclock check --json` prints;
//   - plan(historyJSON, enterDate[, grant]) returns what `plan --json` prints;
//   - check(formJSON, lang) reads the checker form's fields and returns
//     {"history": …, "view": …} (the answer in the reader's language) or
//     {"problem": {"field": …, "message": …}};
//
// and calls globalThis.onvisaclockready, if the page has set it. A failure
// of evaluate or plan is returned (not thrown) as an Error with the
// message the CLI prints, and field and line properties.
//
// The module reads no clock: a history without as_of is refused, and the
// page gives the device's date.
package main

import (
	"encoding/json"
	"errors"
	"syscall/js"

	"visaclock/internal/checker"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

func main() {
	reg, err := packs.Embedded()
	if err != nil {
		panic(err) // a broken build, which the tests catch
	}
	cat, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	api := js.Global().Get("Object").New()
	api.Set("evaluate", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 1 {
			return jsError("evaluate(historyJSON): give the history", "", 0)
		}
		ev, err := checker.Evaluate([]byte(args[0].String()), reg.Lookup, 0)
		if err != nil {
			return failure(err)
		}
		b, err := checker.EvaluationJSON(ev, stay.ExplainFull)
		if err != nil {
			return failure(err)
		}
		return string(b)
	}))
	api.Set("plan", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 {
			return jsError("plan(historyJSON, enterDate): give both", "", 0)
		}
		enter, err := date.Parse(args[1].String())
		if err != nil {
			return jsError("--enter: "+err.Error(), "enter", 0)
		}
		grant := ""
		if len(args) > 2 && args[2].Type() == js.TypeString {
			grant = args[2].String()
		}
		pl, err := checker.Plan([]byte(args[0].String()), reg.Lookup, 0, enter, grant)
		if err != nil {
			return failure(err)
		}
		b, err := checker.PlanJSON(pl)
		if err != nil {
			return failure(err)
		}
		return string(b)
	}))
	api.Set("check", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 {
			return jsError("check(formJSON, lang): give both", "", 0)
		}
		lang, _ := i18n.Parse(args[1].String())
		p := cat.Printer(lang)
		var f checker.Form
		if err := json.Unmarshal([]byte(args[0].String()), &f); err != nil {
			return jsError("check: the form is not a JSON object of strings", "", 0)
		}
		out := map[string]any{}
		if _, doc, err := f.History(); err != nil {
			out["problem"] = checker.Explain(p, f, err)
		} else if ev, err := checker.Evaluate(doc, reg.Lookup, 0); err != nil {
			out["problem"] = checker.Explain(p, f, err)
		} else {
			out["history"] = json.RawMessage(doc)
			out["view"] = checker.Words(p, ev)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return failure(err)
		}
		return string(b)
	}))
	js.Global().Set("visaclock", api)
	if ready := js.Global().Get("onvisaclockready"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // serve calls until the page goes away
}

func failure(err error) js.Value {
	var de *document.Error
	if errors.As(err, &de) {
		return jsError(err.Error(), de.Path, de.Line)
	}
	var fe *stay.FieldError
	if errors.As(err, &fe) {
		return jsError("--"+fe.Path+": "+fe.Msg, fe.Path, 0)
	}
	return jsError(err.Error(), "", 0)
}

func jsError(msg, field string, line int) js.Value {
	e := js.Global().Get("Error").New(msg)
	e.Set("field", field)
	e.Set("line", line)
	return e
}
