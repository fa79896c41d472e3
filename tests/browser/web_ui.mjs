// The web UI in a real browser (Debian's Chromium, headless), against a running `kanri serve`.
// Started by tests/system/web_ui.py, which makes the server and the users and passes:
//   KANRI_URL            the server, e.g. http://127.0.0.1:41234
//   KANRI_USER           an agent with the Japanese language and a display name
//   KANRI_PASSWORD       its password
//   KANRI_DISPLAY_NAME   its display name (shown in #who on the home page)
//   KANRI_ARTIFACTS      where the screenshots go
//   KANRI_REQUESTER, KANRI_REQUESTER_PASSWORD   a requester of organization A (Japanese)
//   KANRI_AGENT_TOKEN    an API token of the agent (for what the service desk does meanwhile)
//   KANRI_ORG, KANRI_OTHER_ORG                  the numbers of organizations A and B
//   KANRI_TASKS          two open tasks (numbers, comma-separated) for the bulk transition
//   KANRI_REQUEST_TYPE   an offered request type of メール配信サービス with a question of each kind
//   KANRI_ARTICLE        its instructions, a published help article for everyone
//   KANRI_DOWNLOADS      where the exported files are saved
// A service "メール配信サービス" of organization A exists before; the tests run in order and the
// later ones use the service createRecord makes (経費精算システム).
//
// Every test function gets a fresh browser context (no cookies) and ends by asserting that
// its pages logged no console error, threw nothing and broke no Content-Security-Policy rule.
// A new page's test is a new function in TESTS.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
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
const REQUESTER = env('KANRI_REQUESTER');
const REQUESTER_PASSWORD = env('KANRI_REQUESTER_PASSWORD');
const AGENT_TOKEN = env('KANRI_AGENT_TOKEN');
const SLA_SERVICE = Number(env('KANRI_SLA_SERVICE'));
const ORG = env('KANRI_ORG');               // organization A: the browser user's and the requester's
const OTHER_ORG = env('KANRI_OTHER_ORG');   // organization B: not the requester's
const TASKS = env('KANRI_TASKS').split(',');  // two open tasks, for the bulk transition
const REQUEST_TYPE = env('KANRI_REQUEST_TYPE');
const ARTICLE = env('KANRI_ARTICLE');
const DOWNLOADS = env('KANRI_DOWNLOADS');
const SERVICE_NAME = '経費精算システム';      // the service the browser creates (and searches for: 経費)

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


const text = async (page, selector) => ((await page.textContent(selector)) || '').replace(/\s+/g, ' ').trim();
const pathOf = (page) => new URL(page.url()).pathname;
// What the record test made, for the tests after it (search, export, screenshots in English).
const made = { service: null };

// The top bar's language button (a POST form) switches the signed-in pages; resolves with <html lang>.
async function switchLanguage(b, page) {
  await b.navigate(page, () => page.click('#switch-language'));
  return htmlLang(page);
}

// The right password reaches the home page, which shows the user; the top bar's language
// button switches every signed-in page, and the choice is kept (it is the user's language).
async function signInToHome(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD, { lang: 'ja' });
  b.check(pathOf(page) === '/', 'the right password reaches the home page /', page.url());
  b.check((await page.textContent('#who')).trim() === DISPLAY_NAME, 'which shows the user\'s name in #who',
    await page.textContent('header'));
  b.check(await htmlLang(page) === 'ja', 'in the user\'s language (ja)');
  b.check((await text(page, 'h1')).includes('ようこそ'), 'with Japanese labels', await text(page, 'main'));
  await b.shot(page, 'home-ja');

  b.check(await page.getAttribute('#switch-language', 'lang') === 'en', 'the language button is labelled in English (lang="en")');
  b.check(await switchLanguage(b, page) === 'en', 'the top bar\'s #switch-language switches the home page to English (<html lang="en">)');
  b.check(pathOf(page) === '/' && (await page.textContent('#who')).trim() === DISPLAY_NAME,
    'on the same page, still signed in', page.url());
  b.check((await text(page, 'h1')).startsWith('Welcome,') && (await text(page, '.side-nav')).includes('Search'),
    'with English labels (heading, navigation)', await text(page, 'body'));
  await b.shot(page, 'home-en');

  await page.goto(b.url('/r/services'));
  b.check(await htmlLang(page) === 'en' && (await text(page, 'h1')) === 'Services',
    'the choice persists: the next page (/r/services) is in English too', await text(page, 'h1'));
  b.check(await switchLanguage(b, page) === 'ja' && pathOf(page) === '/r/services',
    'and the button switches back to Japanese, on the page it was pressed on', page.url());
  b.check((await text(page, 'h1')) === 'サービス', 'with Japanese labels', await text(page, 'h1'));
  await page.goto(b.url('/'));
  b.check(await htmlLang(page) === 'ja', 'the next page is in Japanese again');
  b.checkClean(page, 'no console error or CSP violation on the home page and the list');
}

