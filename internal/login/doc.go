// Package login holds what the HTTP server needs to log people in:
// password hashing (argon2id), time-based one-time codes (RFC 6238),
// limits on failed attempts (in memory, or in a LimitStore that every
// server shares), and random bearer secrets for sessions and API tokens.
//
// The package does no I/O besides reading crypto/rand and calling the
// LimitStore it is given, and never reads the clock: every function that depends on the time takes it as now, so that
// the server decides where time comes from and tests can step it.
package login
