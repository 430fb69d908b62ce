-- 0007_surveys: the all-student anti-bullying survey (src/prevention/survey.c,
-- docs/internals/survey.md): questionnaire templates, campaigns, one-time
-- slips, the anonymous answers and the counts per class kept as they arrive.
--
-- Never here: anything that names or locates a student. A slip knows its
-- class, not who holds it; an answer knows its class and grade, not its
-- slip, its time or its address; a request for help becomes a report
-- (reports, channel 'survey') with nothing that points to the answer.

-- The questionnaire, as JSON (survey.h): intro, questions with id, type
-- (one | many | text), text, options, optional, show_if (the skip rule:
-- {q, in | not}). level: primary (grades 3-6) or secondary.
CREATE TABLE survey_templates (
	id INTEGER PRIMARY KEY,
	level TEXT NOT NULL,
	name TEXT NOT NULL,
	body TEXT NOT NULL,
	updated_at BIGINT NOT NULL DEFAULT 0
);

-- A campaign: opened by the bureau office (for some or all schools) or by a
-- school (for itself), for one semester ('2025-2026-1'). It freezes the
-- two templates it asks with.
CREATE TABLE survey_campaigns (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	name TEXT NOT NULL,
	semester TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'open',	-- open | closed
	primary_body TEXT NOT NULL,
	secondary_body TEXT NOT NULL,
	opened_at BIGINT NOT NULL,
	closed_at BIGINT NOT NULL DEFAULT 0,
	created_by INTEGER REFERENCES accounts(id)
);
CREATE INDEX survey_campaigns_semester ON survey_campaigns(semester, unit_id);

CREATE TABLE survey_campaign_schools (
	campaign_id INTEGER NOT NULL REFERENCES survey_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	PRIMARY KEY (campaign_id, unit_id)
);
CREATE INDEX survey_campaign_schools_unit ON survey_campaign_schools(unit_id);

