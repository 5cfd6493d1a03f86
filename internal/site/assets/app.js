// The checker page: the engine runs here, in the WebAssembly module; no
// request leaves the page once the module has loaded. Nothing is stored
// unless the person presses "Keep", and then only in this browser.
//
// The same script runs in the single file (`visaclock site --single`),
// which carries the module gzip-compressed in base64 and every language
// as a <template>: there the module is compiled from those bytes, and the
// language links swap the page in place.
"use strict";
(function () {
  var KEY = "visaclock.checker";
  var body = document.body;
  var packed = document.getElementById("visaclock-module");
  var single = !!packed;
  var form, ready, lang, started = false;
  var $ = function (id) { return document.getElementById(id); };

  // The language the browser asks for, when it is one of the checker's
  // other than English ("" otherwise).
  function browserLang() {
    var langs = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < langs.length; i++) {
      var l = langs[i].toLowerCase();
      if (l.indexOf("en") === 0) return "";
      if (l === "ko-kp" || l === "ko-cn" || /^ko-.*-(kp|cn)$/.test(l)) return "ko-KP";
      if (l.indexOf("ko") === 0) return "ko";
      if (l.indexOf("zh") === 0) return "zh";
    }
    return "";
  }

  // The English page follows the browser's language once, unless the
  // person chose English (?hl=en).
  if (!single && body.dataset.lang === "en" && location.search.indexOf("hl=") < 0) {
    var want = browserLang();
    if (want) { location.replace(want + ".html"); return; }
  }

  function bind() {
    form = $("check");
    ready = $("ready-msg");
    lang = body.dataset.lang;
  }

  // The language named by the single file's address (#hl=zh), if it has it.
  function hashLang() {
    var m = /^#hl=([A-Za-z-]+)$/.exec(location.hash);
    return m && document.querySelector('template[data-lang="' + m[1] + '"]') ? m[1] : "";
  }

  // swap puts the single file's page in language l in place of the one
  // shown; the templates and scripts stay.
  function swap(l) {
    var t = document.querySelector('template[data-lang="' + l + '"]');
    var kids = Array.prototype.slice.call(body.children);
    kids.forEach(function (k) { if (k.tagName !== "TEMPLATE" && k.tagName !== "SCRIPT") k.remove(); });
    body.insertBefore(t.content.cloneNode(true), document.querySelector("body > template"));
    document.documentElement.lang = l;
    document.title = t.dataset.title;
    body.dataset.lang = l;
    bind();
  }

  bind();
  if (single) {
    var first = hashLang() || (location.hash ? "" : browserLang());
    if (first && first !== lang) swap(first);
  }

  function today() {
    var d = new Date();
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }

  function fields() {
    var out = {};
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (e.name && e.name !== "lang" && e.type !== "file") out[e.name] = e.value;
    }
    if (!out.as_of) out.as_of = today();
    return out;
  }

  function fill(list, lines, cite) {
    list.textContent = "";
    lines.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line.text;
      if (cite && line.citation) {
        li.appendChild(document.createElement("br"));
        var s = document.createElement("small");
        s.textContent = line.citation;
        li.appendChild(s);
      }
      list.appendChild(li);
    });
  }

  function show(out) {
    var problem = $("problem");
    var invalid = form.querySelectorAll("[aria-invalid]");
    for (var i = 0; i < invalid.length; i++) invalid[i].removeAttribute("aria-invalid");
    if (out.problem) {
      problem.textContent = problem.dataset.prefix + ": " + out.problem.message;
      problem.hidden = false;
      $("answer").hidden = true;
      var f = $(out.problem.field);
      if (f) {
        f.setAttribute("aria-invalid", "true");
        var by = (f.getAttribute("aria-describedby") || "").replace(/\s*problem/, "");
        f.setAttribute("aria-describedby", (by + " problem").trim());
        f.focus();
      }
      return;
    }
    problem.hidden = true;
    var v = out.view;
    $("status").textContent = v.status;
    $("status").className = "state state-" + v.state;
    $("until").textContent = v.until || "–";
    $("days-left").textContent = v.days_left === undefined ? "–" : String(v.days_left);
    fill($("actions"), v.actions, false);
    fill($("deadlines"), v.deadlines, false);
    var cons = v.consequences.length ? v.consequences : [{ text: $("consequences").dataset.none }];
    fill($("consequences"), cons, true);
    fill($("notes"), v.notes, false);
    $("notes-box").hidden = v.notes.length === 0;
    fill($("steps"), v.steps, true);
    $("answer").hidden = false;
    $("answer").focus();
  }

  function check() {
    var out = JSON.parse(globalThis.visaclock.check(JSON.stringify(fields()), lang));
    show(out);
    return out;
  }

  // Rows: "Add another" copies the last row with the next number.
  function addRow(kind) {
    var box = $(kind === "trip" ? "trips" : "exts");
    var rows = box.querySelectorAll("fieldset.row");
    var last = rows[rows.length - 1];
    var n = rows.length;
    var row = last.cloneNode(true);
    row.querySelector("legend").textContent = box.dataset.legend.replace("{n}", String(n + 1));
    var inputs = row.querySelectorAll("input, select, label");
    for (var i = 0; i < inputs.length; i++) {
      var e = inputs[i];
      var re = /\d+$/;
      if (e.tagName === "LABEL") { e.htmlFor = e.htmlFor.replace(re, String(n)); continue; }
      e.id = e.id.replace(re, String(n));
      e.name = e.name.replace(re, String(n));
      if (e.tagName === "SELECT") e.selectedIndex = 0; else e.value = "";
    }
    box.insertBefore(row, box.querySelector("button.add"));
    return row;
  }

  function setForm(values) {
    form.reset();
    Object.keys(values).forEach(function (k) {
      var m = /^(entry|exit|ext_[a-z]+)(\d+)$/.exec(k);
      if (m) {
        var kind = m[1].indexOf("ext_") === 0 ? "ext" : "trip";
        while (!form.elements[k] && form.querySelectorAll("#" + (kind === "trip" ? "trips" : "exts") + " fieldset.row").length <= Number(m[2])) addRow(kind);
      }
      if (form.elements[k]) form.elements[k].value = values[k];
    });
  }

  // A saved file is a history document, as `visaclock check` reads it.
  function historyToForm(h) {
    var g = (h.grants || [])[0];
    if (!g || !g.rule) throw new Error("no grant");
    var f = { rule: g.rule, stay_days: g.stay_days ? String(g.stay_days) : "", nationality: g.nationality || "",
      valid_until: g.valid_until || "", admit_until: g.admit_until || "", as_of: h.as_of || "" };
    (h.trips || []).forEach(function (t, i) { f["entry" + i] = t.entry; f["exit" + i] = t.exit || ""; });
    (h.extensions || []).forEach(function (e, i) {
      f["ext_filed" + i] = e.filed; f["ext_days" + i] = e.requested_days ? String(e.requested_days) : "";
      f["ext_outcome" + i] = e.outcome || "pending"; f["ext_decided" + i] = e.decided || "";
      f["ext_granted" + i] = e.granted_days ? String(e.granted_days) : "";
    });
    return f;
  }

  function say(key) { $("keep-msg").textContent = $("keep-msg").dataset[key]; }

  function start() {
    // The module is in: from now on the page may not fetch anything.
    var m = document.createElement("meta");
    m.httpEquiv = "Content-Security-Policy";
    m.content = "connect-src 'none'";
    document.head.appendChild(m);
    started = true;
    wire(true);
  }

  // wire makes the page shown answer with the module; restore fills the
  // form from what "Keep" stored.
  function wire(restore) {
    ready.textContent = ready.dataset.ready;
    ready.hidden = false;
    $("keep").hidden = false;
    var adds = document.querySelectorAll("button.add");
    for (var i = 0; i < adds.length; i++) {
      adds[i].hidden = false;
      adds[i].addEventListener("click", function (e) { addRow(e.target.dataset.add).querySelector("input").focus(); });
    }
    if (!form.elements.as_of.value) form.elements.as_of.value = today();
    form.addEventListener("submit", function (e) { e.preventDefault(); check(); });
    $("keep-btn").addEventListener("click", function () {
      localStorage.setItem(KEY, JSON.stringify(fields()));
      say("kept");
    });
    $("forget-btn").addEventListener("click", function () {
      localStorage.removeItem(KEY);
      form.reset();
      form.elements.as_of.value = today();
      $("answer").hidden = true;
      say("forgotten");
    });
    $("save-btn").addEventListener("click", function () {
      var out = JSON.parse(globalThis.visaclock.check(JSON.stringify(fields()), lang));
      if (out.problem) { show(out); return; }
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(out.history, null, 2) + "\n"], { type: "application/json" }));
      a.download = "visaclock-history.json";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
    $("open-file").addEventListener("change", function (e) {
      var file = e.target.files[0];
      if (!file) return;
      file.text().then(function (text) {
        try { setForm(historyToForm(JSON.parse(text))); } catch (err) { say("bad"); return; }
        check();
      });
    });
    var kept = restore && localStorage.getItem(KEY);
    if (kept) {
      try { setForm(JSON.parse(kept)); check(); } catch (err) { localStorage.removeItem(KEY); }
    }
    body.dataset.ready = "yes";
  }

  if (body.dataset.module !== "yes") return; // the form posts to the server
  ready.textContent = ready.dataset.loading;
  ready.hidden = false;
  globalThis.onvisaclockready = start;
  var go = new globalThis.Go();
  // load may throw (a damaged file): that too says the checker failed.
  Promise.resolve().then(load).then(function (r) {
    go.run(r.instance);
  }).catch(function () {
    ready.textContent = ready.dataset.failed;
  });
  if ("serviceWorker" in navigator && !single && location.protocol !== "file:") {
    navigator.serviceWorker.register("sw.js").catch(function () {});
  }

  function load() {
    if (single) {
      // Compiled from the bytes in the page: a page opened from a file
      // may not fetch, not even its own files.
      var bin = atob(packed.textContent);
      var zipped = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) zipped[i] = bin.charCodeAt(i);
      packed.remove();
      var stream = new Blob([zipped]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).arrayBuffer().then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
    }
    // A server that sends the module with another type than
    // application/wasm defeats instantiateStreaming: compile it from bytes.
    return WebAssembly.instantiateStreaming(fetch("visaclock.wasm"), go.importObject).catch(function () {
      return fetch("visaclock.wasm").then(function (r) { return r.arrayBuffer(); })
        .then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
    });
  }

  // The single file's language links change the address's #hl=; what
  // the person typed, and the answer, follow into the new language.
  if (single) {
    window.addEventListener("hashchange", function () {
      var l = hashLang();
      if (!l || l === lang) return; // another fragment, or a language not in the file
      var values = started ? fields() : null;
      var answered = !$("answer").hidden;
      swap(l);
      if (!started) {
        ready.textContent = ready.dataset.loading;
        ready.hidden = false;
        return;
      }
      wire(false);
      setForm(values);
      if (answered) check();
      var cur = document.querySelector('.langs [aria-current="page"]');
      if (cur) cur.focus();
    });
  }
})();
