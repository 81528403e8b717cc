// End to end, with a stand-in server whose answers the test chooses: a hostile answer
// stays inert in the real browser, and a server that is down shows one error, once; a
// page no profile reads is guessed, and the panel says which engine it nearly was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launchWithExtension, configureThroughOptions, chromiumMissing } from '../helpers/browser.js';
import { startStaticServer, startStubScoringServer, close } from '../helpers/servers.js';

const PAGES = fileURLToPath(new URL('../fixtures/pages/', import.meta.url));
const EVIL = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';

test('in Chromium: a server that is down is one error in the panel; hostile answers render inert; a guessed page names its near miss', { skip: chromiumMissing(), timeout: 120000 }, async () => {
  const pages = await startStaticServer(PAGES);
  const stub = await startStubScoringServer((body) => ({
    model: { name: EVIL, version: EVIL },
    posts: body.posts.map((p) => ({
      id: p.id,
      scores: { [EVIL]: 0.97, toxicity: 0.2 },
      flags: [EVIL],
      spans: [{ begin: 0, end: 4, attribute: EVIL, score: EVIL }],
    })),
  }));
  // A port that was just free: nothing answers there.
  const down = await startStaticServer(PAGES);
  await close(down);
  const browser = await launchWithExtension();
  try {
    await configureThroughOptions(browser, { serverUrl: down.url, site: pages.url });
    const page = await browser.context.newPage();
    await page.goto(`${pages.url}/xenforo2-thread.html`);
    // Both batches (the page, then the late post) fail after their retries; one error shows.
    await page.waitForFunction(() => {
      const status = document.querySelector('#modlens-panel')?.shadowRoot.querySelector('.status');
      return status && status.textContent === 'Not scored.';
    }, null, { timeout: 30000 });
    await page.waitForTimeout(4000);
    const errors = await page.$$eval('#modlens-panel .errors li', (items) => items.map((li) => li.textContent));
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], new RegExp(`cannot reach the Modlens server at ${down.url}`));
    assert.equal(await page.locator('.modlens-badge').count(), 0, 'no error drawn on any post');

    // Pointed at a server whose answer carries markup and script in every field.
    await configureThroughOptions(browser, { serverUrl: stub.url, site: pages.url });
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.modlens-badge').length === 8, null, { timeout: 30000 });
    await page.click('[data-content="post-101"] .modlens-badge');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.pwned), undefined, 'no script from the answer ran');
    assert.equal(await page.locator('.modlens-annotation img, .modlens-annotation script, .modlens-post mark img').count(), 0);
    assert.equal(await page.locator('#modlens-panel img').count(), 0);
    assert.equal(await page.textContent('[data-content="post-101"] .modlens-badge'), `${EVIL} 0.97`);
    assert.equal(await page.textContent('[data-content="post-101"] mark.modlens-span'), 'My t');

    // A phpBB 3 board whose theme renumbers its posts: read by the generic guess, and the
    // panel says so beside the engine.
    await page.goto(`${pages.url}/guessed-near-phpbb3.html`);
    await page.waitForFunction(() => document.querySelectorAll('.modlens-badge').length === 3, null, { timeout: 30000 });
    assert.equal(await page.textContent('#modlens-panel .engine'), 'generic (guessed)');
    assert.equal(await page.isVisible('#modlens-panel .guess'), true);
    assert.equal(await page.textContent('#modlens-panel .guess'), 'Guessed: looks nearly like phpBB 3 (seen: marker div.post div.postbody, '
      + 'marker body#phpbb), but its post selector (div.post[id^=p]:not([id^=post])) finds no post on this page.');
  } finally {
    await browser.close();
    await close(pages);
    await close(stub);
  }
});
