// The only code that sends post text anywhere: it builds one /v1/score request for a
// page of posts and sends it to the configured Modlens server, retrying with backoff
// what may pass (network failure, 429, 502-504) and giving up at once on what will not.
(function (Modlens) {
  'use strict';

  // The server refuses (413) a post or quote over 20 KB of UTF-8, more than 500 posts or
  // more than 20 quotes per post; we stay under those so one long post cannot sink a page.
  const MAX_TEXT_BYTES = 20 * 1024;
  const MAX_POSTS_PER_REQUEST = 200;
  const MAX_QUOTES_PER_POST = 20;
  const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

  class ScoringError extends Error {
    /** code: unreachable | unauthorized | rejected | server | cancelled */
    constructor(code, message, status) {
      super(message);
      this.code = code;
      this.status = status || null;
    }
  }

  const encoder = new TextEncoder();

  function clipToBytes(text, maxBytes) {
    if (encoder.encode(text).length <= maxBytes) return text;
    // Cut by code points so no surrogate pair is split; spans then still map into the
    // start of the post, which is what was scored.
    let out = '';
    let bytes = 0;
    for (const ch of text) {
      bytes += encoder.encode(ch).length;
      if (bytes > maxBytes) break;
      out += ch;
    }
    return out;
  }

  /**
   * A lone UTF-16 surrogate is not text, and the server refuses the whole request for
   * one; U+FFFD takes its place, one unit for one, so span offsets still line up.
   */
  function wellFormed(text) {
    return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  }

  function requestPost(post) {
    return {
      id: String(post.id),
      author: wellFormed(String(post.author || '')),
      text: clipToBytes(wellFormed(String(post.text || '')), MAX_TEXT_BYTES),
      parent_id: post.parentId == null ? null : String(post.parentId),
      quotes: (post.quotes || []).slice(0, MAX_QUOTES_PER_POST).map((quote) => ({
        author: String(quote.author || ''),
        text: clipToBytes(wellFormed(String(quote.text || '')), MAX_TEXT_BYTES),
      })),
    };
  }

  /**
   * The /v1/score bodies for one page: normally exactly one. `openingPost` (the thread's
   * first post, which with the title defines the topic) goes first in every body; it is
   * only context when it was already scored.
   */
  function buildScoreRequests({ thread, posts, openingPost, attributes }) {
    // A post of nothing but a quote has no words of its own to score, and the server
    // refuses a blank text; it is left out (it gets no badge).
    const hasText = (post) => post.text.trim() !== '';
    const opening = openingPost && hasText(requestPost(openingPost)) ? requestPost(openingPost) : null;
    const rest = posts.map(requestPost).filter((post) => hasText(post) && (!opening || post.id !== opening.id));
    if (!opening && rest.length === 0) return [];
    const chunkSize = MAX_POSTS_PER_REQUEST - (opening ? 1 : 0);
    const threadFields = { title: String(thread.title || ''), url: String(thread.url || ''), site: String(thread.site || '') };
    const bodies = [];
    let start = 0;
    do {
      const chunk = rest.slice(start, start + chunkSize);
      const body = { thread: threadFields, posts: opening ? [opening, ...chunk] : chunk };
      if (attributes) body.attributes = attributes;
      bodies.push(body);
      start += chunkSize;
    } while (start < rest.length);
    return bodies;
  }

  /** Why a request was aborted: the reason given (cancelled, timed out), or cancelled. */
  function abortReason(signal) {
    return signal.reason instanceof ScoringError ? signal.reason : new ScoringError('cancelled', 'the page was left');
  }

  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal && signal.aborted) return reject(abortReason(signal));
      const timer = setTimeout(resolve, ms);
      if (signal) {
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(abortReason(signal));
        }, { once: true });
      }
    });
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && typeof body.error.message === 'string') return body.error.message;
    } catch {
      // A proxy or a crashed server may answer without JSON; the status then says enough.
    }
    return `HTTP ${response.status}`;
  }

  /**
   * POSTs one body to `${serverUrl}/v1/score`; resolves with the parsed answer or rejects
   * with a ScoringError. Attempts: 1 + retries, waiting baseDelayMs * 2^n (or the
   * server's Retry-After, capped) between them.
   */
  async function postScore({ fetchImpl, serverUrl, apiKey, body, signal, retries = 3, baseDelayMs = 500, maxDelayMs = 8000 }) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
    let lastError = null;
    for (let attempt = 0; attempt <= retries; attempt += 1) {
      if (attempt > 0) {
        const retryAfter = lastError && lastError.retryAfterMs;
        await sleep(Math.min(retryAfter || baseDelayMs * 2 ** (attempt - 1), maxDelayMs), signal);
      }
      let response;
      try {
        response = await fetchImpl(`${serverUrl}/v1/score`, { method: 'POST', headers, body: JSON.stringify(body), signal });
      } catch (error) {
        if (signal && signal.aborted) throw abortReason(signal);
        lastError = new ScoringError('unreachable', `cannot reach the Modlens server at ${serverUrl} (${error.message})`);
        continue;
      }
      if (response.ok) return response.json();
      const message = await errorMessage(response);
      if (response.status === 401 || response.status === 403) {
        throw new ScoringError('unauthorized', `the server refused the API key: ${message}`, response.status);
      }
      if (!RETRYABLE_STATUS.has(response.status)) {
        const code = response.status >= 500 ? 'server' : 'rejected';
        throw new ScoringError(code, `the server answered ${response.status}: ${message}`, response.status);
      }
      lastError = new ScoringError('server', `the server answered ${response.status}: ${message}`, response.status);
      const seconds = Number(response.headers.get('Retry-After'));
      lastError.retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
    }
    throw lastError;
  }

  Modlens.scoringClient = {
    ScoringError, buildScoreRequests, postScore, clipToBytes, wellFormed, errorMessage, MAX_TEXT_BYTES,
    MAX_POSTS_PER_REQUEST,
  };
})((globalThis.Modlens = globalThis.Modlens || {}));
