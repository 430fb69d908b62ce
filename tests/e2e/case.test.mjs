// case.test.mjs: a school committee member handles a case in a real
// browser, in the demo city: opens it, records both students, stops the
// bullying, protects the victim and tells both families, investigates,
// fills the determination form — first told in Chinese what is still
// missing, with what was typed kept — completes it and sees the case
// determined. Then the case page at phone width has no sideways scrolling.
// Every step waits for its navigation; no sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser, phonePage, signIn } from './lib.mjs';

let env, server, b, member, caseUrl;

before(async () => {
  env = demoData();
  server = await serve(env.data);
  b = await browser();
  // A committee member (the 德育 director, the committee's secretary) of a
  // showcase school.
  member = Object.keys(env.logins).find((u) => u.startsWith('cm-'));
  assert.ok(member, 'the demo has a committee member login');
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

// Submits the form holding `button` and waits for the page it leads to.
async function submit(page, button) {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

// Opens an entry form (a <details> on the case page) and saves it.
async function entry(page, kind, fill) {
  await page.click(`details#add-${kind} > summary`);
  if (fill) await fill(`#add-${kind}`);
  await submit(page, `details#add-${kind} button[type="submit"]`);
  assert.equal(new URL(page.url()).pathname, new URL(caseUrl).pathname);
}

// Takes the next step by its button on the case page.
async function step(page, to) {
  await submit(page, `#steps form:has(input[name="to"][value="${to}"]) button[type="submit"]`);
  assert.equal(new URL(page.url()).pathname, new URL(caseUrl).pathname);
}

test('a committee member takes a case from opening to determination', async () => {
  const ctx = await b.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
  });
  await signIn(page, server.url, member, env.logins[member].password);

  // Open the case directly.
  await page.goto(server.url + '/cases/new');
  await page.fill('#c-summary', '课间在三楼楼道，两名学生推搡并辱骂同学。');
  await submit(page, 'form[action="/cases/new"] button[type="submit"]');
  caseUrl = page.url();
  assert.match(new URL(caseUrl).pathname, /^\/cases\/\d+$/);
  assert.match(await page.textContent('#steps'), /要进入「立即处置」还需要：/);

  // Both students.
  for (const [role, name, grade] of [['victim', '张小明', '7'], ['perpetrator', '李大壮', '8']]) {
    await page.click('#parties details > summary');
    await page.selectOption('#p-role', role);
    await page.fill('#p-name', name);
    await page.selectOption('#p-grade', grade);
    await page.fill('#p-class', '2班');
    await page.fill('#p-guardians', name + '的家长 13800000000');
    await submit(page, '#parties form button[type="submit"]');
  }
  const parties = await page.textContent('#parties');
  assert.match(parties, /张小明/);
  assert.match(parties, /李大壮/);

  // Immediate action: stop it, protect the victim, tell both families.
  await step(page, 'immediate_action');
  assert.match(await page.textContent('#steps'), /要进入「调查中」还需要：/);
  await entry(page, 'stop', async (f) => page.fill(`${f}-text`, '班主任当场制止。'));
  await entry(page, 'protection', async (f) => {
    await page.selectOption(`${f}-party`, { index: 1 });
    await page.fill(`${f}-text`, '调整座位，放学由家长接送。');
  });
  for (const idx of [1, 2]) {
    await entry(page, 'guardian_notice', async (f) => {
      await page.selectOption(`${f}-party`, { index: idx });
      await page.selectOption(`${f}-about`, 'incident');
      await page.selectOption(`${f}-method`, 'phone');
    });
  }
  await step(page, 'investigating');

  // Investigation.
  await entry(page, 'interview', async (f) => {
    await page.selectOption(`${f}-party`, { index: 2 });
    await page.fill(`${f}-text`, '本人承认推了对方。');
  });
  await step(page, 'awaiting_determination');
  const chronology = await page.textContent('#chronology');
  assert.match(chronology, /制止欺凌/);
  assert.match(chronology, /本人承认推了对方/);

  // The determination: first without the harm, so the form says so.
  await submit(page, '#steps a[href$="/step/determined"]');
  const boxes = page.locator('input[name="participants"]');
  assert.ok(await boxes.count() >= 4, 'the roster of today is offered');
  for (let i = 0; i < await boxes.count(); i++) await boxes.nth(i).check();
  await page.check('input[name="finding"][value="bullying"]');
  await page.check('input[name="behaviours"][value="physical"]');
  await page.check('input[name="behaviours"][value="verbal"]');
  await page.check('input[name="intent"][value="deliberate"]');
  await page.check('input[name="imbalance"][value="numbers"]');
  await page.check('input[name="repetition"][value="repeated"]');
  await page.check('input[name="place"][value="in_school"]');
  await page.check('input[name="tier"][value="general"]');
  await page.fill('#d-reasons', '多次推搡并辱骂，造成对方害怕上学。');
  await submit(page, 'main form[action$="/transitions"] button[type="submit"]');
  const alert = await page.textContent('.alert-error');
  assert.match(alert, /还不能进行这一步/);
  assert.match(alert, /请选择造成的损害/);
  assert.doesNotMatch(alert, /请勾选参加认定的委员/);
  // What was typed is still there.
  assert.equal(await page.inputValue('#d-reasons'), '多次推搡并辱骂，造成对方害怕上学。');
  assert.ok(await page.isChecked('input[name="behaviours"][value="verbal"]'));
  assert.ok(await page.isChecked('input[name="tier"][value="general"]'));

  await page.check('input[name="harms"][value="physical"]');
  await page.check('input[name="harms"][value="mental"]');
  await submit(page, 'main form[action$="/transitions"] button[type="submit"]');
  assert.equal(new URL(page.url()).pathname, new URL(caseUrl).pathname);
  const head = await page.textContent('.page-head');
  assert.match(head, /已认定/);
  assert.match(head, /情节轻微的一般欺凌/);
  assert.match(await page.textContent('#chronology'), /认定为学生欺凌/);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the case page fits a phone', async () => {
  const page = await phonePage(b);
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page, server.url, member, env.logins[member].password);
  const res = await page.goto(caseUrl);
  assert.equal(res.status(), 200);
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, 'no sideways scrolling at 375 px');
  // The lists too.
  await page.goto(server.url + '/cases');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  assert.deepEqual(page.problems, []);
});
