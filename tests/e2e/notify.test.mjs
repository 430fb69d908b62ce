// notify.test.mjs: a report reaches the school and someone acknowledges it,
// in a real browser at phone size, in the demo city. Someone reports
// anonymously about a school; its principal (the committee's chair in
// the demo) signs in on a phone, finds the urgent notice in the inbox
// (the scheduler tells within a second or two), with the school's name and
// nothing of what the report says; one tap acknowledges it, and it leaves
// the list of notices waiting. No sleeps: the inbox is reloaded until the
// notice is there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser, phonePage, signIn } from './lib.mjs';

let env, server, b, principal;

before(async () => {
  env = demoData();
  server = await serve(env.data);
  b = await browser();
  principal = 'p4101840001';
  assert.ok(env.logins[principal], 'the demo has the principal of 新郑市实验小学');
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

test('a principal acknowledges a new report from the inbox on a phone', async () => {
  const page = await phonePage(b);
  await signIn(page, server.url, principal, env.logins[principal].password);
  const me = (await (await page.request.get(server.url + '/api/v1/me')).json()).user;
  assert.ok(me.unit_id > 0);

  // Everything already waiting is acknowledged first, so that the new
  // report rings afresh rather than joining an open notice.
  const before = await (await page.request.get(server.url + '/api/v1/inbox')).json();
  for (const it of before.items) {
    await page.goto(server.url + '/inbox');
    await Promise.all([page.waitForNavigation(),
      page.click(`form[action="/inbox/${it.id}/ack"] button[type="submit"]`)]);
  }

  const words = '放学后在车棚，有人天天拦着我要钱，不给就打。E2E-SECRET';
  const r = await fetch(server.url + '/api/v1/public/reports', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ school_id: me.unit_id, what: words }),
  });
  assert.equal(r.status, 201);

  // The scheduler tells within a second or two: reload until it is there.
  let card = null;
  for (let i = 0; i < 40 && !card; i++) {
    await page.goto(server.url + '/inbox');
    const n = await page.locator('article.card:has-text("新举报")').count();
    if (n > 0) card = page.locator('article.card:has-text("新举报")').first();
    else await page.waitForTimeout(250);
  }
  assert.ok(card, 'the new report reached the principal\'s inbox');
  const text = await card.textContent();
  assert.match(text, /紧急/);
  assert.match(text, /新郑市实验小学/);
  assert.doesNotMatch(text, /E2E-SECRET|车棚/);
  assert.match(await page.textContent('nav'), /通知（\d+）/);

  // One tap: the report no longer waits (other notices may: the
  // scheduler also reminds a school of a monthly return it owes).
  await Promise.all([page.waitForNavigation(), card.locator('button[type="submit"]').click()]);
  assert.equal(await page.locator('article.card:has-text("新举报")').count(), 0);
  const after = await (await page.request.get(server.url + '/api/v1/inbox?all=1')).json();
  const done = after.items.find((it) => it.kind === 'report.new' && it.acked);
  assert.ok(done, 'the notice is acknowledged');
  assert.equal(done.notice_acked.by_me, true);

  // At phone width nothing scrolls sideways.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(wide, false);
  assert.deepEqual(page.problems, []);
});
