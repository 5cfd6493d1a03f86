package packs

import (
	"strings"
	"testing"
)

func TestEmbeddedPacksLoadAndPassTheirExamples(t *testing.T) {
	r, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cn-family-visit", "cn-family-visit-2019-report", "schengen-short-stay", "uk-standard-visitor", "us-visitor"}
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
