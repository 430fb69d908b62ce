-- 0012_directory: the public directory of anti-bullying offices and its
-- filing (备案), the notice's 四(四): every school files its office's
-- name, phone, e-mail, hours and place, and its work plan (a PDF); the
-- bureau's office approves or refuses; only an approved filing is shown
-- to the public.
--
-- A filing is never edited. A change is a new filing; while it waits,
-- the school's live entry stays up; once approved it becomes the live
-- one and the old one is marked superseded. At most one live and one
-- pending filing per unit (the two partial unique indexes). The bureau's
-- own entry (unit_id = the bureau) is set by its office and goes live at
-- once (docs/internals/directory.md).
--
-- These rows hold no personal information of a minor: an office, its
-- phone and e-mail, and a contact's name only when the school chose to
-- publish one.

-- Work plans as uploaded (checked to be a PDF by its bytes), kept in the
-- database like a report's attachments, so that a filing, its plan and
-- its audit record are written in one transaction and backed up together.
-- Plans are published documents, so they are not sealed. digest is the
-- SM3 of data in hex (the public download's ETag).
CREATE TABLE directory_plans (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	name TEXT NOT NULL,
	size BIGINT NOT NULL,
	digest TEXT NOT NULL,
	data BLOB NOT NULL,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX directory_plans_unit ON directory_plans (unit_id);

-- state: pending | live | superseded | refused | withdrawn (a pending
-- filing replaced by a newer one before the office decided).
-- filed_by and decided_by are account ids (0: the system, the demo).
CREATE TABLE directory_filings (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	state TEXT NOT NULL,
	office_name TEXT NOT NULL,
	phone TEXT NOT NULL,
	email TEXT NOT NULL,
	hours TEXT NOT NULL DEFAULT '',
	location TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	plan_id INTEGER REFERENCES directory_plans(id),
	filed_by INTEGER NOT NULL,
	filed_at BIGINT NOT NULL,
	decided_by INTEGER NOT NULL DEFAULT 0,
	decided_at BIGINT NOT NULL DEFAULT 0,
	reason TEXT NOT NULL DEFAULT '',
	ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX directory_filings_unit ON directory_filings (unit_id, id);
CREATE INDEX directory_filings_state ON directory_filings (state, unit_id);
CREATE UNIQUE INDEX directory_filings_live ON directory_filings (unit_id)
	WHERE state = 'live';
CREATE UNIQUE INDEX directory_filings_pending ON directory_filings (unit_id)
	WHERE state = 'pending';
