// Launches Debian's Chromium with the unpacked extension, the way
// ../shared/reference/browser-testing.md found to work on these machines.
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXTENSION_DIR = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const CHROMIUM = process.env.MODLENS_CHROMIUM || '/usr/bin/chromium';

export function chromiumMissing() {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install it with apt-get install -y chromium (scripts/test does)`;
}

export async function launchWithExtension() {
  const profileDir = await mkdtemp(join(tmpdir(), 'modlens-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      '--no-sandbox',
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
      '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync',
    ],
  });
  const worker = context.serviceWorkers()[0] || (await context.waitForEvent('serviceworker', { timeout: 20000 }));
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    worker,
    extensionId,
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sets the server and enables a site through the options page, as a moderator would
 * (127.0.0.1 is in host_permissions, so the browser grants it without a prompt); and where
 * given, the API key, the site's community and the moderator's name.
 */
export async function configureThroughOptions(browser, { serverUrl, site, apiKey, community, moderator }) {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/src/options/options.html`);
  await page.fill('#server-url', serverUrl);
  if (apiKey !== undefined) await page.fill('#api-key', apiKey);
  await page.fill('#new-site', site);
  await page.click('#add-site');
  // The site just added is the only one in these tests' fresh profiles (or the same one again).
  if (community !== undefined) await page.fill('#sites input.community', community);
  if (moderator !== undefined) await page.fill('#moderator', moderator);
  await page.click('#save');
  await page.waitForFunction(() => document.querySelector('#save-status').textContent === 'Saved.', null, { timeout: 10000 })
    .catch(async (error) => {
      throw new Error(`options page did not save: "${await page.textContent('#save-status')}" (${error.message})`);
    });
  await page.close();
}

/**
 * Waits until the page shows `count` badges, as page.waitForFunction would; on a timeout the
 * error says what the page showed instead (badges, the panel's status and errors) and, when
 * `server` is the real server's handle, the end of its log, so a failure in CI says why.
 */
export async function waitForBadges(page, count, { timeout, server } = {}) {
  try {
    await page.waitForFunction((n) => document.querySelectorAll('.modlens-badge').length === n, count, { timeout });
  } catch (error) {
    const seen = await page.evaluate(() => {
      const root = document.querySelector('#modlens-panel')?.shadowRoot;
      return {
        badges: document.querySelectorAll('.modlens-badge').length,
        panel: root ? root.querySelector('.status')?.textContent : 'no panel',
        errors: root ? [...root.querySelectorAll('.errors li')].map((li) => li.textContent) : [],
      };
    }).catch((reason) => ({ unreadable: String(reason) }));
    const log = server && typeof server.log === 'function' ? `\nserver log (end):\n${server.log().slice(-2000)}` : '';
    throw new Error(`waited for ${count} badges: ${error.message}\npage: ${JSON.stringify(seen)}${log}`, { cause: error });
  }
}
