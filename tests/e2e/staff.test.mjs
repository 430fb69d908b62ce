// staff.test.mjs: a school principal and a bureau office worker at work
// in the demo city, on a phone and at a desk: each sees what is theirs
// and only that, the school's page shows its committee and classes, and
// signing out ends it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demoData, serve, stop, browser, phonePage, signIn } from './lib.mjs';

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

test('a principal sees only their own school, its committee and classes', async () => {
  const page = await phonePage(b);
  const me = env.logins.p4101840001;
  await signIn(page, server.url, 'p4101840001', me.password);
  assert.equal(new URL(page.url()).pathname, '/me');
  // The menu offers the registry; the list holds one school: theirs.
  await Promise.all([page.waitForNavigation(), page.click('a[href="/units"]')]);
  const names = await page.locator('table.data tbody th[scope="row"] a').allTextContents();
  assert.deepEqual(names.map((n) => n.trim()), [me.unit]);
  await Promise.all([page.waitForNavigation(), page.click('table.data tbody th[scope="row"] a')]);
  assert.match(await page.textContent('h1'), new RegExp(me.unit));
  const text = await page.textContent('main');
  assert.match(text, /学生欺凌治理委员会/);
  assert.match(text, /法治副校长/);
  assert.match(text, /班级/);
  // Another school's page is simply not there.
  const other = await page.goto(server.url + '/units/30');
  assert.equal(other.status(), 404);
  assert.deepEqual(page.problems, []);
  // Signing out ends the session: the account page asks to sign in again.
  await page.goto(server.url + '/me');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signout"] button[type="submit"]')]);
  await page.goto(server.url + '/me');
  assert.equal(new URL(page.url()).pathname, '/signin');
});

test('the bureau office finds a school by name across the city', async () => {
  const ctx = await b.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, server.url, 'office1', env.logins.office1.password);
  await page.goto(server.url + '/units');
  await page.fill('input[name="q"]', '实验小学');
  await Promise.all([page.waitForNavigation(), page.click('main form button[type="submit"]')]);
  const names = await page.locator('table.data tbody th[scope="row"] a').allTextContents();
  assert.ok(names.length >= 1, 'found at least one');
  assert.ok(names.every((n) => n.includes('实验小学')), names.join(', '));
  await ctx.close();
});
