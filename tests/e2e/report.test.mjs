// report.test.mjs: a witness reports bullying from a cheap phone with
// JavaScript turned off: chooses the school from the city's directory,
// writes what happened, gets the receipt code, then checks back with the
// code and reads "已收到" — with no console error and no CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser, phonePage } from './lib.mjs';

let env, server, b;

before(async () => {
  env = demoData();
  server = await serve(env.data);
  b = await browser();
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

// phonePage's watch on problems, in a context without JavaScript (a
// page of lib.mjs keeps it on).
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

test('a witness reports without JavaScript and checks back with the code', async () => {
  const { ctx, page } = await noScriptPhone(b);
  const res = await page.goto(server.url + '/report');
  assert.equal(res.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.match(await page.textContent('h1'), /反映/);
  // The reassurance and the numbers come before the form.
  const main = await page.textContent('main');
  assert.match(main, /不用写自己的名字/);
  assert.equal(await page.locator('main a[href="tel:110"]').count() > 0, true);
  // The directory: many schools, grouped by township.
  const groups = await page.locator('select[name="school_id"] optgroup').count();
  assert.ok(groups >= 3, `schools are grouped (${groups} groups)`);
  const options = page.locator('select[name="school_id"] optgroup option');
  assert.ok(await options.count() >= 20, 'the whole directory is offered');
  const school = (await options.nth(5).textContent()).trim();
  await page.selectOption('select[name="school_id"]', { label: school });
  await page.fill('textarea[name="what"]', '我看到三个高年级同学在操场角落推搡一个低年级同学，还抢了他的零花钱。');
  await page.fill('input[name="when_text"]', '昨天放学后');
  await page.check('input[name="place"][value="in_school"]');
  await page.check('input[name="behaviours"][value="physical"]');
  await page.check('input[name="behaviours"][value="property"]');
  await page.check('input[name="reporter"][value="witness"]');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/report"] button[type="submit"]')]);
  assert.match(await page.textContent('h1'), /收到/);
  const code = (await page.textContent('#receipt')).trim();
  assert.match(code, /^[2-9A-HJKMNP-TW-Z]{4}(-[2-9A-HJKMNP-TW-Z]{4}){6}$/);
  assert.equal(await page.locator('ol.codes li').count(), 7);
  assert.deepEqual(page.problems, []);
  // Checking back: the code goes in the body, never the address.
  await Promise.all([page.waitForNavigation(), page.click('main a[href="/report/status"]')]);
  await page.fill('input[name="code"]', code.toLowerCase().replace(/-/g, ' '));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/report/status"] button[type="submit"]')]);
  assert.equal(new URL(page.url()).pathname, '/report/status');
  assert.equal(new URL(page.url()).search, '');
  assert.match(await page.textContent('#st-text'), /已收到/);
  // And a word more, through the reply form.
  await page.fill('textarea[name="text"]', '补充一下：被欺负的同学穿蓝色外套。');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/report/status/reply"] button[type="submit"]')]);
  assert.match(await page.textContent('main'), /补充一下/);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a wrong code is answered kindly, on a phone with the usual page', async () => {
  const page = await phonePage(b);
  await page.goto(server.url + '/report/status');
  await page.fill('input[name="code"]', 'ABCD-EFGH-JKMN-PQRS-TWXY-Z234-5678');
  const [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/report/status"] button[type="submit"]')]);
  assert.equal(resp.status(), 404);
  assert.match(await page.textContent('[role="alert"]'), /没有找到/);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling (${wide}px)`);
  await page.goto(server.url + '/report');
  const wide2 = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide2 <= 390, `the form fits the phone (${wide2}px)`);
  assert.deepEqual(page.problems, []);
});
