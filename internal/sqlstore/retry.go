package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// transient reports whether err means the database was unreachable or going
// away (a restart, a failover), so that the work can be tried again on a
// new connection without any risk of doing it twice.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 57P01-57P03: admin shutdown, crash
		// shutdown, cannot connect now (starting up).
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	return pgconn.SafeToRetry(err) || errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "conn closed")
}

// retry runs fn until it succeeds, fails for a reason other than a lost
// database, ctx ends, or 15 seconds have passed, backing off from 25 ms to
// 1 s. A PostgreSQL restart then costs the requests in flight at most, not
// those that come while it restarts; a database that stays away is
// reported, as a timeout when ctx ran out.
func retry(ctx context.Context, fn func() error) error {
	wait := 25 * time.Millisecond
	giveUp := time.Now().Add(maxRetry)
	for {
		err := fn()
		if !transient(err) {
			return err
		}
		if time.Now().Add(wait).After(giveUp) {
			return fmt.Errorf("the database did not come back within %s: %w", maxRetry, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// maxRetry bounds how long work waits for a database that went away.
const maxRetry = 15 * time.Second
