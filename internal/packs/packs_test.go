package packs

import (
	"slices"
	"strings"
	"testing"

	"visaclock/internal/rules"
)

func TestEmbeddedPacksLoadAndPassTheirExamples(t *testing.T) {
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cn-240-hour-transit", "cn-dprk-border-pass", "cn-family-visit", "cn-family-visit-2019-report", "cn-visa-free-unilateral", "schengen-short-stay", "uk-standard-visitor", "us-visitor"}
	got := r.IDs()
	if len(got) != len(want) {
		t.Fatalf("packs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("packs = %v, want %v", got, want)
		}
		f, _ := r.File(want[i])
		if len(f.Tests) < 2 {
			t.Errorf("pack %s has %d worked examples, want at least 2", f.ID, len(f.Tests))
		}
	}
}

// TestWrongExampleFails proves the worked examples can fail: the same pack
// with one expected answer changed does not pass.
func TestWrongExampleFails(t *testing.T) {
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	data, err := embedded.ReadFile("data/schengen-short-stay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "overstay_days: 74", "overstay_days: 75", 1)
	if bad == string(data) {
		t.Fatal("the SEM example 6 expectation was not found")
	}
	f, err := Parse([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	err = r.With(f).RunTests(f)
	if err == nil || !strings.Contains(err.Error(), "overstay_days: got 74, want 75") {
		t.Fatalf("RunTests = %v, want an overstay_days mismatch", err)
	}
}

func TestParseNamesFieldAndLine(t *testing.T) {
	_, err := Parse([]byte("id: x\nversion: \"1\"\ntitle: t\njurisdiction: J\nsource: law\nwindow:\n  rule: w\n  length: 180\n  limit: 90\n"))
	if err == nil || !strings.Contains(err.Error(), "line 6: window.citation: required") {
		t.Fatalf("Parse = %v, want the missing citation named with its line", err)
	}
}

// TestPRCConsequencesReadAsTheStatute: the PRC packs say what EEAL Art. 78
// says (a warning; only where serious, a fine or detention), tie re-entry
// bans to a decision to repatriate or deport (Art. 62(1)(iii), 62(3),
// 81(2)-(3)) and never to leaving by oneself, list the order to leave
// within at most 15 days (Art. 81(1); Regulations Art. 33), the host
// registration duty without collecting addresses (Art. 39(2)), and name the
// office at or above county level (Art. 29(2)); the 2019-report pack
// describes what the report describes.
func TestPRCConsequencesReadAsTheStatute(t *testing.T) {
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cn-family-visit", "cn-family-visit-2019-report"} {
		p, _ := r.Lookup(id)
		o := p.Overstay
		if f := o.Fine; f == nil || !f.Discretionary || f.Alternative != "warning" {
			t.Errorf("%s: the fine is not a discretionary alternative to a warning: %+v", id, f)
		}
		if d := o.Detention; d == nil || !d.Discretionary || !strings.Contains(d.Condition, "serious") {
			t.Errorf("%s: detention is not limited to serious cases: %+v", id, d)
		}
		for _, b := range o.Bars {
			if !strings.Contains(b.Condition, "decide") || !strings.Contains(b.Condition, "Leaving by oneself brings no ban") {
				t.Errorf("%s: bar %s does not rest on a decision: %q", id, b.ID, b.Condition)
			}
		}
		if id == "cn-family-visit-2019-report" {
			if !slices.ContainsFunc(o.Notes, func(n rules.Note) bool { return strings.Contains(n.Text, "forcibly repatriate") }) {
				t.Errorf("%s: the report's own account of what follows is missing", id)
			}
			continue
		}
		if !strings.Contains(p.Extension.Citation, "县级以上") || strings.Contains(p.Extension.Citation, "8 days") {
			t.Errorf("%s: extension citation %q", id, p.Extension.Citation)
		}
		if !slices.ContainsFunc(o.Notes, func(n rules.Note) bool {
			return strings.Contains(n.Citation, "Art. 81(1)") && strings.Contains(n.Text, "限期出境") && strings.Contains(n.Text, "15 days")
		}) {
			t.Errorf("%s: the order to leave within a time limit is missing", id)
		}
		if !slices.ContainsFunc(o.Notes, func(n rules.Note) bool {
			return strings.Contains(n.Citation, "Art. 39(2)") && strings.Contains(n.Text, "never asks for addresses")
		}) {
			t.Errorf("%s: the host registration note is missing or offers to collect addresses", id)
		}
	}
}
