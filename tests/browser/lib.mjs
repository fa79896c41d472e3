// Shared helpers of the browser tests (tests/browser/*.mjs): Debian's Chromium driven by
// playwright-core, check counting like tests/system/lib/systest.py, screenshots, and console
// errors and CSP violations counted as failures.
//
//   import { run } from './lib.mjs';
//   async function signInPage(b) {            // one test function: a fresh cookie jar each
//     const page = await b.newPage();
//     await page.goto(b.url('/login'));
//     b.check(await page.title() !== '', 'the page has a title');
//     await b.shot(page, 'sign-in');
//     b.checkClean(page, 'no console error or CSP violation');
//   }
//   await run('web_ui', 'what the script asserts', [signInPage, …]);
//
// Environment: KANRI_URL (the server), KANRI_ARTIFACTS (where screenshots go; default
// tests/artifacts/screenshots), KANRI_CHROMIUM (default /usr/bin/chromium).
// Output: `ok   WHAT` per check, `FAIL WHAT` with the detail, a closing `==` line.
// Exit status: 0 every check held, 1 a check failed, 2 the browser could not be started.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A failed check: stops the current test function (other test functions still run). */
export class Failure extends Error {}

export class Browser {
  constructor(baseUrl, artifacts) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.artifacts = artifacts;
    this.passed = 0;
    this.failures = [];
    this.browser = null;
    this.context = null;
    this.pages = [];
  }

  /** Starts Chromium; playwright gives it a fresh profile (user-data-dir), removed at stop(). */
  async start() {
    await mkdir(this.artifacts, { recursive: true });
    this.browser = await chromium.launch({
      executablePath: process.env.KANRI_CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
  }

  /** A fresh context (no cookies, no storage) for one test function. */
  async newContext() {
    await this.closeContext();
    this.context = await this.browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
      reducedMotion: 'reduce',
    });
    this.context.setDefaultTimeout(15000);
    return this.context;
  }

  async closeContext() {
    if (this.context) await this.context.close().catch(() => {});
    this.context = null;
  }

  async stop() {
    await this.closeContext();
    if (this.browser) await this.browser.close().catch(() => {});
    this.browser = null;
  }

  url(p) {
    return this.baseUrl + p;
  }

  /** A new tab (in the test function's context) whose console errors, page errors and CSP violations become failures. */
  async newPage() {
    const page = await this.context.newPage();
    page.kanriProblems = [];
    this.pages.push(page);
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location().url || page.url();
      // The browser asks for /favicon.ico by itself; the pages do not name one (yet).
      if (/^Failed to load resource/.test(msg.text()) && new URL(where, this.baseUrl).pathname === '/favicon.ico') return;
      page.kanriProblems.push(`console error: ${msg.text()} (${where})`);
    });
    page.on('pageerror', (err) => page.kanriProblems.push(`uncaught exception: ${err.message} (${page.url()})`));
    // Before any script of the page: record every violation, also of scripts blocked outright.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const text = `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}` +
          ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`;
        console.error(text);
      });
    });
    return page;
  }

  check(cond, what, detail = '') {
    if (!cond) {
      const d = typeof detail === 'function' ? detail() : detail;
      throw new Failure(what + (d ? `:\n${indent(String(d))}` : ''));
    }
    this.passed += 1;
    console.log(`ok   ${what}`);
  }

  /** The page has had no console error, uncaught exception or CSP violation since the last call. */
  checkClean(page, what) {
    const problems = page.kanriProblems.splice(0);
    this.check(problems.length === 0, what, problems.join('\n'));
  }

  /**
   * Forgets the console error Chromium logs for a document that answered STATUS on purpose (a
   * form sent back with its errors, a 404 page): the answer is what the test asks for, and is
   * checked there. Every other problem stays.
   */
  expectStatus(page, status, pathname) {
    page.kanriProblems = page.kanriProblems.filter((p) => {
      const m = /^console error: Failed to load resource: the server responded with a status of (\d+) .*\((.*)\)$/.exec(p);
      return !(m && Number(m[1]) === status && new URL(m[2], this.baseUrl).pathname === pathname);
    });
  }

  /** Runs ACTION (a click, a key press…) and waits for the page load it starts; the response of the new document. */
  async navigate(page, action) {
    const [response] = await Promise.all([page.waitForNavigation(), action()]);
    return response;
  }

  /** Clicks SELECTOR (a link with `download`) and saves the file in DIR; resolves with its path and suggested name. */
  async download(page, selector, dir) {
    await mkdir(dir, { recursive: true });
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const failure = await dl.failure();
    if (failure) throw new Failure(`the download from ${selector} failed: ${failure}`);
    const file = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(file);
    this.step(`downloaded ${file}`);
    return { file, name: dl.suggestedFilename(), url: dl.url() };
  }

  step(text) {
    console.log(`--   ${text}`);
  }

  /** A full-page PNG named NAME.png in KANRI_ARTIFACTS. */
  async shot(page, name) {
    const file = path.join(this.artifacts, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    this.step(`screenshot ${file}`);
    return file;
  }

  /** Signs in through the form at /login; resolves with the response of the page landed on. */
  async signIn(page, user, password, { lang } = {}) {
    await page.goto(this.url(lang ? `/login?lang=${lang}` : '/login'));
    await page.fill('#username', user);
    await page.fill('#password', password);
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.click('form button[type="submit"]'),
    ]);
    return response;
  }
}

function indent(text, prefix = '    ') {
  return text.split('\n').map((l) => prefix + l).join('\n');
}

/**
 * Runs each test function (async (b) => …) in turn with one browser; a failed check ends only
 * its own function. Exits the process with the status described at the top.
 */
export async function run(name, description, tests) {
  const baseUrl = process.env.KANRI_URL;
  if (!baseUrl) {
    console.error('KANRI_URL is not set (the tests/system/*.py orchestrator sets it)');
    process.exit(2);
  }
  const artifacts = path.resolve(process.env.KANRI_ARTIFACTS || 'tests/artifacts/screenshots');
  const b = new Browser(baseUrl, artifacts);
  console.log(`== ${name}: ${description}`);
  try {
    await b.start();
  } catch (err) {
    console.error(`ERROR (test environment): Chromium did not start: ${err.message}`);
    await b.stop();
    process.exit(2);
  }
  try {
    for (const test of tests) {
      b.step(test.name);
      try {
        b.pages = [];
        await b.newContext();
        await test(b);
        // Problems that came after the test function's last checkClean() (or without one).
        const late = b.pages.flatMap((p) => p.kanriProblems.splice(0));
        b.check(late.length === 0, `${test.name}: no console error or CSP violation left over`, late.join('\n'));
      } catch (err) {
        const text = err instanceof Failure ? err.message : `${test.name}: ${err.stack || err}`;
        b.failures.push(text.split('\n')[0]);
        console.log(`FAIL ${text}`);
      }
    }
  } finally {
    await b.stop();
  }
  if (b.failures.length) {
    console.log(`== ${name}: FAILED: ${b.failures.length} failed, ${b.passed} passed checks:`);
    for (const f of b.failures) console.log(`     ${f}`);
    process.exit(1);
  }
  console.log(`== ${name}: all ${b.passed} checks passed`);
  process.exit(0);
}
