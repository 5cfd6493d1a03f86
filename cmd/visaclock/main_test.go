package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"visaclock/internal/document"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

const example = "../../examples/family-visit.yaml"

// runCLI runs the command in-process and returns what it wrote.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), testNow, args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// status is the exit status main gives for err.
func status(err error) int {
	if err == nil {
		return 0
	}
	return exitCode(err)
}

// decodeObject decodes one JSON object, failing the test when it is not one.
func decodeObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, s)
	}
	return m
}

func requireKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: key %q missing; got keys %v", what, k, keysOf(m))
		}
	}
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// writeFile writes content to a file in a fresh temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var evaluationKeys = []string{
	"as_of", "rule", "state", "authorized_until", "days_remaining", "overstay_days",
	"window", "deadlines", "planned_violation", "consequences", "explanation", "notes",
}

func TestCheckExampleText(t *testing.T) {
	out, _, err := runCLI(t, "", "check", example)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, want := range []string{"LAWFUL", "2026-11-18", "cn-family-visit", "2026-11-10"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
}

func TestCheckExampleJSONContract(t *testing.T) {
	out, _, err := runCLI(t, "", "check", "--json", example)
	if err != nil {
		t.Fatalf("check --json: %v", err)
	}
	m := decodeObject(t, out)
	requireKeys(t, "evaluation", m, evaluationKeys...)
	for key, want := range map[string]any{
		"as_of":            "2026-11-10",
		"rule":             "cn-family-visit",
		"state":            "lawful",
		"authorized_until": "2026-11-18",
		"days_remaining":   8.0,
		"overstay_days":    0.0,
		"window":           nil,
	} {
		if got := m[key]; got != want {
			t.Errorf("%s = %#v, want %#v", key, got, want)
		}
	}
	deadlines, ok := m["deadlines"].([]any)
	if !ok || len(deadlines) == 0 {
		t.Fatalf("deadlines = %#v, want a non-empty list", m["deadlines"])
	}
	var kinds []string
	for i, d := range deadlines {
		dm, ok := d.(map[string]any)
		if !ok {
			t.Fatalf("deadlines[%d] = %#v, want an object", i, d)
		}
		requireKeys(t, fmt.Sprintf("deadlines[%d]", i), dm, "kind", "date", "rule", "citation")
		kinds = append(kinds, fmt.Sprintf("%v %v", dm["kind"], dm["date"]))
	}
	// Filing closes 7 days before the extended last day; both are listed,
	// soonest first.
	if got, want := strings.Join(kinds, ", "), "extension_filing_closes 2026-11-11, must_leave_by 2026-11-18"; got != want {
		t.Errorf("deadlines = %s, want %s", got, want)
	}
	expl, ok := m["explanation"].([]any)
	if !ok || len(expl) == 0 {
		t.Fatalf("explanation = %#v, want a non-empty list", m["explanation"])
	}
	for i, s := range expl {
		sm, ok := s.(map[string]any)
		if !ok {
			t.Fatalf("explanation[%d] = %#v, want an object", i, s)
		}
		requireKeys(t, fmt.Sprintf("explanation[%d]", i), sm, "rule", "citation", "text")
		if c, _ := sm["citation"].(string); c == "" {
			t.Errorf("explanation[%d] has no citation: %#v", i, sm)
		}
	}
	if c, ok := m["consequences"].([]any); !ok || len(c) != 0 {
		t.Errorf("consequences = %#v, want an empty list", m["consequences"])
	}
	if n, ok := m["notes"].([]any); !ok || len(n) != 0 {
		t.Errorf("notes = %#v, want an empty list", m["notes"])
	}
}

// One history per pack, with answers worked out by hand from the pack's
// rules (see the comment at the top of each file).
func TestCheckEachPack(t *testing.T) {
	tests := []struct {
		file     string
		rule     string
		state    string
		until    any // string, or nil for null
		left     any // float64, or nil for null
		overstay float64
		window   []float64 // length, limit, used, remaining; nil for a null window
		notes    int
		exit     int
	}{
		{"cn-lawful.yaml", "cn-family-visit", "lawful", "2024-03-31", 21.0, 0, nil, 0, 0},
		{"cn-overstay.yaml", "cn-family-visit", "overstay", "2024-03-31", nil, 5, nil, 0, 3},
		{"report-lawful.yaml", "cn-family-visit-2019-report", "lawful", "2019-04-30", 46.0, 0, nil, 4, 0},
		{"report-pending.yaml", "cn-family-visit-2019-report", "pending", "2019-04-30", nil, 0, nil, 4, 4},
		{"schengen-lawful.yaml", "schengen-short-stay", "lawful", "2024-04-30", 20.0, 0, []float64{180, 90, 70, 20}, 0, 0},
		{"schengen-full.yaml", "schengen-short-stay", "absent", nil, nil, 0, []float64{180, 90, 90, 0}, 0, 0},
		{"us-lawful.yaml", "us-visitor", "lawful", "2024-06-30", 121.0, 0, nil, 0, 0},
		{"us-bar.yaml", "us-visitor", "absent", nil, nil, 243, nil, 0, 0},
		{"uk-lawful.yaml", "uk-standard-visitor", "lawful", "2025-07-09", 130.0, 0, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, _, err := runCLI(t, "", "check", "--json", filepath.Join("testdata", tt.file))
			if got := status(err); got != tt.exit {
				t.Fatalf("exit status %d (error %v), want %d", got, err, tt.exit)
			}
			m := decodeObject(t, out)
			requireKeys(t, tt.file, m, evaluationKeys...)
			if got := m["rule"]; got != tt.rule {
				t.Errorf("rule = %v, want %s", got, tt.rule)
			}
			if got := m["state"]; got != tt.state {
				t.Errorf("state = %v, want %s", got, tt.state)
			}
			if got := m["authorized_until"]; got != tt.until {
				t.Errorf("authorized_until = %#v, want %#v", got, tt.until)
			}
			if got := m["days_remaining"]; got != tt.left {
				t.Errorf("days_remaining = %#v, want %#v", got, tt.left)
			}
			if got := m["overstay_days"]; got != tt.overstay {
				t.Errorf("overstay_days = %#v, want %v", got, tt.overstay)
			}
			if tt.window == nil {
				if m["window"] != nil {
					t.Errorf("window = %#v, want null", m["window"])
				}
			} else {
				w, ok := m["window"].(map[string]any)
				if !ok {
					t.Fatalf("window = %#v, want an object", m["window"])
				}
				for i, k := range []string{"length", "limit", "used", "remaining"} {
					if got := w[k]; got != tt.window[i] {
						t.Errorf("window.%s = %#v, want %v", k, got, tt.window[i])
					}
				}
			}
			if notes, _ := m["notes"].([]any); len(notes) != tt.notes {
				t.Errorf("notes = %#v, want %d of them", m["notes"], tt.notes)
			}
		})
	}
}