// A new service through the form: a missing name shows the errors at the field and above the
// form, in Japanese, with what was typed kept; the right input lands on the new record.
async function createRecord(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/r/services'));
  await b.navigate(page, () => page.click('#new-record'));
  b.check(pathOf(page) === '/r/services/new', '#new-record on the services list opens the form /r/services/new', page.url());
  b.check(await page.isVisible('#f-name') && await page.isVisible('#f-criticality') && await page.isVisible('#f-provider'),
    'which has the name, criticality and provider fields');
  b.check(await page.inputValue('#f-criticality') === 'medium', 'the criticality starts at its default (medium)');

  const description = '経費の申請と承認。\n月末締め。';
  await page.fill('#f-name', '');
  await page.selectOption('#f-criticality', 'high');
  await page.fill('#f-provider', ORG);
  await page.fill('#f-description', description);
  await page.fill('#f-users_count', '250');
  await page.fill('#f-review_interval', 'P180D');
  let response = await b.navigate(page, () => page.click('#save'));
  b.check(response.status() === 422, 'saving without the required name answers 422', response.status());
  b.expectStatus(page, 422, '/r/services');
  const feedback = page.locator('[data-field="name"] .invalid-feedback');
  b.check(await feedback.isVisible() && (await feedback.textContent()).includes('サービス名は必須です'),
    'the error shows under the name field (.invalid-feedback), in Japanese', await text(page, 'main'));
  b.check(await page.getAttribute('#f-name', 'aria-invalid') === 'true' &&
    (await page.getAttribute('#f-name', 'aria-describedby') || '').includes('f-name-error'),
    'the field is aria-invalid="true" and described by its error');
  const summary = page.locator('#error');
  b.check(await summary.isVisible() && (await summary.textContent()).includes('以下の項目を修正してください') &&
    await page.locator('#error a[href="#f-name"]').count() === 1,
    'the #error summary above the form lists it, linking to the field', await text(page, 'main'));
  const typed = JSON.stringify(await page.evaluate(() => Object.fromEntries(new FormData(document.querySelector('form.record-form')))));
  b.check(await page.inputValue('#f-provider') === ORG && await page.inputValue('#f-criticality') === 'high' &&
    await page.inputValue('#f-description') === description && await page.inputValue('#f-users_count') === '250' &&
    await page.inputValue('#f-review_interval') === 'P180D',
    'what was typed is kept (provider, criticality, description with its line break, number of users)',
    typed);
  await b.shot(page, 'form-errors-ja');
  b.checkClean(page, 'no console error or CSP violation on the form with errors');

  await page.fill('#f-name', SERVICE_NAME);
  response = await b.navigate(page, () => page.click('#save'));
  const url = new URL(page.url());
  b.check(response.status() === 200 && /^\/r\/services\/SVC-\d+$/.test(url.pathname),
    'with the name it is saved and lands on the new record /r/services/SVC-…', `${response.status()} ${page.url()}\n${await text(page, 'main')}`);
  made.service = url.pathname.split('/').pop();
  b.check((await text(page, '#notice')) === '作成しました。', 'which shows the #notice that it was created',
    await text(page, 'main'));
  b.check((await text(page, '#record-display')) === SERVICE_NAME && (await text(page, '#record-number')) === made.service,
    'and the number and name in the heading (#record-display)', await text(page, 'h1'));
  b.check((await text(page, '#state')) === '提案中', 'a new service is proposed (#state 提案中)', await text(page, 'h1'));
  b.check((await text(page, '[data-field="provider"] dd')).includes(ORG) &&
    (await text(page, '[data-field="criticality"] dd')) === '高',
    'its fields show the provider and the criticality\'s label', await text(page, '#fields'));
  b.checkClean(page, 'no console error or CSP violation on the new record');
}

// The new-record form as offered, with only the required name typed, saves: its defaults
// (criticality medium, review interval P365D) are values the server takes back.
async function formDefaults(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/r/services/new'));
  const interval = await page.inputValue('#f-review_interval');
  await page.fill('#f-name', 'ワークフロー基盤');
  const response = await b.navigate(page, () => page.click('#save'));
  const problem = response.status() === 200 ? '' : await text(page, '#error');
  b.expectStatus(page, 422, '/r/services');
  b.check(response.status() === 200 && /^\/r\/services\/SVC-\d+$/.test(pathOf(page)),
    'the form with only the name typed saves', `${response.status()} ${page.url()}: ${problem} (#f-review_interval was ${interval})`);
  b.check(interval === 'P365D', `the review interval starts at the model's default, P365D (${interval})`);
  b.expectStatus(page, 422, '/r/services');
  b.checkClean(page, 'no console error or CSP violation');
}

// go_live needs the owner and the live date: its button opens a small form; a missing field
// is shown in that form, which stays open; with both, the state moves on.
async function transitionWithFields(b) {
  b.check(made.service, 'a service was created by createRecord');
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  const detail = `/r/services/${made.service}`;
  await page.goto(b.url(detail));
  const toggle = page.locator('button[data-transition="go_live"]');
  const form = page.locator('#tf-go_live');
  b.check(await toggle.isVisible() && !(await form.isVisible()) && await toggle.getAttribute('aria-expanded') === 'false',
    'the go_live button is shown, its form closed (aria-expanded="false")');
  await toggle.click();
  await form.waitFor({ state: 'visible' });
  b.check(await toggle.getAttribute('aria-expanded') === 'true', 'the button opens its form (Alpine disclosure, aria-expanded="true")');
  b.check(await page.evaluate(() => document.activeElement && document.activeElement.id) === 't-go_live-owner',
    'and puts the caret in its first field (the owner)');

  let response = await b.navigate(page, () => page.click('#tf-go_live [data-submit="go_live"]'));
  b.check(response.status() === 422, 'submitting it with the fields empty answers 422', response.status());
  b.expectStatus(page, 422, `${detail}/transitions/go_live`);
  b.check(await page.isVisible('#tf-go_live'), 'the form stays open', await text(page, 'main'));
  const ownerError = page.locator('#tf-go_live [data-field="owner"] .invalid-feedback');
  b.check(await ownerError.isVisible() && (await ownerError.textContent()).includes('サービスオーナー'),
    'the missing owner is named inside the form, in Japanese', await text(page, '#tf-go_live'));
  b.check(await page.getAttribute('#t-go_live-owner', 'aria-invalid') === 'true',
    'and the owner field is aria-invalid="true"');
  b.check(await page.isVisible('#tf-go_live [data-field="live_since"] .invalid-feedback') &&
    await page.getAttribute('#t-go_live-live_since', 'aria-invalid') === 'true', 'so is the missing live date');
  b.check((await text(page, '#state')) === '提案中', 'the state has not moved');
  b.checkClean(page, 'no console error or CSP violation on the transition form with errors');

  await page.fill('#t-go_live-owner', USER);
  await page.fill('#t-go_live-live_since', '2026-04-01');
  response = await b.navigate(page, () => page.click('#tf-go_live [data-submit="go_live"]'));
  b.check(response.status() === 200 && pathOf(page) === detail, 'with the owner and the date it is done, back on the record',
    `${response.status()} ${page.url()}`);
  b.check((await text(page, '#state')) === '稼働中', 'the #state badge shows the new state (稼働中)', await text(page, 'h1'));
  b.check((await text(page, '#notice')).length > 0, 'with a #notice');
  b.check((await text(page, '[data-field="owner"] dd')) === DISPLAY_NAME, 'the owner is shown by name',
    await text(page, '#fields'));
  b.check(await page.locator('button[data-transition="go_live"]').count() === 0 &&
    await page.locator('[data-transition="start_retirement"]').count() === 1,
    'go_live is no longer offered, start_retirement is');

  await b.shot(page, 'detail-ja');

  // The history: newest first, who and when, each changed field before → after.
  const entries = page.locator('#history > li.history-entry');
  b.check(await entries.count() >= 2, '#history lists the creation and the transition', await text(page, '#history'));
  const newest = entries.nth(0);
  const head = await newest.locator('.history-head').textContent();
  b.check(head.includes(USER) || head.includes(DISPLAY_NAME), 'the newest entry says who', head);
  b.check(head.includes('稼働開始'), 'and what (the transition go_live, by its label)', head);
  const times = await page.$$eval('#history > li.history-entry time', (ts) => ts.map((t) => t.getAttribute('datetime')));
  b.check(times.every((t) => !Number.isNaN(Date.parse(t))) && times.every((t, i) => i === 0 || times[i - 1] >= t),
    'each entry says when (<time datetime>), newest first', times.join(', '));
  b.check((await text(page, '#history > li.history-entry:last-child .history-head')).includes('作成'),
    'the oldest entry is the creation', await text(page, '#history'));
  const changes = await newest.locator('.history-changes li').evaluateAll((lis) => lis.map((li) => ({
    field: li.querySelector('.history-field')?.textContent.trim(),
    before: li.querySelector('del')?.textContent.trim(),
    after: li.querySelector('ins')?.textContent.trim(),
  })));
  const change = (field) => changes.find((c) => c.field === field) || {};
  b.check(change('状態').before === '提案中' && change('状態').after === '稼働中',
    'the state change is shown as <del>提案中</del> → <ins>稼働中</ins>', JSON.stringify(changes));
  b.check(change('稼働開始日').before === '—' && /2026.04.01|2026年4月1日/.test(change('稼働開始日').after || ''),
    'the live date as — → 2026-04-01', JSON.stringify(changes));
  // A user and an organization are shown as people read them (name, number), not as their ids.
  const created = await entries.last().locator('.history-changes li').evaluateAll((lis) => lis.map((li) => ({
    field: li.querySelector('.history-field')?.textContent.trim(),
    before: li.querySelector('del')?.textContent.trim(),
    after: li.querySelector('ins')?.textContent.trim(),
  })));
  const provider = created.find((c) => c.field === '提供組織') || {};
  b.check(change('サービスオーナー').before === '—' && [USER, DISPLAY_NAME].includes(change('サービスオーナー').after) &&
    provider.before === '—' && (provider.after || '').startsWith(ORG),
    `the owner as — → the user (by name, not by id), the provider as — → ${ORG} (not its id)`,
    `transition: ${JSON.stringify(changes)}\ncreation: ${JSON.stringify(created)}`);
  b.checkClean(page, 'no console error or CSP violation on the record after the transition');
}

