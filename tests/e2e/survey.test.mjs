// survey.test.mjs: a student answers the all-student survey from a slip
// code on a phone with JavaScript turned off: the school opens a survey
// and takes a class's codes (API), the student types the code at /s,
// answers the primary questionnaire and sends it; the same code again is
// refused with "已经用过或不存在" — with no console error and no CSP
// violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser } from './lib.mjs';

let env, server, b, codes;

before(async () => {
  env = demoData();
  server = await serve(env.data);
  b = await browser();
  // A primary school's principal opens a survey (a semester the demo
  // does not use) and takes the codes of a grade 4 class.
  const user = Object.keys(env.logins).find((u) => env.logins[u].role === 'principal' &&
    env.logins[u].unit.endsWith('小学'));
  assert.ok(user, 'the demo has a primary school principal');
  const api = async (method, path, body, token) => {
    const r = await fetch(server.url + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, json: await r.json() };
  };
  const s = await api('POST', '/api/v1/session', { username: user, password: env.logins[user].password });
  assert.equal(s.status, 200, JSON.stringify(s.json));
  const token = s.json.token;
  const opened = await api('POST', '/api/v1/surveys', { name: '浏览器测试问卷', semester: '2030-2031-1' }, token);
  assert.equal(opened.status, 201, JSON.stringify(opened.json));
  const listed = await api('GET', '/api/v1/surveys', null, token);
  assert.ok(listed.json.surveys.some((x) => x.id === opened.json.id));
  const cls = listed.json.classes.find((c) => c.grade === 4);
  assert.ok(cls, 'a grade 4 class');
  const slips = await api('GET', `/api/v1/surveys/${opened.json.id}/slips?class=${cls.id}`, null, token);
  assert.equal(slips.status, 200, JSON.stringify(slips.json));
  codes = slips.json.codes.map((c) => c.code);
  assert.ok(codes.length >= 20, 'a slip per student');
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

async function noScriptPhone(browserInstance) {
  const ctx = await browserInstance.newContext({
    locale: 'zh-CN', viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true,
    javaScriptEnabled: false,
  });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') page.problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => page.problems.push(String(e)));
  return { ctx, page };
}

test('a student answers from a slip code on a phone; the code works once', async () => {
  const { ctx, page } = await noScriptPhone(b);
  // Types the code as written on the slip, in lower case.
  let res = await page.goto(server.url + '/s');
  assert.equal(res.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.fill('input[name="code"]', codes[0].toLowerCase());
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  assert.match(new URL(page.url()).pathname, /^\/s\/[2-9A-Z]{16}$/);
  assert.match(await page.textContent('h1'), /问卷/);
  // The primary wording, the page fits a phone.
  assert.match(await page.textContent('main'), /有没有同学故意欺负你/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth).catch(() => null);
  if (width !== null) assert.ok(width <= 375, `no sideways scrolling (${width})`);
  await page.check('input[name="gender"][value="f"]');
  await page.check('input[name="victim"][value="weekly"]');
  await page.check('input[name="victim_forms"][value="verbal"]');
  await page.check('input[name="victim_forms"][value="exclusion"]');
  await page.check('input[name="victim_places"][value="classroom"]');
  await page.check('input[name="told"][value="parent"]');
  await page.check('input[name="adult_helped"][value="tried"]');
  await page.check('input[name="bully"][value="never"]');
  await page.check('input[name="help"][value="no"]');
  await Promise.all([page.waitForNavigation(), page.click('#survey-form button[type="submit"]')]);
  assert.match(await page.textContent('h1'), /提交成功/);
  // The same code again: refused, and said so plainly.
  res = await page.goto(server.url + '/s/' + codes[0].replace(/-/g, ''));
  assert.equal(res.status(), 404);
  assert.match(await page.textContent('#survey-refused'), /这个编码已经用过或不存在/);
  assert.equal(await page.locator('#survey-form').count(), 0);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
