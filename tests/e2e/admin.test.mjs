// admin.test.mjs: the first day of a new installation, as the system
// administrator lives it in a browser: sign in with the temporary
// password from `xiaoan init`, be made to choose a new one, sign in again,
// be made to turn on two-step sign-in, scan (type) the secret, confirm
// with a code, see the recovery codes once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initData, serve, stop, browser, phonePage, totp } from './lib.mjs';

let env, server, b;

before(async () => {
  env = initData();
  server = await serve(env.data);
  b = await browser();
});

after(async () => {
  if (b) await b.close();
  await stop(server, env && env.dir);
});

test('first sign-in: new password, then two-step sign-in', async () => {
  const page = await phonePage(b);
  await page.goto(server.url + '/signin');
  await page.fill('input[name="username"]', 'sysadmin');
  await page.fill('input[name="password"]', env.logins.sysadmin);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signin"] button[type="submit"]')]);
  assert.equal(new URL(page.url()).pathname, '/me');
  // A temporary password: change it first.
  await page.fill('input[name="current"]', env.logins.sysadmin);
  await page.fill('input[name="new"]', 'Admin-Pass-2026');
  await page.fill('input[name="confirm"]', 'Admin-Pass-2026');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/me/password"] button[type="submit"]')]);
  assert.equal(new URL(page.url()).pathname, '/signin');
  await page.fill('input[name="username"]', 'sysadmin');
  await page.fill('input[name="password"]', 'Admin-Pass-2026');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signin"] button[type="submit"]')]);
  assert.equal(new URL(page.url()).pathname, '/me');
  // Administrators must use two-step sign-in: turn it on.
  await Promise.all([page.waitForNavigation(), page.click('form[action="/me/totp"] button[type="submit"]')]);
  const secret = (await page.textContent('code.secret')).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await page.fill('input[name="code"]', totp(secret));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/me/totp/confirm"] button[type="submit"]')]);
  const codes = await page.locator('ol.codes li').allTextContents();
  assert.equal(codes.length, 10);
  assert.deepEqual(page.problems, []);
});

test('a wrong password gets a clear message and keeps the username', async () => {
  const page = await phonePage(b);
  await page.goto(server.url + '/signin');
  await page.fill('input[name="username"]', 'secadmin');
  await page.fill('input[name="password"]', 'not-the-password');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signin"] button[type="submit"]')]);
  assert.equal(await page.locator('[role="alert"]').isVisible(), true);
  assert.equal(await page.inputValue('input[name="username"]'), 'secadmin');
  assert.deepEqual(page.problems, []);
});
