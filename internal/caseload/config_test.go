package caseload_test

import (
	"strings"
	"testing"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/packs"
)

// TestNewRefusesMissingParts: a Service without a store, rules, a clock
// or keys is refused when it is built, naming every missing part, rather
// than failing on the first request that needs one.
func TestNewRefusesMissingParts(t *testing.T) {
	_, err := caseload.New(caseload.Config{})
	if err == nil {
		t.Fatal("New(Config{}) built a Service")
	}
	for _, part := range []string{"no Store", "no Lookup", "no Now", "no Keys"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("New(Config{}) = %q; want it to say %q", err, part)
		}
	}
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC) }
	_, err = caseload.New(caseload.Config{Lookup: reg.Lookup, Now: now})
	if err == nil || strings.Contains(err.Error(), "no Lookup") || strings.Contains(err.Error(), "no Now") || !strings.Contains(err.Error(), "no Store") {
		t.Errorf("New without a store and keys = %v; want those two named, and only those", err)
	}
}