// consequence returns the first consequence of the given kind and rule
// ("" for any rule).
func consequence(t *testing.T, m map[string]any, kind, rule string) map[string]any {
	t.Helper()
	list, _ := m["consequences"].([]any)
	for _, c := range list {
		cm, _ := c.(map[string]any)
		if cm["kind"] == kind && (rule == "" || cm["rule"] == rule) {
			return cm
		}
	}
	t.Fatalf("no consequence of kind %q rule %q in %#v", kind, rule, list)
	return nil
}

func TestCheckOverstayFine(t *testing.T) {
	out, _, err := runCLI(t, "", "check", "--json", "testdata/cn-overstay.yaml")
	if got := exitCode(err); got != 3 {
		t.Fatalf("exit status %d (error %v), want 3", got, err)
	}
	m := decodeObject(t, out)
	fine := consequence(t, m, "fine", "")
	// 5 days at 500 CNY, discretionary (a warning instead): 0 to 2500.
	for k, want := range map[string]any{
		"currency": "CNY", "per_day": 500.0, "cap": 10000.0, "min": 0.0, "max": 2500.0,
		"days": 5.0, "first_day": "2024-04-01", "discretionary": true, "alternative": "warning",
	} {
		if got := fine[k]; got != want {
			t.Errorf("fine.%s = %#v, want %#v", k, got, want)
		}
	}
	det := consequence(t, m, "detention", "")
	if det["min_days"] != 5.0 || det["max_days"] != 15.0 {
		t.Errorf("detention = %#v, want 5 to 15 days", det)
	}
	// Still present: a bar would run from a departure on as_of.
	bar := consequence(t, m, "reentry_bar", "cn-repatriation-ban")
	for k, want := range map[string]any{"years_min": 1.0, "years": 5.0, "from": "2024-04-05", "until": "2029-04-05", "prospective": true} {
		if got := bar[k]; got != want {
			t.Errorf("repatriation ban %s = %#v, want %#v", k, got, want)
		}
	}
}

func TestCheckOverstayReentryBar(t *testing.T) {
	out, _, err := runCLI(t, "", "check", "--json", "testdata/us-bar.yaml")
	if err != nil {
		t.Fatalf("check: %v (the person has left: absent, exit 0)", err)
	}
	m := decodeObject(t, out)
	bar := consequence(t, m, "reentry_bar", "")
	for k, want := range map[string]any{
		"rule": "ina-212-a-9-b-i-I", "years": 3.0, "years_min": 3.0, "days": 243.0,
		"from": "2020-09-30", "until": "2023-09-30", "prospective": false, "first_day": "2020-02-01",
	} {
		if got := bar[k]; got != want {
			t.Errorf("bar.%s = %#v, want %#v", k, got, want)
		}
	}
	list, _ := m["consequences"].([]any)
	for _, c := range list {
		if cm, _ := c.(map[string]any); cm["rule"] == "ina-212-a-9-b-i-II" {
			t.Errorf("243 days must not bring the 10-year bar: %#v", cm)
		}
	}
}

func TestCheckText(t *testing.T) {
	out, _, err := runCLI(t, "", "check", "testdata/us-bar.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ABSENT", "days overstayed    243", "re-entry bar of 3 years from departure on 2020-09-30, until 2023-09-30"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output does not contain %q:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, "", "check", "testdata/report-lawful.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "report, not law") {
		t.Errorf("a report pack's text output must warn that it is not law:\n%s", out)
	}
}

