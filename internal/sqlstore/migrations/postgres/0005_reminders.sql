-- Each account's reminder choices: its own e-mail address and/or a webhook
-- (the secret sealed under the organisation's data key), the days before a
-- deadline to be reminded, whether to be told when a case starts to
-- overstay, and the language of the messages.
CREATE TABLE reminder_settings (
	user_id        TEXT PRIMARY KEY,
	org            TEXT NOT NULL,
	email          TEXT NOT NULL DEFAULT '',
	webhook_url    TEXT NOT NULL DEFAULT '',
	webhook_secret BYTEA,
	offsets        TEXT NOT NULL DEFAULT '',
	overstay       BIGINT NOT NULL DEFAULT 0,
	lang           TEXT NOT NULL DEFAULT 'en',
	updated_us     BIGINT NOT NULL
);
CREATE INDEX reminder_settings_org ON reminder_settings (org, user_id);

-- One row a reminder, by its key (account, case, deadline kind and date,
-- days before, channel): enqueueing it again is a no-op, and the row
-- records when it was sent and how many attempts it took. The job itself
-- is in River's tables.
CREATE TABLE reminder_log (
	key         TEXT PRIMARY KEY,
	org       TEXT NOT NULL,
	user_id   TEXT NOT NULL,
	case_id   TEXT NOT NULL,
	kind      TEXT NOT NULL,
	day       BIGINT NOT NULL,
	offset_days BIGINT NOT NULL,
	channel   TEXT NOT NULL,
	queued_us BIGINT NOT NULL,
	sent_us   BIGINT NOT NULL DEFAULT 0,
	attempts  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX reminder_log_user ON reminder_log (org, user_id, queued_us);