// Search in Japanese from the top bar: "/" focuses it, Enter searches, the word is marked.
async function searchJapanese(b) {
  b.check(made.service, 'a service was created by createRecord');
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.locator('h1').click();  // the focus on the page, not in a field
  await page.keyboard.press('/');
  b.check(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'global-search',
    'pressing / focuses the global search field (#global-search)');
  await page.keyboard.type('経費');
  const response = await b.navigate(page, () => page.keyboard.press('Enter'));
  const url = new URL(page.url());
  b.check(response.status() === 200 && url.pathname === '/search' && url.searchParams.get('q') === '経費',
    'Enter opens /search?q=経費', page.url());
  b.check(await page.inputValue('#global-search') === '経費', 'the top bar keeps the words searched for');
  const hit = page.locator('#results .search-hit', { has: page.locator(`a:text-is("${made.service}")`) });
  b.check(await hit.count() === 1, `the results (#results) list the service ${made.service}`, await text(page, 'main'));
  b.check((await hit.textContent()).includes(SERVICE_NAME), 'with its name', await hit.textContent());
  const marks = await hit.locator('mark').allTextContents();
  b.check(marks.length > 0 && marks.every((m) => m === '経費'), 'the word is highlighted in <mark> in the snippet',
    await hit.innerHTML());
  b.check(await page.locator('#results a:text-is("メール配信サービス")').count() === 0 &&
    !(await text(page, '#results')).includes('メール配信サービス'), 'a service without the word is not listed');
  await b.shot(page, 'search-ja');
  b.checkClean(page, 'no console error or CSP violation on the search results');
}

