// End to end: the real Modlens server (gunicorn, the committed model) behind a recording
// proxy, a saved thread page on 127.0.0.1, and Debian's Chromium with the unpacked
// extension. The proxy's record of what the API answered is the ground truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchWithExtension, configureThroughOptions, chromiumMissing, waitForBadges } from '../helpers/browser.js';
import { startStaticServer, startRecordingProxy, close } from '../helpers/servers.js';
import { startModlensServer, REPO_ROOT } from '../helpers/modlens-server.js';

const PAGES = fileURLToPath(new URL('../fixtures/pages/', import.meta.url));
const WEIGHTS = `${REPO_ROOT}models/weights/modlens.safetensors`;
// A test run must not rewrite tracked files: the screenshot goes to a temporary file unless
// MODLENS_SCREENSHOT names where to keep it, relative to the repository root: the README's
// picture is made in extension/ with `MODLENS_SCREENSHOT=docs/extension-screenshot.png npm run test:e2e`.
const SCREENSHOT = process.env.MODLENS_SCREENSHOT
  ? resolve(REPO_ROOT, process.env.MODLENS_SCREENSHOT)
  : `${tmpdir()}/modlens-extension-screenshot.png`;

// MODLENS_E2E_SERVER_URL points the test at a Modlens server already running (one you
// started by hand); otherwise the test starts its own from this checkout.
const RUNNING_SERVER = process.env.MODLENS_E2E_SERVER_URL;
const skip = chromiumMissing()
  || (!RUNNING_SERVER && !existsSync(WEIGHTS) && `${WEIGHTS} is absent: the end-to-end test runs the real server, which needs the committed model`);

/** Per post id, the API's answer, the first time the post was scored (later batches repeat the opening post). */
function answersById(exchanges) {
  const byId = new Map();
  for (const { response } of exchanges) for (const post of response.posts) if (!byId.has(post.id)) byId.set(post.id, post);
  return byId;
}

test('a thread in Chromium: badges on the posts the API flagged, panel counts, next-flagged, screenshot', { skip, timeout: 240000 }, async () => {
  const server = RUNNING_SERVER ? { url: RUNNING_SERVER, stop: async () => {} } : await startModlensServer();
  const proxy = await startRecordingProxy(server.url);
  const pages = await startStaticServer(PAGES);
  const browser = await launchWithExtension();
  try {
    await configureThroughOptions(browser, { serverUrl: proxy.url, site: pages.url });
    const page = await browser.context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${pages.url}/xenforo2-thread.html`);

    // Seven posts at load, an eighth added by the page 1.5 s later (MutationObserver).
    await waitForBadges(page, 8, { timeout: 90000, server });

    // One batched call for the page as loaded, one for the late post, with the opening post as context.
    assert.equal(proxy.exchanges.length, 2, 'one /v1/score call per batch of posts');
    const [first, late] = proxy.exchanges;
    assert.equal(first.status, 200);
    assert.deepEqual(first.request.posts.map((p) => p.id), ['101', '102', '103', '104', '105', '106', '107']);
    assert.equal(first.request.thread.title, 'Tomatoes splitting after rain');
    assert.deepEqual(late.request.posts.map((p) => p.id), ['101', '108']);
    // The quoting post sends the quote apart from its own words.
    const helen = first.request.posts.find((p) => p.id === '104');
    assert.equal(helen.quotes.length, 1);
    assert.equal(helen.quotes[0].author, 'Rick');
    assert.ok(!helen.text.includes('idiot'));

    const answers = answersById(proxy.exchanges);
    const apiFlagged = [...answers.values()].filter((p) => p.flags.length).map((p) => p.id).sort();
    const pageFlagged = (await page.$$eval('.modlens-post.modlens-flagged', (els) => els.map((el) => el.dataset.content.replace('post-', '')))).sort();
    assert.deepEqual(pageFlagged, apiFlagged, 'badges sit on exactly the posts the API flagged');
    assert.ok(apiFlagged.length >= 1, `the model flags at least one of the fixture's insults or threats (flags: ${JSON.stringify([...answers.values()].map((p) => [p.id, p.flags]))})`);
    assert.ok(apiFlagged.length < 8, 'and not every post');

    // Each badge names the top flagged attribute and its score, as the API gave them.
    for (const [id, answer] of answers) {
      const badge = await page.textContent(`[data-content="post-${id}"] .modlens-badge`);
      if (!answer.flags.length) {
        assert.equal(badge, 'no flags', `post ${id}`);
        continue;
      }
      const top = [...answer.flags].sort((a, b) => answer.scores[b] - answer.scores[a])[0];
      assert.equal(badge, `${top} ${answer.scores[top].toFixed(2)}`, `post ${id}`);
    }

    // Panel counts: per attribute, how many posts the API flagged for it.
    const expectedCounts = {};
    for (const answer of answers.values()) {
      for (const name of Object.keys(answer.scores)) expectedCounts[name] = expectedCounts[name] || 0;
      for (const name of answer.flags) expectedCounts[name] += 1;
    }
    const panelCounts = await page.$$eval('#modlens-panel .counts li', (items) => items.map((li) => li.textContent));
    const shown = Object.fromEntries(panelCounts.map((text) => { const [name, n] = text.split(': '); return [name, Number(n)]; }));
    assert.deepEqual(shown, expectedCounts);
    assert.equal(await page.textContent('#modlens-panel .status'), `8 posts scored, ${apiFlagged.length} flagged.`);

    // Next-flagged moves focus down the page: keyboard shortcut, then the panel's button.
    const flaggedInOrder = await page.$$eval('.modlens-post.modlens-flagged', (els) => els.map((el) => el.dataset.content));
    const focusedPost = () => page.evaluate(() => document.activeElement.closest('.modlens-post')?.dataset.content ?? null);
    await page.keyboard.press('Alt+Shift+KeyJ');
    assert.equal(await focusedPost(), flaggedInOrder[0]);
    if (flaggedInOrder.length > 1) {
      await page.click('#modlens-panel button.next');
      assert.equal(await focusedPost(), flaggedInOrder[1]);
      await page.keyboard.press('Alt+Shift+KeyK');
      assert.equal(await focusedPost(), flaggedInOrder[0]);
    }

    // For the README's picture, open the details of the post flagged most surely.
    const topScore = (answer) => Math.max(...answer.flags.map((name) => answer.scores[name]));
    const worst = [...answers.values()].filter((a) => a.flags.length).sort((a, b) => topScore(b) - topScore(a))[0];
    const worstPost = `[data-content="post-${worst.id}"]`;
    await page.click(`${worstPost} .modlens-badge`);
    assert.equal(await page.isVisible(`${worstPost} .modlens-details`), true);
    await page.evaluate((selector) => document.querySelector(selector).scrollIntoView({ block: 'start' }), worstPost);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    await close(pages);
    await close(proxy);
    await server.stop();
  }
});
