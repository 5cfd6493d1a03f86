package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
	"visaclock/internal/wording"
)

func runCheck(ctx context.Context, now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	batch := fs.Bool("batch", false, "read JSON lines, one history per line, and write one evaluation per line")
	rulesDir := fs.String("rules", "", "also load the rule packs in `DIR`")
	lang := fs.String("lang", "", "write the text in `LANG`: en, zh, ko or ko-KP (default en)")
	var asOf date.Date
	fs.Var(dateFlag{&asOf}, "as-of", "evaluate on `DATE` when a history gives no as_of (default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if asOf == 0 {
		asOf = today(now)
	}
	var printer *i18n.Printer
	if *lang != "" {
		if *asJSON || *batch {
			return usageError{"check: --lang words the text output; JSON stays English, so give --lang without --json or --batch"}
		}
		l, ok := i18n.Parse(*lang)
		if !ok {
			return usageError{fmt.Sprintf("check: --lang %q is not accepted; accepted: en, zh, ko, ko-KP", *lang)}
		}
		cat, err := i18n.Load()
		if err != nil {
			return err
		}
		printer = cat.Printer(l)
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
	} else if printer != nil {
		if _, err := io.WriteString(stdout, wording.Text(printer, ev)); err != nil {
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

// maxLine is the longest history line check --batch reads.
const maxLine = 16 << 20

// readLine reads one line without its newline. A line longer than limit is
// skipped to its end and reported as too long, so that one bad line does
// not stop the batch.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		content := len(chunk) // the line's own bytes, without its CR LF
		if err == nil {
			content--
			if content > 0 && chunk[content-1] == '\r' {
				content--
			}
		}
		if len(line)+content > limit {
			tooLong = true
			line = line[:0]
		} else if !tooLong {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), tooLong, err
	}
}

func errorLine(n int, path, msg string) []byte {
	b, _ := json.Marshal(batchError{Line: n, Path: path, Error: msg})
	return append(b, '\n')
}

// batchError is the line written for a history that could not be evaluated:
// nothing is dropped silently.
type batchError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	Path  string `json:"path"`
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
		br := bufio.NewReaderSize(in, 64*1024)
		for n := 1; ; n++ {
			line, tooLong, err := readLine(br, maxLine)
			if err == io.EOF && len(line) == 0 && !tooLong {
				readErr <- nil
				return
			}
			if err != nil && err != io.EOF {
				readErr <- err
				return
			}
			if ctx.Err() != nil {
				readErr <- ctx.Err()
				return
			}
			j := job{n: n, line: line, out: make(chan []byte, 1)}
			switch {
			case tooLong:
				j.out <- errorLine(n, "", fmt.Sprintf("the line is longer than %d bytes; one history per line", maxLine))
				results <- j.out
			case len(bytes.TrimSpace(line)) == 0:
				// Kept as a line of its own, so output line N answers input line N.
				j.out <- errorLine(n, "", "empty line; one history per line")
				results <- j.out
			default:
				results <- j.out
				jobs <- j
			}
			if err == io.EOF {
				readErr <- nil
				return
			}
		}
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
		var de *document.Error
		if errors.As(err, &de) {
			return errorLine(n, de.Path, de.Msg)
		}
		return errorLine(n, "", err.Error())
	}
	c.EvaluateInto(ev, c.History.AsOf)
	// Called directly: json.Marshal would re-scan the output to compact it.
	b, err := ev.MarshalJSON()
	if err != nil {
		return errorLine(n, "", err.Error())
	}
	return append(b, '\n')
}
