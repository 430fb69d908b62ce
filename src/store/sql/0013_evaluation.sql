-- 0013_evaluation: each school's yearly self-evaluation (自评) against the
-- six parts of the notice (src/bureau/evaluation.c,
-- docs/internals/evaluation.md), and its evidence files.
--
-- year is the calendar year the school year ends in (2026: 1 September
-- 2025 to 31 August 2026). state: draft | submitted | returned. answers is
-- JSON per part: yes/no and count answers, the self-rating (1..5) and the
-- free text; counts and the school's own work only, never a student's
-- name. A submitted evaluation is frozen; the office may return it with a
-- reason, which makes it editable until it is submitted again.
-- first_submitted_at decides lateness (0: never submitted).
CREATE TABLE evaluations (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	year INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'draft',
	answers TEXT NOT NULL DEFAULT '{}',
	first_submitted_at BIGINT NOT NULL DEFAULT 0,
	submitted_at BIGINT NOT NULL DEFAULT 0,
	submitted_by INTEGER REFERENCES accounts(id),
	returned_at BIGINT NOT NULL DEFAULT 0,
	returned_by INTEGER REFERENCES accounts(id),
	return_reason TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	updated_by INTEGER REFERENCES accounts(id),
	UNIQUE (unit_id, year)
);
CREATE INDEX evaluations_year ON evaluations (year, state);

-- Evidence: a PDF, or a JPEG or PNG stripped of its metadata (attach.h),
-- prepared as the prevention records' evidence is (prev_file_prepare):
-- data is sealed under the data key (a photo may show children's faces),
-- size is the bytes as served, name the sent base name with the extension
-- of what the file really is. part: the part it supports, or '' for the
-- whole. removed_at: 0 while it counts; a removed file stays (the audit
-- names it) but is never served.
CREATE TABLE evaluation_files (
	id INTEGER PRIMARY KEY,
	evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
	part TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	mime TEXT NOT NULL,
	size BIGINT NOT NULL,
	data BLOB NOT NULL,
	created_by INTEGER REFERENCES accounts(id),
	created_at BIGINT NOT NULL,
	removed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX evaluation_files_eval ON evaluation_files (evaluation_id, removed_at);
