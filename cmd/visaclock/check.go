package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	batch := fs.Bool("batch", false, "read JSON lines, one history per line, and write one evaluation per line")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	var asOf date.Date
	fs.Var(dateFlag{&asOf}, "as-of", "evaluate on `DATE` when a history gives no as_of (default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if asOf == 0 {
		asOf = today()
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	if *batch {
		name := "-"
		if fs.NArg() == 1 {
			name = fs.Arg(0)
		} else if fs.NArg() > 1 {
			return usageError{"check --batch: give at most one FILE"}
		}
		in := stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		return checkBatch(ctx, in, stdout, reg, asOf)
	}
	name, err := oneFile(fs)
	if err != nil {
		return err
	}
	data, err := readInput(name, stdin)
	if err != nil {
		return err
	}
	c, err := casefile.Parse(data, reg.Lookup, asOf)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	ev := c.Evaluate(c.History.AsOf)
	if *asJSON {
		b, err := json.MarshalIndent(ev, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		if err != nil {
			return err
		}
	} else if err := ev.WriteText(stdout); err != nil {
		return err
	}
	switch ev.State {
	case stay.StateOverstay:
		return statusError{3}
	case stay.StatePending:
		return statusError{4}
	}
	return nil
}

// batchError is the line written for a history that could not be evaluated:
// nothing is dropped silently.
type batchError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	Path  string `json:"path,omitempty"`
}

// checkBatch evaluates JSON lines on every core, writing results in input
// order.
func checkBatch(ctx context.Context, in io.Reader, out io.Writer, reg *packs.Registry, asOf date.Date) error {
	type job struct {
		n    int
		line []byte
		out  chan []byte
	}
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan job, 256)
	results := make(chan chan []byte, 256)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ev stay.Evaluation
			for j := range jobs {
				j.out <- evalLine(j.n, j.line, reg, asOf, &ev)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(results)
		defer close(jobs)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		n := 0
		for sc.Scan() {
			n++
			if len(sc.Bytes()) == 0 {
				continue
			}
			if ctx.Err() != nil {
				readErr <- ctx.Err()
				return
			}
			j := job{n: n, line: append([]byte(nil), sc.Bytes()...), out: make(chan []byte, 1)}
			results <- j.out
			jobs <- j
		}
		readErr <- sc.Err()
	}()
	w := bufio.NewWriterSize(out, 1<<16)
	var werr error
	for r := range results {
		b := <-r
		if werr == nil {
			_, werr = w.Write(b)
		}
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	if werr != nil {
		return werr
	}
	return w.Flush()
}

func evalLine(n int, line []byte, reg *packs.Registry, asOf date.Date, ev *stay.Evaluation) []byte {
	c, err := casefile.ParseJSON(line, reg.Lookup, asOf)
	if err != nil {
		be := batchError{Line: n, Error: err.Error()}
		var de *document.Error
		if errors.As(err, &de) {
			be.Path, be.Error = de.Path, de.Msg
		}
		b, _ := json.Marshal(be)
		return append(b, '\n')
	}
	c.EvaluateInto(ev, c.History.AsOf)
	// Called directly: json.Marshal would re-scan the output to compact it.
	b, err := ev.MarshalJSON()
	if err != nil {
		b, _ = json.Marshal(batchError{Line: n, Error: err.Error()})
	}
	return append(b, '\n')
}
