// lib.mjs: what the browser journeys share: a real xiaoan server on a
// loopback port with a fresh data folder, and Debian's chromium driven by
// playwright-core (never a downloaded browser).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const bin = process.env.XIAOAN_BIN || 'build/xiaoan';

// Creates a data folder with `xiaoan init`; returns the folder and the
// three administrators' temporary passwords.
export function initData() {
  const dir = mkdtempSync(join(tmpdir(), 'xiaoan-e2e-'));
  const data = join(dir, 'data');
  const out = execFileSync(bin, ['init', '--data', data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const logins = {};
  for (const m of out.matchAll(/^\s+(sysadmin|secadmin|auditadmin)\s+(\S+)$/gm)) logins[m[1]] = m[2];
  return { dir, data, logins };
}

// Creates a data folder holding the demo city; returns the folder and
// its logins by username.
export function demoData() {
  const dir = mkdtempSync(join(tmpdir(), 'xiaoan-e2e-'));
  const data = join(dir, 'data');
  execFileSync(bin, ['demo', '--data', data, '--cases', '10'], { stdio: 'ignore' });
  const text = readFileSync(join(data, 'demo-accounts.csv'), 'utf8').replace(/^\uFEFF/, '');
  const logins = {};
  for (const line of text.trim().split(/\r?\n/).slice(1)) {
    const [username, password, role, unit] = line.split(',');
    logins[username] = { password, role, unit };
  }
  return { dir, data, logins };
}

// Signs in through the form; resolves once the next page has loaded.
export async function signIn(page, url, username, password) {
  await page.goto(url + '/signin');
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/signin"] button[type="submit"]')]);
}

// Starts `xiaoan serve` on a free port; resolves with its base URL.
export function serve(data) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--access-log', 'off'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + buf)), 20000);
    p.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve({ url: m[1], proc: p }); }
    });
    p.stderr.on('data', () => {});
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error('server exited ' + code + ': ' + buf)); });
  });
}

export async function stop(server, dir) {
  if (server && server.proc.exitCode === null) {
    const done = new Promise((r) => server.proc.on('exit', r));
    server.proc.kill('SIGTERM');
    await done;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page that records console errors and CSP violations, so a journey
// can assert that none happened.
export async function phonePage(b, locale = 'zh-CN') {
  const ctx = await b.newContext({ locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  page.problems = [];
  // A page's own 4xx is the journey's business; a broken sub-resource
  // (stylesheet, icon) or a script error is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') page.problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => page.problems.push(String(e)));
  return page;
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a base32 secret.
export function totp(b32, t = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of b32.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const off = h[19] & 15;
  const n = ((h[off] & 0x7f) << 24 | h[off + 1] << 16 | h[off + 2] << 8 | h[off + 3]) % 1000000;
  return String(n).padStart(6, '0');
}

export function readCsv(path) {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const keys = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], v])));
}
