// returns.test.mjs: a monthly return goes round once, in a real browser
// at phone size, in the demo city: a school's principal opens a month the
// demo left untouched (a year back), submits it; the bureau's office
// sends it back with a reason; the principal reads the reason and
// submits again; the office accepts it. Each step through the pages'
// own forms, with no console error and no CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser, phonePage, signIn } from './lib.mjs';

let env, server, b, principal, month, id;

before(async () => {
  env = demoData();
  server = await serve(env.data);
  b = await browser();
  principal = 'p4101840001';
  assert.ok(env.logins[principal], 'the demo has the principal of 新郑市实验小学');
  assert.ok(env.logins.office1, 'the demo has an office account');
  // A year back: before the demo's school year, so still a draft.
  const d = new Date(Date.now() + 8 * 3600 * 1000);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 12);
  month = d.toISOString().slice(0, 7);
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

async function submitForm(page, action) {
  await Promise.all([page.waitForNavigation(), page.click(`form[action="${action}"] button[type="submit"]`)]);
}

test('a school submits, the office sends back, the school resubmits, the office accepts', async () => {
  // The school.
  const school = await phonePage(b);
  await signIn(school, server.url, principal, env.logins[principal].password);
  await school.goto(`${server.url}/returns?month=${month}`);
  assert.match(await school.textContent('h1'), /月报/);
  const link = await school.getAttribute('section.card a.button', 'href');
  assert.match(link, /^\/returns\/\d+$/);
  id = link.split('/').pop();
  await school.goto(server.url + link);
  assert.match(await school.textContent('.chips'), /逾期未报|未报送/);
  await school.fill('#r-remarks', '本月情况已核对。');
  if (await school.$('input[name="confirm_zero"]')) await school.check('input[name="confirm_zero"]');
  await submitForm(school, `/returns/${id}/submit`);
  assert.match(await school.textContent('.chips'), /待审核/);
  assert.equal(await school.$(`form[action="/returns/${id}/submit"]`), null, 'no second submission');

  // The office sends it back; a reason is needed.
  const office = await phonePage(b);
  await signIn(office, server.url, 'office1', env.logins.office1.password);
  await office.goto(`${server.url}/returns?month=${month}`);
  assert.match(await office.textContent('#r-sum-h'), /概况/);
  await office.goto(`${server.url}/returns/${id}`);
  await submitForm(office, `/returns/${id}/send-back`);
  assert.match(await office.textContent('[role="alert"]'), /写明原因/);
  await office.fill('#r-reason', '情况说明过于简略，请补充本月预防工作开展情况。');
  await submitForm(office, `/returns/${id}/send-back`);
  assert.match(await office.textContent('.chips'), /已退回/);

  // The school reads why and submits again.
  await school.goto(`${server.url}/returns/${id}`);
  assert.match(await school.textContent('.alert-warning'), /请补充本月预防工作开展情况/);
  await school.fill('#r-remarks', '已补充：本月开展主题班会和隐蔽场所排查。');
  if (await school.$('input[name="confirm_zero"]')) await school.check('input[name="confirm_zero"]');
  await submitForm(school, `/returns/${id}/submit`);
  assert.match(await school.textContent('.chips'), /待审核/);

  // The office accepts.
  await office.goto(`${server.url}/returns/${id}`);
  await submitForm(office, `/returns/${id}/accept`);
  assert.match(await office.textContent('.chips'), /已审核通过/);
  assert.match(await office.textContent('#r-hist-h + ul'), /退回学校/);

  // The school's months show it accepted.
  await school.goto(`${server.url}/returns?month=${month}`);
  assert.match(await school.textContent('table.data'), /已审核通过/);
  assert.deepEqual(school.problems, []);
  assert.deepEqual(office.problems, []);
});
