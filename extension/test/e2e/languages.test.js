// End to end: a thread with posts in Polish and Romanian and a mixed post, scored by the
// real Modlens server (gunicorn, the committed model), in Chromium with the extension. The
// badges must name the language the API detected, and the panel count such posts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { launchWithExtension, configureThroughOptions, chromiumMissing, waitForBadges } from '../helpers/browser.js';
import { startStaticServer, startRecordingProxy, close } from '../helpers/servers.js';
import { startModlensServer, REPO_ROOT } from '../helpers/modlens-server.js';

const PAGES = fileURLToPath(new URL('../fixtures/pages/', import.meta.url));
const WEIGHTS = `${REPO_ROOT}models/weights/modlens.safetensors`;
const SCREENSHOT = process.env.MODLENS_LANGUAGES_SCREENSHOT || `${tmpdir()}/modlens-languages-screenshot.png`;
const RUNNING_SERVER = process.env.MODLENS_E2E_SERVER_URL;
const skip = chromiumMissing()
  || (!RUNNING_SERVER && !existsSync(WEIGHTS) && `${WEIGHTS} is absent: the end-to-end test runs the real server, which needs the committed model`);

test('posts not in English: badges name the language, the panel counts them, a mixed post is scored', { skip, timeout: 240000 }, async () => {
  const server = RUNNING_SERVER ? { url: RUNNING_SERVER, stop: async () => {} } : await startModlensServer();
  const proxy = await startRecordingProxy(server.url);
  const pages = await startStaticServer(PAGES);
  const browser = await launchWithExtension();
  try {
    await configureThroughOptions(browser, { serverUrl: proxy.url, site: pages.url });
    const page = await browser.context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${pages.url}/xenforo2-languages.html`);
    await waitForBadges(page, 5, { timeout: 90000, server });

    const answers = new Map(proxy.exchanges.flatMap(({ response }) => response.posts).map((p) => [p.id, p]));
    assert.deepEqual([...answers.keys()], ['201', '202', '203', '204', '205']);
    assert.deepEqual([...answers.values()].map((p) => [p.status, p.language]), [
      ['scored', 'en'], ['language_not_supported', 'pl'], ['language_not_supported', 'ro'], ['scored', 'en'], ['scored', 'en']]);
    assert.equal(answers.get('204').mixed, true);
    assert.deepEqual(answers.get('202').scores, {});

    const badge = (id) => page.textContent(`[data-content="post-${id}"] .modlens-badge`);
    assert.equal(await badge('202'), 'not scored: Polish');
    assert.equal(await badge('203'), 'not scored: Romanian');
    assert.notEqual(await badge('205'), 'no flags', 'the English insult is still flagged');
    assert.equal(await page.textContent('#modlens-panel .not-scored'), 'Not scored (not English): 2 (Polish 1, Romanian 1)');
    assert.match(await page.textContent('#modlens-panel .status'), /^3 posts scored, \d flagged, 2 not scored \(not English\)\.$/);

    await page.click('[data-content="post-204"] .modlens-badge');
    assert.equal(await page.textContent('[data-content="post-204"] .modlens-language'),
      'Scored on its English sentences; left out: Polish.');
    await page.click('[data-content="post-202"] .modlens-badge');
    await page.evaluate(() => document.querySelector('[data-content="post-202"]').scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: SCREENSHOT });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    await close(pages);
    await close(proxy);
    await server.stop();
  }
});
