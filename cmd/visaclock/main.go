// Command visaclock answers, for a person's visas, trips and extension
// applications: may they still be here, until when, and what must they do
// before then. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value // the signal that ended the command
	go func() {
		s := <-sigs
		got.Store(s)
		// A second Ctrl-C or SIGTERM ends the process at once.
		signal.Stop(sigs)
		cancel(fmt.Errorf("stopped by %s", signalName(s)))
	}()
	err := run(ctx, wallClock(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if s, ok := got.Load().(os.Signal); ok && err != nil {
		fmt.Fprintf(os.Stderr, "visaclock: stopped by %s\n", signalName(s))
		os.Exit(signalStatus(s))
	}
	if err != nil {
		// A status error is an answer (overstay, pending), already printed.
		var se statusError
		if !errors.As(err, &se) {
			fmt.Fprintln(os.Stderr, "visaclock:", err)
		}
		os.Exit(exitCode(err))
	}
}

func signalName(s os.Signal) string {
	if s == os.Interrupt {
		return "Ctrl-C (SIGINT)"
	}
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return s.String()
}

// signalStatus is the shell's status for a process a signal ended:
// 130 for Ctrl-C, 143 for SIGTERM.
func signalStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

const usage = `visaclock: may this person still be here, until when, and what must they do?

Usage:
  visaclock check [--json [--explain full|compact|none] | --lang en|zh|ko|ko-KP] [--as-of DATE] [--rules DIR] FILE|-
  visaclock check --batch [--explain compact|full|none] [--as-of DATE] [--rules DIR] [FILE|-]   (JSON lines in, JSON lines out)
  visaclock plan --enter DATE [--grant ID] [--json] [--rules DIR] FILE|-
  visaclock rules list [--rules DIR]
  visaclock rules show [--rules DIR] ID
  visaclock rules validate FILE...
  visaclock serve [--addr 127.0.0.1:8080] [--db URL|FILE] [--data DIR] [--rules DIR] [--tz ZONE]
                  [--tls-cert FILE --tls-key FILE] [--trusted-proxy CIDR] [--url URL]
  visaclock site --out DIR [--module DIR] [--post URL]   (the private checker as static files)
  visaclock site --single FILE.html [--module DIR]   (one file to send: works opened from disk)
  visaclock migrate [--db URL|FILE] [--data DIR]
  visaclock orgs add --name NAME [--url URL] [--db URL|FILE] [--data DIR]
  visaclock keys new [--id N]
  visaclock keys rotate [--db URL|FILE] [--data DIR] [--master-key-file FILE]
  visaclock audit verify [--db URL|FILE] [--data DIR] [--master-key-file FILE]
  visaclock backup --out FILE [--db FILE] [--data DIR]
  visaclock export --out FILE (--passphrase-file F | --recipients-file F) [--org ID] [--case ID] [--db …]
  visaclock import (--passphrase-file F | --identity-file F) [--org ID] [--db …] FILE
  visaclock cases import [--dry-run] [--org ID] [--db …|--data DIR] FILE.csv|FILE.xlsx   (docs/import-format.md)
  visaclock dev seed --n N [--db URL|FILE] [--data DIR]
  visaclock dev bench-list [--n N] [--db URL|FILE] [--data DIR]
  visaclock version [--rules DIR]
  visaclock help [COMMAND [SUBCOMMAND]]     (the same as COMMAND SUBCOMMAND --help)

FILE is a stay history in YAML or JSON (docs/history-format.md); flags may
come before or after it. The server's API is in docs/api.md.
Master keys come from --master-key-file (default DATA/master.key) or
VISACLOCK_MASTER_KEYS; see docs/security.md.
Dates are YYYY-MM-DD. Exit status: 0 lawful or absent (check; for check
--batch, every line answered, errors included), 1 error, 2 usage, 3 overstay,
4 pending, 5 audit log tampered, 130 or 143 stopped by Ctrl-C or SIGTERM.
`

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// statusError carries a non-zero exit status for a successful evaluation.
type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var se statusError
	if errors.As(err, &se) {
		return se.code
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// run is the whole program. now is its only clock: "today" for check and
// plan, and the service's time for everything it records, so that tests
// can set the calendar instead of reading the real one.
func run(ctx context.Context, now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := cmdEnv{ctx: ctx, now: now, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) > 0 && args[0] == "help" {
		return runHelp(e, args[1:])
	}
	return dispatch(e, commands, "visaclock", args)
}