-- One slip per student of a class (from its head count). secret: hex SM3
-- of the slip's code (the code itself is derived again from the id with a
-- key outside the database, to print the slips). used_at: 0, or the start
-- of the day (UTC) it was used, never the moment. Deleted when the
-- campaign closes.
CREATE TABLE survey_slips (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES survey_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	class_id INTEGER NOT NULL REFERENCES classes(id),
	secret TEXT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX survey_slips_class ON survey_slips(campaign_id, class_id);

-- The answers, without the last question (whether and how the student
-- asked for help) and without any time. ids are random, so their order
-- says nothing of when an answer came.
CREATE TABLE survey_responses (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES survey_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	class_id INTEGER NOT NULL,
	grade INTEGER NOT NULL,
	answers TEXT NOT NULL
);

-- The counts per class, kept in the answer's own transaction; results
-- read only these. measures: responses[.m|.f], victim[.m|.f],
-- bully[.m|.f] (at 2-3 times a month or more), form.<kind>, place.<place>,
-- told.<whom>, adult_helped (among victims), help_wanted.
CREATE TABLE survey_counts (campaign_id INTEGER NOT NULL, class_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, measure TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (campaign_id, class_id, measure));
CREATE INDEX survey_counts_unit ON survey_counts(campaign_id, unit_id);

-- The shipped templates, built on the structure of the Olweus Bullying
-- Questionnaire, in Chinese; the bureau may edit them.
INSERT INTO survey_templates (id, level, name, body) VALUES (1, 'primary', '小学三至六年级问卷',
'{"level":"primary","intro":"这不是考试，答案没有对错。不用写名字，老师也看不到你选了什么。请按真实情况回答。","questions":[{"id":"gender","type":"one","optional":true,"text":"你是男生还是女生？","options":[{"value":"m","text":"男生"},{"value":"f","text":"女生"},{"value":"x","text":"不想说"}]},{"id":"victim","type":"one","text":"这学期开学以来，有没有同学故意欺负你？比如打你、骂你、给你起难听的外号、抢你的东西、故意不跟你玩，或者在网上说你坏话。","options":[{"value":"never","text":"没有过"},{"value":"once_twice","text":"有过一两次"},{"value":"monthly","text":"一个月两三次"},{"value":"weekly","text":"差不多每个星期一次"},{"value":"several_weekly","text":"一个星期好几次"}]},{"id":"victim_forms","type":"many","show_if":{"q":"victim","not":["never"]},"text":"他们是怎么欺负你的？可以选好几个。","options":[{"value":"physical","text":"打你、踢你、推你，或者吓唬你"},{"value":"verbal","text":"骂你、笑话你、给你起难听的外号"},{"value":"property","text":"抢你的东西、要你的钱、弄坏你的东西"},{"value":"exclusion","text":"故意不跟你玩，让别人也不理你"},{"value":"online","text":"在网上、群里说你坏话，或者乱发你的照片"},{"value":"other","text":"别的方式"}]},{"id":"victim_places","type":"many","show_if":{"q":"victim","not":["never"]},"text":"在哪里发生的？可以选好几个。","options":[{"value":"classroom","text":"教室里"},{"value":"corridor","text":"走廊、楼梯"},{"value":"toilet","text":"厕所"},{"value":"playground","text":"操场"},{"value":"canteen","text":"食堂"},{"value":"way","text":"上学、放学的路上"},{"value":"online","text":"网上"},{"value":"other","text":"别的地方"}]},{"id":"told","type":"many","show_if":{"q":"victim","not":["never"]},"text":"你告诉过谁吗？可以选好几个。","options":[{"value":"nobody","text":"谁也没告诉"},{"value":"head_teacher","text":"班主任"},{"value":"teacher","text":"别的老师"},{"value":"parent","text":"爸爸妈妈或家里人"},{"value":"friend","text":"同学、朋友"},{"value":"other","text":"别人"}]},{"id":"adult_helped","type":"one","show_if":{"q":"victim","not":["never"]},"text":"有大人帮你吗？","options":[{"value":"yes","text":"帮了，后来好多了"},{"value":"tried","text":"帮了，可是还会发生"},{"value":"no","text":"没有"},{"value":"not_told","text":"大人不知道"}]},{"id":"bully","type":"one","text":"这学期开学以来，你有没有自己或者跟别人一起，故意欺负过别的同学？","options":[{"value":"never","text":"没有过"},{"value":"once_twice","text":"有过一两次"},{"value":"monthly","text":"一个月两三次"},{"value":"weekly","text":"差不多每个星期一次"},{"value":"several_weekly","text":"一个星期好几次"}]},{"id":"help","type":"one","optional":true,"text":"你想不想找个老师聊一聊？不想也没关系。","options":[{"value":"no","text":"不用了"},{"value":"counsellor","text":"想，请心理老师来找我"},{"value":"name","text":"想，我留下名字"}]},{"id":"help_name","type":"text","optional":true,"show_if":{"q":"help","in":["name"]},"text":"写下你的名字和班级。只有来帮你的老师能看到，你前面的回答谁也看不到。"}]}');
INSERT INTO survey_templates (id, level, name, body) VALUES (2, 'secondary', '初中、高中问卷',
'{"level":"secondary","intro":"这份问卷不记名，没有对错之分。你的回答只用于统计，学校和老师看不到某一个人的答案。请根据真实情况作答。","questions":[{"id":"gender","type":"one","optional":true,"text":"你的性别","options":[{"value":"m","text":"男生"},{"value":"f","text":"女生"},{"value":"x","text":"不想说"}]},{"id":"victim","type":"one","text":"最近两三个月里，你有没有被同学欺凌过？欺凌是指一个或几个同学故意、反复地欺负比自己弱的人：打人、辱骂、起侮辱性的外号、抢夺或毁坏财物、故意孤立，或者在网上造谣、曝光隐私。同学之间开玩笑、打闹不算。","options":[{"value":"never","text":"没有"},{"value":"once_twice","text":"只有一两次"},{"value":"monthly","text":"每月两三次"},{"value":"weekly","text":"大约每周一次"},{"value":"several_weekly","text":"每周好几次"}]},{"id":"victim_forms","type":"many","show_if":{"q":"victim","not":["never"]},"text":"是哪些方式？可多选。","options":[{"value":"physical","text":"殴打、踢、推搡、掐咬，或者威胁恐吓"},{"value":"verbal","text":"辱骂、讥讽、嘲弄，起侮辱性的外号"},{"value":"property","text":"抢东西、强要钱物、故意弄坏你的东西"},{"value":"exclusion","text":"故意排斥、孤立你"},{"value":"online","text":"在网上诽谤、造谣，或者传播你的隐私、照片"},{"value":"other","text":"其他方式"}]},{"id":"victim_places","type":"many","show_if":{"q":"victim","not":["never"]},"text":"发生在哪里？可多选。","options":[{"value":"classroom","text":"教室里"},{"value":"corridor","text":"走廊、楼道、楼梯"},{"value":"toilet","text":"厕所"},{"value":"playground","text":"操场"},{"value":"canteen","text":"食堂、宿舍"},{"value":"way","text":"上学、放学的路上"},{"value":"online","text":"网上"},{"value":"other","text":"其他地方"}]},{"id":"told","type":"many","show_if":{"q":"victim","not":["never"]},"text":"你告诉过谁？可多选。","options":[{"value":"nobody","text":"没有告诉任何人"},{"value":"head_teacher","text":"班主任"},{"value":"teacher","text":"其他老师"},{"value":"parent","text":"家长"},{"value":"friend","text":"同学、朋友"},{"value":"other","text":"其他人"}]},{"id":"adult_helped","type":"one","show_if":{"q":"victim","not":["never"]},"text":"有老师或家长出面帮你吗？","options":[{"value":"yes","text":"有，情况好转了"},{"value":"tried","text":"有，但还在发生"},{"value":"no","text":"没有"},{"value":"not_told","text":"他们不知道这件事"}]},{"id":"bully","type":"one","text":"最近两三个月里，你有没有单独或者和别人一起欺凌过其他同学？","options":[{"value":"never","text":"没有"},{"value":"once_twice","text":"只有一两次"},{"value":"monthly","text":"每月两三次"},{"value":"weekly","text":"大约每周一次"},{"value":"several_weekly","text":"每周好几次"}]},{"id":"help","type":"one","optional":true,"text":"你希望有人找你聊一聊吗？这一题可以不答。","options":[{"value":"no","text":"不需要"},{"value":"counsellor","text":"需要，请心理老师找我"},{"value":"name","text":"需要，我留下名字和班级"}]},{"id":"help_name","type":"text","optional":true,"show_if":{"q":"help","in":["name"]},"text":"请写下你的姓名和班级。只有负责帮助你的老师能看到；你前面的回答仍然是匿名的，和这里没有关联。"}]}');
