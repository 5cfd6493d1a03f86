CREATE TABLE cases (
	id         TEXT PRIMARY KEY,
	org        TEXT NOT NULL,
	reference  TEXT NOT NULL,
	history    TEXT NOT NULL,
	notes      TEXT NOT NULL,
	summary    TEXT NOT NULL,
	created_us INTEGER NOT NULL,
	updated_us INTEGER NOT NULL,
	version    INTEGER NOT NULL
);
CREATE INDEX cases_org_reference ON cases (org, reference);

CREATE TABLE case_segments (
	case_id          TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	org              TEXT NOT NULL,
	from_day         INTEGER NOT NULL,
	until_day        INTEGER NOT NULL,
	state_rank       INTEGER NOT NULL,
	sort_day         INTEGER NOT NULL,
	authorized_until INTEGER NOT NULL,
	deadline         INTEGER NOT NULL,
	deadline_kind    TEXT NOT NULL,
	PRIMARY KEY (case_id, from_day)
);
CREATE INDEX case_segments_list ON case_segments (org, state_rank, sort_day, case_id);

CREATE TABLE case_deadlines (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	org     TEXT NOT NULL,
	day     INTEGER NOT NULL,
	kind    TEXT NOT NULL,
	PRIMARY KEY (case_id, day, kind)
);
CREATE INDEX case_deadlines_org_day ON case_deadlines (org, day);

CREATE TABLE calendar_tokens (
	id         TEXT PRIMARY KEY,
	org        TEXT NOT NULL,
	hash       BLOB NOT NULL UNIQUE,
	created_us INTEGER NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0
);
