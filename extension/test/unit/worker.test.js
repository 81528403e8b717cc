// The service worker through its message handler map, with chrome.* and fetch stubbed:
// what it sends, to whom, from which pages, and how it retries, caches and cancels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerGlobal, fakeChrome, dispatch, SITE_PROFILES } from '../helpers/load.js';

const SITE = 'https://forum.example.org/*';
const SERVER = 'http://127.0.0.1:8000';
const PAGE = 'https://forum.example.org/threads/t.1/';
const SENDER = { tab: { id: 7 }, url: PAGE };

const jsonResponse = (status, body, headers = {}) => new Response(JSON.stringify(body), {
  status, headers: { 'Content-Type': 'application/json', ...headers },
});

function scoreAnswer(body) {
  return {
    model: { name: 'm', version: '1', sha256: 'x' },
    posts: body.posts.map((p) => ({ id: p.id, scores: { insult: 0.9 }, flags: ['insult'], spans: [] })),
  };
}

/** A started worker with fetch answered by `onScore(body, call)`; records every call. */
async function setUp({ onScore = (body) => jsonResponse(200, scoreAnswer(body)), settings = { sites: [SITE], apiKey: 'k3y' } } = {}) {
  const chrome = fakeChrome({ granted: [SITE, 'http://127.0.0.1/*'] });
  await chrome.storage.local.set({ settings: { serverUrl: SERVER, ...settings } });
  const calls = [];
  const fetchImpl = async (url, init = {}) => {
    if (url === 'chrome-extension://test-extension/site-profiles.json') return jsonResponse(200, SITE_PROFILES);
    const call = { url, init, body: init.body ? JSON.parse(init.body) : null };
    calls.push(call);
    return onScore(call.body, call);
  };
  const g = workerGlobal();
  const worker = g.Modlens.worker.startWorker(chrome, fetchImpl, { retry: { baseDelayMs: 1 }, feedbackTimeoutMs: 50 });
  const listener = chrome.runtime.onMessage.listeners[0];
  const send = (type, payload, sender = SENDER) => dispatch(listener, { type, payload }, sender);
  return { chrome, calls, worker, send };
}

const thread = { title: 'Tomatoes', url: PAGE, site: 'xenforo2' };
const posts = [
  { id: '1', author: 'a', text: 'opening post', quotes: [], parentId: null },
  { id: '2', author: 'b', text: 'a reply', quotes: [{ author: 'a', text: 'opening' }], parentId: null },
];

test('an unknown message type fails loudly: logged, and an error for the sender', async () => {
  const { send } = await setUp();
  const logged = [];
  const original = console.error;
  console.error = (...args) => logged.push(args.join(' '));
  try {
    const answer = await send('score-everything', {});
    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'unknown-type');
    assert.match(logged.join('\n'), /unknown message type "score-everything"/);
  } finally {
    console.error = original;
  }
});

test('one page is one /v1/score call to the configured server, with the key, title and opening post', async () => {
  const { send, calls } = await setUp();
  const answer = await send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.equal(answer.ok, true, answer.error);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, `${SERVER}/v1/score`);
  assert.equal(calls[0].init.headers.Authorization, 'Bearer k3y');
  assert.equal(calls[0].body.thread.title, 'Tomatoes');
  assert.deepEqual(calls[0].body.posts.map((p) => p.id), ['1', '2']);
  assert.deepEqual(calls[0].body.posts[1].quotes, [{ author: 'a', text: 'opening' }]);
  assert.equal(calls[0].body.posts[1].parent_id, null);
  assert.deepEqual(answer.result.posts.map((p) => p.id), ['1', '2']);
});

test('a later batch carries the opening post as context, once', async () => {
  const { send, calls } = await setUp();
  const late = { id: '9', author: 'c', text: 'late reply', quotes: [] };
  await send('score-posts', { thread, posts: [late], openingPost: posts[0] });
  assert.deepEqual(calls[0].body.posts.map((p) => p.id), ['1', '9']);
});

test('the same page again is answered from the session cache', async () => {
  const { send, calls } = await setUp();
  await send('score-posts', { thread, posts, openingPost: posts[0] });
  const again = await send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.equal(again.ok, true);
  assert.equal(calls.length, 1);
  const changed = [posts[0], { ...posts[1], text: 'an edited reply' }];
  await send('score-posts', { thread, posts: changed, openingPost: posts[0] });
  assert.equal(calls.length, 2, 'an edited post must miss the cache');
});

