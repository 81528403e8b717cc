// End to end, moderators' verdicts: in Debian's Chromium with the unpacked extension, a
// moderator's Agree / Wrong / Flag as goes through the service worker to POST /v1/feedback
// with the site's community (set in the options page), and the post says what came of it.
// Against the real server (gunicorn, the committed model, feedback on, an API key bound to
// the community), the moderators' page then counts those verdicts, applies, and exports them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchWithExtension, configureThroughOptions, chromiumMissing, waitForBadges } from '../helpers/browser.js';
import { startStaticServer, startStubScoringServer, close } from '../helpers/servers.js';
import { keywordAnswer } from '../helpers/keyword-scorer.js';
import { startModlensServer, REPO_ROOT } from '../helpers/modlens-server.js';

const PAGES = fileURLToPath(new URL('../fixtures/pages/', import.meta.url));
const WEIGHTS = `${REPO_ROOT}models/weights/modlens.safetensors`;
const COMMUNITY = 'tomato-growers';
const EVIL = '<img src=x onerror="window.pwned=1">';

const post = (id) => `[data-content="post-${id}"]`;
const statusOf = (page, id) => page.textContent(`${post(id)} .modlens-verdict-status`);

/** Waits until post `id`'s verdict line settles (recorded or error) and returns it. */
async function settled(page, id) {
  await page.waitForFunction((selector) => {
    const state = document.querySelector(`${selector} .modlens-verdicts`)?.dataset.state;
    return state === 'recorded' || state === 'error';
  }, post(id), { timeout: 60000 });
  return statusOf(page, id);
}

