// The content script's controller in a DOM, with the worker answered by a stub: badges,
// panel counts, next/previous, late posts, errors once, pause, and typed messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageWindow, read, dispatch, SITE_PROFILES } from '../helpers/load.js';
import { keywordAnswer } from '../helpers/keyword-scorer.js';

const FIXTURE = read('test/fixtures/pages/xenforo2-thread.html')
  // The fixture's own late-post script is for the browser test; here the test adds posts.
  .replace(/<script>[\s\S]*?<\/script>/, '');
const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

const recorded = () => ({ ok: true, result: { stored: 1, community: 'tomato-growers' } });

/** A page with a started controller; `scorePosts(payload)` answers score-posts, `sendVerdict(payload)` send-verdict. */
async function startPage({
  scorePosts = (payload) => ({ ok: true, result: keywordAnswer(payload) }), sendVerdict = recorded, html = FIXTURE, config = {}, url,
} = {}) {
  const win = pageWindow(html, url);
  const sent = [];
  const listeners = [];
  const chromeApi = {
    runtime: {
      onMessage: { addListener: (fn) => listeners.push(fn) },
      sendMessage: async (message) => {
        sent.push(JSON.parse(JSON.stringify(message)));
        if (message.type === 'get-config') return { ok: true, result: { profiles: SITE_PROFILES, attributes: null, thresholds: {}, ...config } };
        if (message.type === 'score-posts') return scorePosts(JSON.parse(JSON.stringify(message.payload)));
        if (message.type === 'send-verdict') return sendVerdict(JSON.parse(JSON.stringify(message.payload)));
        return { ok: false, error: `unexpected ${message.type}`, code: 'unknown-type' };
      },
    },
  };
  const controller = win.Modlens.content.createPageController({ doc: win.document, win, chromeApi, debounceMs: 5 });
  await controller.start();
  const panel = win.document.querySelector('#modlens-panel').shadowRoot;
  const scoreCalls = () => sent.filter((m) => m.type === 'score-posts');
  const toContent = (type, payload) => dispatch(listeners[0], { type, payload });
  const verdictCalls = () => sent.filter((m) => m.type === 'send-verdict');
  return { win, doc: win.document, controller, panel, scoreCalls, verdictCalls, toContent };
}

const badgeOf = (doc, id) => doc.querySelector(`[data-content="post-${id}"] .modlens-badge`);

test('badges sit on the posts the answer flags; the quoting post is not blamed for its quote', async () => {
  const { doc, scoreCalls } = await startPage();
  assert.equal(scoreCalls().length, 1, 'one batched call for the page');
  assert.deepEqual(scoreCalls()[0].payload.posts.map((p) => p.id), ['101', '102', '103', '104', '105', '106', '107']);
  assert.equal(scoreCalls()[0].payload.openingPost.id, '101');
  assert.equal(scoreCalls()[0].payload.thread.title, 'Tomatoes splitting after rain');
  const flagged = Array.from(doc.querySelectorAll('.modlens-post.modlens-flagged'), (el) => el.dataset.content);
  assert.deepEqual(flagged, ['post-103', 'post-105', 'post-106']);
  assert.equal(badgeOf(doc, '103').textContent, 'insult 0.93');
  assert.equal(badgeOf(doc, '104').textContent, 'no flags');
  assert.equal(doc.querySelectorAll('.modlens-badge').length, 7);
});

test('the panel counts per attribute and lists the flagged posts', async () => {
  const { panel } = await startPage();
  assert.equal(panel.querySelector('.status').textContent, '7 posts scored, 3 flagged.');
  const counts = Array.from(panel.querySelectorAll('.counts li'), (li) => li.textContent);
  assert.deepEqual(counts.sort(), ['insult: 1', 'off_topic: 1', 'threat: 1', 'toxicity: 1']);
  const listed = Array.from(panel.querySelectorAll('.flagged-post'), (b) => b.textContent);
  assert.deepEqual(listed, ['Rick: insult 0.93', 'PromoKing: off_topic 0.93', 'Rick: threat 0.93']);
});

