-- What each case was evaluated with, so that a change of rule packs finds
-- the cases it touches: rules_digest names the set of packs (ids and
-- versions) the case's grants use, and rule_sets spells each set out. A
-- case from before this migration has the empty digest, which matches no
-- set, so it is re-evaluated once.
ALTER TABLE cases ADD COLUMN rules_digest TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_rules ON cases (rules_digest, org, id);

CREATE TABLE rule_sets (
	digest TEXT PRIMARY KEY,
	packs  TEXT NOT NULL
);

-- Background work (re-evaluation, retention) runs in one server at a time:
-- the one holding the named lease until expires_us.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_us BIGINT NOT NULL
);
