-- 0008_survey_warnings: the survey's early warnings (苗头迹象, issue 6):
-- a class (or a whole school, class_id 0) whose share of students bullied
-- "2–3 times a month or more" reached the threshold (reason 'high') or
-- rose by so many points since the previous semester ('rise'). Numbers
-- only, never a name: prevalence and previous are in tenths of a percent
-- (previous -1: none), threshold is the setting then in force (percent or
-- points), respondents how many answered. One warning per campaign,
-- school, class and reason; it is acknowledged, acted on (action: plan |
-- class_meeting | report, with a note) and closed.
CREATE TABLE survey_warnings (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL,
	unit_id INTEGER NOT NULL,
	class_id INTEGER NOT NULL DEFAULT 0,
	reason TEXT NOT NULL,
	prevalence INTEGER NOT NULL,
	previous INTEGER NOT NULL DEFAULT -1,
	threshold INTEGER NOT NULL,
	respondents INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'raised',
	action TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	raised_at BIGINT NOT NULL,
	changed_by INTEGER NOT NULL DEFAULT 0,
	changed_at BIGINT NOT NULL DEFAULT 0,
	UNIQUE (campaign_id, unit_id, class_id, reason)
);
CREATE INDEX survey_warnings_unit ON survey_warnings (unit_id, state);