func TestCheckStdinAndAsOf(t *testing.T) {
	// No as_of in the history: --as-of supplies it.
	const h = "grants: [{id: visit, rule: uk-standard-visitor}]\ntrips: [{entry: 2025-01-10}]\n"
	out, _, err := runCLI(t, h, "check", "--json", "--as-of", "2025-07-09", "-")
	if err != nil {
		t.Fatal(err)
	}
	m := decodeObject(t, out)
	if m["as_of"] != "2025-07-09" || m["authorized_until"] != "2025-07-09" || m["days_remaining"] != 0.0 {
		t.Errorf("as_of %v, authorized_until %v, days_remaining %v; want 2025-07-09, 2025-07-09, 0", m["as_of"], m["authorized_until"], m["days_remaining"])
	}
	out, _, err = runCLI(t, h, "check", "--json", "--as-of", "2025-07-10", "-")
	if got := exitCode(err); got != 3 {
		t.Fatalf("the day after the last: exit %d (%v), want 3", got, err)
	}
	if m := decodeObject(t, out); m["overstay_days"] != 1.0 {
		t.Errorf("overstay_days = %v, want 1", m["overstay_days"])
	}
	// A history's own as_of wins over --as-of.
	out, _, err = runCLI(t, "", "check", "--json", "--as-of", "2030-01-01", example)
	if err != nil {
		t.Fatal(err)
	}
	if m := decodeObject(t, out); m["as_of"] != "2026-11-10" {
		t.Errorf("as_of = %v, want the file's 2026-11-10", m["as_of"])
	}
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"lawful", []string{"check", "testdata/cn-lawful.yaml"}, 0},
		{"absent", []string{"check", "testdata/us-bar.yaml"}, 0},
		{"overstay", []string{"check", "testdata/cn-overstay.yaml"}, 3},
		{"overstay json", []string{"check", "--json", "testdata/cn-overstay.yaml"}, 3},
		{"pending", []string{"check", "testdata/report-pending.yaml"}, 4},
		{"pending json", []string{"check", "--json", "testdata/report-pending.yaml"}, 4},
		{"no command", nil, 2},
		{"unknown command", []string{"chekc"}, 2},
		{"unknown flag", []string{"check", "--jsno", example}, 2},
		{"bad --as-of", []string{"check", "--as-of", "2024-02-30", example}, 2},
		{"check without a file", []string{"check"}, 2},
		{"check with two files", []string{"check", example, example}, 2},
		{"batch with two files", []string{"check", "--batch", example, example}, 2},
		{"plan without --enter", []string{"plan", example}, 2},
		{"plan bad --enter", []string{"plan", "--enter", "tomorrow", example}, 2},
		{"plan without a file", []string{"plan", "--enter", "2026-12-01"}, 2},
		{"rules without a subcommand", []string{"rules"}, 2},
		{"rules unknown subcommand", []string{"rules", "lsit"}, 2},
		{"rules show without an id", []string{"rules", "show"}, 2},
		{"rules validate without files", []string{"rules", "validate"}, 2},
		{"missing file", []string{"check", "testdata/no-such-file.yaml"}, 1},
		{"invalid history", []string{"check", "--as-of", "2024-01-01", "-"}, 1},
		{"rules show unknown pack", []string{"rules", "show", "no-such-pack"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, "grants: []\n", tt.args...)
			if got := status(err); got != tt.want {
				t.Errorf("run %q: exit status %d (error %v), want %d", tt.args, got, err, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	out, _, err := runCLI(t, "", "help")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "visaclock check") || !strings.Contains(out, "Exit status") {
		t.Errorf("help output:\n%s", out)
	}
	_, errOut, err := runCLI(t, "")
	if exitCode(err) != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("no command: exit %d, stderr %q; want 2 and the usage", exitCode(err), errOut)
	}
}

var planKeys = []string{"enter", "latest_exit", "max_stay_days", "earliest_entry", "latest_exit_with_extensions", "schedule"}

