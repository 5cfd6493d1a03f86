package caseload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"visaclock/internal/audit"
	"visaclock/internal/date"
	"visaclock/internal/stay"
)

// The leases background work runs under.
const (
	ReevalLease    = "reevaluate"
	RetentionLease = "retention"
)

// HolderName names this process in leases: host, process id and a random
// suffix.
func HolderName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), NewID("")[10:])
}

// Reevaluator re-evaluates, in the background, every case evaluated with
// other rule packs than the loaded ones, while the server serves.
//
// It works BatchSize cases to a transaction, in (digest, org, id) order;
// its progress is nothing but the cases' digests, so a process killed
// mid-run leaves the rest stale and the next run (here or in another
// server) does them. Across several servers on one database it works only
// while it holds the ReevalLease, which every batch's transaction checks
// and renews, so two servers never both do the work.
//
// Re-evaluation is not a user's change: a case's version and updated time
// stay as they are, and a run appends one rules.reevaluate audit entry for
// each organisation it touches, in the transaction of that organisation's
// first batch, with the count of its cases to do and the packs that
// changed (never one entry a case).
type Reevaluator struct {
	Service *Service
	// Holder names this server in the lease; empty means host, process
	// id and a random suffix.
	Holder string
	// BatchSize is how many cases a transaction stores; 0 means 1000.
	BatchSize int
	// Writers is how many batches may be written at once; 0 means 2.
	Writers int
	// Interval is how often to look for stale cases (written by a server
	// with other packs, or left by a crash) and to renew the lease; 0
	// means 10 seconds. The lease lasts three intervals, so the work a
	// killed server held resumes elsewhere, or in its restart, within
	// four.
	Interval time.Duration
	// Log receives progress: a line at the start and end of a run and
	// every few seconds between, with counts only, never case content.
	// Nil means none.
	Log *slog.Logger

	once     sync.Once
	mu       sync.Mutex
	progress ReevalProgress
	total    atomic.Int64
}

// ReevalProgress is what a Reevaluator has done.
type ReevalProgress struct {
	// Pending is how many cases await re-evaluation, as last counted.
	Pending int
	// Running says a run is under way; Run is how many cases it found to
	// do, Done how many it stored, Failed how many its packs could not
	// evaluate (they stay stale; see the log), Skipped how many a user's
	// write re-evaluated first.
	Running                    bool
	Run, Done, Failed, Skipped int
	// Rate is the run's cases a second so far, or the last run's.
	Rate float64
	// Total is how many cases this process has re-evaluated.
	Total int64
}

