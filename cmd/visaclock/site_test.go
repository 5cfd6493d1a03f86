package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"visaclock/internal/packs"
	"visaclock/internal/site"
	"visaclock/internal/site/sitetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	sitetest.Cleanup()
	os.Exit(code)
}

// nodeExe is node, which the module test needs; without it the test skips,
// or fails under CI=true.
func nodeExe(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found: the module test runs the WebAssembly module under node")
		}
		t.Skip("node not found")
	}
	return exe
}

type moduleCase struct {
	Name    string `json:"-"`
	History string `json:"history"`
	Enter   string `json:"enter,omitempty"`
	Grant   string `json:"grant,omitempty"`
}

type moduleAnswer struct {
	JSON  string `json:"json"`
	Error string `json:"error"`
	Field string `json:"field"`
}

// TestModuleAgreesWithCLI runs the WebAssembly module under node on every
// worked example of every embedded pack, and on a history with an error,
// and checks that each answer is, byte for byte, what `visaclock check
// --json` and `plan --json` print for it.
func TestModuleAgreesWithCLI(t *testing.T) {
	node := nodeExe(t)
	_, modDir := sitetest.Module(t)
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var cases []moduleCase
	for _, id := range reg.IDs() {
		f, _ := reg.File(id)
		for _, tc := range f.Tests {
			h, err := json.Marshal(tc.History)
			if err != nil {
				t.Fatal(err)
			}
			c := moduleCase{Name: id + ": " + tc.Name, History: string(h)}
			if tc.Plan != nil {
				c.Enter, c.Grant = tc.Plan.Enter.String(), tc.Plan.Grant
			}
			cases = append(cases, c)
		}
	}
	if len(cases) < 50 {
		t.Fatalf("found %d worked examples in the packs; expected them all (over 50)", len(cases))
	}
	bad := moduleCase{Name: "an entry after the exit", History: `{"as_of": "2026-03-01", "grants": [{"id": "q2", "rule": "cn-family-visit", "stay_days": 30}], "trips": [{"entry": "2026-02-10", "exit": "2026-02-01"}]}`, Enter: "2026-04-01"}
	cases = append(cases, bad)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "cases.json"), filepath.Join(dir, "results.json")
	b, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "testdata/module.js", modDir, in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node: %v\n%s", err, msg)
	}
	var got []struct{ Evaluate, Plan moduleAnswer }
	b, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("node answered %d cases of %d", len(got), len(cases))
	}
	plans := 0
	for i, c := range cases {
		file := filepath.Join(dir, fmt.Sprintf("h%d.json", i))
		if err := os.WriteFile(file, []byte(c.History), 0o644); err != nil {
			t.Fatal(err)
		}
		compare(t, c.Name+" (check)", got[i].Evaluate, func() (string, error) {
			stdout, _, err := runCLI(t, "", "check", "--json", file)
			return stdout, err
		})
		if c.Enter != "" {
			plans++
			args := []string{"plan", "--json", "--enter", c.Enter, file}
			if c.Grant != "" {
				args = append(args, "--grant", c.Grant)
			}
			compare(t, c.Name+" (plan)", got[i].Plan, func() (string, error) {
				stdout, _, err := runCLI(t, "", args...)
				return stdout, err
			})
		}
	}
	t.Logf("the module agrees with the CLI on %d histories (%d worked examples and an invalid one), %d of them also planned", len(cases), len(cases)-1, plans)
	if plans < 5 {
		t.Errorf("only %d worked examples plan an entry; the plan contract is barely tested", plans)
	}
	last := got[len(got)-1].Evaluate
	if last.Field != "trips[0].exit" && last.Field != "trips[0]" && !strings.HasPrefix(last.Field, "trips[0]") {
		t.Errorf("the module's error names field %q, want trips[0]…", last.Field)
	}
}

// compare checks the module's answer against the CLI's: the same JSON,
// or, for a history the CLI refuses, the same message.
func compare(t *testing.T, name string, got moduleAnswer, cli func() (string, error)) {
	t.Helper()
	want, err := cli()
	var se statusError
	if err != nil && !errors.As(err, &se) {
		if got.Error == "" {
			t.Errorf("%s: the CLI refuses it (%v), the module answered", name, err)
		} else if !strings.HasSuffix(err.Error(), got.Error) {
			t.Errorf("%s: the CLI says %q, the module %q", name, err, got.Error)
		}
		return
	}
	if got.Error != "" {
		t.Errorf("%s: the module refuses it: %s", name, got.Error)
		return
	}
	if got.JSON != want {
		t.Errorf("%s: the module's JSON differs from the CLI's\nmodule: %.400s\ncli:    %.400s", name, got.JSON, want)
	}
}

