// Drawing on awkward markup: spans are wrapped where they stand (across inline tags,
// entities, emoji, line breaks) and nothing else of the post changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageWindow, read, SITE_PROFILES } from '../helpers/load.js';

const plain = (value) => JSON.parse(JSON.stringify(value));

function xenforoPage(bodyHtml) {
  return `<meta name="generator" content="XenForo"><h1 class="p-title-value">T</h1>
    <article class="message message--post" data-author="Rick" data-content="post-1">
      <div class="message-body"><div class="bbWrapper">${bodyHtml}</div></div></article>`;
}

function readOnePost(html) {
  const win = pageWindow(html);
  const { profileAdapter } = win.Modlens;
  const profile = profileAdapter.chooseProfile(SITE_PROFILES, win.document, win.location.href);
  const [post] = profileAdapter.extractPosts(profile, win.document, new WeakSet());
  return { win, post };
}

/** Code-point offsets of `needle` in `text`, as the Python service reports spans. */
function cpSpan(text, needle, attribute = 'insult', score = 0.9) {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `"${needle}" in "${text}"`);
  const begin = Array.from(text.slice(0, at)).length;
  return { begin, end: begin + Array.from(needle).length, attribute, score };
}

const AWKWARD = 'Hi 😀 <b>you   pathetic</b> <a href="/u/1">id&amp;iot</a>,<br>really  <i>dumb</i>.<script>var x = 1;</script>';

test('post text from awkward markup: blanks collapse, <br> breaks, entities decode, scripts drop', () => {
  const { post } = readOnePost(xenforoPage(AWKWARD));
  assert.equal(post.text, 'Hi 😀 you pathetic id&iot,\nreally dumb.');
});

test('spans after an emoji, across <b>, <a> and <br>, wrap exactly their words and change nothing else', () => {
  const { win, post } = readOnePost(xenforoPage(AWKWARD));
  const body = post.body;
  const link = body.querySelector('a');
  const textBefore = body.textContent;
  const marks = win.Modlens.annotate.highlightSpans(win.document, post, [
    cpSpan(post.text, 'pathetic id&iot'),
    cpSpan(post.text, 'iot,\nreally', 'toxicity', 0.8), // overlaps the first: merged
  ]);
  const marked = plain(Array.from(body.querySelectorAll('mark.modlens-span'), (m) => m.textContent));
  assert.deepEqual(marked, ['pathetic', 'id&iot', ',', 'really']);
  assert.equal(marks.length, 4);
  assert.equal(body.textContent, textBefore, 'the post reads the same');
  assert.equal(body.querySelector('a'), link, 'the link is the same element');
  assert.equal(link.getAttribute('href'), '/u/1');
  assert.equal(link.querySelector('mark').textContent, 'id&iot');
  assert.ok(body.querySelector('b > mark'), 'the mark sits inside the bold text, which stays');
  assert.match(marks[0].title, /insult 0\.90/);
});

test('a span covering only blank space or out of range wraps nothing', () => {
  const { win, post } = readOnePost(xenforoPage('one <b>two</b>'));
  const marks = win.Modlens.annotate.highlightSpans(win.document, post, [
    { begin: 3, end: 4, attribute: 'insult', score: 1 },
    { begin: 50, end: 60, attribute: 'insult', score: 1 },
    { begin: 'x', end: 2, attribute: 'insult', score: 1 },
  ]);
  assert.equal(marks.length, 0);
  assert.equal(post.body.innerHTML, 'one <b>two</b>');
});

test('the badge names the top flagged attribute; opening shows every score, spans and quotes not counted', () => {
  const win = pageWindow(read('test/fixtures/pages/xenforo2-thread.html'));
  const { profileAdapter, annotate } = win.Modlens;
  const profile = profileAdapter.chooseProfile(SITE_PROFILES, win.document, win.location.href);
  const posts = profileAdapter.extractPosts(profile, win.document, new WeakSet());
  const helen = posts.find((p) => p.id === '104');
  const result = {
    id: '104',
    scores: { toxicity: 0.72, insult: 0.55, sarcasm: 0.1 },
    flags: ['toxicity'],
    spans: [cpSpan(helen.text, 'keep it civil', 'toxicity', 0.72)],
  };
  const drawn = annotate.annotatePost(win.document, helen, result, { attributes: null, thresholds: { insult: 0.5 } });
  assert.equal(drawn.badge.textContent, 'toxicity 0.72');
  assert.equal(drawn.severity, 'medium');
  assert.ok(helen.element.classList.contains('modlens-severity-medium'));
  assert.deepEqual(plain(drawn.flagged.map((f) => f.name)), ['toxicity', 'insult'], 'a moderator threshold flags insult at 0.55');
  const details = drawn.container.querySelector('.modlens-details');
  assert.equal(details.hidden, true);
  assert.equal(helen.body.querySelectorAll('mark').length, 0, 'nothing wrapped before opening');

  drawn.badge.click();
  assert.equal(details.hidden, false);
  assert.equal(drawn.badge.getAttribute('aria-expanded'), 'true');
  assert.equal(details.querySelectorAll('.modlens-scores tr').length, 3);
  assert.match(details.textContent, /1 quoted passage is scored apart and not counted/);
  assert.equal(helen.body.querySelector('mark.modlens-span').textContent, 'keep it civil');
  const quote = helen.body.querySelector('blockquote');
  assert.ok(quote.classList.contains('modlens-quote'));
  assert.equal(quote.previousElementSibling.textContent, 'quoted: not counted against this post');

  drawn.badge.click();
  assert.equal(details.hidden, true);
  assert.equal(helen.body.querySelectorAll('mark').length, 1, 'wrapped once, not again on each opening');
});

test('a server answer with HTML or script in every field renders as inert text', () => {
  const { win, post } = readOnePost(xenforoPage('plain words here'));
  const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  const result = {
    id: '1',
    scores: { [evil]: 0.99, insult: '<b>0.7</b>' },
    flags: [evil, 'insult'],
    spans: [{ begin: 0, end: 5, attribute: evil, score: evil }],
  };
  const drawn = win.Modlens.annotate.annotatePost(win.document, post, result, { attributes: null, thresholds: {}, model: { name: evil, version: evil } });
  drawn.badge.click();
  const container = drawn.container;
  assert.equal(container.querySelectorAll('img, script, b').length, 0);
  assert.equal(post.body.querySelectorAll('img, script, b').length, 0);
  assert.ok(container.textContent.includes(evil), 'the markup is shown as text');
  assert.ok(drawn.badge.textContent.startsWith('<img'), 'the badge names it literally');
  assert.equal(win.pwned, undefined);
});
