// The extension's settings: one defaults object, and the checks every saved value passes.
// A classic script that registers itself on `globalThis.Modlens`, so the service worker
// (importScripts), the options page, the popup and the tests all load the same file.
(function (Modlens) {
  'use strict';

  const DEFAULT_SETTINGS = Object.freeze({
    // The Modlens server the service worker sends post text to; nothing else ever is.
    // The service's embedded default serves localhost only.
    serverUrl: 'http://127.0.0.1:8000',
    // Sent as `Authorization: Bearer` when set; kept in storage.local, never synced.
    apiKey: '',
    // Attributes to request and show; null means every attribute the server scores.
    attributes: null,
    // Per-attribute flag thresholds that override the server's; absent means the
    // server's own flag decision stands.
    thresholds: Object.freeze({}),
    // Match patterns ("https://forum.example.org/*") of the forums the moderator enabled.
    // The content script runs on these sites only.
    sites: Object.freeze([]),
    // Per enabled site (its match pattern), the community its verdicts go to on the server
    // (POST /v1/feedback); a site without one shows no verdict controls.
    communities: Object.freeze({}),
    // Sent with each verdict, which the server keeps only as a keyed hash; empty: not sent.
    moderator: '',
  });

  // The server's rule for a community id, copied from server/contract.py (COMMUNITY_PATTERN
  // and COMMUNITY_RULE), where it says why each part is there; a test holds the two the
  // same, character for character and id for id (tests/server/test_community_id_parity.py).
  // eslint-disable-next-line no-control-regex -- naming the control characters is the point: the server refuses them.
  const COMMUNITY_PATTERN = /^(?!\/|\.\.?$)[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ud800-\udfff]{1,256}$/u;
  const COMMUNITY_RULE = 'printable text without spaces, 1 to 256 bytes of UTF-8, not starting with / and not "." or ".."';

  /** Whether `id` is a community id the server accepts, by its pattern and its size in UTF-8. */
  function isCommunityId(id) {
    return COMMUNITY_PATTERN.test(id) && new TextEncoder().encode(id).length <= 256;
  }

  class SettingsError extends Error {}

  /** "forum.example.org", "https://forum.example.org/t/1" -> "https://forum.example.org/*". */
  function sitePattern(input) {
    const raw = String(input ?? '').trim();
    if (!raw) throw new SettingsError('a site must not be empty');
    let url;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
    } catch {
      throw new SettingsError(`not a site address: ${raw}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new SettingsError(`only http and https sites can be enabled: ${raw}`);
    }
    // Match patterns carry no port; "http://127.0.0.1/*" matches every port.
    return `${url.protocol}//${url.hostname}/*`;
  }

  /** Whether a page URL lies on one of the enabled sites (match patterns from sitePattern). */
  function siteEnabled(pageUrl, sites) {
    let url;
    try {
      url = new URL(pageUrl);
    } catch {
      return false;
    }
    return sites.includes(`${url.protocol}//${url.hostname}/*`);
  }

  /** The community of the enabled site that `pageUrl` lies on, or null. */
  function communityFor(pageUrl, settings) {
    let url;
    try {
      url = new URL(pageUrl);
    } catch {
      return null;
    }
    const site = `${url.protocol}//${url.hostname}/*`;
    return settings.sites.includes(site) ? (settings.communities[site] || null) : null;
  }

  /** {site pattern: community id} for the enabled sites that have one, each id checked. */
  function normaliseCommunities(communities, sites) {
    const out = {};
    for (const [site, value] of Object.entries(communities || {})) {
      const id = String(value ?? '').trim();
      if (!id) continue;
      const pattern = sitePattern(site);
      if (!sites.includes(pattern)) continue; // a removed site takes its community with it
      if (!isCommunityId(id)) {
        throw new SettingsError(`the community for ${pattern} must be ${COMMUNITY_RULE}`);
      }
      out[pattern] = id;
    }
    return out;
  }

  function serverOrigin(serverUrl) {
    const url = new URL(serverUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new SettingsError(`the server URL must be http or https: ${serverUrl}`);
    }
    return `${url.protocol}//${url.hostname}/*`;
  }

  /**
   * Merges stored values over the defaults and checks each, so that a bad stored value
   * fails here with a message naming it, not later inside a request.
   */
  function normaliseSettings(stored) {
    const merged = { ...DEFAULT_SETTINGS, ...(stored || {}) };
    const serverUrl = String(merged.serverUrl).trim().replace(/\/+$/, '');
    try {
      serverOrigin(serverUrl);
    } catch (error) {
      throw new SettingsError(error instanceof SettingsError ? error.message : `not a URL: ${serverUrl}`);
    }
    const attributes = merged.attributes === null ? null : [...new Set(merged.attributes.map(String))];
    if (attributes !== null && attributes.length === 0) {
      throw new SettingsError('choose at least one attribute to show');
    }
    const thresholds = {};
    for (const [name, value] of Object.entries(merged.thresholds || {})) {
      if (value === null || value === '' || value === undefined) continue;
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0 || number > 1) {
        throw new SettingsError(`the threshold for ${name} must be a number from 0 to 1`);
      }
      thresholds[name] = number;
    }
    const sites = [...new Set((merged.sites || []).map(sitePattern))];
    const communities = normaliseCommunities(merged.communities, sites);
    const moderator = String(merged.moderator || '').trim();
    if (new TextEncoder().encode(moderator).length > 256) throw new SettingsError('the moderator name must be at most 256 bytes');
    return { serverUrl, apiKey: String(merged.apiKey || '').trim(), attributes, thresholds, sites, communities, moderator };
  }

  Modlens.settings = {
    DEFAULT_SETTINGS, COMMUNITY_PATTERN, COMMUNITY_RULE, SettingsError, isCommunityId, sitePattern, siteEnabled,
    communityFor, serverOrigin, normaliseSettings,
  };
})((globalThis.Modlens = globalThis.Modlens || {}));