func TestPlanJSON(t *testing.T) {
	out, _, err := runCLI(t, "", "plan", "--enter", "2024-03-01", "--json", "testdata/cn-plan.yaml")
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	m := decodeObject(t, out)
	requireKeys(t, "plan", m, planKeys...)
	// 30 days from the day after entry; one extension may add the original
	// 30 days again, filed no later than 7 days before the stay ends.
	for k, want := range map[string]any{
		"enter": "2024-03-01", "latest_exit": "2024-03-31", "max_stay_days": 31.0,
		"earliest_entry": nil, "latest_exit_with_extensions": "2024-04-30",
	} {
		if got := m[k]; got != want {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	sched, ok := m["schedule"].([]any)
	if !ok || len(sched) != 1 {
		t.Fatalf("schedule = %#v, want one filing", m["schedule"])
	}
	f, _ := sched[0].(map[string]any)
	for k, want := range map[string]any{"file_by": "2024-03-24", "request_days": 30.0, "authorized_until": "2024-04-30", "rule": "cn-stay-extension"} {
		if got := f[k]; got != want {
			t.Errorf("schedule[0].%s = %#v, want %#v", k, got, want)
		}
	}
}

func TestPlanSchengenNotPossible(t *testing.T) {
	out, _, err := runCLI(t, "", "plan", "--enter", "2024-05-01", "--json", "testdata/schengen-full.yaml")
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	m := decodeObject(t, out)
	requireKeys(t, "plan", m, planKeys...)
	if got := m["max_stay_days"]; got != 0.0 {
		t.Errorf("max_stay_days = %#v, want 0", got)
	}
	if got := m["latest_exit"]; got != nil {
		t.Errorf("latest_exit = %#v, want null", got)
	}
	ee, ok := m["earliest_entry"].(map[string]any)
	if !ok {
		t.Fatalf("earliest_entry = %#v, want {date, stay_days}", m["earliest_entry"])
	}
	if ee["date"] != "2024-06-29" || ee["stay_days"] != 90.0 {
		t.Errorf("earliest_entry = %#v, want {date: 2024-06-29, stay_days: 90}", ee)
	}
	if s, ok := m["schedule"].([]any); !ok || len(s) != 0 {
		t.Errorf("schedule = %#v, want an empty list", m["schedule"])
	}

	// The earliest entry itself is possible, for 90 days.
	out, _, err = runCLI(t, "", "plan", "--enter", "2024-06-29", "--json", "testdata/schengen-full.yaml")
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	m = decodeObject(t, out)
	if m["max_stay_days"] != 90.0 || m["latest_exit"] != "2024-09-26" || m["earliest_entry"] != nil {
		t.Errorf("entry on 2024-06-29: max_stay_days %v, latest_exit %v, earliest_entry %v; want 90, 2024-09-26, null",
			m["max_stay_days"], m["latest_exit"], m["earliest_entry"])
	}

	out, _, err = runCLI(t, "", "plan", "--enter", "2024-05-01", "testdata/schengen-full.yaml")
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	for _, want := range []string{"would not be lawful", "earliest entry     2024-06-29, for up to 90 days"} {
		if !strings.Contains(out, want) {
			t.Errorf("text plan does not contain %q:\n%s", want, out)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	_, _, err := runCLI(t, "", "plan", "--enter", "2024-02-15", "testdata/schengen-full.yaml")
	if err == nil || !strings.Contains(err.Error(), "--enter") || !strings.Contains(err.Error(), "within a recorded trip") {
		t.Errorf("entry inside a trip: error %v, want one naming --enter", err)
	}
	const twoGrants = "as_of: 2024-01-01\ngrants:\n  - {id: a, rule: schengen-short-stay}\n  - {id: b, rule: uk-standard-visitor}\ntrips: []\n"
	_, _, err = runCLI(t, twoGrants, "plan", "--enter", "2024-02-15", "-")
	if err == nil || !strings.Contains(err.Error(), "--grant") || !strings.Contains(err.Error(), "accepted: a, b") {
		t.Errorf("two grants and no --grant: error %v, want one naming --grant and the ids", err)
	}
	out, _, err := runCLI(t, twoGrants, "plan", "--enter", "2024-02-15", "--grant", "b", "--json", "-")
	if err != nil {
		t.Fatalf("--grant b: %v", err)
	}
	if m := decodeObject(t, out); m["latest_exit"] != "2024-08-14" || m["rule"] != "uk-standard-visitor" {
		t.Errorf("--grant b: latest_exit %v rule %v, want 2024-08-14 under uk-standard-visitor", m["latest_exit"], m["rule"])
	}
	// A history error found by the planner still names its line.
	const bad = "as_of: 2024-01-01\ngrants:\n  - {id: a, rule: schengen-short-stay}\ntrips:\n  - entry: 2023-03-10\n    exit: 2023-03-01\n"
	_, _, err = runCLI(t, bad, "plan", "--enter", "2024-02-15", "-")
	if err == nil || !strings.Contains(err.Error(), "trips[0].exit") || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("exit before entry: error %v, want trips[0].exit and line 6", err)
	}
}

func TestCheckBatch(t *testing.T) {
	lines := []string{
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-01"}]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-01","exti":"2024-03-05"}]}`,
		`{"as_of":"2024-04-05","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-01"}]}`,
	}
	out, _, err := runCLI(t, strings.Join(lines, "\n")+"\n", "check", "--batch")
	if err != nil {
		t.Fatalf("check --batch: %v (a batch reports problems per line and succeeds)", err)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != 3 {
		t.Fatalf("got %d output lines, want 3:\n%s", len(got), out)
	}
	first := decodeObject(t, got[0])
	requireKeys(t, "line 1", first, evaluationKeys...)
	if first["state"] != "lawful" || first["authorized_until"] != "2024-03-31" {
		t.Errorf("line 1: state %v until %v, want lawful until 2024-03-31", first["state"], first["authorized_until"])
	}
	e := decodeObject(t, got[1])
	if len(e) != 3 {
		t.Errorf("line 2 = %s, want exactly line, error and path", got[1])
	}
	if e["line"] != 2.0 || e["path"] != "trips[0].exti" {
		t.Errorf("line 2 = %s, want line 2 and path trips[0].exti", got[1])
	}
	if msg, _ := e["error"].(string); !strings.Contains(msg, `unknown field "exti"`) {
		t.Errorf("line 2 error = %q, want it to name the unknown field", msg)
	}
	third := decodeObject(t, got[2])
	requireKeys(t, "line 3", third, evaluationKeys...)
	if third["state"] != "overstay" || third["overstay_days"] != 5.0 || third["as_of"] != "2024-04-05" {
		t.Errorf("line 3: state %v overstay_days %v as_of %v, want overstay, 5, 2024-04-05", third["state"], third["overstay_days"], third["as_of"])
	}
}

// Many lines come back in input order, one output line for each input line
// (a blank one gets an error line, so that output line N answers input line
// N), and errors found after decoding (here by Prepare) carry their path too.
func TestCheckBatchOrder(t *testing.T) {
	var in strings.Builder
	const n = 300
	for i := range n {
		switch {
		case i == 10:
			in.WriteString("\n")
		case i%7 == 3:
			fmt.Fprintf(&in, `{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-0%d","exit":"2024-03-01"}]}`+"\n", 2+i%8)
		default:
			fmt.Fprintf(&in, `{"grants":[{"id":"q2","rule":"cn-family-visit","stay_days":%d}],"trips":[{"entry":"2024-03-01"}]}`+"\n", 1+i%150)
		}
	}
	out, _, err := runCLI(t, in.String(), "check", "--batch", "--as-of", "2024-03-02")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != n {
		t.Fatalf("got %d lines, want %d", len(got), n)
	}
	k := 0
	for i := range n {
		m := decodeObject(t, got[k])
		k++
		if i == 10 {
			if m["line"] != float64(11) || !strings.Contains(fmt.Sprint(m["error"]), "empty line") {
				t.Errorf("the blank line 11: got %s", got[k-1])
			}
			continue
		}
		if i%7 == 3 {
			if m["line"] != float64(i+1) || m["path"] != "trips[0].exit" {
				t.Errorf("input line %d: got %s, want an error for line %d at trips[0].exit", i+1, got[k-1], i+1)
			}
			continue
		}
		// Entry 2024-03-01 with a stay of s days ends on 2024-03-01 + s.
		s := 1 + i%150
		if m["state"] != "lawful" || m["as_of"] != "2024-03-02" {
			t.Errorf("input line %d: state %v as_of %v, want lawful on 2024-03-02", i+1, m["state"], m["as_of"])
		}
		if want := float64(s - 1); m["days_remaining"] != want {
			t.Errorf("input line %d (stay_days %d): days_remaining %v, want %v", i+1, s, m["days_remaining"], want)
		}
	}
}