test('in Chromium: each way a verdict can fail is one line on its post; a stored one marks the badge', { skip: chromiumMissing(), timeout: 120000 }, async () => {
  const pages = await startStaticServer(PAGES);
  let feedback = () => ({ status: 403, body: { error: { code: 403, message: 'feedback is off on this server: nothing is stored; its operator turns it on with MODLENS_FEEDBACK=on' } } });
  const stub = await startStubScoringServer(keywordAnswer, { feedback: (body) => feedback(body) });
  const browser = await launchWithExtension();
  try {
    await configureThroughOptions(browser, { serverUrl: stub.url, site: pages.url, community: COMMUNITY, moderator: 'Ann' });
    const page = await browser.context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${pages.url}/xenforo2-thread.html`);
    await page.waitForFunction(() => document.querySelectorAll('.modlens-verdicts').length === 8, null, { timeout: 30000 });
    // Post 106 is flagged for a threat only; post 104 for nothing.
    const agree = `${post('106')} button.modlens-agree`;

    await page.click(agree);
    assert.equal(await settled(page, '106'), 'Not recorded: feedback is off on the Modlens server (its operator turns it on with MODLENS_FEEDBACK=on)');

    feedback = () => ({ status: 404, body: { error: { code: 404, message: 'not found' } } });
    await page.click(agree);
    assert.match(await settled(page, '106'), /^Not recorded: the server at http:\/\/127\.0\.0\.1:\d+ has no \/v1\/feedback route \(404\)/);

    feedback = () => ({ status: 503, headers: { 'Retry-After': '30' }, body: { error: { code: 503, message: 'the verdict store is unavailable' } } });
    await page.click(agree);
    assert.equal(await settled(page, '106'), "Not recorded: the server's verdict store is unavailable; nothing was stored, try again in 30 s");

    feedback = () => ({ status: 400, body: { error: { code: 400, message: `verdicts[0].attribute is ${EVIL}` } } });
    await page.click(agree);
    assert.equal(await settled(page, '106'), `Not recorded: the server refused the verdict (400): verdicts[0].attribute is ${EVIL}`);
    assert.equal(await page.evaluate(() => document.querySelectorAll('.modlens-annotation img').length), 0);

    assert.equal(await page.getAttribute(`${post('106')} .modlens-annotation`, 'data-verdict'), null, 'nothing recorded yet');
    feedback = () => ({ status: 200, body: { stored: 1, community: COMMUNITY } });
    await page.click(agree);
    assert.equal(await settled(page, '106'), 'Recorded: threat, agreed.');
    assert.equal(await page.getAttribute(`${post('106')} .modlens-annotation`, 'data-verdict'), 'recorded');
    const mark = await page.evaluate((selector) => getComputedStyle(document.querySelector(selector), '::after').content, `${post('106')} .modlens-badge`);
    assert.equal(mark, '" ✓"', 'the badge shows the verdict was recorded');

    await page.selectOption(`${post('104')} select.modlens-flag-as`, 'toxicity');
    await page.click(`${post('104')} button.modlens-flag`);
    assert.equal(await settled(page, '104'), 'Recorded: flagged as toxicity.');

    const last = stub.verdicts.at(-1);
    assert.equal(last.headers['content-type'], 'application/json');
    assert.deepEqual(last.body, {
      community: COMMUNITY,
      source: 'extension',
      verdicts: [{
        post: { id: '104', text: last.body.verdicts[0].post.text },
        attribute: 'toxicity', value: 1, thread: { title: 'Tomatoes splitting after rain' }, moderator: 'Ann',
      }],
    });
    assert.ok(last.body.verdicts[0].post.text.length > 20, 'the post\'s own text');
    assert.equal(stub.verdicts.length, 6, 'one request per click, none retried');

    // The server goes away.
    await close(stub);
    await page.click(`${post('103')} button.modlens-wrong`);
    assert.match(await settled(page, '103'), /^Not recorded: cannot reach the Modlens server at http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    await close(pages);
    await close(stub).catch(() => {});
  }
});

const skipReal = chromiumMissing()
  || (!existsSync(WEIGHTS) && `${WEIGHTS} is absent: this test runs the real server, which needs the committed model`);

test('in Chromium, on the real server: verdicts from the posts reach the store; the moderators\' page counts them, applies and exports CSV', { skip: skipReal, timeout: 300000 }, async () => {
  const folder = mkdtempSync(join(tmpdir(), 'modlens-verdicts-'));
  const key = 'e2e-moderator-key';
  const env = {
    MODLENS_FEEDBACK: 'on',
    MODLENS_DATABASE_URL: `sqlite:///${folder}/verdicts.sqlite3`,
    MODLENS_API_KEYS: `${key},e2e-admin-key`,
    MODLENS_API_KEY_COMMUNITIES: JSON.stringify({ [createHash('sha256').update(key).digest('hex')]: [COMMUNITY] }),
  };
  execFileSync('flask', ['--app', 'server', 'db', 'upgrade'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
  const server = await startModlensServer({ env });
  const pages = await startStaticServer(PAGES);
  const browser = await launchWithExtension();
  try {
    await configureThroughOptions(browser, { serverUrl: server.url, site: pages.url, apiKey: key, community: COMMUNITY });
    const thread = await browser.context.newPage();
    await thread.goto(`${pages.url}/xenforo2-thread.html`);
    await waitForBadges(thread, 8, { timeout: 120000, server });

    // Agree with the first flag, say the second is wrong, flag a post the model let pass.
    const flagged = await thread.$$eval('.modlens-post.modlens-flagged', (els) => els.map((el) => el.dataset.content.replace('post-', '')));
    const unflagged = await thread.$$eval('.modlens-post:not(.modlens-flagged)', (els) => els.map((el) => el.dataset.content.replace('post-', '')));
    assert.ok(flagged.length >= 2 && unflagged.length >= 1, `flagged ${flagged}, not flagged ${unflagged}`);
    const judged = [];
    for (const [id, verb] of [[flagged[0], 'agree'], [flagged[1], 'wrong']]) {
      const attribute = await thread.getAttribute(`${post(id)} .modlens-verdict-group`, 'data-attribute');
      await thread.click(`${post(id)} .modlens-verdict-group button.modlens-${verb}`);
      assert.match(await settled(thread, id), /^Recorded: /);
      judged.push({ attribute, value: verb === 'agree' ? 1 : 0 });
    }
    await thread.selectOption(`${post(unflagged[0])} select.modlens-flag-as`, 'hostility');
    await thread.click(`${post(unflagged[0])} button.modlens-flag`);
    assert.equal(await settled(thread, unflagged[0]), 'Recorded: flagged as hostility.');
    judged.push({ attribute: 'hostility', value: 1 });

    // The moderators' page asks for the key (a browser sends no header), then shows the counts.
    const mods = await browser.context.newPage();
    const pageErrors = [];
    mods.on('pageerror', (error) => pageErrors.push(error.message));
    await mods.goto(`${server.url}/communities/${COMMUNITY}`);
    assert.equal(await mods.locator('#verdict-count').count(), 0, 'nothing shown without the key');
    await mods.fill('form.key input[name=key]', key);
    await mods.click('form.key button');
    await mods.waitForSelector('#verdict-count');
    assert.equal(await mods.textContent('#verdict-count'), '3');
    const counts = await mods.$$eval('#attributes tbody tr[data-attribute]', (rows) => Object.fromEntries(
      rows.map((row) => [row.dataset.attribute, Number(row.querySelector('.verdicts').textContent)])));
    const expected = {};
    for (const { attribute } of judged) expected[attribute] = (expected[attribute] || 0) + 1;
    assert.deepEqual(counts, expected);
    // The stylesheet loaded under the server's Content-Security-Policy.
    assert.equal(await mods.evaluate(() => getComputedStyle(document.querySelector('form#apply button')).color), 'rgb(255, 255, 255)');

    // Export: the browser downloads the CSV the form asks for, with the key it carries.
    const [download] = await Promise.all([mods.waitForEvent('download'), mods.click('#export-csv')]);
    assert.equal(download.suggestedFilename(), `verdicts-${COMMUNITY}.csv`);
    const [header, ...lines] = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
    assert.equal(header, 'id,created_at,community,post_key,attribute,value,score,threshold,model,moderator,source,text,parent_text,title');
    const rows = lines.map((line) => line.split(','));
    assert.deepEqual(rows.map((r) => ({ attribute: r[4], value: Number(r[5]) })), judged);
    assert.ok(rows.every((r) => r[2] === COMMUNITY && r[10] === 'extension'));

    // Apply: three verdicts are too few to change anything, and the page and its audit log say so.
    await Promise.all([mods.waitForNavigation(), mods.click('form#apply button')]);
    assert.equal(await mods.textContent('#applied tr[data-attribute=hostility] .applied'), 'nothing');
    assert.match(await mods.textContent('#applied tr[data-attribute=hostility] .reasons'), /needs 20 verdicts/);
    assert.equal(await mods.textContent('#audit tbody tr .action'), 'adapt');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    await close(pages);
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});