func (r *Reevaluator) init() {
	r.once.Do(func() {
		if r.Holder == "" {
			r.Holder = HolderName()
		}
		if r.BatchSize <= 0 {
			r.BatchSize = 1000
		}
		if r.Writers <= 0 {
			r.Writers = 2
		}
		if r.Interval <= 0 {
			r.Interval = 10 * time.Second
		}
		if r.Log == nil {
			r.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Progress returns what the Reevaluator has done so far.
func (r *Reevaluator) Progress() ReevalProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.progress
	p.Total = r.total.Load()
	return p
}

func (r *Reevaluator) update(f func(p *ReevalProgress)) {
	r.mu.Lock()
	f(&r.progress)
	r.mu.Unlock()
}

// Loop runs the Reevaluator at once and then every Interval until ctx
// ends, and then frees the lease so that another server may take over at
// once. Errors are logged, and the next interval tries again.
func (r *Reevaluator) Loop(ctx context.Context) {
	r.init()
	for {
		if err := r.Run(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrLeaseLost) {
			r.Log.Error("re-evaluation failed", "err", err)
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r.Service.Store.ReleaseLease(rctx, Lease{Name: ReevalLease, Holder: r.Holder})
			cancel()
			return
		case <-time.After(r.Interval):
		}
	}
}

// Run takes (or renews) the lease and, if it gets it, re-evaluates every
// stale case; without the lease it only counts them. It returns
// ErrLeaseLost if the lease passed to another server mid-run.
func (r *Reevaluator) Run(ctx context.Context) error {
	r.init()
	s := r.Service
	ttl := 3 * r.Interval
	digests, changed, err := s.staleRules(ctx)
	if err != nil {
		return err
	}
	counts, _, err := s.Store.CountRules(ctx, "", digests)
	if err != nil {
		return err
	}
	todo := 0
	for _, n := range counts {
		todo += n
	}
	r.update(func(p *ReevalProgress) { p.Pending = todo })
	held, err := s.TakeLease(ctx, ReevalLease, r.Holder, ttl)
	if err != nil || !held || todo == 0 {
		return err
	}
	// Durations by the service's clock: the real one in serve; a test's
	// fixed clock gives no rate.
	start := s.Now()
	r.update(func(p *ReevalProgress) {
		*p = ReevalProgress{Pending: todo, Running: true, Run: todo}
	})
	defer r.update(func(p *ReevalProgress) { p.Running = false })
	r.Log.Info("re-evaluation started", "cases", todo, "changed", strings.Join(changed, ","), "holder", r.Holder)
	detail := func(org string) string {
		d := fmt.Sprintf("cases=%d changed=%s", counts[org], strings.Join(changed, ","))
		if len(d) > 500 {
			d = d[:500] + "…"
		}
		return d
	}

	// Batches are read and evaluated here while up to r.Writers earlier
	// ones are written, each in its own transaction: on PostgreSQL the
	// server's work per batch is about twice the engine's, and one writer
	// leaves a core idle. Those transactions only check the lease; one
	// every third of its term renews it, alone, with the others done.
	var (
		audited  = map[string]bool{}
		failed   int
		firstErr string
		lastLog  = start
		renewed  = start
		writing  sync.WaitGroup
		slots    = make(chan struct{}, r.Writers)
		mu       sync.Mutex // guards done, skipped and writeErr
		done     int
		skipped  int
		writeErr error
	)
	// wait ends every batch being written.
	wait := func() error {
		writing.Wait()
		mu.Lock()
		defer mu.Unlock()
		return writeErr
	}
	report := func() {
		mu.Lock()
		d, sk := done, skipped
		mu.Unlock()
		rate := 0.0
		if el := s.Now().Sub(start).Seconds(); el > 0 {
			rate = float64(d) / el
		}
		r.update(func(p *ReevalProgress) {
			p.Done, p.Failed, p.Skipped, p.Rate = d, failed, sk, rate
			p.Pending = max(todo-d-sk, 0)
		})
	}
	for _, d := range digests {
		afterOrg, afterID := "", ""
		for {
			cs, err := s.Store.CasesWithRules(ctx, d, afterOrg, afterID, r.BatchSize)
			if err != nil {
				wait()
				return err
			}
			if len(cs) == 0 {
				break
			}
			afterOrg, afterID = cs[len(cs)-1].Org, cs[len(cs)-1].ID
			good, bad, code := s.reevaluateBatch(ctx, cs)
			failed += bad
			if firstErr == "" {
				firstErr = code
			}
			slots <- struct{}{}
			l := Lease{Name: ReevalLease, Holder: r.Holder}
			if s.Now().Sub(renewed) >= ttl/3 {
				<-slots
				if err := wait(); err != nil {
					return err
				}
				slots <- struct{}{}
				renewed = s.Now()
				l.Until = renewed.Add(ttl)
			}
			mu.Lock()
			err = writeErr
			mu.Unlock()
			if err != nil {
				<-slots
				wait()
				return err
			}
			report()
			if s.Now().Sub(lastLog) >= 5*time.Second {
				lastLog = s.Now()
				p := r.Progress()
				r.Log.Info("re-evaluating", "done", p.Done, "of", todo, "failed", p.Failed, "per_second", int(p.Rate))
			}
			var evs []*audit.Entry
			for _, c := range good {
				if !audited[c.Org] {
					audited[c.Org] = true
					evs = append(evs, s.event(System(c.Org), "rules.reevaluate", "", detail(c.Org)))
				}
			}
			writing.Add(1)
			go func() {
				defer writing.Done()
				n, err := s.Store.Reevaluated(ctx, l, good, evs...)
				mu.Lock()
				done += n
				skipped += len(good) - n
				if err != nil && writeErr == nil {
					writeErr = err
				}
				mu.Unlock()
				r.total.Add(int64(n))
				<-slots
			}()
		}
	}
	if err := wait(); err != nil {
		return err
	}
	report()
	p := r.Progress()
	r.Log.Info("re-evaluation done", "cases", done, "failed", failed, "first_error", firstErr, "written_meanwhile", skipped,
		"seconds", s.Now().Sub(start).Round(time.Millisecond).Seconds(), "per_second", int(p.Rate))
	return nil
}

// reevaluateBatch evaluates cs on every CPU, today, with the loaded packs,
// and returns those it could evaluate, how many it could not, and the
// error code of the first of those (codes only: no case content).
func (s *Service) reevaluateBatch(ctx context.Context, cs []*Case) (good []*Case, bad int, code string) {
	errs := make([]error, len(cs))
	workers := min(runtime.GOMAXPROCS(0), len(cs))
	today := s.Today()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(cs); i += workers {
				errs[i] = s.reevaluate(ctx, cs[i], today)
			}
		}()
	}
	wg.Wait()
	good = cs[:0:0]
	for i, c := range cs {
		if errs[i] != nil {
			if bad == 0 {
				code = errorReason(errs[i])
			}
			bad++
			continue
		}
		good = append(good, c)
	}
	return good, bad, code
}

// reevaluate works out c's summary, segments and deadlines again, as a
// read of the case does: with the date of birth of its sealed identity,
// and keeping a history's own date where the two differ, as the case was
// evaluated when written.
func (s *Service) reevaluate(ctx context.Context, c *Case, today date.Date) error {
	born, err := s.birthDate(ctx, c)
	if err != nil {
		return err
	}
	eh, _ := withBorn(&c.History, born)
	sc, err := stay.Prepare(&eh, s.Lookup)
	if err != nil {
		return err
	}
	s.fill(c, sc, today)
	return nil
}

// errorReason is an error's code for a log line: the engine's field error
// code, or the application error's.
func errorReason(err error) string {
	var fe *stay.FieldError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ErrorCode(err)
}