func TestCheckBatchFile(t *testing.T) {
	p := writeFile(t, "batch.jsonl", "{\"as_of\":\"2025-03-01\",\"grants\":[{\"id\":\"v\",\"rule\":\"uk-standard-visitor\"}],\"trips\":[{\"entry\":\"2025-01-10\"}]}\nnot json\n")
	out, _, err := runCLI(t, "", "check", "--batch", p)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(got), out)
	}
	if m := decodeObject(t, got[0]); m["authorized_until"] != "2025-07-09" {
		t.Errorf("line 1: authorized_until %v, want 2025-07-09", m["authorized_until"])
	}
	if m := decodeObject(t, got[1]); m["line"] != 2.0 || m["error"] == "" {
		t.Errorf("line 2: %s, want an error for line 2", got[1])
	}
}

func embeddedPack(t *testing.T, id string) *packs.File {
	t.Helper()
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	f, ok := reg.File(id)
	if !ok {
		t.Fatalf("no embedded pack %s", id)
	}
	return f
}

var packIDs = []string{"cn-240-hour-transit", "cn-dprk-border-pass", "cn-family-visit", "cn-family-visit-2019-report", "cn-visa-free-unilateral", "schengen-short-stay", "uk-standard-visitor", "us-visitor"}

func TestRulesList(t *testing.T) {
	out, _, err := runCLI(t, "", "rules", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(packIDs) {
		t.Fatalf("rules list gave %d lines, want %d:\n%s", len(lines), len(packIDs), out)
	}
	for i, id := range packIDs {
		if f := strings.Fields(lines[i]); len(f) == 0 || f[0] != id {
			t.Errorf("line %d = %q, want pack %s first", i+1, lines[i], id)
		}
	}
	if !strings.Contains(lines[3], "report, not law") {
		t.Errorf("the report pack is not marked: %q", lines[3])
	}
	if strings.Contains(lines[0], "report, not law") {
		t.Errorf("the statute pack is marked as a report: %q", lines[0])
	}
}

func TestRulesShow(t *testing.T) {
	out, _, err := runCLI(t, "", "rules", "show", "schengen-short-stay")
	if err != nil {
		t.Fatal(err)
	}
	n := len(embeddedPack(t, "schengen-short-stay").Tests)
	for _, want := range []string{"2016/399", "Rolling window: 90 days in any 180", "sbc-art-6-90-180", fmt.Sprintf("Worked examples: %d\n", n)} {
		if !strings.Contains(out, want) {
			t.Errorf("rules show schengen-short-stay does not contain %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "disagrees") {
		t.Errorf("a statute pack shows disagreements:\n%s", out)
	}

	out, _, err = runCLI(t, "", "rules", "show", "cn-family-visit-2019-report")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"source: report",
		"Where this report disagrees with the statute:",
		"Total extension",
		"Filing deadline",
		"What is extended",
		"report:  can legally extend their visa up to three times",
		"statute: ",
		"Daily NK",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rules show cn-family-visit-2019-report does not contain %q:\n%s", want, out)
		}
	}
	if got := strings.Count(out, "    report:  "); got != 4 {
		t.Errorf("%d disagreements shown, want 4", got)
	}

	_, _, err = runCLI(t, "", "rules", "show", "nowhere")
	if err == nil || !strings.Contains(err.Error(), `unknown pack "nowhere"`) || !strings.Contains(err.Error(), "schengen-short-stay") {
		t.Errorf("unknown pack: error %v, want it to list the accepted ids", err)
	}
}

func TestRulesValidate(t *testing.T) {
	// Good copies of every embedded pack.
	dir := t.TempDir()
	var good []string
	for _, id := range packIDs {
		data, err := os.ReadFile(filepath.Join("..", "..", "internal", "packs", "data", id+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, id+".yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		good = append(good, p)
	}
	out, _, err := runCLI(t, "", append([]string{"rules", "validate"}, good...)...)
	if err != nil {
		t.Fatalf("validate good copies: %v\n%s", err, out)
	}
	if got := strings.Count(out, ": ok: pack "); got != len(packIDs) {
		t.Errorf("%d packs reported ok, want %d:\n%s", got, len(packIDs), out)
	}
	sch := embeddedPack(t, "schengen-short-stay")
	if want := fmt.Sprintf("schengen-short-stay %s, %d worked examples pass", sch.Version, len(sch.Tests)); !strings.Contains(out, want) {
		t.Errorf("output does not count the Schengen examples:\n%s", out)
	}

	t.Run("wrong expected answer", func(t *testing.T) {
		out, _, err := runCLI(t, "", "rules", "validate", "testdata/packs/wrong-answer.yaml")
		if err == nil || exitCode(err) != 1 {
			t.Fatalf("validate: error %v, want failure with exit status 1", err)
		}
		for _, want := range []string{
			`test "arrival on 10 January wrongly expected to end on 10 July"`,
			`authorized_until: got "2025-07-09", want 2025-07-10`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not contain %q:\n%s", want, out)
			}
		}
		if !strings.Contains(err.Error(), "1 of 1 files failed") {
			t.Errorf("error %q, want a count of failed files", err)
		}
	})
	t.Run("missing citation", func(t *testing.T) {
		out, _, err := runCLI(t, "", "rules", "validate", "testdata/packs/missing-citation.yaml")
		if err == nil {
			t.Fatal("validate passed a pack whose stay rule has no citation")
		}
		// The citation is absent: the line is that of its parent's key,
		// stay:, on line 8.
		for _, want := range []string{"stay.citation", "line 8", "required"} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not contain %q:\n%s", want, out)
			}
		}
	})
	t.Run("blank citation", func(t *testing.T) {
		out, _, err := runCLI(t, "", "rules", "validate", "testdata/packs/empty-citation.yaml")
		if err == nil {
			t.Fatal("validate passed a pack whose entries rule has a blank citation")
		}
		for _, want := range []string{"entries.citation", "line 17", "required"} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not contain %q:\n%s", want, out)
			}
		}
	})
	t.Run("a new pack runs its examples against itself", func(t *testing.T) {
		p := writeFile(t, "test-visitor.yaml", testVisitorPack)
		out, _, err := runCLI(t, "", "rules", "validate", p)
		if err != nil {
			t.Fatalf("validate: %v\n%s", err, out)
		}
		if !strings.Contains(out, "ok: pack test-visitor 1, 1 worked examples pass") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("a changed copy of an embedded pack runs against the copy", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("..", "..", "internal", "packs", "data", "uk-standard-visitor.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		// Three months instead of six: 10 January to 9 April. Only the
		// pack's first two worked examples are kept, the ones this test
		// knows how the change moves.
		s := string(data)
		if first := strings.Index(s, "\n  - name: "); first >= 0 {
			if second := strings.Index(s[first+1:], "\n  - name: "); second >= 0 {
				if third := strings.Index(s[first+1+second+1:], "\n  - name: "); third >= 0 {
					s = s[:first+1+second+1+third+1]
				}
			}
		}
		for _, r := range [][2]string{
			{"  length: 6\n", "  length: 3\n"},
			{"  max_length: 6\n", "  max_length: 3\n"},
			{"as_of: 2025-07-09", "as_of: 2025-04-09"},
			{"authorized_until: 2025-07-09", "authorized_until: 2025-04-09"},
			{"date: 2025-07-09", "date: 2025-04-09"},
		} {
			if !strings.Contains(s, r[0]) {
				t.Fatalf("the UK pack no longer contains %q", r[0])
			}
			s = strings.Replace(s, r[0], r[1], 1)
		}
		p := writeFile(t, "uk3.yaml", s)
		out, _, err := runCLI(t, "", "rules", "validate", p)
		// The changed example passes, and the unchanged 40-day overstay
		// example now fails: 10 January + 3 months ends on 9 April, so
		// leaving on 18 August is 131 days over. (Against the embedded pack
		// it would be the other way round.)
		if err == nil {
			t.Fatalf("validate passed; want the 40-day example to fail\n%s", out)
		}
		if !strings.Contains(out, `test "a 40-day overstay in 2025 risks a ban of 1 to 10 years": overstay_days: got 131, want 40`) {
			t.Errorf("output:\n%s", out)
		}
		s = strings.Replace(s, "overstay_days: 40", "overstay_days: 131", 1)
		p = writeFile(t, "uk3b.yaml", s)
		if out, _, err := runCLI(t, "", "rules", "validate", p); err != nil || !strings.Contains(out, "2 worked examples pass") {
			t.Errorf("validate with 131 days: %v\n%s", err, out)
		}
	})
	t.Run("good and bad together", func(t *testing.T) {
		out, _, err := runCLI(t, "", "rules", "validate", good[0], "testdata/packs/wrong-answer.yaml", "testdata/packs/no-such.yaml")
		if err == nil || !strings.Contains(err.Error(), "2 of 3 files failed") {
			t.Errorf("error %v, want 2 of 3 files failed", err)
		}
		if !strings.Contains(out, good[0]+": ok") || !strings.Contains(out, "no-such.yaml") {
			t.Errorf("output does not report each file:\n%s", out)
		}
	})
}

const testVisitorPack = `id: test-visitor
version: "1"
title: Test visitor, 10 days counting the day of entry
jurisdiction: Testland
source: law
summary: Ten days.
stay: {rule: test-ten-days, citation: "Test Act s. 1", unit: days, length: 10, entry_day_counts: true}
tests:
  - name: ten days from 1 March end on 10 March
    source: "Test Act s. 1"
    history:
      as_of: 2024-03-01
      grants: [{id: t, rule: test-visitor}]
      trips: [{entry: 2024-03-01}]
    expect: {state: lawful, authorized_until: 2024-03-10}
`

// --rules DIR adds packs; their worked examples run when they load.
func TestExtraRulesDir(t *testing.T) {
	dir := t.TempDir()
	pack := testVisitorPack
	if err := os.WriteFile(filepath.Join(dir, "test-visitor.yaml"), []byte(pack), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "", "rules", "list", "--rules", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "test-visitor") || !strings.Contains(out, "schengen-short-stay") {
		t.Errorf("rules list --rules: %s", out)
	}
	const h = "as_of: 2024-03-05\ngrants: [{id: t, rule: test-visitor}]\ntrips: [{entry: 2024-03-01}]\n"
	out, _, err = runCLI(t, h, "check", "--json", "--rules", dir, "-")
	if err != nil {
		t.Fatal(err)
	}
	if m := decodeObject(t, out); m["authorized_until"] != "2024-03-10" || m["days_remaining"] != 5.0 {
		t.Errorf("authorized_until %v days_remaining %v, want 2024-03-10 and 5", m["authorized_until"], m["days_remaining"])
	}
	// Without --rules the pack is unknown.
	_, _, err = runCLI(t, h, "check", "-")
	if err == nil || !strings.Contains(err.Error(), "grants[0].rule") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("without --rules: error %v, want grants[0].rule on line 2", err)
	}
	// A pack whose example fails does not load.
	bad := strings.Replace(pack, "authorized_until: 2024-03-10", "authorized_until: 2024-03-11", 1)
	if err := os.WriteFile(filepath.Join(dir, "test-visitor.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, h, "check", "--rules", dir, "-")
	if err == nil || !strings.Contains(err.Error(), "ten days from 1 March end on 10 March") {
		t.Errorf("failing example: error %v, want it to name the test", err)
	}
}

// Every input error names the field path and the line it is on.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		path string
		line int
		msg  string
	}{
		{
			name: "exit before entry",
			doc: `as_of: 2024-05-01
grants:
  - id: v
    rule: cn-family-visit
    stay_days: 30
trips:
  - entry: 2024-03-10
    exit: 2024-03-01
`,
			path: "trips[0].exit", line: 8, msg: "is before the entry 2024-03-10",
		},
		{
			name: "overlapping trips",
			doc: `as_of: 2024-05-01
grants:
  - id: v
    rule: schengen-short-stay
trips:
  - entry: 2024-03-01
    exit: 2024-03-10
  - entry: 2024-03-05
    exit: 2024-03-20
`,
			path: "trips[1].entry", line: 8, msg: "overlaps trips[0]",
		},
		{
			name: "second trip starts before an open trip ends",
			doc: `as_of: 2024-05-01
grants:
  - id: v
    rule: schengen-short-stay
trips:
  - entry: 2024-03-01
  - entry: 2024-04-05
    exit: 2024-04-20
`,
			path: "trips[0].exit", line: 6, msg: "only the last trip may be open",
		},
		{
			name: "extension for a grant never used",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: us-visitor
    admit_until: 2024-06-01
  - id: b
    rule: us-visitor
    admit_until: 2024-07-01
trips:
  - entry: 2024-03-01
    grant: a
extensions:
  - grant: b
    filed: 2024-03-10
    outcome: pending
`,
			path: "extensions[0].grant", line: 13, msg: `grant "b" is never used by a trip`,
		},
		{
			name: "extension filed outside any trip",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: us-visitor
    admit_until: 2024-06-01
trips:
  - entry: 2024-03-01
    exit: 2024-03-05
extensions:
  - filed: 2024-03-10
    outcome: pending
`,
			path: "extensions[0].filed", line: 10, msg: "is not during any trip",
		},
		{
			name: "unknown rule pack",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: nowhere-visa
trips: []
`,
			path: "grants[0].rule", line: 4, msg: `unknown rule pack "nowhere-visa"`,
		},
		{
			name: "unknown field",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
trips:
  - entry: 2024-03-01
    exti: 2024-03-05
`,
			path: "trips[0].exti", line: 7, msg: `unknown field "exti"; accepted here: entry, exit, grant`,
		},
		{
			name: "date that does not exist",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
trips:
  - entry: 2024-02-30
`,
			path: "trips[0].entry", line: 6, msg: "day 30 does not exist in 2024-02",
		},
		{
			name: "number where a date is expected",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
trips:
  - entry: 20240301
`,
			path: "trips[0].entry", line: 6, msg: "YYYY-MM-DD",
		},
		{
			name: "number as_of",
			doc: `grants:
  - id: a
    rule: schengen-short-stay
trips: []
as_of: 2024
`,
			path: "as_of", line: 5, msg: "YYYY-MM-DD",
		},
		{
			name: "duplicate grant id",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
  - id: a
    rule: uk-standard-visitor
trips: []
`,
			path: "grants[1].id", line: 5, msg: "ids must be unique",
		},
		{
			name: "stay_days above the pack's maximum",
			doc: `as_of: 2024-05-01
grants:
  - id: q2
    rule: cn-family-visit
    stay_days: 181
trips: []
`,
			path: "grants[0].stay_days", line: 5, msg: "exceeds the 180 days",
		},
		{
			name: "granted extension without a decision date",
			doc: `as_of: 2024-05-01
grants:
  - {id: q2, rule: cn-family-visit, stay_days: 30}
trips:
  - entry: 2024-03-01
extensions:
  - filed: 2024-03-20
    outcome: granted
    granted_days: 30
`,
			path: "extensions[0].decided", line: 7, msg: "required for a granted application",
		},
		{
			name: "duplicate key",
			doc: `as_of: 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
trips:
  - entry: 2024-03-01
    entry: 2024-03-02
`,
			path: "trips[0].entry", line: 7, msg: "given twice",
		},
		{
			name: "alias",
			doc: `as_of: &d 2024-05-01
grants:
  - id: a
    rule: schengen-short-stay
trips:
  - entry: *d
`,
			path: "as_of", line: 1, msg: "aliases are not accepted",
		},
		{
			name: "json file",
			doc: `{
  "as_of": "2024-05-01",
  "grants": [{"id": "a", "rule": "schengen-short-stay"}],
  "trips": [
    {"entry": "2024-03-01", "exit": "2024-03-10"},
    {"entry": "2024-04-01",
     "exit": "2024-03-20"}
  ]
}
`,
			path: "trips[1].exit", line: 7, msg: "is before the entry 2024-04-01",
		},
		{
			name: "json unknown field",
			doc: `{
  "as_of": "2024-05-01",
  "grants": [
    {"id": "a", "rule": "schengen-short-stay", "valid": "2024-01-01"}
  ],
  "trips": []
}
`,
			path: "grants[0].valid", line: 4, msg: `unknown field "valid"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "history.yaml"
			if strings.HasPrefix(tt.doc, "{") {
				name = "history.json"
			}
			p := writeFile(t, name, tt.doc)
			_, _, err := runCLI(t, "", "check", "--json", p)
			if err == nil {
				t.Fatal("check accepted the history")
			}
			if got := exitCode(err); got != 1 {
				t.Errorf("exit status %d, want 1", got)
			}
			msg := err.Error()
			for _, want := range []string{p + ": ", fmt.Sprintf("line %d: ", tt.line), tt.path + ": ", tt.msg} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			// The same problem read from standard input reads the same.
			_, _, err = runCLI(t, tt.doc, "check", "-")
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d: %s: ", tt.line, tt.path)) {
				t.Errorf("from stdin: error %v, want line %d and %s", err, tt.line, tt.path)
			}
		})
	}
}

