package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"visaclock/internal/date"
	"visaclock/internal/packs"
)

var schengenSample = flag.String("write-schengen-sample", "", "write 100,000 twenty-trip Schengen histories (the issue 11 input) to this file")

// schengenInput makes n JSON-lines histories of twenty Schengen trips each,
// drawn from a fixed seed: stays of 2 to 15 days with gaps of 10 to 45, so
// that a few histories breach the 90/180 window and most do not; the
// evaluation date falls after the last trip, or inside it for one in four.
func schengenInput(n int) []byte {
	r := rand.New(rand.NewPCG(11, 11))
	var b bytes.Buffer
	b.Grow(n * 1000)
	day := func(d int) string { // days after 2020-01-01, as YYYY-MM-DD
		y, m := 2020, 1
		for {
			ml := [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
			if m == 2 && y%4 == 0 {
				ml = 29
			}
			if d < ml {
				return fmt.Sprintf("%04d-%02d-%02d", y, m, d+1)
			}
			d -= ml
			if m++; m > 12 {
				y, m = y+1, 1
			}
		}
	}
	for range n {
		d := r.IntN(400)
		b.WriteString(`{"grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[`)
		var lastEntry, lastExit int
		for k := range 20 {
			if k > 0 {
				b.WriteByte(',')
			}
			lastEntry, lastExit = d, d+1+r.IntN(14)
			fmt.Fprintf(&b, `{"entry":%q,"exit":%q}`, day(lastEntry), day(lastExit))
			d = lastExit + 10 + r.IntN(36)
		}
		asOf := lastExit + 1 + r.IntN(30)
		if r.IntN(4) == 0 {
			asOf = lastEntry + (lastExit-lastEntry)/2
		}
		fmt.Fprintf(&b, `],"as_of":%q}`+"\n", day(asOf))
	}
	return b.Bytes()
}

// TestSchengenSample writes the issue 11 input when -write-schengen-sample
// is given.
func TestSchengenSample(t *testing.T) {
	if *schengenSample == "" {
		t.Skip("no -write-schengen-sample")
	}
	if err := os.WriteFile(*schengenSample, schengenInput(100000), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBatchSchengen100k runs check --batch over the issue 11 input in
// process: 100,000 twenty-trip Schengen histories.
func BenchmarkBatchSchengen100k(b *testing.B) {
	in := schengenInput(100000)
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
