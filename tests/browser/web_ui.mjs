// The web UI in a real browser (Debian's Chromium, headless), against a running `kanri serve`.
// Started by tests/system/web_ui.py, which makes the server and the users and passes:
//   KANRI_URL            the server, e.g. http://127.0.0.1:41234
//   KANRI_USER           an agent with the Japanese language and a display name
//   KANRI_PASSWORD       its password
//   KANRI_DISPLAY_NAME   its display name (shown in #who on the home page)
//   KANRI_ARTIFACTS      where the screenshots go
//
// Every test function gets a fresh browser context (no cookies) and ends by asserting that
// its pages logged no console error, threw nothing and broke no Content-Security-Policy rule.
// A new page's test is a new function in TESTS.
import { run } from './lib.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (tests/system/web_ui.py sets it)`);
    process.exit(2);
  }
  return v;
};
const USER = env('KANRI_USER');
const PASSWORD = env('KANRI_PASSWORD');
const DISPLAY_NAME = env('KANRI_DISPLAY_NAME');

const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

// The sign-in page in both languages, and the link between them.
async function signInPage(b) {
  const page = await b.newPage();
  const response = await page.goto(b.url('/login?lang=ja'));
  b.check(response.status() === 200, 'GET /login answers 200', response.status());
  b.check(await htmlLang(page) === 'ja', 'the sign-in page in Japanese has <html lang="ja">');
  b.check(await page.isVisible('#username') && await page.isVisible('#password'),
    'it shows the username and password fields');
  const styled = await page.evaluate(() => document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0);
  b.check(styled, 'its stylesheet is loaded');
  await b.shot(page, 'sign-in-ja');

  await Promise.all([page.waitForNavigation(), page.click('a[hreflang="en"]')]);
  b.check(new URL(page.url()).searchParams.get('lang') === 'en' && await htmlLang(page) === 'en',
    'the language link switches the page to English (<html lang="en">)', page.url());
  b.check((await page.textContent('h2')).includes('Sign in'), 'with English labels', await page.textContent('main'));
  await b.shot(page, 'sign-in-en');

  await Promise.all([page.waitForNavigation(), page.click('a[hreflang="ja"]')]);
  b.check(await htmlLang(page) === 'ja', 'and the link on the English page switches back to Japanese');
  b.checkClean(page, 'no console error or CSP violation on the sign-in page');
}

// A wrong password keeps the user on the form with the error, and signs nobody in.
async function wrongPassword(b) {
  const page = await b.newPage();
  const response = await b.signIn(page, USER, 'not-the-password', { lang: 'en' });
  b.check(response.status() === 401, 'a wrong password answers 401', response.status());
  b.check(new URL(page.url()).pathname === '/login', 'and stays on the sign-in page', page.url());
  const error = page.locator('#error');
  b.check(await error.isVisible() && (await error.textContent()).includes('The username or password is not correct.'),
    'it shows the error message', await page.textContent('main'));
  b.check(await error.getAttribute('role') === 'alert', 'announced to screen readers (role="alert")');
  b.check(await page.inputValue('#username') === USER && await page.inputValue('#password') === '',
    'the username is kept and the password field is empty');
  const cookies = await b.context.cookies();
  b.check(!cookies.some((c) => c.name === 'kanri_session'), 'no session cookie is set', JSON.stringify(cookies));
  // The 401 of the document itself is what this test asks for; anything else is a failure.
  page.kanriProblems = page.kanriProblems.filter((p) => !/status of 401 .*\/login\?lang=en\)$/.test(p));
  b.checkClean(page, 'no other console error or CSP violation');
}

// The right password reaches the home page, which shows the user and switches language.
async function signInToHome(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD, { lang: 'ja' });
  b.check(new URL(page.url()).pathname === '/', 'the right password reaches the home page /', page.url());
  b.check((await page.textContent('#who')).trim() === DISPLAY_NAME, 'which shows the user\'s name in #who',
    await page.textContent('header'));
  b.check(await htmlLang(page) === 'ja', 'in the user\'s language (ja)');
  await b.shot(page, 'home-ja');

  await Promise.all([page.waitForNavigation(), page.click('a[hreflang="en"]')]);
  b.check(await htmlLang(page) === 'en' && (await page.textContent('#who')).trim() === DISPLAY_NAME,
    'the language link switches the home page to English, still signed in');
  await Promise.all([page.waitForNavigation(), page.click('a[hreflang="ja"]')]);
  b.check(await htmlLang(page) === 'ja', 'and back to Japanese');
  b.checkClean(page, 'no console error or CSP violation on the home page');
}

const TESTS = [signInPage, wrongPassword, signInToHome];

await run('web_ui.mjs', 'the web UI in Chromium: sign-in, home page, language switch', TESTS);
