// public.test.mjs: what a frightened student sees on a phone: the home
// page in Chinese, the numbers to call as tap-to-call links, the switch to
// English and back, an unknown address — with no script error and no CSP
// violation anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initData, serve, stop, browser, phonePage } from './lib.mjs';

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

test('the home page on a phone says whom to call', async () => {
  const page = await phonePage(b);
  const res = await page.goto(server.url + '/');
  assert.equal(res.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.match(await page.textContent('h1'), /欺凌/);
  for (const n of ['62666010', '12355', '110']) {
    const link = page.locator(`a[href="tel:${n}"]`).first();
    assert.equal(await link.isVisible(), true, `tel:${n} is visible`);
    const box = await link.boundingBox();
    assert.ok(box.height >= 44, `tel:${n} is big enough to tap (${box.height}px)`);
  }
  // Nothing wider than the screen.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling (${wide}px)`);
  assert.deepEqual(page.problems, []);
});

test('the language switch goes to English and back', async () => {
  const page = await phonePage(b);
  await page.goto(server.url + '/');
  await page.click('a.lang');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /bull/i);
  // The choice is remembered on the next visit.
  await page.goto(server.url + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('a.lang');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.deepEqual(page.problems, []);
});

test('an unknown address is a friendly page with the numbers', async () => {
  const page = await phonePage(b);
  const res = await page.goto(server.url + '/no-such-page');
  assert.equal(res.status(), 404);
  assert.equal(await page.locator('a[href="/"]').first().isVisible(), true);
  assert.equal(await page.locator('a[href="tel:62666010"]').count() > 0, true);
  assert.deepEqual(page.problems, []);
});
