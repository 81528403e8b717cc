// The one profile adapter on saved pages: our fixtures always, ../shared/pages when the
// checkout has them. Nothing here knows a selector; the profiles come from the shared file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pageWindow, read, SITE_PROFILES } from '../helpers/load.js';

const SHARED_PAGES = fileURLToPath(new URL('../../../../shared/pages/', import.meta.url));

// Values made in the page's realm compare by structure only after a JSON round trip.
const plain = (value) => JSON.parse(JSON.stringify(value));

function extract(html, url) {
  const win = pageWindow(html, url);
  const adapter = win.Modlens.profileAdapter;
  const profile = adapter.chooseProfile(SITE_PROFILES, win.document, url || win.location.href);
  const posts = profile ? adapter.extractPosts(profile, win.document, new WeakSet()) : [];
  return { win, adapter, profile, posts };
}

test('XenForo 2 fixture: ids, authors, text without signature or quote, quote kept apart', () => {
  const { profile, posts, adapter, win } = extract(read('test/fixtures/pages/xenforo2-thread.html'));
  assert.equal(profile.engine, 'xenforo2');
  assert.equal(adapter.threadTitle(profile, win.document), 'Tomatoes splitting after rain');
  assert.deepEqual(plain(posts.map((p) => p.id)), ['101', '102', '103', '104', '105', '106', '107']);
  assert.deepEqual(plain(posts.map((p) => p.author)), ['Margaret', 'Devi', 'Rick', 'Helen', 'PromoKing', 'Rick', 'Tom']);
  assert.equal(posts[0].text, 'My tomatoes keep splitting after heavy rain.\nI water them every evening & feed weekly. Should I water less, or is it the variety?');
  assert.ok(!posts[0].text.includes('Plot 14'), 'the signature is not part of the post');
  const quoting = posts[3];
  assert.equal(quoting.text, "Please keep it civil. Devi's answer about deep watering and mulch is a good one.");
  assert.equal(quoting.quotes.length, 1);
  assert.equal(quoting.quotes[0].author, 'Rick');
  assert.equal(quoting.quotes[0].text, 'You are a pathetic idiot. Nobody here wants your stupid advice, so shut up and get lost, you worthless moron.');
  assert.ok(posts.every((p) => p.element.matches('article.message--post')));
});

test('each post is read once: a second pass over the same page finds nothing new', () => {
  const win = pageWindow(read('test/fixtures/pages/xenforo2-thread.html'));
  const adapter = win.Modlens.profileAdapter;
  const profile = adapter.chooseProfile(SITE_PROFILES, win.document, win.location.href);
  const handled = new WeakSet();
  const state = adapter.newExtractionState();
  assert.equal(adapter.extractPosts(profile, win.document, handled, state).length, 7);
  assert.equal(adapter.extractPosts(profile, win.document, handled, state).length, 0);
});

test('nested replies (old Reddit) get their enclosing post as parent and not its text', () => {
  const html = `<div id="siteTable"><div class="thing link" data-fullname="t3_a" data-author="op">
      <div class="usertext-body"><div class="md"><p>What soil for blueberries?</p></div></div></div></div>
    <div class="commentarea">
      <div class="thing comment" data-fullname="t1_b" data-author="amy">
        <div class="usertext-body"><div class="md"><p>Acidic, pH 4.5 to 5.5.</p></div></div>
        <div class="child">
          <div class="thing comment" data-fullname="t1_c" data-author="bo">
            <div class="usertext-body"><div class="md"><p>Add pine needles.</p></div></div>
          </div>
        </div>
      </div>
    </div>`;
  const { profile, posts } = extract(html, 'https://old.reddit.com/r/gardening/comments/a/x/');
  assert.equal(profile.engine, 'reddit_old');
  assert.deepEqual(plain(posts.map((p) => [p.id, p.author, p.parentId])), [['t3_a', 'op', null], ['t1_b', 'amy', null], ['t1_c', 'bo', 't1_b']]);
  assert.equal(posts[1].text, 'Acidic, pH 4.5 to 5.5.', 'a reply\'s text stays out of its parent');
});

test('Hacker News depth: the parent is the nearest earlier post one level up; a top-level comment answers the story', () => {
  const row = (id, indent, user, text) => `<tr class="athing comtr" id="${id}"><td><table><tr>
      <td class="ind" indent="${indent}"></td><td><a class="hnuser">${user}</a><div class="commtext">${text}</div></td></tr></table></td></tr>`;
  const html = `<table class="fatitem"><tr class="athing" id="1"><td class="title"><span class="titleline"><a>Ask HN</a></span></td></tr>
    <tr><td><a class="hnuser">op</a><div class="toptext">Best papers?</div></td></tr></table>
    <table>${row('2', 0, 'a', 'Shannon 1948')}${row('3', 1, 'b', 'Agreed')}${row('4', 2, 'c', 'Also 1949')}${row('5', 1, 'd', 'Turing')}${row('6', 0, 'e', 'Dijkstra')}</table>`;
  const { profile, posts } = extract(html, 'https://news.ycombinator.com/item?id=1');
  assert.equal(profile.engine, 'hackernews');
  assert.deepEqual(plain(posts.map((p) => [p.id, p.parentId])), [['1', null], ['2', '1'], ['3', '2'], ['4', '3'], ['5', '2'], ['6', '1']]);
});