// TestSiteCommand writes the site and checks its files: every page, the
// module and its runtime, the service worker naming every file, and
// SHA256SUMS agreeing with what was written.
func TestSiteCommand(t *testing.T) {
	mod, modDir := sitetest.Module(t)
	out := t.TempDir()
	stdout, stderr, err := runCLI(t, "", "site", "--out", out, "--module", modDir)
	if err != nil {
		t.Fatalf("site: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "wrote 11 files") {
		t.Errorf("site said %q, want it to count 11 files", stdout)
	}
	for _, name := range []string{"index.html", "zh.html", "ko.html", "ko-KP.html", "app.js", "style.css", "sw.js", "manifest.webmanifest", "icon.svg"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	w, err := os.ReadFile(filepath.Join(out, "visaclock.wasm"))
	if err != nil || !bytes.Equal(w, mod.WASM) {
		t.Errorf("visaclock.wasm is not the module given (%v)", err)
	}
	sw, err := os.ReadFile(filepath.Join(out, "sw.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"index.html"`, `"visaclock.wasm"`, `"wasm_exec.js"`, `"ko-KP.html"`} {
		if !bytes.Contains(sw, []byte(name)) {
			t.Errorf("sw.js does not keep %s", name)
		}
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 11 {
		t.Errorf("SHA256SUMS lists %d files, want 11", len(lines))
	}
	for _, l := range lines {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not as sha256sum writes it", l)
		}
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%x", sha256.Sum256(b)) != sum {
			t.Errorf("SHA256SUMS: %s does not match", name)
		}
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	page := html.UnescapeString(string(index))
	for _, want := range []string{`<html lang="en">`, `connect-src 'self'`, `form-action 'none'`, `data-module="yes"`} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	ko, _ := os.ReadFile(filepath.Join(out, "ko-KP.html"))
	if !bytes.Contains(ko, []byte(`<html lang="ko-KP">`)) || !bytes.Contains(ko, []byte("려권")) {
		t.Error("ko-KP.html is not in northern Korean (no 려권)")
	}
}

// TestSiteCommandSingle writes the single file with the module built from
// this checkout, and checks what a recipient can: the checksum printed and
// written beside it, the module inside byte for byte, and no address in
// it but the one in a comment of the Go release's wasm_exec.js.
func TestSiteCommandSingle(t *testing.T) {
	mod, modDir := sitetest.Module(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "visaclock-checker.html")
	stdout, stderr, err := runCLI(t, "", "site", "--single", file, "--module", modDir)
	if err != nil {
		t.Fatalf("site --single: %v\n%s", err, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(b))
	if want := fmt.Sprintf("wrote %s (%d bytes) and %s.sha256\nSHA-256 %s\n", file, len(b), file, sum); stdout != want {
		t.Errorf("site --single said\n%s\nwant\n%s", stdout, want)
	}
	side, err := os.ReadFile(file + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	if want := sum + "  visaclock-checker.html\n"; string(side) != want {
		t.Errorf("the .sha256 file holds %q, want %q (as sha256sum writes it)", side, want)
	}
	if exe, err := exec.LookPath("sha256sum"); err == nil {
		check := exec.Command(exe, "-c", "visaclock-checker.html.sha256")
		check.Dir = dir
		if out, err := check.CombinedOutput(); err != nil || !strings.Contains(string(out), "visaclock-checker.html: OK") {
			t.Errorf("sha256sum -c: %v: %s", err, out)
		}
	}
	got, err := site.SingleModule(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, mod.WASM) {
		t.Errorf("the module in the file decodes to %d bytes that are not the module's %d", len(got), len(mod.WASM))
	}
	rest := strings.Replace(string(b), string(mod.Exec), "", 1)
	if len(rest) == len(b) {
		t.Fatal("wasm_exec.js is not in the file as it is")
	}
	if i := strings.Index(rest, "://"); i >= 0 {
		t.Errorf("the file names an address outside wasm_exec.js: %.80q", rest[max(0, i-30):])
	}
	if len(b) > 3<<20 {
		t.Errorf("the single file is %d bytes; the compressed module should keep it under 3 MB", len(b))
	}
	t.Logf("single file: %d bytes (module %d raw)", len(b), len(mod.WASM))

	// Both at once: the site and the file.
	out := t.TempDir()
	stdout, _, err = runCLI(t, "", "site", "--out", out, "--single", filepath.Join(out, "one.html"), "--module", modDir)
	if err != nil || !strings.Contains(stdout, "wrote 11 files") || !strings.Contains(stdout, "one.html.sha256") {
		t.Errorf("site --out --single: %v: %q", err, stdout)
	}
}

// sitetestDir is the module's directory, for cases that get past the flags.
func sitetestDir(t *testing.T) string {
	_, dir := sitetest.Module(t)
	return dir
}

func TestSiteCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"site"}, "--out DIR or --single FILE.html is required"},
		{[]string{"site", "--single", filepath.Join(t.TempDir(), "checker.txt")}, `--single "`},
		{[]string{"site", "--single", filepath.Join(t.TempDir(), "checker.html"), "--post", "https://example.org/check/"}, "--post applies to the site written by --out"},
		{[]string{"site", "--single", filepath.Join(t.TempDir(), "no", "such", "dir", "checker.html"), "--module", sitetestDir(t)}, "--single"},
		{[]string{"site", "--out", t.TempDir(), "--module", t.TempDir()}, "must hold visaclock.wasm and wasm_exec.js"},
		{[]string{"site", "--out", t.TempDir(), "--post", "ftp://x/check/"}, "--post"},
		{[]string{"site", "--out", t.TempDir(), "--post", "https://example.org/"}, `--post "https://example.org/"`},
	} {
		_, _, err := runCLI(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}
