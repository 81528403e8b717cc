// The service worker: the only part of the extension that talks to the Modlens server
// and owns storage. Content scripts, the popup and the options page reach it through
// typed messages (src/shared/messages.js).
if (typeof importScripts === 'function' && !(globalThis.Modlens && globalThis.Modlens.scoringClient)) {
  // Chromium runs this file as the service worker; Firefox loads the same files through
  // background.scripts, where they are already present.
  importScripts('../shared/settings.js', '../shared/messages.js', 'scoring-client.js', 'score-cache.js', 'feedback-client.js');
}

(function (Modlens) {
  'use strict';

  const { normaliseSettings, siteEnabled, communityFor, serverOrigin, SettingsError } = Modlens.settings;
  const { MESSAGE_TYPES: T, createMessageRouter, MessageError } = Modlens.messages;
  const { buildScoreRequests, postScore, ScoringError } = Modlens.scoringClient;
  const { cacheKey, createScoreCache } = Modlens.scoreCache;
  const { buildFeedbackBody, postFeedback } = Modlens.feedbackClient;

  const CONTENT_SCRIPT_ID = 'modlens-content';
  // Order matters: each file registers on the Modlens namespace the next one reads.
  const CONTENT_SCRIPT = {
    js: [
      'src/shared/messages.js',
      'src/content/profile-adapter.js',
      'src/content/verdicts.js',
      'src/content/annotate.js',
      'src/content/panel.js',
      'src/content/content.js',
    ],
    css: ['src/content/content.css'],
  };
  // A server that neither answers nor fails is given up on after this long.
  const REQUEST_TIMEOUT_MS = 90000;

  /** retry: {retries, baseDelayMs} for postScore; tests shorten the waits (and feedbackTimeoutMs). */
  function createWorker({ chromeApi, fetchImpl, retry = {}, feedbackTimeoutMs }) {
    const cache = createScoreCache(chromeApi.storage.session);
    const inFlight = new Map(); // tabId -> Set<AbortController>
    let profilesPromise = null;

    async function loadSettings() {
      const { settings } = await chromeApi.storage.local.get('settings');
      return normaliseSettings(settings);
    }

    function loadProfiles() {
      profilesPromise = profilesPromise || fetchImpl(chromeApi.runtime.getURL('site-profiles.json')).then((response) => {
        if (!response.ok) throw new Error(`site-profiles.json: HTTP ${response.status}`);
        return response.json();
      });
      return profilesPromise;
    }

    /** Registers the content script for exactly the enabled sites whose permission is granted. */
    async function syncContentScripts(sites) {
      const granted = [];
      for (const site of sites) {
        if (await chromeApi.permissions.contains({ origins: [site] })) granted.push(site);
      }
      const registered = await chromeApi.scripting.getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] });
      if (registered.length) await chromeApi.scripting.unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] });
      if (granted.length) {
        await chromeApi.scripting.registerContentScripts([{
          id: CONTENT_SCRIPT_ID,
          matches: granted,
          js: CONTENT_SCRIPT.js,
          css: CONTENT_SCRIPT.css,
          runAt: 'document_idle',
          persistAcrossSessions: true,
        }]);
      }
      return granted;
    }

    /** Text leaves the browser only from pages of an enabled site; this checks the sender. */
    async function requireEnabledSender(sender) {
      const settings = await loadSettings();
      if (!sender || !sender.tab || !siteEnabled(sender.url, settings.sites)) {
        throw new MessageError('Modlens is not enabled on this site', 'site-not-enabled');
      }
      return settings;
    }

    function track(tabId) {
      const controller = new AbortController();
      if (!inFlight.has(tabId)) inFlight.set(tabId, new Set());
      inFlight.get(tabId).add(controller);
      const timer = setTimeout(() => controller.abort(new ScoringError('unreachable', `no answer from the server in ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
      return {
        signal: controller.signal,
        done() {
          clearTimeout(timer);
          inFlight.get(tabId)?.delete(controller);
        },
      };
    }

    /** Cancels every request made for a tab whose page is gone (closed, reloaded, left). */
    function cancelTab(tabId) {
      for (const controller of inFlight.get(tabId) || []) controller.abort(new ScoringError('cancelled', 'the page was left'));
      inFlight.delete(tabId);
    }

    async function scoreBody(settings, body, signal) {
      const key = await cacheKey(settings.serverUrl, body);
      const cached = await cache.get(key);
      if (cached) return cached;
      const answer = await postScore({ fetchImpl, serverUrl: settings.serverUrl, apiKey: settings.apiKey, body, signal, ...retry });
      await cache.set(key, answer);
      return answer;
    }

    const handlers = {
      async [T.GET_CONFIG](payload, sender) {
        const settings = await requireEnabledSender(sender);
        return {
          profiles: await loadProfiles(),
          attributes: settings.attributes,
          thresholds: settings.thresholds,
          // The page shows verdict controls only where its site has a community to send them to.
          community: communityFor(sender.url, settings),
        };
      },

      async [T.SCORE_POSTS]({ thread, posts, openingPost }, sender) {
        const settings = await requireEnabledSender(sender);
        const bodies = buildScoreRequests({ thread, posts, openingPost, attributes: settings.attributes });
        const request = track(sender.tab.id);
        try {
          const answers = [];
          for (const body of bodies) answers.push(await scoreBody(settings, body, request.signal));
          return {
            model: answers.length ? answers[0].model : null,
            posts: answers.flatMap((answer) => answer.posts || []),
          };
        } finally {
          request.done();
        }
      },

      /** One moderator's verdict on one post: {post: {id, text, parentText}, thread, attribute, value}. */
      async [T.SEND_VERDICT]({ post, thread, attribute, value }, sender) {
        const settings = await requireEnabledSender(sender);
        const community = communityFor(sender.url, settings);
        if (!community) {
          throw new MessageError('no community is set for this site: set one in the Modlens options', 'no-community');
        }
        if (!post || typeof post.text !== 'string' || !post.text.trim()) {
          throw new MessageError('a verdict needs the post\'s text', 'rejected');
        }
        const body = buildFeedbackBody({ community, post, thread, attribute, value, moderator: settings.moderator });
        return postFeedback({ fetchImpl, serverUrl: settings.serverUrl, apiKey: settings.apiKey, body, timeoutMs: feedbackTimeoutMs });
      },

      async [T.GET_SETTINGS]() {
        return loadSettings();
      },

      async [T.SAVE_SETTINGS]({ settings: proposed }) {
        const settings = normaliseSettings(proposed);
        // The options page asks for these permissions on the moderator's click; saving
        // without them would enable a site the content script can never run on.
        const needed = [...settings.sites, serverOrigin(settings.serverUrl)];
        const missing = [];
        for (const origin of needed) {
          if (!(await chromeApi.permissions.contains({ origins: [origin] }))) missing.push(origin);
        }
        if (missing.length) throw new SettingsError(`permission not granted for ${missing.join(', ')}`);
        await chromeApi.storage.local.set({ settings });
        await syncContentScripts(settings.sites);
        return settings;
      },

      async [T.GET_SERVER_ATTRIBUTES]() {
        const settings = await loadSettings();
        const headers = settings.apiKey ? { Authorization: `Bearer ${settings.apiKey}` } : {};
        let response;
        try {
          response = await fetchImpl(`${settings.serverUrl}/v1/attributes`, { headers });
        } catch (error) {
          throw new ScoringError('unreachable', `cannot reach the Modlens server at ${settings.serverUrl} (${error.message})`);
        }
        if (!response.ok) throw new ScoringError(response.status === 401 ? 'unauthorized' : 'server', `the server answered ${response.status}`, response.status);
        return response.json();
      },
    };

    return { handlers, syncContentScripts, cancelTab, loadSettings };
  }

  /** Wires a worker to the browser's events; returns it for tests. */
  function startWorker(chromeApi, fetchImpl, options = {}) {
    const worker = createWorker({ chromeApi, fetchImpl, ...options });
    chromeApi.runtime.onMessage.addListener(createMessageRouter(worker.handlers, 'service worker'));
    chromeApi.tabs.onRemoved.addListener((tabId) => worker.cancelTab(tabId));
    chromeApi.tabs.onUpdated.addListener((tabId, changeInfo) => {
      if (changeInfo.status === 'loading') worker.cancelTab(tabId);
    });
    const resync = () => worker.loadSettings().then((settings) => worker.syncContentScripts(settings.sites));
    chromeApi.runtime.onInstalled.addListener(resync);
    chromeApi.runtime.onStartup.addListener(resync);
    // A site whose permission the moderator revokes in the browser stops at once.
    chromeApi.permissions.onRemoved.addListener(resync);
    return worker;
  }

  Modlens.worker = { createWorker, startWorker, CONTENT_SCRIPT, CONTENT_SCRIPT_ID };

  if (typeof chrome !== 'undefined' && chrome.runtime && chrome.runtime.id) {
    startWorker(chrome, fetch.bind(globalThis));
  }
})((globalThis.Modlens = globalThis.Modlens || {}));
