package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden pins everything check and plan render, text and JSON, for the
// bundled examples and the test histories. Run with -update after an
// intended change and review the diff.
func TestGolden(t *testing.T) {
	var inputs []string
	for _, pattern := range []string{"../../examples/*.yaml", "testdata/*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, m...)
	}
	if len(inputs) < 12 {
		t.Fatalf("found %d inputs, want the examples and testdata histories", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".yaml")
		if strings.HasPrefix(in, "../") {
			name = "example-" + name
		}
		golden(t, name+".txt", "check", "--as-of", "2026-11-26", in)
		golden(t, name+".json", "check", "--json", "--as-of", "2026-11-26", in)
	}
	for _, p := range []struct{ name, file, enter string }{
		{"plan-schengen", "../../examples/schengen.yaml", "2027-03-01"},
		{"plan-schengen-too-early", "testdata/schengen-full.yaml", "2024-05-01"},
		{"plan-cn", "testdata/cn-plan.yaml", "2024-05-01"},
	} {
		golden(t, p.name+".txt", "plan", "--enter", p.enter, p.file)
		golden(t, p.name+".json", "plan", "--json", "--enter", p.enter, p.file)
	}
}

// golden runs the command and compares its output with testdata/golden/name.
// Overstay and pending exit statuses are expected answers, not failures.
func golden(t *testing.T, name string, args ...string) {
	t.Run(name, func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(context.Background(), testNow, args, strings.NewReader(""), &out, &errb)
		if code := exitCode(err); err != nil && code != 3 && code != 4 {
			t.Fatalf("%v: %v\n%s", args, err, errb.String())
		}
		path := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got := out.String(); got != string(want) {
			t.Errorf("%v differs from %s (run with -update and review the diff)\n--- got\n%s\n--- want\n%s", args, path, got, want)
		}
	})
}