// RFC 4180: fields separated by commas, records by CRLF, quoted fields may hold both and "".
function parseCsv(textIn) {
  const out = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < textIn.length; i += 1) {
    const c = textIn[i];
    if (quoted) {
      if (c === '"' && textIn[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && textIn[i + 1] === '\n') {
      row.push(field); out.push(row); row = []; field = ''; i += 1;
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); out.push(row); }
  return out;
}

const PYTHON = '/usr/bin/python3';
const XLSX_DUMP = 'tests/lib/xlsx_dump.py';

// The list's CSV and Excel exports, as the browser downloads them, opened.
async function exportList(b) {
  b.check(made.service, 'a service was created by createRecord');
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/r/services'));
  const rows = await page.locator('#records tbody tr').allTextContents();
  b.check(rows.some((r) => r.includes(made.service) && r.includes(SERVICE_NAME)) && rows.some((r) => r.includes('メール配信サービス')),
    'the services list shows both services', rows.join('\n'));
  await b.shot(page, 'list-ja');
  // The date in the names is the user's (UTC unless they chose a zone; Tokyo is 9 hours ahead).
  const today = ['UTC', 'Asia/Tokyo'].map((timeZone) => new Intl.DateTimeFormat('sv-SE', { timeZone }).format(new Date()).replaceAll('-', ''));

  const csv = await b.download(page, '#export-csv', DOWNLOADS);
  b.check(/^services-\d{8}\.csv$/.test(csv.name), `#export-csv downloads services-<yyyymmdd>.csv (${csv.name})`);
  const bytes = await readFile(csv.file);
  b.check(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, 'the CSV starts with the UTF-8 byte order mark',
    bytes.subarray(0, 16).toString('hex'));
  const records = parseCsv(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  const lines = records.map((r) => r.join(','));
  const header = records[0];
  b.check(header[0] === 'number' && header.includes('state') && header.includes('name') && header.includes('provider'),
    'its first row is the header (number, state, …, name, provider …)', lines[0]);
  const ours = records.find((r) => r[0] === made.service);
  const col = (name) => ours && ours[header.indexOf(name)];
  b.check(records.length >= 3 && ours && col('name') === SERVICE_NAME && col('provider') === ORG &&
    col('state') === 'live' && /^経費の申請と承認。\r?\n月末締め。$/.test(col('description')) &&
    records.some((r) => r.includes('メール配信サービス')),
    'then one row per service, ours with its name (UTF-8), provider, state and the description\'s line break',
    JSON.stringify(records));

  const xlsx = await b.download(page, '#export-xlsx', DOWNLOADS);
  b.check(/^services-\d{8}\.xlsx$/.test(xlsx.name), `#export-xlsx downloads services-<yyyymmdd>.xlsx (${xlsx.name})`);
  b.check(today.includes(csv.name.slice(9, 17)) && today.includes(xlsx.name.slice(9, 17)), 'both named with today\'s date',
    `${csv.name}, ${xlsx.name}; today ${today.join(' or ')}`);
  let book;
  try {
    book = JSON.parse(execFileSync(PYTHON, [XLSX_DUMP, xlsx.file], { encoding: 'utf8' }));
  } catch (err) {
    b.check(false, `${XLSX_DUMP} opens the workbook`, err.stderr || err.message);
  }
  b.check(book.sheets.length === 1 && book.sheets[0].title === 'サービス',
    'the workbook opens (openpyxl) with one sheet named サービス', JSON.stringify(book.sheets.map((s) => s.title)));
  const sheet = book.sheets[0];
  const labels = sheet.rows[0].map((c) => c.value);
  b.check(['番号', '状態', 'サービス名', '提供組織', 'サービスオーナー', '重要度', '稼働開始日'].every((l) => labels.includes(l)),
    'its header row holds the field labels in Japanese', labels.join(', '));
  const row = sheet.rows.slice(1).map((r) => Object.fromEntries(labels.map((l, i) => [l, r[i]])))
    .find((r) => r['番号'].value === made.service);
  b.check(row && row['サービス名'].value === SERVICE_NAME && row['状態'].value === '稼働中' && row['重要度'].value === '高' &&
    row['提供組織'].value === ORG && row['サービスオーナー'].value === DISPLAY_NAME &&
    row['利用者数'].value === 250 && row['稼働開始日'].value === '2026-04-01T00:00:00',
    'the row of our service has its values (name, state and enum labels, provider, owner by name, number, date)',
    JSON.stringify(row));
  b.check(sheet.rows.length === records.length, 'and one row per service, as many as the CSV', `${sheet.rows.length} vs ${records.length}`);
  b.checkClean(page, 'no console error or CSP violation on the list and its downloads');
}

// Two tasks ticked on the list, one transition for both.
async function bulkTransition(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/r/tasks'));
  const count = page.locator('.bulk-bar [x-text="count"]');
  b.check((await text(page, '.bulk-bar')).includes('(0)') && await page.isDisabled('#bulk-run'),
    'the bulk bar counts 0 selected and its button is disabled', await text(page, '.bulk-bar'));
  for (const number of TASKS) {
    await page.locator('#records tbody tr', { has: page.locator(`a:text-is("${number}")`) }).locator('input[name="ids"]').check();
  }
  b.check((await count.textContent()).trim() === '2' && !(await page.isDisabled('#bulk-run')),
    'ticking two tasks shows 2 in the bulk bar and enables #bulk-run', await text(page, '.bulk-bar'));
  const options = await page.$$eval('#bulk-transition option', (os) => os.map((o) => o.value));
  b.check(options.includes('finish') && !options.includes('cancel'),
    '#bulk-transition offers the transitions without fields (finish), not those with (cancel)', options.join(', '));
  await page.selectOption('#bulk-transition', 'finish');
  const response = await b.navigate(page, () => page.click('#bulk-run'));
  b.check(response.status() === 200, 'running it answers 200', response.status());
  b.check((await text(page, '#bulk-summary')) === '2件完了、0件は実行できませんでした。',
    '#bulk-summary says both were done', await text(page, 'main'));
  b.check((await page.locator('#bulk-results li').allTextContents()).filter((l) => l.includes('✓')).length === 2,
    'each is listed as done', await text(page, '#bulk-results'));
  await page.goto(b.url('/r/tasks'));
  for (const number of TASKS) {
    const state = await text(page, `#records tbody tr:has(a:text-is("${number}")) [data-column="state"]`);
    b.check(state === '完了', `${number} is done on the list`, state);
  }
  b.checkClean(page, 'no console error or CSP violation on the bulk transition');
}

// Keyboard users: the first Tab reaches the skip link; focused controls show an outline.
async function keyboard(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/r/services'));
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({
    cls: document.activeElement.className, href: document.activeElement.getAttribute('href'),
    box: document.activeElement.getBoundingClientRect().toJSON(),
  }));
  b.check(first.cls.includes('skip-link') && first.href === '#main', 'the first Tab from the top reaches the skip link (.skip-link → #main)',
    JSON.stringify(first));
  b.check(first.box.width > 0 && first.box.height > 0 && first.box.top >= 0 && first.box.left >= 0,
    'which is visible on the screen when focused', JSON.stringify(first.box));
  await page.keyboard.press('Enter');
  b.check(await page.evaluate(() => document.activeElement.id) === 'main', 'Enter on it moves the focus to the content (#main)');

  const outline = async () => page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    return { tag: el.tagName, type: el.type, id: el.id, visible: el.matches(':focus-visible'), text: el.textContent.trim().slice(0, 30), style: s.outlineStyle, width: s.outlineWidth };
  });
  const seen = [];
  let button = null;
  for (let i = 0; i < 40 && !button; i += 1) {
    await page.keyboard.press('Tab');
    const o = await outline();
    seen.push(o);
    if (o.tag === 'BUTTON') button = o;

  }
  b.check(button, 'tabbing on reaches a button', JSON.stringify(seen));
  b.check(button.style !== 'none' && parseFloat(button.width) > 0,
    `a focused button shows an outline (outline-style ${button.style}, width ${button.width})`, JSON.stringify(button));
  // Chromium focuses the inner part of a date field, so the field itself is not :focus-visible
  // (it shows that part highlighted instead): every other control must show the ring.
  const noOutline = seen.filter((o) => o.type !== 'date' && (o.style === 'none' || !(parseFloat(o.width) > 0)));
  b.check(noOutline.length === 0, 'so does every other control focused on the way (links, text fields, selects, buttons)',
    JSON.stringify(noOutline));
  b.checkClean(page, 'no console error or CSP violation');
}

// A requester sees the portal (also on a phone), without the agents' navigation.
async function requesterPortal(b) {
  const page = await b.newPage();
  await b.signIn(page, REQUESTER, REQUESTER_PASSWORD);
  b.check(pathOf(page) === '/portal', 'a requester signing in lands on /portal', page.url());
  await page.goto(b.url('/'));
  b.check(pathOf(page) === '/portal', '/ redirects a requester to /portal', page.url());
  b.check(await page.locator('.side-nav').count() === 0 && await page.locator('#global-search').count() === 0,
    'without the side navigation or the global search');
  b.check(await htmlLang(page) === 'ja' && (await text(page, 'h1')) === 'お困りごとはありますか？', 'the portal in Japanese',
    await text(page, 'main'));
  await b.shot(page, 'portal-ja');

  // A phone: nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(b.url('/portal'));
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  b.check(widths.scroll <= 375, `the portal at 375×740 has no horizontal scroll (scrollWidth ${widths.scroll})`, JSON.stringify(widths));
  await page.setViewportSize({ width: 1280, height: 800 });

  b.check(await switchLanguage(b, page) === 'en' && (await text(page, 'h1')) === 'How can we help?',
    'the requester\'s language button switches the portal to English', await text(page, 'main'));
  await b.shot(page, 'portal-en');
  b.check(await switchLanguage(b, page) === 'ja', 'and back to Japanese');
  b.checkClean(page, 'no console error or CSP violation on the portal');
}

