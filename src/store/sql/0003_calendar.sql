-- 0003_calendar.sql: the bureau's working calendar. Portable subset: see 0001.
--
-- Monday to Friday are working days unless a row says otherwise: a
-- 'holiday' makes a weekday a day off (法定节假日), a 'workday' makes a
-- weekend day a working day (调休). The national schedule is published
-- each year; the bureau enters it here. day is YYYY-MM-DD in the bureau's
-- zone.
CREATE TABLE calendar_days (
	day TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	updated_by INTEGER NOT NULL DEFAULT 0
);
