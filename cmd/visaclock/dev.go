package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/stay"
	"visaclock/internal/synth"
)

func runDevSeed(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dev seed", stderr)
	n := fs.Int("n", 1000, "how many synthetic cases to add")
	seed := fs.Uint64("seed", 1, "random seed, for repeatable caseloads")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return usageError{"dev seed: --n must be at least 1"}
	}
	// A bulk load touches the whole index: a large page cache.
	a, err := sf.openApp(ctx, now, appOptions{CacheMB: 512}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	today := a.Service.Today()
	// The cases go through the Service's bulk path, audited one by one as
	// the operator's, a slab at a time so that progress shows.
	const slab = 100000
	stored := 0
	for lo := 0; lo < *n; lo += slab {
		cases := func(yield func(*caseload.Case) bool) {
			for i := lo; i < min(lo+slab, *n); i++ {
				r := rand.New(rand.NewPCG(*seed, uint64(i)))
				if !yield(&caseload.Case{Reference: fmt.Sprintf("SEED-%07d", i), History: synth.History(r, today)}) {
					return
				}
			}
		}
		k, err := a.Service.CreateMany(ctx, operator(caseload.DefaultOrg), cases)
		stored += k
		if err != nil {
			return fmt.Errorf("dev seed: %d cases stored, then: %w", stored, err)
		}
		fmt.Fprintf(stderr, "%d cases stored (%s)\n", stored, time.Since(start).Round(time.Millisecond))
	}
	if err := a.Store.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d cases into %s in %s\n", stored, a.Store.Dialect(), time.Since(start).Round(time.Millisecond))
	return nil
}

// runBenchList times the working list against a seeded store: first pages
// and next pages, for the common filters and for days ahead, as a user
// would ask for them. It prints the latency distribution.
func runBenchList(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dev bench-list", stderr)
	n := fs.Int("n", 2000, "how many list queries to time")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	a, err := sf.openApp(ctx, now, appOptions{}, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st, today := a.Store, a.Service.Today()
	filters := []caseload.Filter{
		{Due: true, DueWithin: 14, States: []stay.State{stay.StateOverstay, stay.StatePending}},
		{Due: true, DueWithin: 14},
		{Due: true, DueWithin: 30, States: []stay.State{stay.StateLawful}},
		{},
	}
	lat := make([]time.Duration, 0, *n)
	rows := 0
	for i := range *n {
		f := filters[i%len(filters)]
		f.On, f.Limit = today.AddDays(i%30), 50
		start := time.Now()
		items, next, err := st.FindCases(ctx, caseload.DefaultOrg, f)
		if err != nil {
			return err
		}
		if next != "" && i%2 == 1 {
			f.Cursor = next
			more, _, err := st.FindCases(ctx, caseload.DefaultOrg, f)
			if err != nil {
				return err
			}
			items = append(items, more...)
		}
		lat = append(lat, time.Since(start))
		rows += len(items)
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Fprintf(stdout, "%s: %d list requests (%d rows): p50 %s  p90 %s  p99 %s  max %s\n",
		st.Dialect(), len(lat), rows, q(.5), q(.9), q(.99), lat[len(lat)-1])
	return nil
}
