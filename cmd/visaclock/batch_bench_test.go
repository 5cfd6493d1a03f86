package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/packs"
)

var batchSample = flag.String("write-batch-sample", "", "write the 100,000-line benchmark input to this file")

// batchInput makes n JSON-lines histories: half Schengen with six trips,
// half family-visit stays with a pending extension.
func batchInput(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		if i%2 == 0 {
			fmt.Fprintf(&b, `{"as_of":"2025-12-01","grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[`)
			for k := range 6 {
				if k > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"entry":"2025-%02d-%02d","exit":"2025-%02d-%02d"}`, 1+2*k, 1+i%9, 1+2*k, 11+i%9)
			}
			b.WriteString("]}\n")
		} else {
			fmt.Fprintf(&b, `{"as_of":"2026-11-01","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":60}],"trips":[{"entry":"2026-09-%02d"}],"extensions":[{"filed":"2026-10-20","requested_days":30,"outcome":"pending"}]}`+"\n", 1+i%20)
		}
	}
	return b.Bytes()
}

// TestBatchSample checks that the benchmark input evaluates without error,
// and writes it out when -write-batch-sample is given.
func TestBatchSample(t *testing.T) {
	in := batchInput(200)
	if *batchSample != "" {
		if err := os.WriteFile(*batchSample, batchInput(100000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := packs.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := checkBatch(context.Background(), bytes.NewReader(in), &out, reg, date.MustParse("2026-01-01")); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	if len(lines) != 200 {
		t.Fatalf("%d output lines, want 200", len(lines))
	}
	for i, l := range lines {
		if bytes.Contains(l, []byte(`"error"`)) || !bytes.HasPrefix(l, []byte(`{"as_of"`)) {
			t.Fatalf("line %d is not an evaluation: %s", i+1, l)
		}
	}
}

// BenchmarkBatch100k runs check --batch over 100,000 histories, parsing
// included.
func BenchmarkBatch100k(b *testing.B) {
	in := batchInput(100000)
	reg, err := packs.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := checkBatch(context.Background(), bytes.NewReader(in), io.Discard, reg, date.MustParse("2026-01-01")); err != nil {
			b.Fatal(err)
		}
	}
}
