-- 0004_cases.sql: reports, cases and everything a case's file holds.
-- Portable subset: see 0001.
--
-- Sensitive content (minors' names, narratives, contacts, health and
-- counselling notes, attachments) is never stored as text: each report and
-- each case has its own 32-byte data key, kept here only wrapped (sealed)
-- by the master data key (DATA/keys/data.key); the content columns are
-- blobs sealed with that per-record key (crypto_seal: "XA1"|iv|ct|tag).
-- Setting wkey to NULL destroys the content for good (crypto-shredding)
-- while every row, and the audit chain over it, stays verifiable.
-- Columns that stay plain are the ones statistics, queues and timers need:
-- kinds, states, tiers, dates, counts — never a name or a narrative.

-- A case: one school's handling of an incident. Numbered per school per
-- year (year, seq). state: see src/cases/cases.h. finding: '' | bullying |
-- not_bullying; tier: '' | general | serious | repeated | unlawful.
-- resume_state: where an appeal returns when the result is upheld.
-- due_at: when the current state's time limit falls due (0: none), kept
-- with the state so the overdue list is one indexed query.
CREATE TABLE cases (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	year INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	wkey BLOB,
	summary BLOB NOT NULL,
	state TEXT NOT NULL,
	state_since BIGINT NOT NULL,
	due_at BIGINT NOT NULL DEFAULT 0,
	resume_state TEXT NOT NULL DEFAULT '',
	finding TEXT NOT NULL DEFAULT '',
	tier TEXT NOT NULL DEFAULT '',
	serious_flag INTEGER NOT NULL DEFAULT 0,
	legal_process INTEGER NOT NULL DEFAULT 0,
	supervised INTEGER NOT NULL DEFAULT 0,
	appealed INTEGER NOT NULL DEFAULT 0,
	owner_id INTEGER REFERENCES accounts(id),
	created_by INTEGER REFERENCES accounts(id),
	opened_at BIGINT NOT NULL,
	closed_at BIGINT NOT NULL DEFAULT 0,
	archived_at BIGINT NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 1,
	UNIQUE (unit_id, year, seq)
);
CREATE INDEX cases_unit_state ON cases(unit_id, state);
CREATE INDEX cases_due ON cases(due_at);
CREATE INDEX cases_owner ON cases(owner_id);

