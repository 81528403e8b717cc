// Sends one moderator's verdict on one post to the Modlens server (POST /v1/feedback), and
// turns each way that can fail into one line a moderator can act on. The post's text goes
// exactly as it was scored (clipped and repaired as scoring-client.js does), so the server
// files the verdict under the same post.
(function (Modlens) {
  'use strict';

  const { clipToBytes, wellFormed, errorMessage, MAX_TEXT_BYTES } = Modlens.scoringClient;

  // The server scores the judged post before storing it (about a second on a busy CPU);
  // a moderator waiting on a button is told after this long rather than never.
  const FEEDBACK_TIMEOUT_MS = 30000;
  const MAX_MESSAGE = 200;

  class FeedbackError extends Error {
    /** code: unreachable | unauthorized | feedback-off | forbidden | not-found | unavailable | rejected | server */
    constructor(code, message, status) {
      super(oneLine(message));
      this.code = code;
      this.status = status || null;
    }
  }

  /** A server's message can be long or hold line breaks; the badge has room for one line. */
  function oneLine(text) {
    const line = String(text).replace(/\s+/g, ' ').trim();
    return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
  }

  function postText(text) {
    return clipToBytes(wellFormed(String(text || '')), MAX_TEXT_BYTES);
  }

  /** The /v1/feedback body for one verdict: {post: {id, text, parentText}, thread: {title}, attribute, value}. */
  function buildFeedbackBody({ community, post, thread, attribute, value, moderator }) {
    if (typeof attribute !== 'string' || !attribute) throw new FeedbackError('rejected', 'a verdict must name an attribute');
    if (value !== 0 && value !== 1) throw new FeedbackError('rejected', 'a verdict is 1 (applies) or 0 (does not)');
    const judged = { id: String(post.id), text: postText(post.text) };
    if (post.parentText) judged.parent_text = postText(post.parentText);
    const verdict = { post: judged, attribute, value };
    if (thread && thread.title) verdict.thread = { title: postText(thread.title) };
    if (moderator) verdict.moderator = moderator;
    return { community, source: 'extension', verdicts: [verdict] };
  }

  async function refusal(response, serverUrl) {
    const message = await errorMessage(response);
    const { status } = response;
    if (status === 403 && /feedback is off/i.test(message)) {
      return new FeedbackError('feedback-off', 'feedback is off on the Modlens server (its operator turns it on with MODLENS_FEEDBACK=on)', status);
    }
    if (status === 401) return new FeedbackError('unauthorized', `the server refused the API key: ${message}`, status);
    if (status === 403) return new FeedbackError('forbidden', `the server refused: ${message}`, status);
    if (status === 404) {
      return new FeedbackError('not-found', `the server at ${serverUrl} has no /v1/feedback route (404): is it an older Modlens?`, status);
    }
    if (status === 503) {
      const seconds = Number(response.headers.get('Retry-After'));
      const when = Number.isFinite(seconds) && seconds > 0 ? `in ${seconds} s` : 'later';
      return new FeedbackError('unavailable', `the server's verdict store is unavailable; nothing was stored, try again ${when}`, status);
    }
    if (status < 500) return new FeedbackError('rejected', `the server refused the verdict (${status}): ${message}`, status);
    return new FeedbackError('server', `the server answered ${status}: ${message}`, status);
  }

  /** POSTs one body to `${serverUrl}/v1/feedback`; resolves with `{stored, community}` or rejects with a FeedbackError. */
  async function postFeedback({ fetchImpl, serverUrl, apiKey, body, timeoutMs = FEEDBACK_TIMEOUT_MS }) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response;
    try {
      response = await fetchImpl(`${serverUrl}/v1/feedback`, {
        method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal,
      });
    } catch {
      throw new FeedbackError('unreachable', controller.signal.aborted
        ? `no answer from the Modlens server at ${serverUrl} in ${timeoutMs / 1000} s`
        : `cannot reach the Modlens server at ${serverUrl}`);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw await refusal(response, serverUrl);
    return response.json();
  }

  Modlens.feedbackClient = { FeedbackError, buildFeedbackBody, postFeedback, oneLine };
})((globalThis.Modlens = globalThis.Modlens || {}));
