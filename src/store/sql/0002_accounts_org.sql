-- 0002_accounts_org.sql: the organisation registry, accounts, roles,
-- sessions, the audit chain and settings. Portable subset: see 0001.

-- Units form one tree under the bureau. path is the materialised path of
-- ids ("/1/4/27/"), so "is X within Y's scope" is a prefix test.
-- kind: bureau | section | office | township | school | agency.
CREATE TABLE units (
	id INTEGER PRIMARY KEY,
	parent_id INTEGER REFERENCES units(id),
	path TEXT NOT NULL,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	aliases TEXT NOT NULL DEFAULT '',
	code TEXT UNIQUE,
	-- schools: primary | junior | senior | nine_year | twelve_year |
	-- vocational | special; ownership: public | private; direct: 局直
	school_type TEXT NOT NULL DEFAULT '',
	ownership TEXT NOT NULL DEFAULT '',
	direct INTEGER NOT NULL DEFAULT 0,
	-- agencies: police | court | procuratorate | civil_affairs | justice |
	-- hr_social_security | youth_league | womens_federation |
	-- disabled_federation
	agency_type TEXT NOT NULL DEFAULT '',
	township_id INTEGER REFERENCES units(id),
	address TEXT NOT NULL DEFAULT '',
	-- stages taught, comma-separated: primary,junior,senior,vocational
	stages TEXT NOT NULL DEFAULT '',
	-- the public anti-bullying contact (四(四) of the notice)
	office_name TEXT NOT NULL DEFAULT '',
	office_phone TEXT NOT NULL DEFAULT '',
	office_email TEXT NOT NULL DEFAULT '',
	legal_vp_phone TEXT NOT NULL DEFAULT '',
	safety_lead_phone TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_kind ON units(kind, township_id);

-- Grades and classes of a school with head counts by gender.
CREATE TABLE classes (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	grade INTEGER NOT NULL,
	name TEXT NOT NULL,
	boys INTEGER NOT NULL DEFAULT 0,
	girls INTEGER NOT NULL DEFAULT 0,
	UNIQUE (unit_id, grade, name)
);

-- Accounts. password_hash names its algorithm (crypto.h). totp_secret is
-- sealed with the data key (hex of crypto_seal output), '' when unset.
CREATE TABLE accounts (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	phone TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	password_changed_at BIGINT NOT NULL DEFAULT 0,
	must_change INTEGER NOT NULL DEFAULT 0,
	disabled INTEGER NOT NULL DEFAULT 0,
	totp_secret TEXT NOT NULL DEFAULT '',
	totp_pending TEXT NOT NULL DEFAULT '',
	totp_last_step BIGINT NOT NULL DEFAULT 0,
	failed_count INTEGER NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_unit ON accounts(unit_id);

-- Roles an account holds in its unit. member_type only for
-- committee_member: staff | legal_vp | legal_adviser | outside_expert |
-- parent_rep | student_rep | community_worker.
CREATE TABLE account_roles (
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	role TEXT NOT NULL,
	member_type TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (account_id, role)
);

-- One-time recovery codes for two-factor sign-in, stored as SM3 hex.
CREATE TABLE recovery_codes (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	code_hash TEXT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX recovery_codes_account ON recovery_codes(account_id);

-- Server-side sessions. Only the SM3 of the token is stored.
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions(account_id);

-- The committee roster over time: who sat on a school's 学生欺凌治理委员会
-- and from when to when (to_date '' = still sitting). A member may or may
-- not have an account (outside experts, parents often do not).
-- role: chair | vice_chair | member | secretary.
CREATE TABLE committee_members (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	account_id INTEGER REFERENCES accounts(id),
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	member_type TEXT NOT NULL,
	from_date TEXT NOT NULL,
	to_date TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX committee_unit ON committee_members(unit_id, from_date);

-- The audit chain. hash = SM3(prev_hash | the record's canonical text);
-- mac = HMAC-SM3(key outside the database, hash). fields lists the names
-- of what changed or was read, never sensitive values.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at BIGINT NOT NULL,
	account_id INTEGER NOT NULL DEFAULT 0,
	unit_id INTEGER NOT NULL DEFAULT 0,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id BIGINT NOT NULL DEFAULT 0,
	fields TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	mac TEXT NOT NULL
);
CREATE INDEX audit_account ON audit_log(account_id, at);
CREATE INDEX audit_object ON audit_log(object_type, object_id);
CREATE INDEX audit_action ON audit_log(action, at);

-- The chain's head, MACed, so removing the newest records is caught too.
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY,
	last_id BIGINT NOT NULL,
	last_hash TEXT NOT NULL,
	mac TEXT NOT NULL
);

-- Settings the bureau changes at run time (password policy, lockout,
-- two-factor, committee rule, ...). Values are text; defaults live in
-- the code (src/auth/settings.c) so an absent key means the default.
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	updated_by INTEGER NOT NULL DEFAULT 0
);
