// The one adapter that reads a thread page through a site profile (site-profiles.json,
// documented in SITE_PROFILES.md) and emits normalised posts
// `{id, author, text, quotes, element, parentId, textMap}`. No engine has code of its
// own here: every selector comes from the profile, so nothing downstream knows one.
(function (Modlens) {
  'use strict';

  // The same weights as the batch extractor (server/batch/profiles.py): a generator meta
  // names the engine outright, a marker selector is good evidence, a URL pattern weak.
  const GENERATOR_WEIGHT = 4;
  const MARKER_WEIGHT = 2;
  const URL_WEIGHT = 1;

  // Never what a member wrote (SITE_PROFILES.md, "Post text").
  const DROPPED_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'SVG', 'BUTTON', 'TEXTAREA', 'TEMPLATE']);
  const BLOCK_TAGS = new Set([
    'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DETAILS', 'DIV', 'DL', 'DT', 'FIELDSET',
    'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR',
    'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TBODY', 'TD', 'TFOOT',
    'TH', 'THEAD', 'TR', 'UL',
  ]);
  // What the extension itself draws carries this class and is never read as post text.
  const UI_CLASS = 'modlens-ui';
  // The generic fallback's idea of an author element (SITE_PROFILES.md, "generic").
  const NAME_LIKE = '[class*=author], [class*=user], [class*=poster], [class*=name], [itemprop*=author], [itemprop*=name]';

  function safeMatches(element, selector) {
    return Boolean(selector) && element.nodeType === 1 && element.matches(selector);
  }

  function safeQuery(root, selector) {
    return selector ? root.querySelector(selector) : null;
  }

  /**
   * A field's element: the post itself when it matches, else the first descendant that
   * belongs to this post (for nested engines, a reply's own fields come before its
   * children's, but a reply without one must not borrow its child's).
   */
  function fieldElement(post, selector, profile, pick = 'first') {
    if (!selector) return post;
    if (post.matches(selector)) return post;
    const own = Array.from(post.querySelectorAll(selector)).filter((el) => ownedBy(el, post, profile));
    return (pick === 'last' ? own[own.length - 1] : own[0]) || null;
  }

  function ownedBy(element, post, profile) {
    if (!profile.nested) return true;
    const parentPost = element.parentElement && element.parentElement.closest(profile.post.selector);
    return !parentPost || parentPost === post || !post.contains(parentPost);
  }

  function textOf(element) {
    return collectText(element, () => false).text;
  }

  /**
   * The visible text of `root` as the scorer gets it (blocks and <br> become line breaks,
   * blank runs collapse), with a map from each UTF-16 unit of that text back to the text
   * node and offset it came from (null for line breaks the walk added), so that spans the
   * server returns can be wrapped where they are on the page.
   */
  function collectText(root, skip) {
    const units = [];
    const nodes = [];
    const offsets = [];
    let pendingSpace = null;
    let pendingBreaks = 0;

    function push(ch, node, offset) {
      if (units.length) {
        if (pendingBreaks) {
          for (let i = 0; i < Math.min(pendingBreaks, 2); i += 1) {
            units.push('\n');
            nodes.push(null);
            offsets.push(-1);
          }
        } else if (pendingSpace) {
          units.push(' ');
          nodes.push(pendingSpace.node);
          offsets.push(pendingSpace.offset);
        }
      }
      pendingSpace = null;
      pendingBreaks = 0;
      units.push(ch);
      nodes.push(node);
      offsets.push(offset);
    }

    function lineBreak(count = 1) {
      pendingSpace = null;
      pendingBreaks = Math.max(pendingBreaks, count);
    }

    function walk(node, preformatted) {
      if (node.nodeType === 3) {
        const data = node.data;
        for (let i = 0; i < data.length; i += 1) {
          const ch = data[i];
          if (preformatted && ch === '\n') lineBreak(pendingBreaks + 1);
          else if (!preformatted && /\s/.test(ch)) {
            if (!pendingSpace && !pendingBreaks) pendingSpace = { node, offset: i };
          } else push(ch, node, i);
        }
        return;
      }
      if (node.nodeType !== 1) return;
      const tag = node.tagName.toUpperCase();
      if (DROPPED_TAGS.has(tag) || node.classList.contains(UI_CLASS) || skip(node)) return;
      if (tag === 'BR') {
        pendingSpace = null;
        pendingBreaks += 1;
        return;
      }
      const block = BLOCK_TAGS.has(tag);
      if (block) lineBreak();
      const pre = preformatted || tag === 'PRE';
      for (const child of node.childNodes) walk(child, pre);
      if (block) lineBreak();
    }

    walk(root, false);
    return { text: units.join(''), nodes, offsets };
  }

  function matchesAny(element, selectors) {
    return selectors.some((selector) => safeMatches(element, selector));
  }

  function readAuthor(post, profile) {
    const spec = profile.author || {};
    const element = fieldElement(post, spec.selector, profile, spec.pick || 'first');
    if (!element) return { name: '', element: null };
    const name = spec.attribute ? element.getAttribute(spec.attribute) || '' : textOf(element);
    return { name: name.trim(), element };
  }

  function readId(post, profile, index) {
    const spec = profile.id || {};
    const element = spec.selector ? fieldElement(post, spec.selector, profile) : post;
    let id = element ? (spec.attribute ? element.getAttribute(spec.attribute) : textOf(element)) : null;
    id = id == null ? '' : String(id).trim();
    if (id && spec.strip_prefix && id.startsWith(spec.strip_prefix)) id = id.slice(spec.strip_prefix.length);
    return id || `p${index}`;
  }

  /** The "X said:" lines of a quote: every match inside it, or its previous sibling. */
  function citationsOf(quoteElement, spec) {
    if (!spec.citation_selector) return [];
    const inside = Array.from(quoteElement.querySelectorAll(spec.citation_selector));
    if (inside.length) return inside;
    const before = quoteElement.previousElementSibling;
    return before && before.matches(spec.citation_selector) ? [before] : [];
  }

  function quoteAuthor(element, citations, spec) {
    if (spec.author_attribute && element.getAttribute(spec.author_attribute)) {
      return element.getAttribute(spec.author_attribute);
    }
    const named = spec.author_selector && element.querySelector(spec.author_selector);
    if (named) return textOf(named);
    const pattern = spec.citation_pattern ? new RegExp(spec.citation_pattern) : null;
    for (const citation of citations) {
      const match = pattern && pattern.exec(textOf(citation).trim());
      if (match) return match[1];
    }
    return '';
  }

  function readQuotes(body, profile, isExcluded) {
    const spec = profile.quote;
    if (!spec || !spec.selector) return { quotes: [], skipped: [] };
    const found = Array.from(body.querySelectorAll(spec.selector));
    // A quote inside another quote is part of the outer one's text.
    const outer = found.filter((el) => !found.some((other) => other !== el && other.contains(el)));
    const quotes = [];
    const skipped = [];
    for (const element of outer) {
      const citations = citationsOf(element, spec);
      const text = collectText(element, (el) => citations.includes(el) || isExcluded(el)).text;
      quotes.push({ author: quoteAuthor(element, citations, spec).trim(), text, element });
      skipped.push(element, ...citations);
    }
    return { quotes, skipped };
  }

  /** One post element -> a normalised post, or null for one with neither text nor quotes. */
  function readPost(post, profile, index) {
    const body = fieldElement(post, profile.body && profile.body.selector, profile);
    if (!body) return null;
    const author = readAuthor(post, profile);
    const excluded = (profile.exclude || []).map((entry) => entry.selector);
    const isExcluded = (el) => matchesAny(el, excluded);
    const { quotes, skipped } = readQuotes(body, profile, isExcluded);
    const skip = (el) =>
      skipped.includes(el) ||
      isExcluded(el) ||
      (profile.guessed && el === author.element) ||
      // Another post inside this one (nested engines) is that post's text.
      (el !== body && safeMatches(el, profile.post.selector) && postOf(el, profile) !== post);
    const textMap = collectText(body, skip);
    if (!textMap.text && quotes.length === 0) return null;
    return {
      id: readId(post, profile, index),
      author: author.name,
      text: textMap.text,
      quotes: quotes.map(({ author: quoteAuthor, text }) => ({ author: quoteAuthor, text })),
      quoteElements: quotes.map((quote) => quote.element),
      element: post,
      body,
      parentId: null,
      textMap,
    };
  }

  /** The post a post.selector match stands for (post.closest lifts it to its wrapper). */
  function postOf(element, profile) {
    return profile.post.closest ? element.closest(profile.post.closest) : element;
  }

  /** Every post element of the page, in document order, each once. */
  function findPostElements(profile, root) {
    const found = [];
    for (const element of root.querySelectorAll(profile.post.selector)) {
      const post = postOf(element, profile);
      if (post && !found.includes(post)) found.push(post);
    }
    return found;
  }

  /**
   * The posts of `root` not yet handled, normalised; `handled` (a WeakSet) is filled in so
   * that a post seen again (a later scan, the MutationObserver) is never read twice.
   */
  function extractPosts(profile, root, handled, state = newExtractionState()) {
    const posts = [];
    for (const element of findPostElements(profile, root)) {
      if (handled.has(element)) continue;
      handled.add(element);
      const index = state.count;
      state.count += 1;
      const post = readPost(element, profile, index);
      if (!post) continue;
      post.parentId = parentOf(post, profile, state);
      state.ids.set(element, post.id);
      posts.push(post);
    }
    return posts;
  }

  /** What extraction remembers across scans of one page: post count, ids, depth path. */
  function newExtractionState() {
    return { count: 0, ids: new WeakMap(), depthStack: [] };
  }

  /** parent_id: the enclosing post (nested engines) or the nearest earlier post one level up (depth). */
  function parentOf(post, profile, state) {
    if (profile.nested) {
      const parent = post.element.parentElement && post.element.parentElement.closest(profile.post.selector);
      return (parent && state.ids.get(parent)) || null;
    }
    if (profile.depth && profile.depth.selector) {
      const marker = fieldElement(post.element, profile.depth.selector, profile);
      const depth = Number(marker && marker.getAttribute(profile.depth.attribute)) || 0;
      state.depthStack.length = depth;
      const parentId = depth > 0 ? state.depthStack[depth - 1] || null : null;
      state.depthStack[depth] = post.id;
      return parentId;
    }
    return null;
  }

  function threadTitle(profile, doc) {
    const heading = safeQuery(doc, profile.title && profile.title.selector);
    const fromHeading = heading ? textOf(heading).trim() : '';
    if (fromHeading) return fromHeading;
    const og = doc.querySelector('meta[property="og:title"]');
    if (og && og.getAttribute('content')) return og.getAttribute('content').trim();
    return (doc.title || '').trim();
  }

  function detectionScore(profile, doc, url) {
    if (!doc.querySelector(profile.post.selector)) return 0;
    const detect = profile.detect || {};
    const meta = doc.querySelector('meta[name="generator" i]');
    const generator = (meta && meta.getAttribute('content')) || '';
    let score = 1;
    if ((detect.generator || []).some((g) => generator.includes(g))) score += GENERATOR_WEIGHT;
    score += MARKER_WEIGHT * (detect.selectors || []).filter((s) => doc.querySelector(s)).length;
    if (url && (detect.url_patterns || []).some((p) => new RegExp(p).test(url))) score += URL_WEIGHT;
    return score;
  }

  function simpleClassSelector(element) {
    const classes = Array.from(element.classList).filter((c) => /^[A-Za-z_][\w-]*$/.test(c) && !c.startsWith('modlens-'));
    return element.tagName.toLowerCase() + classes.map((c) => `.${c}`).join('');
  }

  /**
   * The generic fallback: the largest run of sibling elements of one tag and class that
   * each hold a name-like element and some text. Returns a profile built on the spot,
   * marked guessed, or null.
   */
  function guessProfile(doc) {
    let best = null;
    for (const parent of doc.body ? doc.body.querySelectorAll('*') : []) {
      const groups = new Map();
      for (const child of parent.children) {
        if (child.classList.length === 0) continue;
        const key = simpleClassSelector(child);
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(child);
      }
      for (const [selector, members] of groups) {
        if (members.length < 2 || (best && members.length <= best.count)) continue;
        const postLike = members.every((el) => el.querySelector(NAME_LIKE) && el.textContent.trim().length >= 20);
        if (postLike) best = { selector, count: members.length };
      }
    }
    if (!best) return null;
    return {
      engine: 'generic',
      name: 'Unknown engine (guessed)',
      guessed: true,
      post: { selector: best.selector, closest: null },
      id: { selector: null, attribute: 'id' },
      author: { selector: NAME_LIKE, attribute: null, pick: 'first' },
      body: { selector: null },
      quote: { selector: 'blockquote' },
      exclude: [],
      nested: false,
      depth: null,
    };
  }

  /** The best-fitting profile for the page, the generic guess, or null (not recognised). */
  function chooseProfile(siteProfiles, doc, url) {
    let best = null;
    let bestScore = 0;
    for (const profile of siteProfiles.profiles || []) {
      const score = detectionScore(profile, doc, url);
      if (score > bestScore) {
        best = profile;
        bestScore = score;
      }
    }
    return best || guessProfile(doc);
  }

  Modlens.profileAdapter = { chooseProfile, newExtractionState, detectionScore, extractPosts, findPostElements, readPost, threadTitle, collectText, UI_CLASS };
})((globalThis.Modlens = globalThis.Modlens || {}));
