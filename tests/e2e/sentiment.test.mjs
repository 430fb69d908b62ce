// sentiment.test.mjs: public-opinion monitoring (舆情监测) in the demo city,
// in a real browser at phone size. The office (office1) finds the urgent
// sentiment alert the demo left open in its inbox, opens the story,
// verifies it and records the official response, and the story shows
// both; then it turns another new story into a report, and the school's
// principal finds that report in the school's list. Each step through the
// pages' own forms, with no console error and no CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser, phonePage, signIn } from './lib.mjs';

let env, server, b;

before(async () => {
  env = demoData();
  server = await serve(env.data);
  b = await browser();
  assert.ok(env.logins.office1, 'the demo has an office account');
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

async function submitForm(page, action) {
  await Promise.all([page.waitForNavigation(), page.click(`form[action="${action}"] button[type="submit"]`)]);
}

test('the office verifies and answers an alerted story, then turns another into a report', async () => {
  const office = await phonePage(b);
  await signIn(office, server.url, 'office1', env.logins.office1.password);

  // The inbox: the demo's last days' alerts are still waiting.
  await office.goto(server.url + '/inbox');
  const card = office.locator('article.card:has-text("舆情提醒")').first();
  assert.equal(await card.count(), 1, 'a sentiment alert waits in the office\'s inbox');
  const words = await card.textContent();
  assert.match(words, /紧急/);
  assert.match(words, /新郑市\S+学生欺凌/, 'the alert names the school');
  const href = await card.locator('a.button-secondary').getAttribute('href');
  assert.match(href, /^\/sentiment\/items\/\d+$/);
  const id = href.split('/').pop();

  // The story, new; verified through its own form.
  await Promise.all([office.waitForNavigation(), card.locator('a.button-secondary').click()]);
  assert.equal(new URL(office.url()).pathname, href);
  const title = (await office.textContent('h1')).trim();
  assert.ok(title.length > 0);
  assert.match(await office.textContent('.page-head'), /待处理/);
  assert.match(await office.textContent('.page-head'), /已预警|预警/);
  await submitForm(office, `/sentiment/items/${id}/verify`);
  assert.match(await office.textContent('.page-head'), /已核实/);
  assert.equal(await office.$(`form[action="/sentiment/items/${id}/verify"]`), null, 'no second verification');

  // The official response, made public a moment ago.
  const answer = '【情况通报】市教育体育局已责成学校依规调查处置，受伤学生已就医，处理结果将及时公布。E2E';
  await office.fill('#a-text', answer);
  await office.fill('#a-channel', '官方微博');
  await submitForm(office, `/sentiment/items/${id}/respond`);
  const handling = await office.textContent('section[aria-labelledby="st-handling"]');
  assert.match(handling, /已核实/);
  assert.match(handling, /官方微博/);
  assert.match(handling, /处理结果将及时公布。E2E/);

  // The register lists it, verified and answered.
  await office.goto(server.url + '/sentiment');
  assert.equal(await office.locator(`a[href="${href}"]`).count() > 0, true, 'the register lists the story');
  const story = await (await office.request.get(`${server.url}/api/v1/sentiment/items/${id}`)).json();
  assert.equal(story.state, 'verified');
  assert.equal(story.response.channel, '官方微博');
  assert.match(story.response.text, /E2E$/);

  // Another new story, about a school, becomes a report in its queue.
  const list = await (await office.request.get(`${server.url}/api/v1/sentiment/items?state=new`)).json();
  const other = list.items.find((it) => String(it.id) !== id && it.matched && it.school_id > 0 &&
    !it.report && env.logins[principalOf(it.school)]) ||
    list.items.find((it) => String(it.id) !== id && it.matched && it.school_id > 0 && !it.report);
  assert.ok(other, 'another new story about a school');
  await office.goto(`${server.url}/sentiment/items/${other.id}`);
  assert.equal(await office.$eval('#a-unit', (s) => s.value), String(other.school_id),
    'the report goes to the matched school by default');
  await submitForm(office, `/sentiment/items/${other.id}/report`);
  const reportLink = office.locator('section[aria-labelledby="st-handling"] a[href^="/reports/"]');
  assert.equal(await reportLink.count(), 1, 'the story shows its report');
  const reportHref = await reportLink.getAttribute('href');
  assert.match(await office.textContent('.page-head'), /已核实/);

  // The school's principal sees the report in the school's list.
  const username = principalOf(other.school);
  assert.ok(env.logins[username], `the demo has a principal of ${other.school}`);
  const school = await phonePage(b);
  await signIn(school, server.url, username, env.logins[username].password);
  await school.goto(server.url + '/reports');
  const row = school.locator(`table.data tr:has(a[href="${reportHref}"])`);
  assert.equal(await row.count(), 1, 'the report is in the school\'s list');
  assert.match(await row.textContent(), /媒体舆情/);

  // At phone width nothing scrolls sideways.
  await office.goto(`${server.url}/sentiment/items/${id}`);
  const wide = await office.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(wide, false);
  assert.deepEqual(office.problems, []);
  assert.deepEqual(school.problems, []);
});

// The username of a school's principal, from the demo's logins file.
function principalOf(schoolName) {
  for (const [u, l] of Object.entries(env.logins)) if (l.role === 'principal' && l.unit === schoolName) return u;
  return '';
}
