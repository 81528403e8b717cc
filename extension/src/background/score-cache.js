// Answers from the server, kept for the browser session (storage.session: in memory,
// gone when the browser closes), so that going back to a thread or rescanning it sends
// nothing again. Keyed by a hash of the server URL and the exact request body, so a
// changed post or other attributes miss the cache.
(function (Modlens) {
  'use strict';

  async function cacheKey(serverUrl, body) {
    const bytes = new TextEncoder().encode(`${serverUrl}\n${JSON.stringify(body)}`);
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    return `score:${hex}`;
  }

  function createScoreCache(storageArea) {
    return {
      async get(key) {
        const found = await storageArea.get(key);
        return found[key] || null;
      },
      async set(key, answer) {
        try {
          await storageArea.set({ [key]: answer });
        } catch (error) {
          // A full session store (about 10 MB) only costs a later re-score; the answer
          // in hand is still good, so this must not fail the page.
          console.warn('Modlens: could not cache a score answer:', error.message);
        }
      },
    };
  }

  Modlens.scoreCache = { cacheKey, createScoreCache };
})((globalThis.Modlens = globalThis.Modlens || {}));
