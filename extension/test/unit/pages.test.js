// The popup and the options page in a DOM with a stubbed chrome.*: what they show and
// which typed messages and permission requests a moderator's clicks produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { read } from '../helpers/load.js';

const settle = () => new Promise((r) => setTimeout(r, 20));
const SETTINGS = { serverUrl: 'http://127.0.0.1:8000', apiKey: '', attributes: null, thresholds: {}, sites: ['https://forum.example.org/*'] };

/** Loads an extension page with `chrome` stubbed by `answers` (type -> result) and records every call. */
function openPage(htmlPath, scripts, { tabUrl = 'https://forum.example.org/threads/t.1/', answers = {} } = {}) {
  const dom = new JSDOM(read(htmlPath).replace(/<script[^>]*><\/script>/g, ''), { runScripts: 'outside-only', url: 'chrome-extension://test/page.html' });
  const win = dom.window;
  const calls = [];
  const answer = (type, payload) => {
    calls.push({ type, payload: JSON.parse(JSON.stringify(payload ?? null)) });
    const result = answers[type];
    return result instanceof Error ? { ok: false, error: result.message, code: 'error' } : { ok: true, result: typeof result === 'function' ? result(payload) : result };
  };
  win.chrome = {
    runtime: {
      sendMessage: async ({ type, payload }) => answer(type, payload),
      openOptionsPage: () => calls.push({ type: 'open-options' }),
    },
    tabs: {
      query: async () => [{ id: 5, url: tabUrl }],
      sendMessage: async (tabId, { type, payload }) => answer(`tab:${type}`, payload),
      reload: async (tabId) => calls.push({ type: 'reload', payload: tabId }),
    },
    permissions: { request: async ({ origins }) => { calls.push({ type: 'permissions.request', payload: JSON.parse(JSON.stringify(origins)) }); return true; } },
  };
  win.close = () => calls.push({ type: 'close' });
  for (const script of scripts) win.eval(read(script));
  return { win, doc: win.document, calls };
}

const POPUP = ['src/shared/settings.js', 'src/shared/messages.js', 'src/popup/popup.js'];
const OPTIONS = ['src/shared/settings.js', 'src/shared/messages.js', 'src/options/options.js'];
const pageState = (paused) => ({ engine: 'xenforo2', guessed: false, status: '7 posts scored, 3 flagged.', paused, postsScored: 7, flagged: [{}, {}, {}], errors: [] });

test('popup on an enabled forum: the tab\'s state, and pause/resume sent to its content script', async () => {
  const { doc, calls } = openPage('src/popup/popup.html', POPUP, {
    answers: { 'get-settings': SETTINGS, 'tab:get-page-state': pageState(false), 'tab:pause': pageState(true), 'tab:resume': pageState(false) },
  });
  await settle();
  assert.equal(doc.querySelector('#state').textContent, '7 posts scored, 3 flagged.');
  assert.equal(doc.querySelector('#engine').textContent, 'xenforo2');
  assert.equal(doc.querySelector('#flagged').textContent, '3');
  doc.querySelector('#pause').click();
  await settle();
  assert.equal(doc.querySelector('#state').textContent, 'Paused on this tab.');
  assert.equal(doc.querySelector('#pause').textContent, 'Resume');
  doc.querySelector('#pause').click();
  await settle();
  assert.deepEqual(calls.filter((c) => c.type.startsWith('tab:')).map((c) => c.type), ['tab:get-page-state', 'tab:pause', 'tab:resume']);
});

test('popup on a guessed page: the engine marked guessed, and the line that says what it nearly was, as text', async () => {
  const guess = 'Guessed: looks nearly like phpBB 3 (seen: marker body#phpbb), but its post selector (<img src=x onerror=alert(1)>) finds no post on this page.';
  const { doc } = openPage('src/popup/popup.html', POPUP, {
    answers: { 'get-settings': SETTINGS, 'tab:get-page-state': { ...pageState(false), engine: 'generic', guessed: true, guess } },
  });
  await settle();
  assert.equal(doc.querySelector('#engine').textContent, 'generic (guessed)');
  assert.equal(doc.querySelector('#guess').hidden, false);
  assert.equal(doc.querySelector('#guess').textContent, guess);
  assert.equal(doc.querySelectorAll('img').length, 0);
});

