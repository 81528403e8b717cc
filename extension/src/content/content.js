// The content script's controller: reads the thread through the site profile, asks the
// service worker to score each new batch of posts, draws the results and the panel, and
// watches the page for posts that arrive later. It never talks to the network itself.
(function (Modlens) {
  'use strict';

  const { MESSAGE_TYPES: T, createMessageRouter, sendToWorker } = Modlens.messages;
  const adapter = Modlens.profileAdapter;
  const annotate = Modlens.annotate;

  const MESSAGES = {
    'not-recognised': 'Modlens does not recognise this page as a forum thread: no site profile finds posts here.',
    'no-posts': 'No posts with text were found on this page.',
  };

  /**
   * What a page nearly was (the adapter's nearMiss), for a moderator: the engine as
   * site-profiles.json names it, what on the page points at it, and why it did not match.
   */
  function nearMissText(missed, siteProfiles) {
    const profile = (siteProfiles.profiles || []).find((p) => p.engine === missed.engine);
    const seen = missed.evidence.length ? ` (seen: ${missed.evidence.join(', ')})` : '';
    return `looks nearly like ${profile ? profile.name : missed.engine}${seen}, but ${missed.why_not}`;
  }

  /** For a guessed page, one line that says so and what it nearly matched; null otherwise. */
  function guessNote(profile, siteProfiles) {
    if (!profile || !profile.guessed) return null;
    if (!profile.nearMiss) return 'Guessed: no known forum engine leaves its marks on this page.';
    return `Guessed: ${nearMissText(profile.nearMiss, siteProfiles)}.`;
  }

  /** Only the fields the server takes: no elements, no text maps. */
  function wirePost(post) {
    return { id: post.id, author: post.author, text: post.text, quotes: post.quotes, parentId: post.parentId };
  }

  function isEditable(target) {
    return Boolean(target && target.closest && target.closest('input, textarea, select, [contenteditable=""], [contenteditable=true]'));
  }

  function createPageController({ doc, win, chromeApi, debounceMs = 300 }) {
    const send = (type, payload) => sendToWorker(chromeApi, type, payload);
    let config = null;
    let profile = null;
    let thread = null;
    let panel = null;
    let observer = null;
    let paused = false;
    let model = null;
    let status = 'Reading the page…';
    let handled = new WeakSet();
    let extraction = adapter.newExtractionState();
    let openingPost = null;
    let entries = []; // one per scored post: {post, result, flagged, severity, badge}
    let current = -1;
    let scanning = null;
    let rescanWanted = false;
    let debounceTimer = null;
    const errors = new Map();

    function view() {
      return {
        attributes: config.attributes,
        thresholds: config.thresholds,
        model,
        // Verdict controls only where the moderator named this site's community.
        sendVerdict: config.community ? sendVerdict : null,
      };
    }

    /** The text of a post on this page (scored, or the opening post), or null. */
    function textOf(id) {
      if (id == null) return null;
      const entry = entries.find((e) => e.post.id === String(id));
      if (entry) return entry.post.text;
      return openingPost && openingPost.id === String(id) ? openingPost.text : null;
    }

    /** One verdict, through the worker; resolves with the server's answer or throws its one-line error. */
    function sendVerdict(post, attribute, value) {
      return send(T.SEND_VERDICT, {
        post: { id: post.id, text: post.text, parentText: textOf(post.parentId) },
        thread: { title: thread.title },
        attribute,
        value,
      });
    }

    function flaggedEntries() {
      return entries.filter((entry) => entry.flagged.length);
    }

    function counts() {
      const tally = {};
      for (const entry of entries) {
        for (const name of Object.keys(entry.result.scores || {})) {
          if (config.attributes && !config.attributes.includes(name)) continue;
          tally[name] = tally[name] || 0;
        }
        for (const flag of entry.flagged) tally[flag.name] = (tally[flag.name] || 0) + 1;
      }
      return tally;
    }

    /** Posts left unscored for their language: how many, and how many in each language. */
    function notScored() {
      const byLanguage = {};
      let count = 0;
      for (const entry of entries) {
        if (!annotate.notScored(entry.result)) continue;
        count += 1;
        const name = annotate.languageName(entry.result.language);
        byLanguage[name] = (byLanguage[name] || 0) + 1;
      }
      return { count, byLanguage };
    }

    function state() {
      return {
        notScored: notScored(),
        engine: profile ? profile.engine : null,
        guessed: Boolean(profile && profile.guessed),
        guess: config ? guessNote(profile, config.profiles) : null,
        status,
        paused,
        postsScored: entries.length,
        counts: counts(),
        current,
        flagged: flaggedEntries().map((entry) => ({
          id: entry.post.id,
          author: entry.post.author,
          severity: entry.severity,
          top: entry.flagged[0],
        })),
        errors: Array.from(errors, ([code, message]) => ({ code, message })),
      };
    }

    function render() {
      if (panel) panel.render(state());
    }

    function fail(code, message) {
      errors.set(code, message);
      if (panel) panel.showError(code, message);
    }

    function setStatus(text) {
      status = text;
      render();
    }

    async function scoreBatch(posts, attempt = 0) {
      try {
        return await send(T.SCORE_POSTS, { thread, posts: posts.map(wirePost), openingPost: wirePost(openingPost) });
      } catch (error) {
        // The worker cancels a tab's requests when the tab starts loading; if this page
        // is still here, that was not meant for it, so ask once more.
        if (error.code === 'cancelled' && attempt === 0 && doc.visibilityState !== 'hidden') return scoreBatch(posts, 1);
        throw error;
      }
    }

    async function scanOnce() {
      const posts = adapter.extractPosts(profile, doc, handled, extraction);
      if (!posts.length) {
        if (!entries.length) {
          fail('no-posts', MESSAGES['no-posts']);
          setStatus('Nothing to score.');
        }
        return;
      }
      openingPost = openingPost || posts[0];
      setStatus(`Scoring ${posts.length} post${posts.length === 1 ? '' : 's'}…`);
      let answer;
      try {
        answer = await scoreBatch(posts);
      } catch (error) {
        // Unscored posts become new again, so a rescan (or the next batch) retries them.
        for (const post of posts) handled.delete(post.element);
        fail(error.code || 'error', error.message);
        setStatus(entries.length ? `${entries.length} posts scored; the last batch failed.` : 'Not scored.');
        return;
      }
      if (paused) return;
      model = answer.model || model;
      const results = new Map((answer.posts || []).map((result) => [String(result.id), result]));
      for (const post of posts) {
        const result = results.get(post.id);
        if (!result) continue;
        const drawn = annotate.annotatePost(doc, post, result, view());
        entries.push({ post, result, ...drawn });
      }
      // Document order, so that next/previous walk down the page.
      entries.sort((a, b) => (a.post.element.compareDocumentPosition(b.post.element) & 4 ? -1 : 1));
      const flaggedCount = flaggedEntries().length;
      const unscored = notScored().count;
      setStatus(`${entries.length - unscored} posts scored, ${flaggedCount} flagged${unscored ? `, ${unscored} not scored (not English)` : ''}.`);
    }

    /** Runs scans one at a time; a request during a scan runs one more afterwards. */
    function scan() {
      if (paused || !profile) return Promise.resolve();
      if (scanning) {
        rescanWanted = true;
        return scanning;
      }
      scanning = scanOnce().finally(() => {
        scanning = null;
        if (rescanWanted) {
          rescanWanted = false;
          return scan();
        }
        return undefined;
      });
      return scanning;
    }

    function ownMutation(record) {
      const nodes = [...record.addedNodes, ...record.removedNodes];
      return nodes.every((node) => node.nodeType !== 1
        ? record.target.closest && Boolean(record.target.closest('.modlens-ui, mark.modlens-span'))
        : node.classList.contains('modlens-ui') || node.classList.contains('modlens-span'));
    }

    function observe() {
      observer = new win.MutationObserver((records) => {
        if (records.every(ownMutation)) return;
        clearTimeout(debounceTimer);
        debounceTimer = setTimeout(scan, debounceMs);
      });
      observer.observe(doc.body, { childList: true, subtree: true });
    }

    function focusEntry(index) {
      const list = flaggedEntries();
      if (!list.length) return;
      current = ((index % list.length) + list.length) % list.length;
      const entry = list[current];
      if (typeof entry.post.element.scrollIntoView === 'function') entry.post.element.scrollIntoView({ block: 'center' });
      entry.badge.focus({ preventScroll: true });
      render();
    }

    const next = () => focusEntry(current + 1);
    const previous = () => focusEntry(current < 0 ? -1 : current - 1);

    function onKeydown(event) {
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || isEditable(event.target)) return;
      if (event.code === 'KeyJ') next();
      else if (event.code === 'KeyK') previous();
      else return;
      event.preventDefault();
    }

    function setFlaggedOnly(on) {
      doc.documentElement.classList.toggle('modlens-flagged-only', on);
    }

    function reset() {
      annotate.clearAnnotations(doc);
      handled = new WeakSet();
      extraction = adapter.newExtractionState();
      openingPost = null;
      entries = [];
      current = -1;
      errors.clear();
      if (panel) panel.clearErrors();
    }

    const handlers = {
      [T.GET_PAGE_STATE]: () => state(),
      [T.RESCAN]: async () => {
        reset();
        await scan();
        return state();
      },
      [T.PAUSE]: () => {
        paused = true;
        if (observer) observer.disconnect();
        reset();
        setFlaggedOnly(false);
        if (panel) panel.host.hidden = true;
        status = 'Paused on this tab.';
        return state();
      },
      [T.RESUME]: async () => {
        paused = false;
        if (panel) panel.host.hidden = false;
        if (observer) observer.observe(doc.body, { childList: true, subtree: true });
        await scan();
        return state();
      },
    };

    async function start() {
      chromeApi.runtime.onMessage.addListener(createMessageRouter(handlers, 'content script'));
      panel = Modlens.panel.createPanel(doc, {
        onNext: next,
        onPrevious: previous,
        onSelect: focusEntry,
        onFlaggedOnly: setFlaggedOnly,
      });
      try {
        config = await send(T.GET_CONFIG);
      } catch (error) {
        fail(error.code || 'error', error.message);
        setStatus('Not running.');
        return;
      }
      profile = adapter.chooseProfile(config.profiles, doc, win.location.href);
      if (!profile) {
        const missed = adapter.nearMiss(config.profiles, doc, win.location.href);
        fail('not-recognised', missed ? `${MESSAGES['not-recognised']} It ${nearMissText(missed, config.profiles)}.` : MESSAGES['not-recognised']);
        setStatus('Page not recognised.');
        return;
      }
      thread = { title: adapter.threadTitle(profile, doc), url: win.location.href, site: profile.engine };
      doc.addEventListener('keydown', onKeydown, true);
      observe();
      await scan();
    }

    return { start, scan, state, next, previous, handlers };
  }

  Modlens.content = { createPageController, guessNote };

  // In the browser: start once per page, even if the script is injected twice.
  if (typeof chrome !== 'undefined' && chrome.runtime && chrome.runtime.id && !globalThis.modlensPageController) {
    globalThis.modlensPageController = createPageController({ doc: document, win: window, chromeApi: chrome });
    globalThis.modlensPageController.start();
  }
})((globalThis.Modlens = globalThis.Modlens || {}));
