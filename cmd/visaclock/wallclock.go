//go:build !testclock

package main

import "time"

// wallClock is the clock main hands to run: the real one. A binary built
// with -tags testclock gets a shifted one instead (wallclock_testclock.go).
func wallClock() func() time.Time { return time.Now }
