package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"

	"visaclock/internal/casefile"
	"visaclock/internal/date"
	"visaclock/internal/document"
	"visaclock/internal/packs"
	"visaclock/internal/stay"
)

// maxLine is the longest history line check --batch reads.
const maxLine = 16 << 20

// readLine reads one line without its newline. A line longer than limit is
// skipped to its end and reported as too long, so that one bad line does
// not stop the batch. The line is in br's buffer, or in scratch when it is
// longer than that buffer; either way only until the next read.
func readLine(br *bufio.Reader, limit int, scratch *[]byte) (_ []byte, tooLong bool, err error) {
	line := (*scratch)[:0]
	defer func() { *scratch = line[:0] }()
	for {
		chunk, err := br.ReadSlice('\n')
		content := len(chunk) // the line's own bytes, without its CR LF
		if err == nil {
			content--
			if content > 0 && chunk[content-1] == '\r' {
				content--
			}
		}
		if err == nil && len(line) == 0 && !tooLong && content <= limit {
			return chunk[:content], false, nil // the whole line in br's buffer
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

// checkBatch is check --batch with its default, compact explanations.
func checkBatch(ctx context.Context, in io.Reader, out io.Writer, reg *packs.Registry, asOf date.Date) error {
	return checkBatchExplain(ctx, in, out, reg, asOf, stay.ExplainCompact)
}

// A batch is cut into chunks of lines, about chunkBytes of input each; a
// worker evaluates a whole chunk into one output buffer, and the writer
// takes the chunks in input order. Chunk buffers are recycled, so that a
// batch of any length runs in a few megabytes.
const (
	chunkBytes = 256 << 10
	chunkLines = 1024
)

// Line kinds in a chunk: a history, or a line answered without reading it.
const (
	lineHistory = iota
	lineTooLong
	lineEmpty
)

type batchChunk struct {
	first int // the number of the chunk's first line
	data  []byte
	ends  []int // ends[i] is where line i ends in data
	kinds []uint8
	out   []byte
	done  chan struct{}
}

func (c *batchChunk) line(i int) []byte {
	start := 0
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.data[start:c.ends[i]]
}

// checkBatchExplain evaluates JSON lines on every core, writing one answer
// a line in input order.
func checkBatchExplain(ctx context.Context, in io.Reader, out io.Writer, reg *packs.Registry, asOf date.Date, x stay.Explain) error {
	workers := runtime.GOMAXPROCS(0)
	depth := 2*workers + 2
	free := make(chan *batchChunk, depth)
	for range depth {
		free <- &batchChunk{done: make(chan struct{}, 1)}
	}
	jobs := make(chan *batchChunk, depth)
	results := make(chan *batchChunk, depth)
	for range workers {
		go func() {
			var ev stay.Evaluation
			for c := range jobs {
				c.out = c.out[:0]
				for i, k := range c.kinds {
					n := c.first + i
					switch k {
					case lineTooLong:
						c.out = append(c.out, errorLine(n, "", fmt.Sprintf("the line is longer than %d bytes; one history per line", maxLine))...)
					case lineEmpty:
						// Kept as a line of its own, so output line N answers input line N.
						c.out = append(c.out, errorLine(n, "", "empty line; one history per line")...)
					default:
						c.out = evalLine(c.out, n, c.line(i), reg, asOf, &ev, x)
					}
				}
				c.done <- struct{}{}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(results)
		defer close(jobs)
		readErr <- readChunks(ctx, in, free, jobs, results)
	}()
	var werr error
	for c := range results {
		<-c.done
		if werr == nil {
			_, werr = out.Write(c.out)
		}
		free <- c
	}
	if err := <-readErr; err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	return werr
}

// readChunks cuts the input into chunks, sending each to a worker and, in
// order, to the writer.
func readChunks(ctx context.Context, in io.Reader, free <-chan *batchChunk, jobs, results chan<- *batchChunk) error {
	br := bufio.NewReaderSize(in, 1<<20)
	var c *batchChunk
	send := func() {
		jobs <- c
		results <- c
		c = nil
	}
	var scratch []byte
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, maxLine, &scratch)
		if err == io.EOF && len(line) == 0 && !tooLong {
			break
		}
		if err != nil && err != io.EOF {
			if c != nil {
				send()
			}
			return err
		}
		if c == nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c = <-free
			c.first, c.data, c.ends, c.kinds = n, c.data[:0], c.ends[:0], c.kinds[:0]
		}
		kind := uint8(lineHistory)
		switch {
		case tooLong:
			kind = lineTooLong
		case len(bytes.TrimSpace(line)) == 0:
			kind = lineEmpty
		default:
			c.data = append(c.data, line...)
		}
		c.ends = append(c.ends, len(c.data))
		c.kinds = append(c.kinds, kind)
		if len(c.data) >= chunkBytes || len(c.kinds) >= chunkLines {
			send()
		}
		if err == io.EOF {
			break
		}
	}
	if c != nil {
		send()
	}
	return nil
}

// evalLine appends the answer for input line n to dst.
func evalLine(dst []byte, n int, line []byte, reg *packs.Registry, asOf date.Date, ev *stay.Evaluation, x stay.Explain) []byte {
	c, err := casefile.ParseJSON(line, reg.Lookup, asOf)
	if err != nil {
		var de *document.Error
		if errors.As(err, &de) {
			return append(dst, errorLine(n, de.Path, de.Msg)...)
		}
		return append(dst, errorLine(n, "", err.Error())...)
	}
	c.EvaluateInto(ev, c.History.AsOf)
	dst = ev.AppendJSON(dst, x)
	return append(dst, '\n')
}