test('popup on a recognised page has no guess line', async () => {
  const { doc } = openPage('src/popup/popup.html', POPUP, { answers: { 'get-settings': SETTINGS, 'tab:get-page-state': pageState(false) } });
  await settle();
  assert.equal(doc.querySelector('#guess').hidden, true);
});

test('popup on a forum not enabled: "Enable on this site" asks for that site only, saves it and reloads the tab', async () => {
  const { doc, calls } = openPage('src/popup/popup.html', POPUP, {
    tabUrl: 'https://other-forum.example.net/t/42',
    answers: { 'get-settings': SETTINGS, 'save-settings': (p) => p.settings },
  });
  await settle();
  assert.equal(doc.querySelector('#state').textContent, 'Not enabled on this site.');
  assert.equal(doc.querySelector('#enable').hidden, false);
  assert.equal(calls.some((c) => c.type.startsWith('tab:')), false, 'nothing is asked of a page on a site not enabled');
  doc.querySelector('#enable').click();
  await settle();
  assert.deepEqual(calls.find((c) => c.type === 'permissions.request').payload, ['https://other-forum.example.net/*']);
  const saved = calls.find((c) => c.type === 'save-settings').payload.settings;
  assert.deepEqual(saved.sites, ['https://forum.example.org/*', 'https://other-forum.example.net/*']);
  assert.ok(calls.some((c) => c.type === 'reload' && c.payload === 5));
});

const SERVER_ATTRIBUTES = {
  attributes: [
    { name: 'toxicity', description: 'Rude.', threshold: 0.5 },
    { name: 'insult', description: 'Insulting.', threshold: 0.5 },
    { name: 'sarcasm', description: '<b>Ironic</b>.', threshold: 0.6 },
  ],
};

test('options: the server\'s attributes with their thresholds; saving asks for the sites and server first', async () => {
  const { doc, win, calls } = openPage('src/options/options.html', OPTIONS, {
    answers: { 'get-settings': SETTINGS, 'get-server-attributes': SERVER_ATTRIBUTES, 'save-settings': (p) => p.settings },
  });
  await settle();
  assert.equal(doc.querySelector('#server-url').value, 'http://127.0.0.1:8000');
  const rows = doc.querySelectorAll('#attributes tbody tr');
  assert.equal(rows.length, 3);
  assert.match(rows[2].textContent, /<b>Ironic<\/b>/, 'a description is text, not markup');
  assert.equal(rows[2].querySelector('b'), null);

  doc.querySelector('#new-site').value = 'https://board.example.com/viewtopic.php?t=1';
  doc.querySelector('#add-site').click();
  doc.querySelector('input[name=show][value=sarcasm]').checked = false;
  doc.querySelector('input[name="threshold-insult"]').value = '0.8';
  doc.querySelector('#server-url').value = 'https://modlens.example.com';
  doc.querySelector('#options').dispatchEvent(new win.Event('submit', { cancelable: true }));
  await settle();
  assert.deepEqual(calls.find((c) => c.type === 'permissions.request').payload,
    ['https://forum.example.org/*', 'https://board.example.com/*', 'https://modlens.example.com/*']);
  const saved = calls.find((c) => c.type === 'save-settings').payload.settings;
  assert.deepEqual(saved.attributes, ['toxicity', 'insult']);
  assert.deepEqual(saved.thresholds, { insult: '0.8' });
  assert.equal(saved.serverUrl, 'https://modlens.example.com');
  assert.equal(doc.querySelector('#save-status').textContent, 'Saved.');
});

test('options: a server that cannot be reached is said plainly, and the page still loads', async () => {
  const { doc } = openPage('src/options/options.html', OPTIONS, {
    answers: { 'get-settings': SETTINGS, 'get-server-attributes': new Error('cannot reach the Modlens server at http://127.0.0.1:8000 (Failed to fetch)') },
  });
  await settle();
  assert.match(doc.querySelector('#attributes-status').textContent, /Could not read the server's attributes \(cannot reach/);
  assert.equal(doc.querySelector('#sites').textContent.includes('https://forum.example.org/*'), true);
});