test('text leaves only from enabled sites, and the attributes shown are the ones asked for', async () => {
  const { send, calls } = await setUp({ settings: { sites: [SITE], attributes: ['insult', 'threat'] } });
  const refused = await send('score-posts', { thread, posts, openingPost: posts[0] }, { tab: { id: 3 }, url: 'https://other.example.com/t/1' });
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 'site-not-enabled');
  const noTab = await send('score-posts', { thread, posts, openingPost: posts[0] }, { url: PAGE });
  assert.equal(noTab.code, 'site-not-enabled');
  assert.equal(calls.length, 0);
  await send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.deepEqual(calls[0].body.attributes, ['insult', 'threat']);
});

test('passing failures are retried with backoff; a refused key is not', async () => {
  let n = 0;
  const flaky = await setUp({
    onScore: (body) => {
      n += 1;
      if (n === 1) throw new TypeError('Failed to fetch');
      if (n === 2) return jsonResponse(503, { error: { code: 503, message: 'model loading' } }, { 'Retry-After': '0' });
      return jsonResponse(200, scoreAnswer(body));
    },
  });
  const answer = await flaky.send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.equal(answer.ok, true, answer.error);
  assert.equal(flaky.calls.length, 3);

  const locked = await setUp({ onScore: () => jsonResponse(401, { error: { code: 401, message: 'missing or wrong API key' } }) });
  const refused = await locked.send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.equal(refused.code, 'unauthorized');
  assert.match(refused.error, /missing or wrong API key/);
  assert.equal(locked.calls.length, 1);

  const down = await setUp({ onScore: () => { throw new TypeError('Failed to fetch'); } });
  const unreachable = await down.send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.equal(unreachable.code, 'unreachable');
  assert.match(unreachable.error, /cannot reach the Modlens server at http:\/\/127\.0\.0\.1:8000/);
  assert.equal(down.calls.length, 4, 'one try and three retries');

  const bad = await setUp({ onScore: () => jsonResponse(413, { error: { code: 413, message: 'posts[0].text is over 20480 bytes' } }) });
  const tooBig = await bad.send('score-posts', { thread, posts, openingPost: posts[0] });
  assert.equal(tooBig.code, 'rejected');
  assert.equal(bad.calls.length, 1);
});

test('closing or reloading the tab cancels its request', async () => {
  for (const leave of [
    (chrome) => chrome.tabs.onRemoved.fire(7),
    (chrome) => chrome.tabs.onUpdated.fire(7, { status: 'loading' }),
  ]) {
    let signal;
    const { send, chrome } = await setUp({
      onScore: (body, call) => new Promise((resolve, reject) => {
        signal = call.init.signal;
        signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      }),
    });
    const pending = send('score-posts', { thread, posts, openingPost: posts[0] });
    while (!signal) await new Promise((r) => setTimeout(r, 1));
    leave(chrome);
    const answer = await pending;
    assert.equal(signal.aborted, true);
    assert.equal(answer.code, 'cancelled');
  }
});

test('saving settings needs the sites\' permissions, then registers the content script on exactly those', async () => {
  const { send, chrome } = await setUp({ settings: {} });
  const refused = await send('save-settings', { settings: { serverUrl: SERVER, sites: ['https://not-granted.example.net/forum'] } });
  assert.equal(refused.ok, false);
  assert.match(refused.error, /permission not granted for https:\/\/not-granted\.example\.net\/\*/);
  assert.equal(chrome.registered.length, 0);

  const saved = await send('save-settings', { settings: { serverUrl: `${SERVER}/`, sites: ['forum.example.org'], thresholds: { insult: '0.8' } } });
  assert.equal(saved.ok, true, saved.error);
  assert.deepEqual(saved.result.sites, [SITE]);
  assert.equal(saved.result.serverUrl, SERVER);
  assert.deepEqual(saved.result.thresholds, { insult: 0.8 });
  assert.equal(chrome.registered.length, 1);
  assert.deepEqual(chrome.registered[0].matches, [SITE]);
  assert.ok(chrome.registered[0].js.at(-1).endsWith('content.js'));

  const badThreshold = await send('save-settings', { settings: { serverUrl: SERVER, thresholds: { insult: 2 } } });
  assert.match(badThreshold.error, /threshold for insult must be a number from 0 to 1/);
});

