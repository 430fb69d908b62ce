-- Receipt codes that name their report (src/cases/receipt.h): a new
-- report's code decodes, with a key outside the database, to the report's
-- id, and the row keeps the SM3 of the code in `receipt` to check it. So
-- finding a report by its code is a look-up by id, and storing one costs
-- no insert at a random place in an index of hashes (a page written per
-- report). receipt_hash (unique, hence indexed) keeps the codes given
-- before this migration, which go on working; new reports leave it NULL.
ALTER TABLE reports ADD COLUMN receipt TEXT;

-- Most reports never join a case (and none does when it arrives): the
-- index of reports by case need not hold them. Every "case_id = ?" still
-- uses it.
DROP INDEX reports_case;
CREATE INDEX reports_case ON reports(case_id) WHERE case_id IS NOT NULL;
