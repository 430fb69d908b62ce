-- 0010_returns: the schools' monthly returns (月报, issue 7; see
-- docs/internals/returns.md).
--
-- A return is one school's month. Until the school submits it, it is a
-- draft computed live from the school's cases and prevention records and
-- has no row here. Submitting writes the row and freezes the figures in
-- return_figures, so later changes to cases never change a submitted
-- return; a resubmission after the office sent it back freezes them
-- again. The id is not a row counter but the pair (school, month) as one
-- number: unit_id * 1000000 + YYYYMM (returns.h), so a draft has its id
-- before it has a row, and the same address names it before and after.
--
-- state: submitted | accepted | sent_back (a draft has no row).
-- due_on: the due date under the setting when it was first submitted;
-- late: that first submission came after the due date. zero: the school
-- confirmed a month with nothing to report. Nothing here names a minor:
-- counts, dates and the school's own remarks (the form says not to name
-- pupils; the remarks are not exported).

CREATE TABLE monthly_returns (
	id BIGINT PRIMARY KEY NOT NULL,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	month TEXT NOT NULL,
	state TEXT NOT NULL,
	zero INTEGER NOT NULL DEFAULT 0,
	remarks TEXT NOT NULL DEFAULT '',
	due_on TEXT NOT NULL,
	late INTEGER NOT NULL DEFAULT 0,
	submissions INTEGER NOT NULL DEFAULT 0,
	first_submitted_at BIGINT NOT NULL DEFAULT 0,
	submitted_at BIGINT NOT NULL DEFAULT 0,
	submitted_by INTEGER REFERENCES accounts(id),
	reviewed_at BIGINT NOT NULL DEFAULT 0,
	reviewed_by INTEGER REFERENCES accounts(id),
	reason TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (unit_id, month)
);
CREATE INDEX monthly_returns_month ON monthly_returns (month, state);

-- The frozen figures of a submitted return: one row per figure
-- (returns.h return_figs: "cases.new", "tier.general", ...), so the
-- city's sums are one grouped query.
CREATE TABLE return_figures (
	return_id BIGINT NOT NULL REFERENCES monthly_returns(id),
	figure TEXT NOT NULL,
	value BIGINT NOT NULL,
	PRIMARY KEY (return_id, figure)
);

-- What happened to a return, in order: submitted, accepted, sent_back
-- (with the office's reason). The audit log holds the same; this is what
-- the return's page shows.
CREATE TABLE return_history (
	id INTEGER PRIMARY KEY,
	return_id BIGINT NOT NULL REFERENCES monthly_returns(id),
	action TEXT NOT NULL,
	account_id INTEGER REFERENCES accounts(id),
	reason TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL
);
CREATE INDEX return_history_return ON return_history (return_id, id);
