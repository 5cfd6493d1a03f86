-- Failed-login limits every server shares (login.SharedLimiter): a row per
-- account or client address with failures not yet forgiven, keyed by an
-- HMAC-SHA-256 of it under a key derived from the master key, so that the
-- table holds no address and no username. full_us is when its bucket is
-- full again: rows past it are as good as absent, and are dropped.
CREATE TABLE login_limits (
	hash    BYTEA PRIMARY KEY,
	full_us BIGINT NOT NULL
);
CREATE INDEX login_limits_full ON login_limits (full_us);