// check --batch reads JSON lines by a faster path than check; both must give
// the same answers, and the same errors.
func TestBatchAgreesWithCheck(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, examples...)
	if len(files) < 10 {
		t.Fatalf("found only %d histories", len(files))
	}
	var lines, want []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var h stay.History
		if _, err := document.Decode(data, &h); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		b, err := json.Marshal(&h)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
		out, _, err := runCLI(t, "", "check", "--json", "--as-of", "2026-01-15", f)
		if c := status(err); c != 0 && c != 3 && c != 4 {
			t.Fatalf("check %s: %v", f, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(out)); err != nil {
			t.Fatal(err)
		}
		want = append(want, compact.String())
	}
	bad := []string{
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-01","exti":"2024-03-05"}]}`,
		`{"As_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","Stay_days":30}],"trips":[]}`,
		`{"as_of":"2024-02-30","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":"30"}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30.5}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":20240301}]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2024-03-05","exit":"2024-03-01"}]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit"}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"nowhere"}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30,"entries":0}],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[],"trips":[]}`,
		`{"as_of":"2024-03-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[]} x`,
		`[1, 2]`,
		`null`,
		`{as_of: 2024-03-10, grants: [{id: q2, rule: cn-family-visit, stay_days: 30}], trips: [{entry: 2024-03-01}]}`,
	}
	in := strings.Join(lines, "\n") + "\n" + strings.Join(bad, "\n") + "\n"
	out, _, err := runCLI(t, in, "check", "--batch", "--explain", "full", "--as-of", "2026-01-15")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(lines)+len(bad) {
		t.Fatalf("got %d lines, want %d", len(got), len(lines)+len(bad))
	}
	for i := range lines {
		if got[i] != want[i] {
			t.Errorf("%s: batch and check differ:\nbatch: %s\ncheck: %s", files[i], got[i], want[i])
		}
	}
	for j, line := range bad {
		n := len(lines) + j
		b := got[n]
		chk, _, cerr := runCLI(t, line, "check", "--json", "--as-of", "2026-01-15", "-")
		if status(cerr) != 1 {
			// Accepted by check: batch must give the same evaluation.
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(chk)); err != nil {
				t.Fatalf("line %q: check gave %v and %q", line, cerr, chk)
			}
			if b != compact.String() {
				t.Errorf("line %q: batch and check differ:\nbatch: %s\ncheck: %s", line, b, compact.String())
			}
			continue
		}
		m := decodeObject(t, b)
		if m["line"] != float64(n+1) {
			t.Errorf("line %q: batch gave %s, want an error for line %d", line, b, n+1)
			continue
		}
		msg, _ := m["error"].(string)
		path, _ := m["path"].(string)
		if path != "" {
			msg = path + ": " + msg
		}
		if !strings.HasSuffix(cerr.Error(), msg) {
			t.Errorf("line %q: batch error %q, check error %q", line, msg, cerr)
		}
	}
}