test('the content script gets the site profiles and the moderator\'s view settings', async () => {
  const { send } = await setUp({ settings: { sites: [SITE], thresholds: { sarcasm: 0.9 } } });
  const answer = await send('get-config', {});
  assert.equal(answer.ok, true, answer.error);
  assert.ok(answer.result.profiles.profiles.some((p) => p.engine === 'xenforo2'));
  assert.deepEqual(answer.result.thresholds, { sarcasm: 0.9 });
  assert.equal(answer.result.attributes, null);
});

test('a page with more posts than one request may hold is split, each part with the opening post', () => {
  const { buildScoreRequests, MAX_POSTS_PER_REQUEST } = workerGlobal().Modlens.scoringClient;
  const many = Array.from({ length: 450 }, (_, i) => ({ id: String(i), author: 'x', text: `post ${i}`, quotes: [] }));
  const bodies = buildScoreRequests({ thread, posts: many, openingPost: many[0], attributes: null });
  assert.equal(bodies.length, 3);
  for (const body of bodies) {
    assert.ok(body.posts.length <= MAX_POSTS_PER_REQUEST);
    assert.equal(body.posts[0].id, '0');
    assert.equal('attributes' in body, false);
  }
  const ids = bodies.flatMap((b) => b.posts.slice(1).map((p) => p.id));
  assert.equal(new Set(ids).size, 449);
});

test('a post over the server\'s 20 KB limit is clipped by UTF-8 bytes, never mid-character', () => {
  const { clipToBytes } = workerGlobal().Modlens.scoringClient;
  const text = '😀'.repeat(6000); // 24000 bytes
  const clipped = clipToBytes(text, 20 * 1024);
  assert.equal(new TextEncoder().encode(clipped).length, 20480);
  assert.equal(clipped, '😀'.repeat(5120));
  assert.equal(clipToBytes('short', 20), 'short');
});

test('posts the server would refuse are made sendable: quote-only posts left out, lone surrogates replaced', () => {
  const { buildScoreRequests } = workerGlobal().Modlens.scoringClient;
  const quoteOnly = { id: '2', author: 'b', text: '  ', quotes: [{ author: 'a', text: 'hi' }] };
  const broken = { id: '3', author: 'c\uD800', text: 'half a pair \uDC00 here', quotes: [] };
  const [body] = buildScoreRequests({ thread, posts: [posts[0], quoteOnly, broken], openingPost: posts[0], attributes: null });
  assert.deepEqual(JSON.parse(JSON.stringify(body.posts.map((p) => p.id))), ['1', '3']);
  assert.equal(body.posts[1].text, 'half a pair \uFFFD here');
  assert.equal(body.posts[1].text.length, broken.text.length, 'offsets keep their places');
  assert.equal(body.posts[1].author, 'c\uFFFD');
  assert.equal(buildScoreRequests({ thread, posts: [quoteOnly], openingPost: quoteOnly, attributes: null }).length, 0);
});

// --- verdicts ------------------------------------------------------------------------------

const COMMUNITY = { sites: [SITE], apiKey: 'k3y', communities: { [SITE]: 'tomato-growers' }, moderator: 'Ann' };
const agree = {
  post: { id: '103', text: 'Are you an idiot?', parentText: 'Water them evenly.' },
  thread: { title: 'Tomatoes' },
  attribute: 'insult',
  value: 1,
};

test('the content script learns its site\'s community, and none where the site has none', async () => {
  const { send } = await setUp({ settings: COMMUNITY });
  assert.equal((await send('get-config', {})).result.community, 'tomato-growers');
  const without = await setUp();
  assert.equal((await without.send('get-config', {})).result.community, null);
});