-- Reports: the first word, from anyone. unit_id is the school named (NULL:
-- "not sure"); queue_unit_id is whose triage queue holds it: the school,
-- or the bureau office for a report that names no school.
-- channel: online | hotline | school_phone | in_person | letter | email |
-- observed | survey. place: in_school | outside | online | unknown.
-- behaviours: comma-separated physical,verbal,property,exclusion,online,other.
-- frequency: once | several | ongoing | unknown.
-- reporter: victim | witness | parent | staff | other.
-- status: new | accepted | unfounded | prank | joined.
-- body (sealed JSON): what happened, when, the place, who was involved, the
-- contact the reporter left; never the reporter's address.
CREATE TABLE reports (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER REFERENCES units(id),
	queue_unit_id INTEGER NOT NULL REFERENCES units(id),
	channel TEXT NOT NULL,
	receipt_hash TEXT UNIQUE,
	wkey BLOB,
	body BLOB NOT NULL,
	occurred_on TEXT NOT NULL DEFAULT '',
	place TEXT NOT NULL DEFAULT 'unknown',
	behaviours TEXT NOT NULL DEFAULT '',
	frequency TEXT NOT NULL DEFAULT 'unknown',
	reporter TEXT NOT NULL DEFAULT 'other',
	status TEXT NOT NULL DEFAULT 'new',
	reason BLOB,
	case_id INTEGER REFERENCES cases(id),
	received_by INTEGER REFERENCES accounts(id),
	owner_id INTEGER REFERENCES accounts(id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX reports_queue ON reports(queue_unit_id, status, created_at);
CREATE INDEX reports_case ON reports(case_id);

-- The two-way thread between an anonymous reporter and whoever handles the
-- report. from_reporter 1: the reporter; 0: the school or the office
-- (account_id says who, never shown to the reporter).
CREATE TABLE report_messages (
	id INTEGER PRIMARY KEY,
	report_id INTEGER NOT NULL REFERENCES reports(id),
	from_reporter INTEGER NOT NULL,
	account_id INTEGER REFERENCES accounts(id),
	body BLOB NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX report_messages_report ON report_messages(report_id, id);

-- The people of a case and their role in it (a victim here is not a
-- victim elsewhere). alias is the de-identified label the bureau sees
-- ("学生A"); name and guardians are sealed. compulsory: the student is in
-- compulsory education (primary, junior), which rules out 留校察看,
-- 勒令退学 and 开除. role: victim | perpetrator | witness | bystander.
-- student_ref: HMAC-SM3 under the data key of the school and the
-- student's name (casekey.c), so a prior finding against the same student
-- can be suggested without any name leaving its seal.
CREATE TABLE case_parties (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	role TEXT NOT NULL,
	alias TEXT NOT NULL,
	name BLOB NOT NULL,
	guardians BLOB NOT NULL,
	grade INTEGER NOT NULL DEFAULT 0,
	class_name TEXT NOT NULL DEFAULT '',
	stage TEXT NOT NULL DEFAULT '',
	compulsory INTEGER NOT NULL DEFAULT 1,
	under14 INTEGER NOT NULL DEFAULT 1,
	student_ref TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX case_parties_case ON case_parties(case_id);
CREATE INDEX case_parties_ref ON case_parties(student_ref);

-- The chronology: append-only. A correction is a new event whose
-- corrects_id points at the one it corrects; nothing is updated or
-- deleted. kind: see src/cases/cases.h. meta is plain JSON of what is not
-- sensitive (states, tiers, codes, party ids, dates); body is sealed JSON.
-- restricted 1: counselling notes, readable by the counsellor and the
-- committee's chair alone.
CREATE TABLE case_events (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	kind TEXT NOT NULL,
	party_id INTEGER REFERENCES case_parties(id),
	corrects_id INTEGER REFERENCES case_events(id),
	occurred_at BIGINT NOT NULL,
	author_id INTEGER REFERENCES accounts(id),
	meta TEXT NOT NULL DEFAULT '{}',
	body BLOB,
	restricted INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Attachments (photos, screenshots, documents) of a report or a case,
-- stripped of metadata and sealed with the owner's key.
CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	report_id INTEGER REFERENCES reports(id),
	case_id INTEGER REFERENCES cases(id),
	event_id INTEGER REFERENCES case_events(id),
	mime TEXT NOT NULL,
	size BIGINT NOT NULL,
	name BLOB NOT NULL,
	data BLOB NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX attachments_report ON attachments(report_id);
CREATE INDEX attachments_case ON attachments(case_id);

-- Each school's graded catalogue of measures (校规校纪), by tier.
-- kind: education | discipline | protection | family | police | other.
-- grade (discipline only): warning | serious_warning | demerit |
-- probation | expulsion_order | expulsion. unit_id NULL: the bureau's
-- default catalogue, offered to a school that has not written its own.
CREATE TABLE measure_catalogue (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER REFERENCES units(id),
	tier TEXT NOT NULL,
	kind TEXT NOT NULL,
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	grade TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX measure_catalogue_unit ON measure_catalogue(unit_id, tier);

-- Measures decided in a case, for one party. Dates are UTC seconds, 0
-- while not yet. event_id: the decision's event in the chronology.
CREATE TABLE case_measures (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	party_id INTEGER NOT NULL REFERENCES case_parties(id),
	catalogue_id INTEGER REFERENCES measure_catalogue(id),
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	grade TEXT NOT NULL DEFAULT '',
	decided_by INTEGER REFERENCES accounts(id),
	decided_at BIGINT NOT NULL,
	guardians_told_at BIGINT NOT NULL DEFAULT 0,
	done_at BIGINT NOT NULL DEFAULT 0,
	event_id INTEGER REFERENCES case_events(id)
);
CREATE INDEX case_measures_case ON case_measures(case_id);

-- Follow-up check-ins and protection-plan reviews, with their dates.
-- kind: followup | protection_review.
CREATE TABLE case_reviews (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	party_id INTEGER REFERENCES case_parties(id),
	kind TEXT NOT NULL,
	due_on TEXT NOT NULL,
	done_at BIGINT NOT NULL DEFAULT 0,
	event_id INTEGER REFERENCES case_events(id)
);
CREATE INDEX case_reviews_case ON case_reviews(case_id);
CREATE INDEX case_reviews_due ON case_reviews(done_at, due_on);

-- Bureau supervision (督办). state: open | answered | closed. automatic 1: the
-- case entered the office's queue by itself (serious or unlawful tier).
CREATE TABLE supervisions (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	state TEXT NOT NULL DEFAULT 'open',
	automatic INTEGER NOT NULL DEFAULT 0,
	due_on TEXT NOT NULL,
	required TEXT NOT NULL DEFAULT '',
	opened_by INTEGER REFERENCES accounts(id),
	opened_at BIGINT NOT NULL,
	answer TEXT NOT NULL DEFAULT '',
	answered_by INTEGER REFERENCES accounts(id),
	answered_at BIGINT NOT NULL DEFAULT 0,
	closed_by INTEGER REFERENCES accounts(id),
	closed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX supervisions_state ON supervisions(state, due_on);
CREATE INDEX supervisions_case ON supervisions(case_id);

-- Appeals (申诉) to the county body and its review (复查).
-- state: lodged | upheld | review | decided. party_id: who lodged it.
-- panel (sealed JSON): the review panel's members.
CREATE TABLE appeals (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	party_id INTEGER REFERENCES case_parties(id),
	lodged_on TEXT NOT NULL,
	lodged_by TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'lodged',
	panel BLOB,
	review_due BIGINT NOT NULL DEFAULT 0,
	decided_at BIGINT NOT NULL DEFAULT 0,
	outcome TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX appeals_case ON appeals(case_id);

-- Requests by bureau staff to see the identities in a case
-- (未成年人网络保护条例 第三十六条): recorded, with a reason, approved or
-- refused by the office director, valid until expires_at.
-- state: pending | approved | refused.
CREATE TABLE identity_requests (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	reason TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending',
	decided_by INTEGER REFERENCES accounts(id),
	decided_at BIGINT NOT NULL DEFAULT 0,
	expires_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX identity_requests_case ON identity_requests(case_id, account_id);
CREATE INDEX identity_requests_state ON identity_requests(state);
