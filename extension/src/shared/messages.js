// Typed messages between the content script, the popup, the options page and the service
// worker. Each side answers through a handler map; a type it does not know fails loudly
// (logged where it arrived, and an error for the sender) instead of being ignored.
(function (Modlens) {
  'use strict';

  const MESSAGE_TYPES = Object.freeze({
    // content script -> worker
    GET_CONFIG: 'get-config',
    SCORE_POSTS: 'score-posts',
    SEND_VERDICT: 'send-verdict',
    // options page / popup -> worker
    GET_SETTINGS: 'get-settings',
    SAVE_SETTINGS: 'save-settings',
    GET_SERVER_ATTRIBUTES: 'get-server-attributes',
    // popup / worker -> content script
    GET_PAGE_STATE: 'get-page-state',
    RESCAN: 'rescan',
    PAUSE: 'pause',
    RESUME: 'resume',
  });

  class MessageError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code || 'error';
    }
  }

  /**
   * A `runtime.onMessage` listener that dispatches `{type, payload}` to `handlers[type]`
   * (which may be async) and answers `{ok: true, result}` or `{ok: false, error, code}`.
   */
  function createMessageRouter(handlers, where) {
    return function onMessage(message, sender, sendResponse) {
      const type = message && message.type;
      if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(handlers, type)) {
        const error = `${where}: unknown message type ${JSON.stringify(type)}`;
        console.error(error, message);
        sendResponse({ ok: false, error, code: 'unknown-type' });
        return false;
      }
      Promise.resolve()
        .then(() => handlers[type](message.payload || {}, sender))
        .then(
          (result) => sendResponse({ ok: true, result: result === undefined ? null : result }),
          (error) => sendResponse({ ok: false, error: String(error && error.message), code: (error && error.code) || 'error' }),
        );
      // Keeps the channel open for the asynchronous answer.
      return true;
    };
  }

  /** Turns a router's answer back into a result, or throws the sender's MessageError. */
  function unwrapResponse(type, response) {
    if (!response) throw new MessageError(`no answer to ${type}`, 'no-answer');
    if (!response.ok) throw new MessageError(response.error, response.code);
    return response.result;
  }

  async function sendToWorker(chromeApi, type, payload) {
    return unwrapResponse(type, await chromeApi.runtime.sendMessage({ type, payload }));
  }

  async function sendToTab(chromeApi, tabId, type, payload) {
    return unwrapResponse(type, await chromeApi.tabs.sendMessage(tabId, { type, payload }));
  }

  Modlens.messages = { MESSAGE_TYPES, MessageError, createMessageRouter, unwrapResponse, sendToWorker, sendToTab };
})((globalThis.Modlens = globalThis.Modlens || {}));