test('next/previous (buttons and Alt+Shift+J/K) move focus along the flagged posts', async () => {
  const { doc, win, panel } = await startPage();
  panel.querySelector('button.next').click();
  assert.equal(doc.activeElement, badgeOf(doc, '103'));
  assert.equal(panel.querySelector('.position').textContent, '1 of 3');
  doc.body.dispatchEvent(new win.KeyboardEvent('keydown', { code: 'KeyJ', key: 'J', altKey: true, shiftKey: true, bubbles: true }));
  assert.equal(doc.activeElement, badgeOf(doc, '105'));
  panel.querySelector('button.next').click();
  panel.querySelector('button.next').click();
  assert.equal(doc.activeElement, badgeOf(doc, '103'), 'wraps around');
  doc.body.dispatchEvent(new win.KeyboardEvent('keydown', { code: 'KeyK', key: 'K', altKey: true, shiftKey: true, bubbles: true }));
  assert.equal(doc.activeElement, badgeOf(doc, '106'));
  const input = doc.createElement('textarea');
  doc.body.append(input);
  input.focus();
  input.dispatchEvent(new win.KeyboardEvent('keydown', { code: 'KeyJ', altKey: true, shiftKey: true, bubbles: true }));
  assert.equal(doc.activeElement, input, 'typing in a reply box is left alone');
});

test('"show flagged only" marks the page for the stylesheet to hide the rest', async () => {
  const { doc, win, panel } = await startPage();
  const box = panel.querySelector('input.flagged-only');
  box.checked = true;
  box.dispatchEvent(new win.Event('change'));
  assert.ok(doc.documentElement.classList.contains('modlens-flagged-only'));
  const css = read('src/content/content.css');
  assert.match(css, /\.modlens-flagged-only \.modlens-post:not\(\.modlens-flagged\)/);
});

test('a post that arrives later is scored alone, with the opening post as context; old posts are not resent', async () => {
  const { doc, scoreCalls } = await startPage();
  const article = doc.querySelector('[data-content="post-107"]').cloneNode(true);
  article.setAttribute('data-content', 'post-108');
  article.setAttribute('data-author', 'Ann');
  for (const node of article.querySelectorAll('.modlens-ui')) node.remove();
  article.className = 'message message--post';
  article.querySelector('.bbWrapper').textContent = 'Shut up, you disgusting idiot.';
  doc.querySelector('.js-replyNewMessageContainer').append(article);
  for (let i = 0; i < 50 && scoreCalls().length < 2; i += 1) await settle(10);
  await settle();
  assert.equal(scoreCalls().length, 2);
  assert.deepEqual(scoreCalls()[1].payload.posts.map((p) => p.id), ['108']);
  assert.equal(scoreCalls()[1].payload.openingPost.id, '101');
  assert.equal(badgeOf(doc, '108').textContent, 'insult 0.93');
  // Our own drawing must not trigger more scans.
  badgeOf(doc, '108').click();
  await settle();
  assert.equal(scoreCalls().length, 2);
});

test('an error shows once in the panel, however often it happens, and on no post', async () => {
  const failing = () => ({ ok: false, error: 'the server refused the API key: missing or wrong API key', code: 'unauthorized' });
  const { doc, panel, toContent, scoreCalls } = await startPage({ scorePosts: failing });
  await toContent('rescan');
  await toContent('rescan');
  assert.equal(scoreCalls().length, 3);
  const errors = panel.querySelectorAll('.errors li');
  assert.equal(errors.length, 1);
  assert.match(errors[0].textContent, /refused the API key/);
  assert.equal(doc.querySelectorAll('.modlens-badge').length, 0);
});

test('a page no profile recognises says so in the panel and sends nothing', async () => {
  const { panel, scoreCalls } = await startPage({ html: '<main><h1>About</h1><p>We grow things.</p></main>' });
  assert.equal(scoreCalls().length, 0);
  assert.match(panel.querySelector('.errors').textContent, /does not recognise this page/);
});

// A phpBB 3 board whose theme renumbers its posts (msg<id>, not p<id>): guessed.
const GUESSED = read('test/fixtures/pages/guessed-near-phpbb3.html');
const PHPBB3_POSTS = 'its post selector (div.post[id^=p]:not([id^=post])) finds no post on this page';
const OUTSIDE_ANY_ENGINE = 'https://allotments.example.org/board/seed-swap';

test('a guessed page says so in the panel and the page state: the engine it nearly was, what points at it, why not', async () => {
  const { panel, toContent, scoreCalls } = await startPage({ html: GUESSED, url: OUTSIDE_ANY_ENGINE });
  assert.deepEqual(scoreCalls()[0].payload.posts.map((p) => p.author), ['marrowman', 'beanpole', 'Moderator Ruth']);
  const expected = `Guessed: looks nearly like phpBB 3 (seen: marker div.post div.postbody, marker body#phpbb), but ${PHPBB3_POSTS}.`;
  assert.equal(panel.querySelector('.engine').textContent, 'generic (guessed)');
  assert.equal(panel.querySelector('.guess').hidden, false);
  assert.equal(panel.querySelector('.guess').textContent, expected);
  assert.equal((await toContent('get-page-state')).result.guess, expected);
});