// A requester orders from the catalogue: a control per question, a missing required answer
// shown at its question with everything typed kept, then the request made with the answers.
async function requesterOrders(b) {
  const page = await b.newPage();
  await b.signIn(page, REQUESTER, REQUESTER_PASSWORD);
  const item = `#catalogue .catalogue-item[data-number="${REQUEST_TYPE}"]`;
  b.check((await text(page, '#catalogue')).includes('メール配信サービス') && await page.isVisible(item),
    'the portal lists the offered request type under its service', await text(page, 'main'));
  b.check((await text(page, item)).includes('目標対応時間: 3日'), 'with its target fulfilment time', await text(page, item));
  b.check((await text(page, '#help-articles')).includes('メールボックスの容量を増やすには'),
    'the help article for everyone is under ヘルプ記事', await text(page, '#help'));
  await page.fill('#help-q', '容量');
  await b.navigate(page, () => page.click('#help-search'));
  b.check(new URL(page.url()).searchParams.get('help') === '容量' && (await text(page, '#help-articles')).includes('メールボックスの容量'),
    'searching the help articles (容量) finds it', await text(page, '#help'));
  await page.fill('#help-q', '印刷');
  await b.navigate(page, () => page.click('#help-search'));
  b.check(await page.isVisible('#no-help') && await page.locator('.help-article').count() === 0,
    'a word no article has (印刷) finds none, and says so', await text(page, '#help'));
  await b.navigate(page, () => page.click(item));
  b.check(pathOf(page) === `/portal/order/${REQUEST_TYPE}` && (await text(page, 'h1')) === 'メールボックス容量の追加',
    'the catalogue item opens its order page', page.url());
  const kinds = await page.evaluate(() => Object.fromEntries(['size', 'mailbox', 'needed_by', 'users', 'shared', 'why']
    .map((q) => { const el = document.getElementById(`q-${q}`); return [q, el ? `${el.tagName}:${el.type}` : null]; })));
  b.check(JSON.stringify(kinds) === JSON.stringify({ size: 'SELECT:select-one', mailbox: 'INPUT:text', needed_by: 'INPUT:date',
    users: 'INPUT:text', shared: 'INPUT:checkbox', why: 'TEXTAREA:textarea' }), 'a control per question, of its kind', JSON.stringify(kinds));
  b.check(await page.getAttribute('#q-users', 'inputmode') === 'decimal', 'the number question takes digits (inputmode)');
  b.check((await page.$$eval('#q-size option', (os) => os.map((o) => o.value))).join() === ',5GB,10GB', 'the choices of the select');
  const required = await page.$$eval('#questions label.required', (ls) => ls.map((l) => l.textContent.trim()));
  b.check(required.join() === '追加容量,対象のアドレス', 'the required questions carry the required mark, labelled in Japanese',
    JSON.stringify(required));
  b.check((await text(page, '#order-help')).includes('メールボックスの容量を増やすには'), 'the type\'s help article is on the page',
    await text(page, 'main'));
  await b.shot(page, 'portal-order-ja');

  await page.fill('#q-mailbox', 'sales@example.jp');
  await page.fill('#q-needed_by', '2026-12-01');
  await page.fill('#q-users', '12');
  await page.check('#q-shared');
  await page.fill('#q-why', '添付ファイルが多く、\n容量が足りません。');
  await page.fill('#f-description', '営業部の共有アドレスです。');
  let response = await b.navigate(page, () => page.click('#save'));
  b.expectStatus(page, 422, `/portal/order/${REQUEST_TYPE}`);
  const sizeError = await text(page, '[data-field="answer:size"] .invalid-feedback');
  b.check(response.status() === 422 && sizeError.includes('追加容量'), 'without the required size: 422, the error at that question, naming it',
    `${response.status()} ${await text(page, 'main')}`);
  b.check(await page.getAttribute('#q-size', 'aria-invalid') === 'true' && (await text(page, '#error')).includes('追加容量'),
    'marked invalid and summarised above the form', await text(page, '#error'));
  b.check(await page.locator('.invalid-feedback').count() === 1, 'and no other control has an error');
  b.check(await page.inputValue('#q-mailbox') === 'sales@example.jp' && await page.inputValue('#q-needed_by') === '2026-12-01' &&
    await page.inputValue('#q-users') === '12' && await page.isChecked('#q-shared') &&
    await page.inputValue('#q-why') === '添付ファイルが多く、\n容量が足りません。' &&
    await page.inputValue('#f-description') === '営業部の共有アドレスです。', 'every value typed is kept');

  await page.selectOption('#q-size', '10GB');
  response = await b.navigate(page, () => page.click('#save'));
  const number = pathOf(page).split('/').pop();
  b.check(response.status() === 200 && /^REQ-\d+$/.test(number) && await page.isVisible('#notice'),
    `completed, it lands on the created request ${number}`, `${response.status()} ${page.url()}`);
  const fields = await text(page, '#fields');
  b.check(['size: 10GB', 'mailbox: sales@example.jp', 'users: 12', 'shared: true', 'needed_by: 2026-12-01']
    .every((a) => fields.includes(a)) && fields.includes('メールボックス容量の追加'), 'which shows the type and the answers, one per line', fields);
  await page.goto(b.url('/portal'));
  b.check((await text(page, '#my-tickets')).includes(number), 'and the portal lists it under the requester\'s own', await text(page, '#my-tickets'));

  await page.goto(b.url(`/portal/order/${REQUEST_TYPE}`));
  b.check(await switchLanguage(b, page) === 'en' && pathOf(page) === `/portal/order/${REQUEST_TYPE}`, 'switched to English on the order page');
  b.check((await text(page, '[data-field="answer:size"] label')) === 'Size' && (await text(page, '#save')) === 'Send the request',
    'the questions and the button in English', await text(page, 'form'));
  await b.shot(page, 'portal-order-en');
  b.check(await switchLanguage(b, page) === 'ja', 'and back to Japanese');
  let r = await page.goto(b.url(`/r/knowledge/${ARTICLE}`));
  b.check(r.status() === 200 && (await text(page, 'main')).includes('3日以内に反映されます'), 'the help article opens for the requester',
    `${r.status()} ${await text(page, 'main')}`);
  r = await page.goto(b.url('/portal/order/RQT-999999'));
  b.check(r.status() === 404, 'a request type that is not there answers 404', r.status());
  b.expectStatus(page, 404, '/portal/order/RQT-999999');
  b.checkClean(page, 'no console error or CSP violation while ordering');
}