// TestCheckLang: --lang prints the answer in the reader's language, in the
// statute's own terms for Chinese (非法居留, EEAL Art. 78) and with the
// next actions first; an unknown language or --lang with --json is a usage
// error that says what is accepted.
func TestCheckLang(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"2024年4月5日", "非法居留", "下一步怎么办:", "1. 停留期限已经届满", "可能产生的后果:", "0至2500元", "依据:"}},
		{"ko", []string{"2024년 4월 5일", "해야 할 일:", "체류기간이 끝났습니다", "근거:"}},
		{"ko-KP", []string{"해야 할 일:"}},
		{"en", []string{"Overstaying since 1 Apr 2024", "What to do:", "1. Your stay has run out"}},
	} {
		out, _, err := runCLI(t, "", "check", "--lang", tt.lang, "testdata/cn-overstay.yaml")
		if status(err) != 3 {
			t.Errorf("--lang %s: exit %d (%v), want 3", tt.lang, status(err), err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("--lang %s: output lacks %q:\n%s", tt.lang, w, out)
			}
		}
		if i, j := strings.Index(out, "\n  1. "), strings.Index(out, "\n   1. "); i < 0 || j < 0 || i > j {
			t.Errorf("--lang %s: the next actions do not come before the explanation:\n%s", tt.lang, out)
		}
	}
	for _, args := range [][]string{{"check", "--lang", "fr", "testdata/cn-overstay.yaml"}, {"check", "--json", "--lang", "zh", "testdata/cn-overstay.yaml"}} {
		_, _, err := runCLI(t, "", args...)
		if status(err) != 2 || !strings.Contains(err.Error(), "--lang") {
			t.Errorf("%v: %v (exit %d), want a usage error about --lang", args, err, status(err))
		}
	}
}