test('a page guessed with no engine\'s marks on it says that; a recognised page has no guess line', async () => {
  const html = GUESSED.replace('<body id="phpbb"', '<body').replaceAll('class="postbody"', 'class="entry"');
  const guessed = await startPage({ html, url: OUTSIDE_ANY_ENGINE });
  assert.equal(guessed.panel.querySelector('.guess').textContent, 'Guessed: no known forum engine leaves its marks on this page.');
  const recognised = await startPage();
  assert.equal(recognised.panel.querySelector('.guess').hidden, true);
  assert.equal((await recognised.toContent('get-page-state')).result.guess, null);
});

test('a page no profile reads, but one nearly does, names that engine in its error', async () => {
  const { panel, scoreCalls } = await startPage({ html: '<body id="phpbb"><main><h1>Board index</h1><p>Welcome.</p></main></body>', url: OUTSIDE_ANY_ENGINE });
  assert.equal(scoreCalls().length, 0);
  assert.equal(panel.querySelector('.errors').textContent, 'Modlens does not recognise this page as a forum thread: no site profile finds posts here. '
    + `It looks nearly like phpBB 3 (seen: marker body#phpbb), but ${PHPBB3_POSTS}.`);
});

test('the content script answers typed messages; an unknown type fails loudly', async () => {
  const { toContent, doc, panel } = await startPage();
  const state = await toContent('get-page-state');
  assert.equal(state.ok, true);
  assert.equal(state.result.postsScored, 7);
  assert.equal(state.result.flagged.length, 3);
  assert.equal(state.result.engine, 'xenforo2');

  const original = console.error;
  console.error = () => {};
  try {
    const unknown = await toContent('explode');
    assert.equal(unknown.ok, false);
    assert.equal(unknown.code, 'unknown-type');
  } finally {
    console.error = original;
  }

  const paused = await toContent('pause');
  assert.equal(paused.result.paused, true);
  assert.equal(doc.querySelectorAll('.modlens-badge, mark.modlens-span').length, 0);
  assert.equal(doc.querySelector('#modlens-panel').hidden, true);
  const resumed = await toContent('resume');
  assert.equal(resumed.result.paused, false);
  assert.equal(doc.querySelectorAll('.modlens-badge').length, 7);
  assert.equal(panel.querySelector('.status').textContent, '7 posts scored, 3 flagged.');
});

test('hostile answers render inert in the panel too', async () => {
  const evil = '<img src=x onerror="window.pwned=1">';
  const scorePosts = (payload) => ({
    ok: true,
    result: {
      model: { name: evil },
      posts: payload.posts.map((p) => ({ id: p.id, scores: { [evil]: 0.9 }, flags: [evil], spans: [] })),
    },
  });
  const { win, panel, doc } = await startPage({ scorePosts });
  assert.equal(panel.querySelectorAll('img').length, 0);
  assert.equal(doc.querySelectorAll('img').length, 0);
  assert.ok(panel.querySelector('.counts').textContent.includes(`${evil}: 7`));
  assert.equal(win.pwned, undefined);
});

// --- verdicts ------------------------------------------------------------------------------

const IN_COMMUNITY = { config: { community: 'tomato-growers' } };
const controlsOf = (doc, id) => doc.querySelector(`[data-content="post-${id}"] .modlens-verdicts`);
const statusOf = (doc, id) => controlsOf(doc, id).querySelector('.modlens-verdict-status').textContent;
const annotationOf = (doc, id) => doc.querySelector(`[data-content="post-${id}"] .modlens-annotation`);

async function until(check) {
  for (let i = 0; i < 100 && !check(); i += 1) await settle(5);
  assert.ok(check(), 'waited in vain');
}

test('without a community for the site, no post has verdict controls', async () => {
  const { doc } = await startPage();
  assert.equal(doc.querySelectorAll('.modlens-verdicts').length, 0);
});

test('a flagged post has Agree and Wrong; a post without flags has "Flag as …" with the attributes shown', async () => {
  const { doc } = await startPage(IN_COMMUNITY);
  // Post 106 is flagged for a threat only: the badge names it, so the pair needs no label.
  const single = controlsOf(doc, '106');
  assert.deepEqual(Array.from(single.querySelectorAll('button'), (b) => b.textContent), ['Agree', 'Wrong']);
  assert.equal(single.querySelector('.modlens-verdict-group').dataset.attribute, 'threat');
  assert.equal(single.querySelector('.modlens-verdict-name'), null);
  // Post 103 ("idiot") is flagged for insult and toxicity: a labelled pair for each.
  const groups = Array.from(controlsOf(doc, '103').querySelectorAll('.modlens-verdict-group'));
  assert.deepEqual(groups.map((g) => g.textContent), ['insultAgreeWrong', 'toxicityAgreeWrong']);
  const plainPost = controlsOf(doc, '104');
  const options = Array.from(plainPost.querySelectorAll('select.modlens-flag-as option'), (o) => o.textContent);
  assert.deepEqual(options, ['Flag as …', 'insult', 'toxicity', 'threat', 'off_topic']);
  assert.equal(plainPost.querySelector('button.modlens-flag').disabled, true, 'nothing to send until an attribute is chosen');
});

