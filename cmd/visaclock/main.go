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
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, wallClock(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, errHelp) {
		return
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
  visaclock migrate [--db URL|FILE] [--data DIR]
  visaclock orgs add --name NAME [--url URL] [--db URL|FILE] [--data DIR]
  visaclock keys new [--id N]
  visaclock keys rotate [--db URL|FILE] [--data DIR] [--master-key-file FILE]
  visaclock audit verify [--db URL|FILE] [--data DIR] [--master-key-file FILE]
  visaclock backup --out FILE [--db FILE] [--data DIR]
  visaclock export --out FILE (--passphrase-file F | --recipients-file F) [--org ID] [--case ID] [--db …]
  visaclock import (--passphrase-file F | --identity-file F) [--org ID] [--db …] FILE
  visaclock dev seed --n N [--db URL|FILE] [--data DIR]
  visaclock dev bench-list [--n N] [--db URL|FILE] [--data DIR]

FILE is a stay history in YAML or JSON (docs/history-format.md); flags may
come before or after it. The server's API is in docs/api.md.
Master keys come from --master-key-file (default DATA/master.key) or
VISACLOCK_MASTER_KEYS; see docs/security.md.
Dates are YYYY-MM-DD. Exit status: 0 lawful or absent, 1 error, 2 usage,
3 overstay, 4 pending, 5 audit log tampered.
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
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command"}
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, now, args[1:], stdin, stdout, stderr)
	case "plan":
		return runPlan(now, args[1:], stdin, stdout, stderr)
	case "rules":
		return runRules(args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, now, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "site":
		return runSite(args[1:], stdout, stderr)
	case "dev":
		return runDev(ctx, now, args[1:], stdout, stderr)
	case "keys":
		return runKeys(ctx, now, args[1:], stdout, stderr)
	case "audit":
		return runAudit(ctx, now, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	case "orgs":
		return runOrgs(ctx, now, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, now, args[1:], stdout, stderr)
	case "import":
		return runImport(ctx, now, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{"unknown command " + args[0]}
}