test('a verdict is one POST /v1/feedback with the site\'s community, the key, the post in its context', async () => {
  const { send, calls } = await setUp({ settings: COMMUNITY, onScore: () => jsonResponse(200, { stored: 1, community: 'tomato-growers' }) });
  const answer = await send('send-verdict', agree);
  assert.equal(answer.ok, true, answer.error);
  assert.deepEqual(answer.result, { stored: 1, community: 'tomato-growers' });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, `${SERVER}/v1/feedback`);
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer k3y');
  assert.deepEqual(calls[0].body, {
    community: 'tomato-growers',
    source: 'extension',
    verdicts: [{
      post: { id: '103', text: 'Are you an idiot?', parent_text: 'Water them evenly.' },
      attribute: 'insult', value: 1, thread: { title: 'Tomatoes' }, moderator: 'Ann',
    }],
  });
});

test('a verdict\'s text is sent as it was scored: clipped to 20 KB, lone surrogates replaced', async () => {
  const { send, calls } = await setUp({ settings: COMMUNITY, onScore: () => jsonResponse(200, { stored: 1 }) });
  await send('send-verdict', { ...agree, post: { id: '1', text: `half \uD800 ${'😀'.repeat(6000)}`, parentText: null } });
  const { post } = calls[0].body.verdicts[0];
  assert.ok(post.text.startsWith('half \uFFFD '));
  assert.ok(new TextEncoder().encode(post.text).length <= 20480);
  assert.equal('parent_text' in post, false);
});

test('no verdict leaves a site without a community, a site not enabled, or without the post\'s text', async () => {
  const none = await setUp();
  assert.equal((await none.send('send-verdict', agree)).code, 'no-community');
  const { send, calls } = await setUp({ settings: COMMUNITY });
  assert.equal((await send('send-verdict', agree, { tab: { id: 3 }, url: 'https://other.example.com/t/1' })).code, 'site-not-enabled');
  assert.equal((await send('send-verdict', { ...agree, post: { id: '1', text: ' ' } })).code, 'rejected');
  assert.equal((await send('send-verdict', { ...agree, value: 2 })).code, 'rejected');
  assert.equal(none.calls.length + calls.length, 0);
});

const errorBody = (status, message) => jsonResponse(status, { error: { code: status, message } }, status === 503 ? { 'Retry-After': '30' } : {});
for (const [name, respond, code, pattern] of [
  ['feedback off', () => errorBody(403, 'feedback is off on this server: nothing is stored; its operator turns it on with MODLENS_FEEDBACK=on'),
    'feedback-off', /^feedback is off on the Modlens server \(its operator turns it on with MODLENS_FEEDBACK=on\)$/],
  ['a key bound to other communities', () => errorBody(403, "this API key does not serve community 'tomato-growers'"),
    'forbidden', /^the server refused: this API key does not serve community 'tomato-growers'$/],
  ['a server without the route', () => errorBody(404, 'not found'),
    'not-found', /^the server at http:\/\/127\.0\.0\.1:8000 has no \/v1\/feedback route \(404\)/],
  ['a store that is down', () => errorBody(503, 'the verdict store is unavailable (database unreachable or not migrated:\n`flask --app server db upgrade`)'),
    'unavailable', /^the server's verdict store is unavailable; nothing was stored, try again in 30 s$/],
  ['a server that is down', () => { throw new TypeError('Failed to fetch'); },
    'unreachable', /^cannot reach the Modlens server at http:\/\/127\.0\.0\.1:8000$/],
  ['a server that never answers', (body, call) => new Promise((resolve, reject) => {
    call.init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  }), 'unreachable', /^no answer from the Modlens server at http:\/\/127\.0\.0\.1:8000 in 0\.05 s$/],
  ['a refused verdict', () => errorBody(400, "verdicts[0].attribute is 'rudeness', not one of: toxicity, insult"),
    'rejected', /^the server refused the verdict \(400\): verdicts\[0\]\.attribute is 'rudeness'/],
  ['a refused key', () => errorBody(401, 'the API key is not valid'), 'unauthorized', /^the server refused the API key: the API key is not valid$/],
]) {
  test(`a verdict to ${name} fails at once with one line: ${code}`, async () => {
    const { send, calls } = await setUp({ settings: COMMUNITY, onScore: respond });
    const answer = await send('send-verdict', agree);
    assert.equal(answer.ok, false);
    assert.equal(answer.code, code);
    assert.match(answer.error, pattern);
    assert.doesNotMatch(answer.error, /\n/);
    assert.equal(calls.length, 1, 'a verdict is not retried behind the moderator\'s back');
  });
}
