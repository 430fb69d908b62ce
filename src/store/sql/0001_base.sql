-- 0001_base.sql: the first tables.
--
-- Portable subset, so the same file runs on SQLite and PostgreSQL:
-- types INTEGER (32-bit values), BIGINT (times in UTC seconds, counts that
-- may pass 2^31), TEXT (UTF-8), DOUBLE PRECISION, BLOB only through the
-- backend's rewrite (bytea); "id INTEGER PRIMARY KEY" is the row id (the
-- PostgreSQL backend turns it into an identity column); no AUTOINCREMENT,
-- no type-less columns, no backticks, no ON CONFLICT REPLACE, no
-- statement-level BEGIN/COMMIT (db_migrate wraps each file in one
-- transaction and creates schema_migrations itself). Never edit a
-- migration that has shipped: add the next number.

-- Content-Security-Policy violation reports that browsers POST to us.
-- received_at is UTC seconds; the other fields are the report's own,
-- trimmed to their caps before they get here.
CREATE TABLE csp_reports (
	id INTEGER PRIMARY KEY,
	received_at BIGINT NOT NULL,
	document_uri TEXT NOT NULL,
	violated_directive TEXT NOT NULL,
	blocked_uri TEXT NOT NULL,
	source_file TEXT NOT NULL DEFAULT '',
	line INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX csp_reports_received_at ON csp_reports (received_at);