test('phpBB 2 table rows: post.closest lifts each match to its row, read once', () => {
  const html = `<a class="maintitle">Slipway</a><table class="forumline">
    <tr><td><span class="name"><a name="11"></a><b>prestbury2</b></span></td>
      <td><span class="postbody">Launch went fine.</span></td></tr>
    <tr><td><span class="name"><a name="12"></a><b>Deano</b></span></td>
      <td><span class="postbody">Glad to hear it.<br>Enjoy the weather.</span></td></tr>
    </table>`;
  const { profile, posts } = extract(html, 'http://boats.example/viewtopic.php?t=805');
  assert.equal(profile.engine, 'phpbb2');
  assert.deepEqual(plain(posts.map((p) => [p.id, p.author, p.text, p.element.tagName])),
    [['11', 'prestbury2', 'Launch went fine.', 'TR'], ['12', 'Deano', 'Glad to hear it.\nEnjoy the weather.', 'TR']]);
});

test('an unknown engine falls back to the generic guess, marked as guessed', () => {
  const post = (n, who, text) => `<div class="entry"><span class="entry-author">${who}</span><p>${text}</p></div>`;
  const html = `<main>${post(1, 'kim', 'The bus timetable changed again this week.')}${post(2, 'lee', 'Yes, the 42 now leaves ten minutes earlier.')}${post(3, 'max', 'Thanks for the heads-up about the timetable.')}</main>`;
  const { profile, posts } = extract(html, 'https://town.example/board/9');
  assert.equal(profile.engine, 'generic');
  assert.equal(profile.guessed, true);
  assert.deepEqual(plain(posts.map((p) => p.author)), ['kim', 'lee', 'max']);
  assert.equal(posts[1].text, 'Yes, the 42 now leaves ten minutes earlier.', 'the guessed author is not part of the text');
});

test('a guessed page says which engine it nearly matched and why not', () => {
  const html = readFileSync(fileURLToPath(new URL('../../../tests/batch/fixtures/generic_near_xenforo.html', import.meta.url)), 'utf8');
  const { profile, posts } = extract(html, 'https://growyourown.example/threads/allotment-waiting-lists.808/');
  assert.equal(profile.guessed, true);
  assert.deepEqual(plain(profile.nearMiss), {
    engine: 'xenforo2',
    evidence: ['generator XenForo', 'url /threads/[^/]+\\.\\d+'],
    why_not: 'its post selector (.message--post, .message--article) finds no post on this page',
  });
  assert.deepEqual(plain(posts.map((p) => p.author)), ['marrowman', 'beanpole', 'Moderator Ruth']);
});

test('a page without posts is not recognised', () => {
  const { profile } = extract('<main><h1>About us</h1><p>We grow things.</p></main>', 'https://example.org/about');
  assert.equal(profile, null);
});

// The saved real pages: each must be recognised as its engine and give posts with text.
const ENGINE_OF_FOLDER = {
  discourse: /^discourse/, hackernews: /^hackernews$/, mybb: /^mybb$/, nodebb: /^nodebb$/, phpbb: /^phpbb[23]$/,
  reddit_new: /^reddit_/, smf: /^smf$/, stackoverflow: /^stackexchange$/, vbulletin: /^vbulletin\d$/, xenforo: /^xenforo\d$/,
};
const sharedPresent = existsSync(SHARED_PAGES);
const sharedFiles = sharedPresent
  ? readdirSync(SHARED_PAGES).flatMap((folder) => readdirSync(`${SHARED_PAGES}${folder}`).map((file) => [folder, file]))
  : [];

test('saved real pages in ../shared/pages', { skip: sharedPresent ? false : `${SHARED_PAGES} is absent: the real-page checks need the shared pages` }, async (t) => {
  for (const [folder, file] of sharedFiles) {
    await t.test(`${folder}/${file}`, () => {
      const { profile, posts } = extract(readFileSync(`${SHARED_PAGES}${folder}/${file}`, 'utf8'), 'https://forum.example.org/');
      assert.ok(profile, 'recognised');
      assert.match(profile.engine, ENGINE_OF_FOLDER[folder] || /./);
      assert.ok(posts.length >= 1, 'at least one post');
      assert.ok(posts.every((p) => p.text || p.quotes.length), 'every post has text or quotes');
      assert.equal(new Set(posts.map((p) => p.element)).size, posts.length, 'no element read twice');
      const withText = posts.filter((p) => p.text.length > 0);
      assert.ok(withText.length / posts.length >= 0.8, `most posts have text of their own (${withText.length}/${posts.length})`);
    });
  }
});
