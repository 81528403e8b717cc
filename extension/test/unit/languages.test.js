// Posts the server leaves unscored for their language: the badge names the language
// ("not scored: Polish"), the details say why, the panel counts them, and a mixed post
// says what was left out. Everything is written with textContent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageWindow, read, SITE_PROFILES } from '../helpers/load.js';
import { keywordAnswer } from '../helpers/keyword-scorer.js';

const FIXTURE = read('test/fixtures/pages/xenforo2-thread.html').replace(/<script>[\s\S]*?<\/script>/, '');
const NOT_SUPPORTED = { status: 'language_not_supported', language: 'pl', language_confidence: 0.99, language_uncertain: false, mixed: false, unscored_parts: [], scores: {}, flags: [], spans: [] };

function xenforoPage(bodyHtml) {
  return `<meta name="generator" content="XenForo"><h1 class="p-title-value">T</h1>
    <article class="message message--post" data-author="Ola" data-content="post-1">
      <div class="message-body"><div class="bbWrapper">${bodyHtml}</div></div></article>`;
}

function onePost(html) {
  const win = pageWindow(html);
  const { profileAdapter } = win.Modlens;
  const profile = profileAdapter.chooseProfile(SITE_PROFILES, win.document, win.location.href);
  const [post] = profileAdapter.extractPosts(profile, win.document, new WeakSet());
  return { win, post };
}

test('a post in another language gets a badge naming it, no flags and no score table', () => {
  const { win, post } = onePost(xenforoPage('Nie pisz bzdur, człowieku, bo nikt ci nie uwierzy.'));
  const drawn = win.Modlens.annotate.annotatePost(win.document, post, { id: '1', ...NOT_SUPPORTED }, { attributes: null, thresholds: {} });
  assert.equal(drawn.badge.textContent, 'not scored: Polish');
  assert.equal(drawn.notScored, true);
  assert.deepEqual(drawn.flagged.length, 0);
  assert.equal(drawn.severity, 'none');
  assert.ok(drawn.container.classList.contains('modlens-not-scored'));
  assert.ok(post.element.classList.contains('modlens-not-scored'));
  drawn.badge.click();
  const details = drawn.container.querySelector('.modlens-details');
  assert.match(details.querySelector('.modlens-language').textContent, /in Polish, and Modlens scores English only/);
  assert.equal(details.querySelector('.modlens-scores'), null);
});

test('a threshold set by the moderator never flags a post left unscored', () => {
  const { win, post } = onePost(xenforoPage('Nie pisz bzdur.'));
  const result = { id: '1', ...NOT_SUPPORTED, scores: { toxicity: 0.99 } };
  const drawn = win.Modlens.annotate.annotatePost(win.document, post, result, { attributes: null, thresholds: { toxicity: 0.1 } });
  assert.equal(drawn.flagged.length, 0);
  assert.equal(drawn.badge.textContent, 'not scored: Polish');
});

test('a mixed post says it was scored on its English, and an uncertain one that it was read as English', () => {
  const { win, post } = onePost(xenforoPage('Cheers mate. Dzięki, jutro tam pójdę i zapytam o cenę.'));
  const { annotate } = win.Modlens;
  const mixed = { id: '1', status: 'scored', language: 'pl', mixed: true, unscored_parts: [{ begin: 13, end: 55, language: 'pl' }], scores: { toxicity: 0.1 }, flags: [], spans: [] };
  let drawn = annotate.annotatePost(win.document, post, mixed, { attributes: null, thresholds: {} });
  assert.equal(drawn.badge.textContent, 'no flags');
  assert.equal(drawn.container.querySelector('.modlens-language').textContent, 'Scored on its English sentences; left out: Polish.');
  annotate.clearAnnotations(win.document);
  drawn = annotate.annotatePost(win.document, post, { ...mixed, mixed: false, unscored_parts: [], language: 'en', language_uncertain: true }, { attributes: null, thresholds: {} });
  assert.equal(drawn.container.querySelector('.modlens-language').textContent, 'Too short to tell its language: scored as English.');
});

test('a language code from the server is shown as text, never as markup; an odd one as itself', () => {
  const { win, post } = onePost(xenforoPage('words'));
  const evil = '<img src=x onerror="window.pwned=1">';
  const drawn = win.Modlens.annotate.annotatePost(win.document, post, { id: '1', ...NOT_SUPPORTED, language: evil }, { attributes: null, thresholds: {} });
  drawn.badge.click();
  assert.equal(drawn.badge.textContent, `not scored: ${evil}`);
  assert.equal(drawn.container.querySelectorAll('img').length, 0);
  assert.equal(win.pwned, undefined);
  assert.equal(win.Modlens.annotate.languageName('cy'), 'Welsh');
  assert.equal(win.Modlens.annotate.languageName('zz9'), 'zz9');
});

test('the panel counts the posts not scored, by language, and the status line says so', async () => {
  const win = pageWindow(FIXTURE);
  const chromeApi = {
    runtime: {
      onMessage: { addListener: () => {} },
      sendMessage: async (message) => {
        if (message.type === 'get-config') return { ok: true, result: { profiles: SITE_PROFILES, attributes: null, thresholds: {} } };
        const answer = keywordAnswer(JSON.parse(JSON.stringify(message.payload)));
        // Two posts in other languages: the server names them and scores neither.
        answer.posts = answer.posts.map((p) => (p.id === '102' ? { ...p, ...NOT_SUPPORTED }
          : p.id === '103' ? { ...p, ...NOT_SUPPORTED, language: 'ro' } : { ...p, status: 'scored', language: 'en' }));
        return { ok: true, result: answer };
      },
    },
  };
  const controller = win.Modlens.content.createPageController({ doc: win.document, win, chromeApi, debounceMs: 5 });
  await controller.start();
  const panel = win.document.querySelector('#modlens-panel').shadowRoot;
  const line = panel.querySelector('.not-scored');
  assert.equal(line.hidden, false);
  assert.equal(line.textContent, 'Not scored (not English): 2 (Polish 1, Romanian 1)');
  assert.equal(panel.querySelector('.status').textContent, '5 posts scored, 2 flagged, 2 not scored (not English).');
  const badge = win.document.querySelector('[data-content="post-103"] .modlens-badge');
  assert.equal(badge.textContent, 'not scored: Romanian');
  assert.ok(!win.document.querySelector('[data-content="post-103"]').classList.contains('modlens-flagged'));
});