// A requester reads their own organization, and nothing of another one or of the agents' pages.
async function requesterAccess(b) {
  const page = await b.newPage();
  await b.signIn(page, REQUESTER, REQUESTER_PASSWORD);
  b.check(pathOf(page) === '/portal', 'a requester signing in lands on /portal', page.url());
  await page.goto(b.url('/r/organizations'));
  const list = await text(page, '#records');
  b.check(list.includes(ORG) && !list.includes(OTHER_ORG), `/r/organizations lists their organization ${ORG}, not ${OTHER_ORG}`, list);
  let response = await page.goto(b.url(`/r/organizations/${OTHER_ORG}`));
  b.check(response.status() === 404, `/r/organizations/${OTHER_ORG} (the other organization) answers 404`, response.status());
  b.check((await page.title()).startsWith('見つかりません') && (await text(page, '#error')).includes('存在しないか'),
    'with the not-found page (title 見つかりません, the message in #error)', `${await page.title()}: ${await text(page, 'main')}`);
  b.check((await text(page, 'h1')) === '見つかりません', 'whose heading says 見つかりません too', await text(page, 'main'));
  b.expectStatus(page, 404, `/r/organizations/${OTHER_ORG}`);
  // Other types: a requester reads only records they created or are named in, so the lists
  // are empty of everyone else's work, and what they may not create is not there at all.
  for (const p of ['/r/periodic_activities', '/r/tasks']) {
    response = await page.goto(b.url(p));
    b.check(response.status() === 200 && await page.isVisible('#no-records'),
      `${p} shows none of the agents' records to the requester`, `${response.status()} ${await text(page, 'main')}`);
  }
  for (const p of ['/r/tasks/new']) {
    response = await page.goto(b.url(p));
    b.check(response.status() === 404 && (await page.title()).startsWith('見つかりません') && (await text(page, 'h1')) === '見つかりません',
      `${p} (an agents' page of another type) answers 404 with the not-found page`, `${response.status()} ${await text(page, 'main')}`);
    b.expectStatus(page, 404, p);
  }
  response = await page.goto(b.url(`/r/organizations/${ORG}`));
  b.check(response.status() === 200, `their own organization ${ORG} opens`, response.status());

  b.checkClean(page, 'no console error or CSP violation on the pages refused');
}

// The profile in Japanese, then the main pages again in English, for the screenshots.
async function englishPages(b) {
  b.check(made.service, 'a service was created by createRecord');
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/me'));
  b.check(await htmlLang(page) === 'ja' && (await text(page, 'h1')) === 'プロフィール', 'the profile page /me in Japanese',
    await text(page, 'main'));
  await b.shot(page, 'profile-ja');
  b.check(await switchLanguage(b, page) === 'en' && pathOf(page) === '/me', 'switched to English on /me');
  b.check((await text(page, 'h1')) === 'Profile', 'the profile page in English', await text(page, 'h1'));
  await b.shot(page, 'profile-en');

  await page.goto(b.url('/r/services'));
  b.check(await htmlLang(page) === 'en' && (await text(page, 'h1')) === 'Services' &&
    (await text(page, '#export-csv')) === 'Export CSV' && (await text(page, '#new-record')) === 'New',
    'the list in English', await text(page, '.page-header'));
  b.check((await text(page, '#records thead')).includes('Name') && (await text(page, '#records tbody')).includes('Live'),
    'its columns and state badges in English', await text(page, '#records'));
  await b.shot(page, 'list-en');

  await page.goto(b.url(`/r/services/${made.service}`));
  b.check((await text(page, '#state')) === 'Live' && (await text(page, '#history')).includes('Proposed'),
    'the record in English (state, history)', await text(page, 'main'));
  b.check((await text(page, '#transitions-title')) === 'Actions' && (await text(page, '#history-title')) === 'History',
    'with English section titles', await text(page, 'main'));
  await b.shot(page, 'detail-en');

  await page.goto(b.url('/r/services/new'));
  await page.selectOption('#f-criticality', 'low');
  const response = await b.navigate(page, () => page.click('#save'));
  b.check(response.status() === 422 && (await text(page, '[data-field="name"] .invalid-feedback')).includes('Name is required'),
    'the form\'s error in English (Name is required.)', await text(page, 'main'));
  b.check((await text(page, '#error')).includes('Please correct the fields below.'), 'with the English summary',
    await text(page, '#error'));
  b.expectStatus(page, 422, '/r/services');
  await b.shot(page, 'form-errors-en');

  await page.goto(b.url(`/search?q=${encodeURIComponent('経費')}`));
  b.check((await text(page, '#results')).includes(made.service) && (await text(page, 'h1')) === 'Search',
    'the search results in English', await text(page, 'main'));
  await b.shot(page, 'search-en');

  b.check(await switchLanguage(b, page) === 'ja', 'and back to Japanese');
  b.checkClean(page, 'no console error or CSP violation on the English pages');
}

// Filtering, sorting and paging a list are partial updates: htmx fetches the page's main part,
// swaps it in and pushes the URL; the page itself is not reloaded (a marker set on window
// survives), the address bar can be bookmarked, and Back returns to the previous list.
async function listPartialUpdate(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url('/r/services'));
  const before = await page.locator('#records tbody tr').count();
  await page.evaluate(() => { window.kanriMarker = 42; });
  await page.selectOption('#filter-criticality', 'high');
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('criticality=high') && r.request().headers()['hx-request'] === 'true'),
    page.click('#apply-filters'),
  ]);
  await page.waitForURL(/criticality=high/);
  b.check(await page.evaluate(() => window.kanriMarker) === 42, 'the filter is applied without reloading the page (htmx)');
  const cells = await page.$$eval('#records tbody td[data-column="criticality"]', (tds) => tds.map((td) => td.textContent.trim()));
  b.check(cells.length > 0 && cells.length < before && cells.every((c) => c === '高'),
    'the table now holds only the critical-high services', `${before} rows before; now ${JSON.stringify(cells)}`);
  b.check(await page.isVisible('#global-search') && await page.isVisible('.side-nav'),
    'the frame (top bar, navigation) stays, only the main part changed');
  b.check((await page.title()).includes('サービス'), 'the title is kept for the new list', await page.title());
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('sort=') && r.request().headers()['hx-request'] === 'true'),
    page.click('th a.sort-link >> nth=1'),
  ]);
  await page.waitForURL(/sort=/);
  b.check(await page.evaluate(() => window.kanriMarker) === 42 && new URL(page.url()).searchParams.get('criticality') === 'high',
    'sorting by a column header is a partial update too, and keeps the filter', page.url());
  b.check(await page.evaluate(() => document.activeElement && document.activeElement.id === 'main'),
    'after the swap the focus is on the main region (not lost on the removed button)');
  await page.goBack();
  await page.waitForURL((u) => !u.searchParams.get('sort'));
  b.check(new URL(page.url()).searchParams.get('criticality') === 'high', 'Back returns to the filtered list', page.url());
  b.checkClean(page, 'no console error or CSP violation on the partial updates');
}

