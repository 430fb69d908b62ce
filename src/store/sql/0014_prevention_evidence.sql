-- 0014_prevention_evidence: the files that show a school's prevention
-- work was done (issue 6): photos of an education session, a class
-- meeting, a screening or a parent session, and PDFs (sign-in sheets,
-- slides, reports). Up to four per record; training records take none.
--
-- A file belongs to one record: kind names its table (session →
-- prevention_sessions, class_meeting → prevention_class_meetings,
-- screening → prevention_screenings) and record_id its row. A correction
-- copies the files of the record it replaces to the new record, so a
-- file row, like a record, is never updated or deleted.
--
-- data is the file sealed under the data key (crypto_seal: "XA1", iv,
-- SM4-CTR ciphertext, HMAC-SM3 tag): a photo of a session shows
-- children's faces, and a copy of the database must not show them.
-- Photos are stored as cleaned (no EXIF, GPS or comments, attach.h);
-- size is the bytes of the file as served. name is the sent file's base
-- name with the extension of what the file really is.
CREATE TABLE prevention_evidence (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	-- session | class_meeting | screening
	kind TEXT NOT NULL,
	record_id INTEGER NOT NULL,
	-- image/jpeg | image/png | application/pdf
	mime TEXT NOT NULL,
	size INTEGER NOT NULL,
	name TEXT NOT NULL,
	data BLOB NOT NULL,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX prevention_evidence_record ON prevention_evidence (kind, record_id);
CREATE INDEX prevention_evidence_unit ON prevention_evidence (unit_id, id);
