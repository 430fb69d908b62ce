-- 0011_inspection: inspection (督导), rectification (整改) and
-- accountability (问责), the notice's 四(二) (src/bureau/inspect.h).
--
-- A checklist is data the office edits: items grouped under the notice's
-- six parts (1..6), each with its text, a maximum score and whether
-- evidence is required. A campaign copies the items of its checklist
-- into insp_campaign_items when it opens, so later edits of the
-- checklist never change a campaign under way. One inspection per
-- campaign and school holds the inspector's scores (a draft saved item by
-- item, then submitted). Items below full score, and findings written
-- explicitly, become rectification tasks with a deadline; the school
-- answers, the inspector re-checks: passed closes the task, not passed
-- sends it back with a new deadline. insp_task_events keeps every answer
-- and re-check; it is appended to, never changed.
--
-- Accountability records are about staff and units, never minors. They
-- are an official act: never updated, except that a correction record
-- (corrects) marks the record it corrects (corrected_by).

CREATE TABLE insp_checklists (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	created_by INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE insp_checklist_items (
	id INTEGER PRIMARY KEY,
	checklist_id INTEGER NOT NULL REFERENCES insp_checklists(id),
	-- the notice's part: 1 机构 2 分工 3 日常管理 4 预防 5 处置 6 长效机制
	part INTEGER NOT NULL CHECK (part BETWEEN 1 AND 6),
	position INTEGER NOT NULL,
	text TEXT NOT NULL,
	max_score INTEGER NOT NULL CHECK (max_score BETWEEN 1 AND 100),
	evidence_required INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX insp_checklist_items_list ON insp_checklist_items (checklist_id, part, position);

CREATE TABLE insp_campaigns (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	checklist_id INTEGER NOT NULL REFERENCES insp_checklists(id),
	-- all | township | list: how the schools were chosen
	scope TEXT NOT NULL,
	township_id INTEGER REFERENCES units(id),
	-- days a school has to rectify a finding, counted from the submission
	rectify_days INTEGER NOT NULL DEFAULT 30,
	-- draft | open | closed
	state TEXT NOT NULL DEFAULT 'draft',
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	opened_at BIGINT,
	closed_at BIGINT
);

CREATE TABLE insp_campaign_schools (
	campaign_id INTEGER NOT NULL REFERENCES insp_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	PRIMARY KEY (campaign_id, unit_id)
);
CREATE INDEX insp_campaign_schools_unit ON insp_campaign_schools (unit_id);

CREATE TABLE insp_campaign_inspectors (
	campaign_id INTEGER NOT NULL REFERENCES insp_campaigns(id),
	account_id INTEGER NOT NULL REFERENCES accounts(id),
	PRIMARY KEY (campaign_id, account_id)
);

-- The checklist as it stood when the campaign opened.
CREATE TABLE insp_campaign_items (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES insp_campaigns(id),
	part INTEGER NOT NULL,
	position INTEGER NOT NULL,
	text TEXT NOT NULL,
	max_score INTEGER NOT NULL,
	evidence_required INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX insp_campaign_items_list ON insp_campaign_items (campaign_id, part, position);

CREATE TABLE insp_inspections (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES insp_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	-- draft | submitted
	state TEXT NOT NULL DEFAULT 'draft',
	visited_on TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	-- set on submission
	total INTEGER NOT NULL DEFAULT 0,
	max_total INTEGER NOT NULL DEFAULT 0,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	updated_by INTEGER NOT NULL,
	updated_at BIGINT NOT NULL,
	submitted_by INTEGER,
	submitted_at BIGINT,
	UNIQUE (campaign_id, unit_id)
);
CREATE INDEX insp_inspections_unit ON insp_inspections (unit_id);

CREATE TABLE insp_scores (
	inspection_id INTEGER NOT NULL REFERENCES insp_inspections(id),
	item_id INTEGER NOT NULL REFERENCES insp_campaign_items(id),
	score INTEGER NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	updated_by INTEGER NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (inspection_id, item_id)
);

CREATE TABLE insp_tasks (
	id INTEGER PRIMARY KEY,
	inspection_id INTEGER NOT NULL REFERENCES insp_inspections(id),
	campaign_id INTEGER NOT NULL REFERENCES insp_campaigns(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	-- the campaign item below full score, or NULL for a finding written out
	item_id INTEGER REFERENCES insp_campaign_items(id),
	finding TEXT NOT NULL,
	requirement TEXT NOT NULL DEFAULT '',
	due_on TEXT NOT NULL,
	-- open (the school's turn) | answered (the inspector's turn) |
	-- closed (passed the re-check)
	state TEXT NOT NULL,
	round INTEGER NOT NULL DEFAULT 1,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	closed_at BIGINT
);
CREATE INDEX insp_tasks_unit ON insp_tasks (unit_id, state);
CREATE INDEX insp_tasks_campaign ON insp_tasks (campaign_id, state);

CREATE TABLE insp_task_events (
	id INTEGER PRIMARY KEY,
	task_id INTEGER NOT NULL REFERENCES insp_tasks(id),
	-- answer (the school) | passed | failed (the inspector's re-check)
	kind TEXT NOT NULL,
	text TEXT NOT NULL,
	new_due_on TEXT NOT NULL DEFAULT '',
	by_account INTEGER NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX insp_task_events_task ON insp_task_events (task_id, id);

-- Evidence: a photo (JPEG, PNG, cleaned of metadata) or a PDF, of a
-- score (inspection_id + item_id) or of a school's answer (event_id).
CREATE TABLE insp_evidence (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES units(id),
	inspection_id INTEGER REFERENCES insp_inspections(id),
	item_id INTEGER REFERENCES insp_campaign_items(id),
	event_id INTEGER REFERENCES insp_task_events(id),
	filename TEXT NOT NULL,
	mime TEXT NOT NULL,
	size INTEGER NOT NULL,
	data BLOB NOT NULL,
	created_by INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX insp_evidence_item ON insp_evidence (inspection_id, item_id);
CREATE INDEX insp_evidence_event ON insp_evidence (event_id);

CREATE TABLE accountability (
	id INTEGER PRIMARY KEY,
	-- person | unit
	subject_kind TEXT NOT NULL,
	person_name TEXT NOT NULL DEFAULT '',
	person_post TEXT NOT NULL DEFAULT '',
	-- the unit concerned (a person's own unit); decides who may read it
	unit_id INTEGER NOT NULL REFERENCES units(id),
	-- case | inspection | late_return | other
	reason TEXT NOT NULL,
	-- the case or inspection id, else 0
	ref_id INTEGER NOT NULL DEFAULT 0,
	-- the month of a late return, or other reference text
	reference TEXT NOT NULL DEFAULT '',
	-- circular (通报批评) | interview (约谈) | discipline (处分建议) | other
	measure TEXT NOT NULL,
	decided_by TEXT NOT NULL,
	decided_on TEXT NOT NULL,
	decision TEXT NOT NULL,
	corrects INTEGER REFERENCES accountability(id),
	corrected_by INTEGER,
	recorded_by INTEGER NOT NULL,
	recorded_at BIGINT NOT NULL
);
CREATE INDEX accountability_unit ON accountability (unit_id);

-- The default checklist, built from the notice's six parts (100 points).
INSERT INTO insp_checklists (id, name, created_by, created_at, updated_at) VALUES
	(1, '中小学校学生欺凌防治工作督导检查表', 0, 0, 0);
INSERT INTO insp_checklist_items (id, checklist_id, part, position, text, max_score, evidence_required) VALUES
	(1, 1, 1, 1, '成立学生欺凌防治工作领导小组，校长任组长，成员分工明确', 5, 1),
	(2, 1, 1, 2, '明确防治学生欺凌工作办公室及联系人，向社会公开办公电话', 5, 0),
	(3, 1, 1, 3, '防治学生欺凌工作列入学校年度工作计划，制定专门实施方案', 5, 1),
	(4, 1, 2, 1, '聘任法治副校长或法治辅导员，明确其防治学生欺凌职责和任务', 5, 1),
	(5, 1, 2, 2, '与属地派出所、社区、家长委员会建立联动机制，有联络人和联系记录', 5, 0),
	(6, 1, 3, 1, '成立学生欺凌治理委员会，成员含教职工、家长、法治副校长等代表', 5, 1),
	(7, 1, 3, 2, '明确校长、班主任、任课教师、宿管等岗位防治学生欺凌的职责', 5, 0),
	(8, 1, 3, 3, '制定早期预警、事中处理、事后干预的具体工作流程', 5, 1),
	(9, 1, 3, 4, '校规校纪明确不同程度欺凌行为的处分规定，并向学生和家长公布', 5, 1),
	(10, 1, 4, 1, '每学期至少开展一次防治学生欺凌专题教育', 5, 1),
	(11, 1, 4, 2, '结合道德与法治、心理健康教育开展防欺凌主题班会', 5, 0),
	(12, 1, 4, 3, '开展全体学生防治欺凌专项调查，对发现的苗头及时处置', 5, 1),
	(13, 1, 4, 4, '定期排查楼道、厕所、宿舍等隐蔽场所，重点部位监控覆盖', 5, 1),
	(14, 1, 4, 5, '通过家长会、家长学校等开展防治学生欺凌宣传教育', 5, 0),
	(15, 1, 5, 1, '欺凌事件及时报告、调查、认定，程序规范，时限符合规定', 5, 0),
	(16, 1, 5, 2, '对实施者教育惩戒适当，对受害学生心理疏导和保护到位', 5, 0),
	(17, 1, 5, 3, '建立学生欺凌事件专门档案，一事一档，资料齐全', 5, 1),
	(18, 1, 5, 4, '按月向市教体局报告欺凌事件情况，无事件的按时零报告', 5, 0),
	(19, 1, 6, 1, '教职工防治学生欺凌培训全覆盖，有培训和考核记录', 5, 1),
	(20, 1, 6, 2, '防治学生欺凌工作纳入教职工考核和班级评价', 5, 0);