// Two people edit one record: the second save does not overwrite the first. The form comes
// back (409) from the saved version, with only the second person's own change on it and the
// field both changed marked; saving it then keeps both changes.
async function editConflict(b) {
  b.check(made.service, 'a service was created by createRecord');
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD);
  await page.goto(b.url(`/r/services/${made.service}/edit`));
  // Meanwhile someone else saves through the API (the same session: cookie and CSRF token).
  const csrf = await page.getAttribute('meta[name="csrf-token"]', 'content');
  const current = await page.request.get(b.url(`/api/v1/services/${made.service}`));
  const version = (await current.json()).version;
  const other = await page.request.patch(b.url(`/api/v1/services/${made.service}`), {
    headers: { 'If-Match': `"${version}"`, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    data: { support_hours: '平日 9:00-17:00', users_count: 300 },
  });
  b.check(other.status() === 200, 'the other change is saved through the API', `${other.status()} ${await other.text()}`);
  await page.fill('#f-users_count', '999');
  const [response] = await Promise.all([page.waitForNavigation(), page.click('#save')]);
  b.expectStatus(page, 409, `/r/services/${made.service}`);
  b.check(response.status() === 409 && await page.isVisible('#conflict'), 'saving the stale form answers 409 and shows the conflict',
    `${response.status()} ${await text(page, 'main')}`);
  const row = page.locator('#conflict tr[data-both="true"]');
  b.check(await row.count() === 1 && (await text(page, '#conflict tr[data-both="true"]')).includes('300') &&
    (await text(page, '#conflict tr[data-both="true"]')).includes('999'),
    'the field both changed is marked, with the saved value (300) and mine (999)', await text(page, '#conflict'));
  b.check(await page.inputValue('#f-support_hours') === '平日 9:00-17:00' && await page.inputValue('#f-users_count') === '999',
    'the form now holds their support hours and my number of users', await page.inputValue('#f-support_hours'));
  await Promise.all([page.waitForNavigation(), page.click('#save')]);
  b.check(/\/r\/services\/SVC-/.test(page.url()) && await page.isVisible('#notice'), 'saving it again is accepted', page.url());
  const fields = await text(page, '#fields');
  b.check(fields.includes('平日 9:00-17:00') && fields.includes('999'), 'and both changes are kept', fields);
  b.checkClean(page, 'no other console error or CSP violation on the conflict');
}

// A requester reports an incident from the portal with its short form, follows it, and
// confirms it once the service desk has resolved it.
async function requesterReportsAndConfirms(b) {
  const page = await b.newPage();
  await b.signIn(page, REQUESTER, REQUESTER_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('.offer >> nth=0')]);
  b.check(pathOf(page) === '/r/incidents/new', 'the portal offers to report an incident', page.url());
  b.check(await page.locator('#f-assignee').count() === 0 && await page.isVisible('#f-title'),
    'with the short form (no assignee or resolution fields for a requester)', await text(page, 'form'));
  await page.fill('#f-title', 'プリンターに印刷できない');
  await page.fill('#f-description', '3階の複合機から印刷できません。\n朝から。');
  await Promise.all([page.waitForNavigation(), page.click('#save')]);
  const number = pathOf(page).split('/').pop();
  b.check(/^INC-\d+$/.test(number) && (await text(page, '#state')) === '新規', `the incident ${number} is recorded, new`, page.url());
  await page.goto(b.url('/portal'));
  b.check((await text(page, '#my-tickets')).includes(number), 'and listed under the requester\'s own tickets', await text(page, '#my-tickets'));
  b.check(await page.locator(`[data-transition="confirm"]`).count() === 0, 'there is nothing to confirm yet');
  // The service desk resolves it (the Python side passes the agent's API token).
  const r = await fetch(b.url(`/api/v1/incidents/${number}/transitions/resolve`), {
    method: 'POST', headers: { Authorization: `Bearer ${AGENT_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ resolution: 'ドライバーを更新しました。', resolution_code: 'solved' }),
  });
  b.check(r.status === 200, 'the service desk resolves it', `${r.status} ${await r.text()}`);
  await page.goto(b.url(`/r/incidents/${number}`));
  b.check((await text(page, '#state')) === '解決済' && await page.isVisible('[data-transition="confirm"]') &&
    await page.isVisible('[data-transition="reopen"]'), 'the requester sees it resolved, and may confirm or reopen it',
    await text(page, 'main'));
  await Promise.all([page.waitForNavigation(), page.click('[data-transition="confirm"]')]);
  b.check((await text(page, '#state')) === '完了', 'confirming closes it', await text(page, '#state'));
  b.checkClean(page, 'no console error or CSP violation while reporting and confirming');
}

// An incident's detail page loads the suggestions in place: here a recent incident with the
// same symptom, with why it came up.
async function incidentSuggestions(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD, { lang: 'ja' });
  const make = async (title) => {
    const r = await fetch(b.url('/api/v1/incidents'), {
      method: 'POST', headers: { Authorization: `Bearer ${AGENT_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title, symptom: 'VPN が頻繁に切断される' }),
    });
    const body = await r.text();
    b.check(r.status === 201, `the desk records "${title}"`, `${r.status} ${body}`);
    return JSON.parse(body).number;
  };
  const first = await make('VPN 切断（本社）');
  const second = await make('VPN 切断（大阪支店）');
  await page.goto(b.url(`/r/incidents/${second}`));
  await page.waitForSelector('#suggested-incidents');
  const listed = await text(page, '#suggested-incidents');
  b.check(listed.includes(first) && listed.includes('似た文面'),
    'its detail page suggests the earlier incident with the same symptom, saying why', await text(page, '#suggestions'));
  b.check(!listed.includes(second), 'but not the incident itself', listed);
  await b.navigate(page, () => page.click(`#suggested-incidents a[href="/r/incidents/${first}"]`));
  b.check(pathOf(page) === `/r/incidents/${first}`, 'and the suggestion opens that incident', page.url());
  b.checkClean(page, 'no console error or CSP violation with the suggestions');
}

