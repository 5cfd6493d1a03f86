// Runs the checker's WebAssembly module outside the browser, under node
// with the Go release's wasm_exec.js, on the cases in a JSON file:
//   node module.js MODULE_DIR CASES_IN RESULTS_OUT
// Each case is {history, enter?, grant?}; each result holds what
// visaclock.evaluate (and visaclock.plan) returned, or the error's message
// and field.
"use strict";
const fs = require("fs");
const path = require("path");
require(path.resolve(process.argv[2], "wasm_exec.js"));

function answer(v) {
  return v instanceof Error ? { error: v.message, field: v.field } : { json: v };
}

globalThis.onvisaclockready = function () {
  const cases = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const out = cases.map(function (c) {
    const r = { evaluate: answer(globalThis.visaclock.evaluate(c.history)) };
    if (c.enter) r.plan = answer(globalThis.visaclock.plan(c.history, c.enter, c.grant || ""));
    return r;
  });
  fs.writeFileSync(process.argv[4], JSON.stringify(out));
  process.exit(0);
};

const go = new globalThis.Go();
WebAssembly.instantiate(fs.readFileSync(path.resolve(process.argv[2], "visaclock.wasm")), go.importObject)
  .then(function (r) { return go.run(r.instance); })
  .catch(function (err) { console.error(err); process.exit(1); });
