-- Households: cases grouped as a family that travels together, so that a
-- trip can be recorded once for several members. A household has a neutral
-- label of the user's choosing (a reference such as "H-12"), never a family
-- name: a list of households would otherwise be a list of families, which
-- is as sensitive as the identities the cases seal. A case belongs to at
-- most one household: cases.household holds its id, or '' for none, so
-- that membership is one column of the row every list already reads.
CREATE TABLE households (
	id         TEXT PRIMARY KEY,
	org        TEXT NOT NULL,
	label      TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	updated_us BIGINT NOT NULL,
	version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX households_org_label ON households (org, label);

ALTER TABLE cases ADD COLUMN household TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_household ON cases (org, household);
