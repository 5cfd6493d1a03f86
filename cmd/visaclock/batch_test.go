package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckExplain: --explain full makes a batch line what check --json
// writes; the batch default is compact, with the citations said once; a
// level that does not exist, or --explain without JSON, is a usage error.
func TestCheckExplain(t *testing.T) {
	const line = `{"as_of":"2024-04-10","grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2024-01-01","exit":"2024-03-01"},{"entry":"2024-04-01"}]}`
	full, _, err := runCLI(t, line+"\n", "check", "--batch", "--explain", "full")
	if err != nil {
		t.Fatal(err)
	}
	chk, _, err := runCLI(t, line, "check", "--json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(chk)); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(full, "\n"); got != want.String() {
		t.Errorf("--batch --explain full:\n got %s\nwant %s", got, want.String())
	}
	compact, _, err := runCLI(t, line+"\n", "check", "--batch")
	if err != nil {
		t.Fatal(err)
	}
	m := decodeObject(t, compact)
	cites, _ := m["citations"].(map[string]any)
	if m["explain"] != "compact" || cites["sbc-art-6-90-180"] == nil || strings.Contains(compact, `"citation":`) {
		t.Errorf("--batch default is not compact: %s", compact)
	}
	if len(compact) >= len(full) {
		t.Errorf("compact (%d bytes) is no shorter than full (%d)", len(compact), len(full))
	}
	none, _, err := runCLI(t, line, "check", "--json", "--explain", "none", "-")
	if err != nil {
		t.Fatal(err)
	}
	if m := decodeObject(t, none); m["explanation"] != nil || m["explain"] != "none" {
		t.Errorf("--explain none: %s", none)
	}
	for _, args := range [][]string{{"check", "--batch", "--explain", "brief"}, {"check", "--explain", "compact", "-"}} {
		if _, _, err := runCLI(t, line, args...); status(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
