//go:build testclock

package main

import (
	"os"
	"time"

	"visaclock/internal/date"
)

// wallClock, in a binary built for tests (-tags testclock), runs on the
// day VISACLOCK_TEST_TODAY names, so that a test of the real binary (a
// restart after kill -9) is judged on the same day as the test itself.
// The clock still moves by whole days' offset from the real one, so that
// leases and timeouts between two such processes behave as they would.
func wallClock() func() time.Time {
	s := os.Getenv("VISACLOCK_TEST_TODAY")
	if s == "" {
		return time.Now
	}
	d, err := date.Parse(s)
	if err != nil {
		panic("VISACLOCK_TEST_TODAY: " + err.Error())
	}
	y, m, dd := time.Now().UTC().Date()
	offset := time.Duration(d.Sub(date.MustOf(y, m, dd))) * 24 * time.Hour
	return func() time.Time { return time.Now().Add(offset) }
}