test('Agree sends the post, its thread and the attribute to the worker; the badge then shows it was recorded', async () => {
  const { doc, verdictCalls } = await startPage(IN_COMMUNITY);
  const badgeText = badgeOf(doc, '103').textContent;
  controlsOf(doc, '103').querySelector('button.modlens-agree').click();
  assert.equal(statusOf(doc, '103'), 'Sending…');
  await until(() => controlsOf(doc, '103').dataset.state === 'recorded');
  const [call] = verdictCalls();
  assert.deepEqual(call.payload, {
    post: { id: '103', text: doc.querySelector('[data-content="post-103"] .bbWrapper').textContent.trim(), parentText: null },
    thread: { title: 'Tomatoes splitting after rain' },
    attribute: 'insult',
    value: 1,
  });
  assert.equal(statusOf(doc, '103'), 'Recorded: insult, agreed.');
  assert.equal(annotationOf(doc, '103').dataset.verdict, 'recorded');
  assert.match(badgeOf(doc, '103').title, /Your verdict is recorded\.$/);
  assert.equal(badgeOf(doc, '103').textContent, badgeText, 'the badge keeps its flag and score');
  assert.equal(controlsOf(doc, '103').querySelector('.modlens-agree').getAttribute('aria-pressed'), 'true');
});

test('Wrong sends value 0; "Flag as" sends the attribute chosen with value 1', async () => {
  const { doc, win, verdictCalls } = await startPage(IN_COMMUNITY);
  controlsOf(doc, '105').querySelector('button.modlens-wrong').click();
  await until(() => controlsOf(doc, '105').dataset.state === 'recorded');
  assert.equal(statusOf(doc, '105'), 'Recorded: not off_topic.');
  const select = controlsOf(doc, '104').querySelector('select');
  select.value = 'threat';
  select.dispatchEvent(new win.Event('change'));
  const flag = controlsOf(doc, '104').querySelector('button.modlens-flag');
  assert.equal(flag.disabled, false);
  flag.click();
  await until(() => controlsOf(doc, '104').dataset.state === 'recorded');
  assert.deepEqual(verdictCalls().map((c) => [c.payload.post.id, c.payload.attribute, c.payload.value]),
    [['105', 'off_topic', 0], ['104', 'threat', 1]]);
  assert.equal(statusOf(doc, '104'), 'Recorded: flagged as threat.');
});

test('a refused verdict says why in one line, marks nothing recorded, and can be sent again', async () => {
  let answer = { ok: false, error: 'feedback is off on the Modlens server (its operator turns it on with MODLENS_FEEDBACK=on)', code: 'feedback-off' };
  const { doc, verdictCalls } = await startPage({ ...IN_COMMUNITY, sendVerdict: () => answer });
  const agree = controlsOf(doc, '106').querySelector('button.modlens-agree');
  agree.click();
  await until(() => controlsOf(doc, '106').dataset.state === 'error');
  assert.equal(statusOf(doc, '106'), 'Not recorded: feedback is off on the Modlens server (its operator turns it on with MODLENS_FEEDBACK=on)');
  assert.equal(annotationOf(doc, '106').dataset.verdict, undefined);
  assert.equal(agree.disabled, false);
  answer = recorded();
  agree.click();
  await until(() => controlsOf(doc, '106').dataset.state === 'recorded');
  assert.equal(verdictCalls().length, 2);
});

test('verdict controls render hostile attribute names as text', async () => {
  const evil = '<img src=x onerror="window.pwned=1">';
  const scorePosts = (payload) => ({
    ok: true,
    result: { posts: payload.posts.map((p, i) => ({ id: p.id, scores: { [evil]: i % 2 ? 0.9 : 0.1 }, flags: i % 2 ? [evil] : [], spans: [] })) },
  });
  const { win, doc } = await startPage({ ...IN_COMMUNITY, scorePosts });
  assert.equal(doc.querySelectorAll('img').length, 0);
  assert.ok(Array.from(doc.querySelectorAll('.modlens-flag-as option'), (o) => o.textContent).includes(evil));
  assert.equal(doc.querySelector('.modlens-verdict-group').dataset.attribute, evil);
  assert.equal(win.pwned, undefined);
});
