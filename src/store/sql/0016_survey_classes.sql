-- 0016_survey_classes: a campaign keeps the classes it was opened for;
-- its answers are kept by class
-- (src/prevention/survey.c survey_freeze_classes, docs/internals/survey.md).
-- Results read these, not the registry: a school that updates its class
-- list later (a class renamed, merged, gone at the end of the year)
-- changes neither a campaign under way nor last semester's comparison,
-- and the response rate is against the head count the slips were made
-- from. Grades 1 and 2 are not surveyed (survey.h SURVEY_MIN_GRADE).
CREATE TABLE survey_campaign_classes (
	campaign_id INTEGER NOT NULL REFERENCES survey_campaigns(id),
	class_id INTEGER NOT NULL,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	grade INTEGER NOT NULL,
	name TEXT NOT NULL,
	boys INTEGER NOT NULL,
	girls INTEGER NOT NULL,
	PRIMARY KEY (campaign_id, class_id)
) WITHOUT ROWID;
INSERT INTO survey_campaign_classes (campaign_id, class_id, unit_id, grade, name, boys, girls)
	SELECT cs.campaign_id, c.id, c.unit_id, c.grade, c.name, c.boys, c.girls
	FROM survey_campaign_schools cs JOIN classes c ON c.unit_id = cs.unit_id
	WHERE c.grade >= 3;

-- Slips name their campaign's class, no longer the registry's row: with
-- the reference to classes a school could not change its class list
-- while it had slips (the foreign key refused the registry's update).
CREATE TABLE survey_slips_new (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES survey_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	class_id INTEGER NOT NULL,
	secret TEXT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO survey_slips_new (id, campaign_id, unit_id, class_id, secret, used_at)
	SELECT id, campaign_id, unit_id, class_id, secret, used_at FROM survey_slips;
DROP TABLE survey_slips;
ALTER TABLE survey_slips_new RENAME TO survey_slips;
CREATE INDEX survey_slips_class ON survey_slips(campaign_id, class_id);

-- The answers, kept by campaign and class (a random id within it, so the
-- order still says nothing of arrival): a class answering together writes
-- a few neighbouring pages, where a random id over the whole table wrote
-- a page of its own per answer.
CREATE TABLE survey_responses_new (
	id INTEGER NOT NULL,
	campaign_id INTEGER NOT NULL REFERENCES survey_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	class_id INTEGER NOT NULL,
	grade INTEGER NOT NULL,
	answers TEXT NOT NULL,
	PRIMARY KEY (campaign_id, class_id, id)
) WITHOUT ROWID;
INSERT INTO survey_responses_new (id, campaign_id, unit_id, class_id, grade, answers)
	SELECT id, campaign_id, unit_id, class_id, grade, answers FROM survey_responses;
DROP TABLE survey_responses;
ALTER TABLE survey_responses_new RENAME TO survey_responses;
