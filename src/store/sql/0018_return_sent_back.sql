-- 0018_return_sent_back: a school whose monthly return the bureau's
-- office sent back is told so (until now it saw it only on the return's
-- page): an ordinary notice to its principal, by e-mail too, which the
-- bureau may re-route at /notify/rules like any other.
INSERT INTO notify_rules (kind, urgent, rungs, channels) VALUES
	('return.sent_back', 0, 'principal', 'email');
