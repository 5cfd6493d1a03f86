package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// maxDocument is the largest history (or rule pack) a command reads whole:
// far above any real one, and low enough that `check /dev/zero` ends at
// once with an error instead of eating the machine's memory.
const maxDocument = 64 << 20

// maxSecretFile is the largest key, passphrase or recipients file read.
const maxSecretFile = 1 << 20

// tooLargeError is a document over its cap; it names the cap.
type tooLargeError struct {
	name  string
	limit int64
	hint  string // what to do instead; empty: the histories' hint
}

func (e *tooLargeError) Error() string {
	hint := e.hint
	if hint == "" {
		hint = "check --batch reads one history a line"
	}
	return fmt.Sprintf("%s: larger than %d MiB (%d bytes), the most visaclock reads as one file here; %s", e.name, e.limit>>20, e.limit, hint)
}

// readInput reads the named file, or standard input for "-", up to
// maxDocument bytes. It returns when ctx ends even while the read waits
// (on a terminal or a pipe that never closes).
func readInput(ctx context.Context, name string, stdin io.Reader) ([]byte, error) {
	return readCapped(ctx, name, stdin, maxDocument)
}

func readCapped(ctx context.Context, name string, stdin io.Reader, limit int64) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// Opening waits too, on a FIFO with no writer.
		var r io.Reader = stdin
		if name != "-" || stdin == nil {
			f, err := os.Open(name)
			if err != nil {
				done <- result{nil, err}
				return
			}
			defer f.Close()
			r = f
		}
		data, err := io.ReadAll(io.LimitReader(&cancelableReader{ctx: ctx, r: r}, limit+1))
		if err == nil && int64(len(data)) > limit {
			data, err = nil, &tooLargeError{name: displayName(name), limit: limit}
		}
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		return res.data, res.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// cancelableReader stops reading once ctx ends, also between the reads of a
// line that never ends (such as /dev/zero's).
type cancelableReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *cancelableReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

// waitingReader reads r in a goroutine of its own, so that a Read waiting
// on a terminal or a pipe returns as soon as ctx ends. After that, the
// goroutine may still fill the buffer it was given; the caller stops
// reading, and the process ends.
type waitingReader struct {
	ctx     context.Context
	r       io.Reader
	req     chan []byte
	resp    chan readResult
	started bool
}

type readResult struct {
	n   int
	err error
}

func newWaitingReader(ctx context.Context, r io.Reader) *waitingReader {
	return &waitingReader{ctx: ctx, r: r, req: make(chan []byte), resp: make(chan readResult, 1)}
}

func (w *waitingReader) Read(p []byte) (int, error) {
	if w.ctx.Err() != nil {
		return 0, context.Cause(w.ctx)
	}
	if !w.started {
		w.started = true
		go func() {
			for buf := range w.req {
				n, err := w.r.Read(buf)
				w.resp <- readResult{n, err}
			}
		}()
	}
	select {
	case w.req <- p:
	case <-w.ctx.Done():
		return 0, context.Cause(w.ctx)
	}
	select {
	case res := <-w.resp:
		return res.n, res.err
	case <-w.ctx.Done():
		return 0, context.Cause(w.ctx)
	}
}

// Close ends the reading goroutine when it is idle.
func (w *waitingReader) Close() error {
	close(w.req)
	return nil
}
