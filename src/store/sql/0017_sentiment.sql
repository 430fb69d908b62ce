-- 0017_sentiment: public-opinion monitoring (舆情监测), the notice's 四(一):
-- the register of what the press and social media say of bullying at the
-- city's schools, where it came from, what it matched, and what the
-- bureau's office did about it (docs/internals/sentiment.md).
--
-- Items are public material (a story, a post, a note of a phone call), so
-- they are not sealed; the register is the office's alone, and nothing
-- leaves it (the bimonthly 通报, exports) with an item's words, its link
-- or a name: only counts, dates, schools and what was done.
--
-- A story turned into a report makes a report with the channel 'media'
-- (媒体舆情), a new value of reports.channel (0004's list).

-- Feeds the office polls. next_at: when the poller takes it next (a claim
-- moves it past a lease, so a crashed poll is retried); failures: in a
-- row since the last success (the back-off grows with it); etag and
-- last_modified: the last answer's validators, sent back as
-- If-None-Match and If-Modified-Since.
CREATE TABLE sentiment_feeds (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	url TEXT NOT NULL,
	interval_min INTEGER NOT NULL DEFAULT 30,
	enabled INTEGER NOT NULL DEFAULT 1,
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	next_at BIGINT NOT NULL DEFAULT 0,
	polled_at BIGINT NOT NULL DEFAULT 0,
	ok_at BIGINT NOT NULL DEFAULT 0,
	failures INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	items_total INTEGER NOT NULL DEFAULT 0,
	last_items INTEGER NOT NULL DEFAULT 0,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX sentiment_feeds_due ON sentiment_feeds (enabled, next_at);

-- Tokens of outside monitoring services, good for one call: pushing
-- items. Only the SM3 of the token is kept; prefix (its first 8
-- characters) tells tokens apart on the page. revoked_at 0: live.
CREATE TABLE sentiment_tokens (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_by INTEGER NOT NULL DEFAULT 0,
	revoked_at BIGINT NOT NULL DEFAULT 0,
	used_at BIGINT NOT NULL DEFAULT 0,
	items_total INTEGER NOT NULL DEFAULT 0
);

-- The office's changes to the shipped lexicon (match.c's): a term added
-- or re-weighted (removed 0), or a shipped term taken out (removed 1).
-- The lexicon in force is the shipped one with these applied, so a
-- shipped term added by a later release reaches the city too.
CREATE TABLE sentiment_terms (
	term TEXT PRIMARY KEY,
	weight INTEGER NOT NULL,
	cat TEXT NOT NULL,
	removed INTEGER NOT NULL DEFAULT 0,
	updated_by INTEGER NOT NULL,
	updated_at BIGINT NOT NULL
);

-- Screenshots and files attached to an item entered by hand.
CREATE TABLE sentiment_files (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	mime TEXT NOT NULL,
	size BIGINT NOT NULL,
	data BLOB NOT NULL,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);

-- The items. source: feed | push | manual. dedup_key: the source's own id
-- of the item ("f12:<guid>", "p:<id>"), so a feed polled again or a
-- service pushing twice adds nothing; NULL when the source gave none.
-- story_id: the first item of the same story (itself for the first); the
-- handling lives on that first item. simhash: the 64 bits as a signed
-- integer. reasons: the matcher's reasons, one per line. state (of a
-- story's first item): new | verified | dismissed. case_id, report_id:
-- the case it was linked to, the report it was turned into.
-- response_*: the office's official response, when it was made public.
-- alerted_at: when the urgent notice was raised (once a story).
CREATE TABLE sentiment_items (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	feed_id INTEGER REFERENCES sentiment_feeds(id),
	token_id INTEGER REFERENCES sentiment_tokens(id),
	dedup_key TEXT UNIQUE,
	outlet TEXT NOT NULL DEFAULT '',
	url TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	published_at BIGINT NOT NULL DEFAULT 0,
	received_at BIGINT NOT NULL,
	entered_by INTEGER NOT NULL DEFAULT 0,
	file_id INTEGER REFERENCES sentiment_files(id),
	simhash BIGINT NOT NULL,
	score INTEGER NOT NULL,
	reasons TEXT NOT NULL DEFAULT '',
	cats TEXT NOT NULL DEFAULT '',
	school_id INTEGER REFERENCES units(id),
	township_id INTEGER REFERENCES units(id),
	story_id INTEGER,
	copies INTEGER NOT NULL DEFAULT 1,
	story_score INTEGER NOT NULL DEFAULT 0,
	last_seen_at BIGINT NOT NULL DEFAULT 0,
	state TEXT NOT NULL DEFAULT 'new',
	reason TEXT NOT NULL DEFAULT '',
	handled_by INTEGER NOT NULL DEFAULT 0,
	handled_at BIGINT NOT NULL DEFAULT 0,
	case_id INTEGER REFERENCES cases(id),
	report_id INTEGER REFERENCES reports(id),
	response TEXT NOT NULL DEFAULT '',
	response_channel TEXT NOT NULL DEFAULT '',
	response_at BIGINT NOT NULL DEFAULT 0,
	response_by INTEGER NOT NULL DEFAULT 0,
	alerted_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sentiment_items_story ON sentiment_items (story_id, id);
CREATE INDEX sentiment_items_received ON sentiment_items (received_at);
CREATE INDEX sentiment_items_url ON sentiment_items (url);
CREATE INDEX sentiment_items_school ON sentiment_items (school_id, received_at);
