-- 0015_survey_templates: editable questionnaires (src/prevention/
-- questionnaire.c, docs/internals/survey.md "Editing a questionnaire").
-- The two shipped questionnaires stay as they are (standard = 1): the
-- bureau copies one and edits the copy. A campaign freezes the bodies it
-- asks with, so editing or deleting a questionnaire never changes a
-- campaign; it records which it was opened from.
ALTER TABLE survey_templates ADD COLUMN standard INTEGER NOT NULL DEFAULT 0;
UPDATE survey_templates SET standard = 1 WHERE id IN (1, 2);
ALTER TABLE survey_templates ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE survey_campaigns ADD COLUMN primary_template TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_campaigns ADD COLUMN secondary_template TEXT NOT NULL DEFAULT '';
