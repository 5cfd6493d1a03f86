-- Organisations, accounts, sessions, API tokens, the audit log, and the
-- encrypted identity of a case. Identities are only ever stored sealed
-- (AES-256-GCM under the organisation's data key), and the passport number is
-- findable only through a keyed blind index.
CREATE TABLE orgs (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	data_key       BYTEA NOT NULL,
	require_totp   BIGINT NOT NULL DEFAULT 0,
	retention_days BIGINT NOT NULL DEFAULT 0,
	created_us     BIGINT NOT NULL
);

CREATE TABLE users (
	id             TEXT PRIMARY KEY,
	org            TEXT NOT NULL REFERENCES orgs (id),
	username       TEXT NOT NULL UNIQUE,
	password       TEXT NOT NULL,
	role           TEXT NOT NULL,
	team           TEXT NOT NULL DEFAULT '',
	totp_secret    BYTEA,
	totp_pending   BIGINT NOT NULL DEFAULT 0,
	totp_last_step BIGINT NOT NULL DEFAULT 0,
	disabled       BIGINT NOT NULL DEFAULT 0,
	created_us     BIGINT NOT NULL,
	version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX users_org ON users (org, username);

CREATE TABLE setup_tokens (
	hash       BYTEA PRIMARY KEY,
	org        TEXT NOT NULL UNIQUE REFERENCES orgs (id),
	expires_us BIGINT NOT NULL
);

CREATE TABLE sessions (
	hash       BYTEA PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_us BIGINT NOT NULL,
	seen_us    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id         TEXT PRIMARY KEY,
	hash       BYTEA NOT NULL UNIQUE,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	expires_us BIGINT NOT NULL,
	revoked    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
	seq     BIGINT PRIMARY KEY,
	at_ns   BIGINT NOT NULL,
	org     TEXT NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	case_id TEXT NOT NULL,
	detail  TEXT NOT NULL,
	prev    BYTEA NOT NULL,
	hash    BYTEA NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org, seq);

CREATE TABLE wrapped_keys (
	name    TEXT PRIMARY KEY,
	wrapped BYTEA NOT NULL
);

ALTER TABLE cases ADD COLUMN identity BYTEA;
ALTER TABLE cases ADD COLUMN passport_index BYTEA;
ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN closed_us BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_passport ON cases (org, passport_index);
CREATE INDEX cases_closed ON cases (org, closed_us);

ALTER TABLE case_segments ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE case_segments ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE case_deadlines ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE case_deadlines ADD COLUMN team TEXT NOT NULL DEFAULT '';

ALTER TABLE calendar_tokens ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