// SLA clocks: an incident of the organization on the service its SLA covers shows its
// response and resolution clocks, their targets and due times, and each clock's timeline; taken
// on, the response clock stops.
async function incidentClocks(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD, { lang: 'ja' });
  const api = async (method, path, body) => {
    const r = await fetch(b.url(path), {
      method, headers: { Authorization: `Bearer ${AGENT_TOKEN}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    b.check(r.ok, `${method} ${path}`, `${r.status} ${text}`);
    return JSON.parse(text);
  };
  const inc = await api('POST', '/api/v1/incidents', { title: 'メールが届かない（SLA）', service: SLA_SERVICE, organization: ORG });
  await page.goto(b.url(`/r/incidents/${inc.number}`));
  await page.waitForSelector('#clock-table');
  const table = await text(page, '#clock-table');
  b.check(table.includes('応答') && table.includes('解決') && table.includes('計測中') && table.includes('8 h')
    && table.includes('1 h'), 'the incident page shows its response and resolution clocks running, with their targets', table);
  b.check((await page.locator('#clock-table a[href^="/r/agreements/AGR-"]').count()) === 2,
    'each naming the agreement it counts against', table);
  await api('POST', `/api/v1/incidents/${inc.number}/transitions/take`, { assignee: USER });
  await page.reload();
  await page.waitForSelector('#clock-table');
  const after = await text(page, '.clock-response');
  b.check(after.includes('停止'), 'taken on, the response clock stops', after);
  await page.click('#timeline-resolution summary');
  const timeline = await text(page, '#timeline-resolution');
  b.check(timeline.includes('計測中') && timeline.includes('新規'), 'and the resolution timeline shows its segments', timeline);
  // A service request of the same customer has its fulfilment clock on its page too.
  const req = await api('POST', '/api/v1/requests', { request_type: REQUEST_TYPE, organization: ORG,
    answers: { size: '5GB', mailbox: 'sla@example.jp' } });
  await page.goto(b.url(`/r/requests/${req.number}`));
  await page.waitForSelector('#clock-table');
  const requestClocks = await text(page, '.clock-resolution');
  b.check(requestClocks.includes('解決') && requestClocks.includes('計測中') && requestClocks.includes('3 d'),
    'the request page shows its fulfilment clock running against the 3-day target', requestClocks);
  b.checkClean(page, 'no console error or CSP violation with the clocks');
}

// Reports: the incident report counts what the user may read as key figures, charts and the
// tables of their numbers, each row linking to the list it counts; a bad range is refused with
// the reason, in the user's language.
async function reportPages(b) {
  const page = await b.newPage();
  await b.signIn(page, USER, PASSWORD, { lang: 'ja' });
  await b.navigate(page, () => page.click('.side-nav a[href="/reports"]'));
  b.check((await text(page, 'h1')) === 'レポート' && (await text(page, '#report-list')).includes('インシデント'),
    'the navigation leads to the reports, listed in Japanese', await text(page, 'main'));
  await b.navigate(page, () => page.click('#report-list a[href="/reports/incidents"]'));
  b.check((await text(page, '#report-figures')).includes('受付') && (await text(page, '#report-figures')).includes('一次解決率'),
    'the incident report shows its key figures', await text(page, '#report-figures'));
  await page.waitForFunction(() => document.querySelectorAll('canvas[data-chart]').length > 0 &&
    [...document.querySelectorAll('canvas[data-chart]')].every((c) => c.width > 0));
  b.check(await page.locator('#section-by-priority table tbody tr').count() >= 1,
    'with a chart and the table of its numbers by priority', await text(page, '#section-by-priority'));
  const opened = Number((await text(page, '#section-per-period tbody tr:last-child td:nth-child(2)')).replace(/,/g, ''));
  b.check(opened >= 1, 'this month counts the incidents opened in it', await text(page, '#section-per-period'));
  await b.shot(page, 'report-ja');
  await b.navigate(page, () => page.click('#section-by-channel tbody a'));
  b.check(pathOf(page) === '/r/incidents' && new URL(page.url()).searchParams.has('channel'),
    'a row links to the list of the incidents it counts', page.url());
  const refused = await page.goto(b.url('/reports/incidents?from=2026-05-01&to=2026-04-01'));
  b.check(refused.status() === 400 && await page.isVisible('#error') && (await text(page, '#error')).includes('終了日は開始日以降'),
    'a range that ends before it starts is refused (400) with the reason', await text(page, 'main'));
  b.expectStatus(page, 400, '/reports/incidents');
  b.check(await page.inputValue('#report-from') === '2026-05-01', 'with the range kept in the form');
  // Service levels: the SLA's attainment (the incident taken on in time above is a met response
  // target), the tickets at risk and the breaches, on one page.
  await page.goto(b.url('/reports/service_levels'));
  const attainment = await text(page, '#section-attainment');
  b.check((await text(page, 'h1')) === 'サービスレベル' && attainment.includes('SLA 画面試験') && attainment.includes('100.0 %'),
    'the service level report shows the SLA with the response target it met', await text(page, 'main'));
  b.check((await text(page, '#report-figures')).includes('達成率') && await page.isVisible('#section-at-risk')
    && await page.isVisible('#section-breaches'), 'with the attainment as a key figure, the tickets at risk and the breaches',
  await text(page, 'main'));
  await page.goto(b.url('/reports/availability'));
  b.check((await text(page, 'h1')) === '可用性' && await page.isVisible('#section-availability'),
    'the availability report has its page', await text(page, 'main'));
  await page.goto(b.url('/reports/incidents'));
  await switchLanguage(b, page);
  b.check((await text(page, 'h1')) === 'Incidents' && (await text(page, '#report-figures')).includes('Resolved at first contact'),
    'the report in English', await text(page, 'main'));
  await b.shot(page, 'report-en');
  await switchLanguage(b, page);
  b.checkClean(page, 'no console error or CSP violation on the report pages');
}

const TESTS = [signInPage, wrongPassword, signInToHome, createRecord, transitionWithFields, formDefaults, searchJapanese, exportList,
  bulkTransition, listPartialUpdate, editConflict, keyboard, requesterPortal, requesterOrders, requesterReportsAndConfirms, incidentSuggestions, incidentClocks, reportPages, requesterAccess, englishPages];

await run('web_ui.mjs', 'the web UI in Chromium: sign-in, records, transitions, history, search, export, bulk, '
  + 'access, keyboard, phone width, both languages', TESTS);
