package packs

import (
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
