package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"visaclock/internal/caseload"
	"visaclock/internal/stay"
	"visaclock/internal/synth"
)

func runDev(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "bench-list" {
		return runBenchList(ctx, now, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "seed" {
		return usageError{"dev: accepted: seed, bench-list"}
	}
	fs := newFlags("dev seed", stderr)
	n := fs.Int("n", 1000, "how many synthetic cases to add")
	seed := fs.Uint64("seed", 1, "random seed, for repeatable caseloads")
	var sf storeFlags
	sf.register(fs)
	if err := parseOnlyFlags(fs, args[1:]); err != nil {
		return err
	}
	sf.opts.CacheMB = 512 // a bulk load touches the whole index
	if *n < 1 {
		return usageError{"dev seed: --n must be at least 1"}
	}
	reg, err := loadRules("")
	if err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &caseload.Service{Store: st, Lookup: reg.Lookup, Now: now}
	start := time.Now()
	today := svc.Today()

	// Workers build and evaluate batches; one writer stores them in order.
	const batch = 2000
	batches := (*n + batch - 1) / batch
	jobs := make(chan int)
	done := make(chan []*caseload.Case, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var genErr error
	var once sync.Once
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				lo, hi := b*batch, min((b+1)*batch, *n)
				cs := make([]*caseload.Case, 0, hi-lo)
				for i := lo; i < hi; i++ {
					r := rand.New(rand.NewPCG(*seed, uint64(i)))
					c := &caseload.Case{Org: caseload.DefaultOrg, Reference: fmt.Sprintf("SEED-%07d", i), History: synth.History(r, today)}
					c.ID = caseload.NewID("c_")
					c.Created, c.Updated = now().UTC(), now().UTC()
					if err := svc.Evaluate(c); err != nil {
						once.Do(func() { genErr = fmt.Errorf("case %d: %w", i, err) })
						continue
					}
					cs = append(cs, c)
				}
				done <- cs
			}
		}()
	}
	go func() {
		defer close(jobs)
		for b := range batches {
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	stored := 0
	for cs := range done {
		if err := st.CreateCases(ctx, cs, nil); err != nil {
			return err
		}
		stored += len(cs)
		if stored%100000 < len(cs) {
			fmt.Fprintf(stderr, "%d cases stored (%s)\n", stored, time.Since(start).Round(time.Millisecond))
		}
	}
	if genErr != nil {
		return genErr
	}
	if err := st.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d cases into %s in %s\n", stored, st.Dialect(), time.Since(start).Round(time.Millisecond))
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
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	today := (&caseload.Service{Now: now}).Today()
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
