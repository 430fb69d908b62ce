-- Notices (src/notify/): what happened, for whom, how it left and who
-- acknowledged it. A notice is written in the same transaction as the
-- event that causes it (status 'new'); the scheduler then finds its
-- recipients by the rules, fills their inboxes and the outbox, and climbs
-- the ladder of an urgent one until someone acknowledges it.
--
-- Nothing here holds a minor's name or a sensitive detail: params are the
-- slots of a fixed sentence (a case number, a school's name, a date).
--
-- A new report at a school whose earlier report notice is still live
-- (someone was told, nobody acknowledged, still climbing or raised within
-- one escalation step) joins it (status 'folded', folded_into, and its
-- events count) instead of ringing again: the item turns unread and says
-- how many more arrived, the ladder keeps climbing, and acknowledging it
-- acknowledges them all. A notice that told nobody ('untold': its rule is
-- off, or no rung names anyone) is kept and nothing joins it.

CREATE TABLE notices (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'new',	-- new | sent (someone told) | untold | folded
	folded_into BIGINT NOT NULL DEFAULT 0,	-- the open notice it joined
	events INTEGER NOT NULL DEFAULT 1,	-- how many events it tells (folded ones count)
	urgent INTEGER NOT NULL DEFAULT 0,
	unit_id INTEGER NOT NULL DEFAULT 0,	-- the school or unit it concerns
	object_type TEXT NOT NULL DEFAULT '',
	object_id BIGINT NOT NULL DEFAULT 0,
	case_id BIGINT NOT NULL DEFAULT 0,	-- shown on this case's page
	actor_id BIGINT NOT NULL DEFAULT 0,	-- first receiver / case owner
	dedup TEXT,				-- at most one notice per key
	params TEXT NOT NULL DEFAULT '{}',
	link TEXT NOT NULL DEFAULT '',
	rung INTEGER NOT NULL DEFAULT 0,	-- the ladder's rung reached
	next_rung_at BIGINT NOT NULL DEFAULT 0,	-- climb then unless acknowledged
	acked_at BIGINT NOT NULL DEFAULT 0,
	acked_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX notices_new ON notices(id) WHERE status = 'new';
CREATE INDEX notices_climb ON notices(next_rung_at) WHERE next_rung_at > 0;
CREATE INDEX notices_case ON notices(case_id) WHERE case_id > 0;
CREATE INDEX notices_object ON notices(object_type, object_id);
CREATE UNIQUE INDEX notices_dedup ON notices(dedup) WHERE dedup IS NOT NULL;
CREATE INDEX notices_open ON notices(unit_id, actor_id, id)
	WHERE kind = 'report.new' AND status = 'sent' AND acked_at = 0;

-- Each account a notice reached: its in-app inbox, with the rung that
-- reached it and the SM3 of the secret half of its one-tap link
-- (/ack/ID.SECRET: found by id, checked against the hash).
CREATE TABLE inbox (
	id INTEGER PRIMARY KEY,
	notice_id INTEGER NOT NULL REFERENCES notices(id),
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	rung INTEGER NOT NULL DEFAULT 0,
	token_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	read_at BIGINT NOT NULL DEFAULT 0,
	acked_at BIGINT NOT NULL DEFAULT 0,
	UNIQUE (notice_id, account_id)
);
CREATE INDEX inbox_account ON inbox(account_id, id);

-- What must still leave by e-mail or SMS. A row is 'sent' only once the
-- far end confirmed; a restart retries what was pending or half-sent and
-- never what was confirmed.
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	inbox_id INTEGER NOT NULL REFERENCES inbox(id),
	channel TEXT NOT NULL,			-- email | sms
	address TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	urgent INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'pending',	-- pending | sent | failed | cancelled
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at BIGINT NOT NULL,		-- not before (quiet hours, backoff)
	sent_at BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_at) WHERE status = 'pending';
CREATE INDEX outbox_inbox ON outbox(inbox_id);

-- Every attempt: begun before the message leaves, ended when the far end
-- answered (an attempt left 'started' was cut off by a stop or a crash).
CREATE TABLE outbox_attempts (
	id INTEGER PRIMARY KEY,
	outbox_id INTEGER NOT NULL REFERENCES outbox(id),
	started_at BIGINT NOT NULL,
	ended_at BIGINT NOT NULL DEFAULT 0,
	result TEXT NOT NULL DEFAULT 'started',	-- started | sent | retry | failed
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_item ON outbox_attempts(outbox_id);

-- What notifies whom, editable by the bureau. rungs: the ladder, rungs
-- separated by '>', each a comma list of who (chair, principal,
-- first_receiver, case_owner, office, office_director, leader); an
-- ordinary notice goes to the first rung only. channels: besides the
-- inbox, which is always used: email, sms.
CREATE TABLE notify_rules (
	kind TEXT PRIMARY KEY,
	enabled INTEGER NOT NULL DEFAULT 1,
	urgent INTEGER NOT NULL DEFAULT 0,
	rungs TEXT NOT NULL,
	channels TEXT NOT NULL DEFAULT '',
	updated_by BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO notify_rules (kind, urgent, rungs, channels) VALUES
	('report.new', 1, 'chair,first_receiver>principal>office>office_director>leader', 'email,sms'),
	('case.serious', 1, 'office>office_director>leader', 'email,sms'),
	('deadline.near', 0, 'case_owner', 'email'),
	('deadline.passed', 1, 'case_owner>chair>office>office_director>leader', 'email,sms'),
	('supervision.order', 0, 'principal', 'email,sms'),
	('return.due', 0, 'principal', 'email'),
	('return.late', 0, 'principal', 'email'),
	('sentiment.alert', 1, 'office>office_director>leader', 'email,sms');
