package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"visaclock/internal/caseload"
)

// evaluateBody is a six-trip Schengen history, the body the service
// benchmarks have used since issue 3.
const evaluateBody = `{"as_of":"2026-11-26","grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-10","exit":"2026-01-20"},{"entry":"2026-03-01","exit":"2026-03-15"},{"entry":"2026-05-01","exit":"2026-05-20"},{"entry":"2026-07-01","exit":"2026-07-10"},{"entry":"2026-09-01","exit":"2026-09-25"},{"entry":"2026-11-01"}]}`

// load sends requests POST requests with body to url from clients
// goroutines and returns the requests answered a second, timed by the
// benchmark's own timer. Every answer must be 200.
func load(b *testing.B, client *http.Client, url, body string, clients, requests int) float64 {
	var sent atomic.Int64
	var failed atomic.Value
	before := b.Elapsed()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for sent.Add(1) <= int64(requests) {
				resp, err := client.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Store(resp.Status)
					return
				}
			}
		})
	}
	wg.Wait()
	d := b.Elapsed() - before
	if f := failed.Load(); f != nil {
		b.Fatalf("POST %s: %v", url, f)
	}
	return float64(requests) / d.Seconds()
}

// BenchmarkEvaluateRatio measures POST /v1/evaluate against a plain
// net/http handler that returns a fixed 1 KB JSON body, both over loopback
// TCP from the same in-process load generator (8 clients with keep-alive),
// in alternating rounds of the same run so that the shared machine's noise
// falls on both. It reports both rates and their ratio (evaluate/plain);
// the target is at least 0.5.
func BenchmarkEvaluateRatio(b *testing.B) {
	reg := embeddedPacks(b)
	s := &Server{Service: &caseload.Service{Lookup: reg.Lookup, Now: func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }}, Packs: reg}
	eval := httptest.NewServer(s.Handler())
	defer eval.Close()
	fixed := append([]byte(`{"data":"`), bytes.Repeat([]byte("x"), 1024-len(`{"data":""}`)-1)...)
	fixed = append(fixed, "\"}\n"...)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(fixed)
	}))
	defer plain.Close()
	const clients = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	// Warm both up: connections, pools, the packs.
	load(b, client, eval.URL+"/v1/evaluate", evaluateBody, clients, 500)
	load(b, client, plain.URL, evaluateBody, clients, 500)
	var ev, pl, ratio []float64
	for b.Loop() {
		ev, pl, ratio = ev[:0], pl[:0], ratio[:0]
		for range 5 {
			p := load(b, client, plain.URL, evaluateBody, clients, 2000)
			e := load(b, client, eval.URL+"/v1/evaluate", evaluateBody, clients, 2000)
			pl, ev, ratio = append(pl, p), append(ev, e), append(ratio, e/p)
		}
	}
	median := func(v []float64) float64 { v = slices.Clone(v); slices.Sort(v); return v[len(v)/2] }
	b.ReportMetric(median(pl), "plain-req/s")
	b.ReportMetric(median(ev), "evaluate-req/s")
	b.ReportMetric(median(ratio), "ratio")
	b.ReportMetric(0, "ns/op")
}
