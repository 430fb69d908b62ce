-- 0009_prevention_records: the school's prevention work by semester
-- (regulation.md §5): education sessions (for students, parents or
-- staff), class meetings per class, screenings of hidden places, and
-- training with its assessment per person.
--
-- Records are append-and-correct: a correction is a new row that names
-- the row it replaces (replaces), and the old row gets superseded_by; only
-- rows with superseded_by NULL count. Nothing is ever updated otherwise or
-- deleted, so the history of a school's record stays readable.
--
-- semester is 'YYYY-YYYY-1' (September to January) or 'YYYY-YYYY-2'
-- (February to August), computed from the date (records.h). These rows
-- hold no student's personal information: counts, topics and places only;
-- training rows name staff, which is not minors' information.

CREATE TABLE prevention_sessions (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	semester TEXT NOT NULL,
	held_on TEXT NOT NULL,
	topic TEXT NOT NULL,
	-- students | parents | staff
	audience TEXT NOT NULL,
	participants INTEGER NOT NULL DEFAULT 0,
	notes TEXT NOT NULL DEFAULT '',
	replaces INTEGER REFERENCES prevention_sessions(id),
	superseded_by INTEGER,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX prevention_sessions_unit ON prevention_sessions (unit_id, semester);
CREATE INDEX prevention_sessions_sem ON prevention_sessions (semester, unit_id);

-- A class is named by grade and name, not by classes.id: a school's
-- classes are replaced wholesale when it updates them (classes_replace),
-- and a meeting held must stay with its class.
CREATE TABLE prevention_class_meetings (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	semester TEXT NOT NULL,
	held_on TEXT NOT NULL,
	grade INTEGER NOT NULL,
	class_name TEXT NOT NULL,
	topic TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	replaces INTEGER REFERENCES prevention_class_meetings(id),
	superseded_by INTEGER,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX prevention_meetings_unit ON prevention_class_meetings (unit_id, semester);
CREATE INDEX prevention_meetings_sem ON prevention_class_meetings (semester, unit_id);

CREATE TABLE prevention_screenings (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	semester TEXT NOT NULL,
	held_on TEXT NOT NULL,
	-- comma-separated: stairwell,rooftop,storeroom,toilet,corner,
	-- dormitory,playground_edge,other
	places TEXT NOT NULL,
	findings TEXT NOT NULL DEFAULT '',
	-- yes | partial | no
	video TEXT NOT NULL,
	fixes TEXT NOT NULL DEFAULT '',
	replaces INTEGER REFERENCES prevention_screenings(id),
	superseded_by INTEGER,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX prevention_screenings_unit ON prevention_screenings (unit_id, semester);
CREATE INDEX prevention_screenings_sem ON prevention_screenings (semester, unit_id);

-- One course a person took. account_id is set when the person has an
-- account of the school (matched by id, or by a unique display name);
-- other staff (guards, canteen staff) are named only. hours in tenths.
-- score 0..100 and passed are NULL when there was no assessment.
CREATE TABLE prevention_training (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	account_id INTEGER REFERENCES accounts(id),
	name TEXT NOT NULL,
	-- principal | committee_member | head_teacher | counsellor | teacher |
	-- other_staff
	role TEXT NOT NULL,
	course TEXT NOT NULL,
	held_on TEXT NOT NULL,
	semester TEXT NOT NULL,
	-- 'YYYY-YYYY': September to August
	school_year TEXT NOT NULL,
	hours_tenths INTEGER NOT NULL,
	provider TEXT NOT NULL DEFAULT '',
	score INTEGER,
	passed INTEGER,
	replaces INTEGER REFERENCES prevention_training(id),
	superseded_by INTEGER,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX prevention_training_unit ON prevention_training (unit_id, school_year);
CREATE INDEX prevention_training_account ON prevention_training (account_id, school_year);
