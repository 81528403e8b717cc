// The one adapter that reads a thread page through a site profile (site-profiles.json,
// documented in SITE_PROFILES.md) and emits normalised posts
// `{id, author, text, quotes, element, parentId, textMap}`. No engine has code of its
// own here: every selector comes from the profile, so nothing downstream knows one.
//
// The batch command reads the same file in Python (server/extraction/extract.py, pagetext.py,
// generic.py), step for step as here; tests/batch/test_profile_parity.py runs both on
// every saved page we have (extension/tools/extract.js prints what this file reads) and
// requires the same posts, ids, authors, texts and quotes.
(function (Modlens) {
  'use strict';

  // What the extension itself draws carries this class (site-profiles.json lists it under
  // text.dropped_classes, so it is never read as post text).
  const UI_CLASS = 'modlens-ui';
  const SIMPLE_CLASS = /^[A-Za-z_][A-Za-z0-9_-]*$/;

  // site-profiles.json's `text` section, compiled once per loaded file.
  const compiledRules = new WeakMap();

  function textRules(spec) {
    if (!spec) throw new Error('site-profiles.json has no "text" section: the adapter cannot read text without it');
    if (!compiledRules.has(spec)) {
      compiledRules.set(spec, {
        dropped: new Set(spec.dropped_tags),
        droppedClasses: spec.dropped_classes,
        block: new Set(spec.block_tags),
        paragraph: new Set(spec.paragraph_tags),
        cell: new Set(spec.cell_tags),
        pre: new Set(spec.preformatted_tags),
        whitespace: new RegExp(`^${spec.whitespace}$`),
        whitespaceRun: new RegExp(`${spec.whitespace}+`, 'g'),
        altMaxChars: spec.image_alt.max_chars,
        altPrefix: spec.image_alt.prefix,
      });
    }
    return compiledRules.get(spec);
  }

  /** Characters as Python counts them (code points), not UTF-16 units. */
  function charCount(text) {
    let n = 0;
    for (const _ of text) n += 1; // eslint-disable-line no-unused-vars -- iterating a string walks code points; only the count is wanted
    return n;
  }

  function inline(text, rules) {
    return String(text || '').replace(rules.whitespaceRun, ' ').replace(/^ +| +$/g, '');
  }

  /**
   * The visible text of `root` as the scorer gets it (blocks and <br> become line breaks,
   * paragraphs a blank line, blank runs collapse), with a map from each UTF-16 unit of that
   * text back to the text node and offset it came from (null for what the walk added:
   * line breaks, cell gaps, an image's alt text), so that spans the server returns can be
   * wrapped where they are on the page. `skip(element)` leaves out an element below the root.
   */
  function collectText(root, skip, rules) {
    const units = [];
    const nodes = [];
    const offsets = [];
    let pendingSpace = null;
    let pendingBreaks = 0;

    function emit(ch, node, offset) {
      units.push(ch);
      nodes.push(node);
      offsets.push(offset);
    }

    function push(ch, node, offset) {
      if (units.length) {
        if (pendingBreaks) {
          for (let i = 0; i < Math.min(pendingBreaks, 2); i += 1) emit('\n', null, -1);
        } else if (pendingSpace) {
          emit(' ', pendingSpace.node, pendingSpace.offset);
        }
      }
      pendingSpace = null;
      pendingBreaks = 0;
      emit(ch, node, offset);
    }

    function lineBreak(count) {
      pendingSpace = null;
      pendingBreaks = Math.max(pendingBreaks, count);
    }

    function text(data, preformatted, node) {
      for (let i = 0; i < data.length; i += 1) {
        const ch = data[i];
        if (preformatted && ch === '\n') lineBreak(pendingBreaks + 1);
        else if (preformatted && ch === '\r') continue;
        else if (!preformatted && rules.whitespace.test(ch)) {
          if (!pendingBreaks && !pendingSpace) pendingSpace = { node, offset: node ? i : -1 };
        } else push(ch, node, node ? i : -1);
      }
    }

    function walk(node, preformatted) {
      if (node.nodeType === 3) {
        text(node.data, preformatted, node);
        return;
      }
      if (node.nodeType !== 1) return;
      const tag = node.localName.toLowerCase();
      if (rules.dropped.has(tag) || rules.droppedClasses.some((c) => node.classList.contains(c)) || skip(node)) return;
      if (tag === 'br') {
        pendingSpace = null;
        pendingBreaks += 1;
        return;
      }
      if (tag === 'img') {
        const alt = node.getAttribute('alt') || '';
        if (alt && (charCount(alt) <= rules.altMaxChars || alt.startsWith(rules.altPrefix))) text(alt, false, null);
        return;
      }
      const breaks = rules.paragraph.has(tag) ? 2 : rules.block.has(tag) ? 1 : 0;
      if (breaks) lineBreak(breaks);
      const inner = preformatted || rules.pre.has(tag);
      for (const child of node.childNodes) walk(child, inner);
      if (breaks) lineBreak(breaks);
      if (rules.cell.has(tag) && !pendingBreaks) pendingSpace = { node: null, offset: -1 };
    }

    const rootPre = root.nodeType === 1 && rules.pre.has(root.localName.toLowerCase());
    for (const child of root.childNodes) walk(child, rootPre);
    return { text: units.join(''), nodes, offsets };
  }

  /** Drops the first line that matches `pattern` and all after it (a signature separator). */
  function cutAtLine(textMap, pattern) {
    if (!pattern) return textMap;
    const regex = new RegExp(pattern);
    let start = 0;
    for (const line of textMap.text.split('\n')) {
      if (regex.test(line)) {
        let end = Math.max(0, start - 1);
        while (end > 0 && (textMap.text[end - 1] === '\n' || textMap.text[end - 1] === ' ')) end -= 1;
        return { text: textMap.text.slice(0, end), nodes: textMap.nodes.slice(0, end), offsets: textMap.offsets.slice(0, end) };
      }
      start += line.length + 1;
    }
    return textMap;
  }

  function inlineText(element, rules) {
    return element ? inline(collectText(element, () => false, rules).text, rules) : '';
  }

  function matchesAny(element, selectors) {
    return element.nodeType === 1 && selectors.some((selector) => element.matches(selector));
  }

  /** The post a post.selector match stands for (post.closest lifts it to its wrapper). */
  function postOf(element, profile) {
    return profile.post.closest ? element.closest(profile.post.closest) : element;
  }

  /**
   * Matches of `selector` that belong to `post`: the post itself when it matches, else its
   * descendants in document order, less (on nested engines) those of a post inside it.
   */
  function fieldMatches(post, selector, profile) {
    if (post.matches(selector)) return [post];
    const found = Array.from(post.querySelectorAll(selector));
    return profile.nested ? found.filter((el) => ownedBy(el, post, profile)) : found;
  }

  function ownedBy(element, post, profile) {
    const parentPost = element.parentElement && element.parentElement.closest(profile.post.selector);
    return !parentPost || parentPost === post || !post.contains(parentPost);
  }

  function fieldElement(post, selector, profile) {
    if (!selector) return post;
    return fieldMatches(post, selector, profile)[0] || null;
  }

  /** An attribute's value (or the element's text) on one line; '' when there is none. */
  function valueOf(element, attribute, rules) {
    if (!element) return '';
    if (attribute) {
      const value = element.getAttribute(attribute);
      return value == null ? '' : inline(value, rules);
    }
    return inlineText(element, rules);
  }

  function stripPrefix(value, prefix, rules) {
    if (value && prefix && value.startsWith(prefix) && value.length > prefix.length) return inline(value.slice(prefix.length), rules);
    return value;
  }

  /** The first (or last) match whose name is not empty, less any display prefix. */
  function readAuthor(post, profile) {
    const spec = profile.author || {};
    const rules = profile.textRules;
    let nodes = spec.selector ? fieldMatches(post, spec.selector, profile) : [post];
    if (spec.pick === 'last') nodes = nodes.slice().reverse();
    for (const node of nodes) {
      const name = stripPrefix(valueOf(node, spec.attribute, rules), spec.strip_prefix, rules);
      if (name) return name;
    }
    return '';
  }

  function readId(post, profile) {
    const spec = profile.id || {};
    const rules = profile.textRules;
    return stripPrefix(valueOf(fieldElement(post, spec.selector, profile), spec.attribute, rules), spec.strip_prefix, rules);
  }

  /** The "X said:" lines of a quote: every match inside it, else its previous sibling. */
  function citationsOf(quoteElement, spec) {
    if (!spec.citation_selector) return [];
    const inside = Array.from(quoteElement.querySelectorAll(spec.citation_selector));
    if (inside.length) return inside;
    const before = quoteElement.previousElementSibling;
    return before && before.matches(spec.citation_selector) ? [before] : [];
  }

  function quoteAuthor(element, citations, spec, rules) {
    if (spec.author_attribute) {
      const name = inline(element.getAttribute(spec.author_attribute) || '', rules);
      if (name) return name;
    }
    if (spec.author_selector) {
      const name = inlineText(element.querySelector(spec.author_selector), rules);
      if (name) return name;
    }
    if (spec.citation_pattern) {
      const pattern = new RegExp(spec.citation_pattern);
      for (const citation of citations) {
        const match = pattern.exec(inlineText(citation, rules));
        if (match && inline(match[1], rules)) return inline(match[1], rules);
      }
    }
    return '';
  }

  /**
   * The body's outermost quotes as {author, text, element}, and the elements they and their
   * citation lines take out of the post's own text. A quote inside an excluded part or
   * inside another post is not this post's.
   */
  function readQuotes(body, profile, isExcluded) {
    const spec = profile.quote;
    if (!spec || !spec.selector) return { quotes: [], taken: new Set() };
    const readable = (el) => {
      for (let node = el; node; node = node.parentElement) {
        if (node === body) return true;
        if (isExcluded(node) || (node !== el && node.matches(profile.post.selector))) return false;
      }
      return true;
    };
    const found = Array.from(body.querySelectorAll(spec.selector)).filter(readable);
    const outer = found.filter((el) => !found.some((other) => other !== el && other.contains(el)));
    const quotes = [];
    const taken = new Set();
    for (const element of outer) {
      const citations = citationsOf(element, spec);
      const text = collectText(element, (el) => citations.includes(el) || isExcluded(el), profile.textRules).text;
      if (text) quotes.push({ author: quoteAuthor(element, citations, spec, profile.textRules), text, element });
      taken.add(element);
      for (const citation of citations) taken.add(citation);
    }
    return { quotes, taken };
  }

  /** One post element -> a normalised post (id not yet made unique), or null for one with neither text nor quotes. */
  function readPost(post, profile, index) {
    const body = fieldElement(post, profile.body && profile.body.selector, profile);
    if (!body) return null;
    const excluded = (profile.exclude || []).map((entry) => entry.selector);
    const isExcluded = (el) => matchesAny(el, excluded);
    const { quotes, taken } = readQuotes(body, profile, isExcluded);
    const skip = (el) =>
      taken.has(el) ||
      isExcluded(el) ||
      // Another post inside this one (nested engines) is that post's text.
      (el.matches(profile.post.selector) && postOf(el, profile) !== post);
    const textMap = cutAtLine(collectText(body, skip, profile.textRules), profile.cut_at_line && profile.cut_at_line.pattern);
    if (!textMap.text && quotes.length === 0) return null;
    return {
      id: readId(post, profile) || `p${index}`,
      author: readAuthor(post, profile),
      text: textMap.text,
      quotes: quotes.map(({ author, text }) => ({ author, text })),
      quoteElements: quotes.map((quote) => quote.element),
      element: post,
      body,
      parentId: null,
      textMap,
    };
  }

  /** Every post element of the page, in document order, each once. */
  function findPostElements(profile, root) {
    const found = [];
    const seen = new Set();
    for (const element of root.querySelectorAll(profile.post.selector)) {
      const post = postOf(element, profile);
      if (post && !seen.has(post)) {
        seen.add(post);
        found.push(post);
      }
    }
    return found;
  }

  /** What extraction remembers across scans of one page: post count, ids, depth path. */
  function newExtractionState() {
    return { count: 0, ids: new WeakMap(), usedIds: new Set(), depthPath: [], firstId: null };
  }

  /** A repeated id gets -2, -3, ... (the first keeps it). */
  function uniqueId(id, state) {
    let unique = id;
    for (let n = 2; state.usedIds.has(unique); n += 1) unique = `${id}-${n}`;
    state.usedIds.add(unique);
    return unique;
  }

  function depthOf(element, profile) {
    const marker = fieldElement(element, profile.depth.selector, profile);
    const value = marker && marker.getAttribute(profile.depth.attribute);
    return value != null && /^\s*[+-]?\d+\s*$/.test(value) ? Math.max(0, parseInt(value, 10)) : 0;
  }

  /**
   * The posts of `root` not yet handled, normalised; `handled` (a WeakSet) is filled in so
   * that a post seen again (a later scan, the MutationObserver) is never read twice.
   * parentId: on nested engines the enclosing post; with a depth, the post one level up on
   * the path to this one (a top-level post after the first answers the first); null when
   * that post was not read (deleted).
   */
  function extractPosts(profile, root, handled, state = newExtractionState()) {
    const posts = [];
    for (const element of findPostElements(profile, root)) {
      if (handled.has(element)) continue;
      handled.add(element);
      state.count += 1;
      const index = state.count;
      const post = readPost(element, profile, index);
      const postId = post ? uniqueId(post.id, state) : null;
      if (index === 1) state.firstId = postId;
      let parentId = null;
      if (profile.nested) {
        const parent = element.parentElement && element.parentElement.closest(profile.post.selector);
        parentId = (parent && state.ids.get(parent)) || null;
      } else if (profile.depth) {
        const depth = depthOf(element, profile);
        state.depthPath.length = Math.min(state.depthPath.length, depth);
        while (state.depthPath.length < depth) state.depthPath.push(null);
        parentId = depth > 0 ? state.depthPath[depth - 1] : index > 1 ? state.firstId : null;
        state.depthPath.push(postId);
      }
      if (!post) continue;
      post.id = postId;
      post.parentId = parentId;
      state.ids.set(element, postId);
      posts.push(post);
    }
    return posts;
  }

  function threadTitle(profile, doc) {
    const rules = profile.textRules;
    const heading = profile.title && profile.title.selector ? doc.querySelector(profile.title.selector) : null;
    const fromHeading = inlineText(heading, rules);
    if (fromHeading) return fromHeading;
    const og = doc.querySelector('meta[property="og:title"]');
    if (og && og.getAttribute('content')) return inline(og.getAttribute('content'), rules);
    const title = doc.querySelector('title');
    return title ? inline(title.textContent, rules) : '';
  }

  /** What on the page points at this engine, as [kind, what] pairs (kinds weigh as site-profiles.json's `detection` says). */
  function evidence(profile, doc, url) {
    const detect = profile.detect || {};
    const meta = doc.querySelector('meta[name="generator" i]');
    const generator = (meta && meta.getAttribute('content')) || '';
    const found = (detect.generator || []).filter((g) => generator.includes(g)).slice(0, 1).map((g) => ['generator', g]);
    for (const selector of detect.selectors || []) if (doc.querySelector(selector)) found.push(['marker', selector]);
    if (url) found.push(...(detect.url_patterns || []).filter((p) => new RegExp(p).test(url)).slice(0, 1).map((p) => ['url', p]));
    return found;
  }

  function evidenceWeight(found, weights) {
    return found.reduce((sum, [kind]) => sum + weights[kind], 0);
  }

  /** How strongly the page looks like this engine; 0 when the profile finds no post. */
  function detectionScore(profile, doc, url, weights) {
    if (!doc.querySelector(profile.post.selector)) return 0;
    return weights.posts_found + evidenceWeight(evidence(profile, doc, url), weights);
  }

  /** The profile with the most evidence on a page none of them reads, and why not; or null. */
  function nearMiss(siteProfiles, doc, url) {
    let best = null;
    let bestWeight = 0;
    for (const profile of siteProfiles.profiles || []) {
      const found = evidence(profile, doc, url);
      const weight = evidenceWeight(found, siteProfiles.detection);
      if (weight > bestWeight) {
        best = { profile, found };
        bestWeight = weight;
      }
    }
    if (!best) return null;
    return {
      engine: best.profile.engine,
      evidence: best.found.map(([kind, what]) => `${kind} ${what}`),
      why_not: `its post selector (${best.profile.post.selector}) finds no post on this page`,
    };
  }

  function simpleClasses(element) {
    return Array.from(new Set(element.classList)).filter((c) => SIMPLE_CLASS.test(c) && !c.startsWith('modlens-')).sort();
  }

  function classSelector(tag, classes) {
    return tag.toLowerCase() + classes.map((c) => `.${c}`).join('');
  }

  /** tag.classes, or tag[itemprop=...] for a classless element found by its itemprop. */
  function simpleSelector(element) {
    const classes = simpleClasses(element);
    if (classes.length) return classSelector(element.localName, classes);
    const itemprop = element.getAttribute('itemprop');
    return itemprop ? `${element.localName.toLowerCase()}[itemprop="${itemprop}"]` : element.localName.toLowerCase();
  }

  /** The selector most blocks agree on (ties: the first seen). */
  function mostCommon(selectors) {
    const counts = new Map();
    for (const selector of selectors) counts.set(selector, (counts.get(selector) || 0) + 1);
    let best = null;
    for (const [selector, count] of counts) if (best === null || count > counts.get(best)) best = selector;
    return best;
  }

  /**
   * The generic fallback (site-profiles.json's `generic`): the largest run of sibling
   * elements of one tag and classes, outside page chrome, that each hold a name-like
   * element with a short text and enough text of their own. Returns a profile made on the
   * spot from that run, marked guessed, or null.
   */
  function guessProfile(siteProfiles, doc) {
    const spec = siteProfiles.generic;
    const rules = textRules(siteProfiles.text);
    const root = doc.body || doc.documentElement;
    const chrome = new Set();
    for (const node of root.querySelectorAll(spec.chrome)) {
      chrome.add(node);
      for (const inner of node.querySelectorAll('*')) chrome.add(inner);
    }
    // The first element named like an author whose text is short enough to be a name and
    // that holds no other such element with text (the name, not the user box around it).
    const nameElement = (block) => {
      for (const node of block.querySelectorAll(spec.name_like)) {
        const length = charCount(inlineText(node, rules));
        const holdsName = Array.from(node.querySelectorAll(spec.name_like)).some((inner) => inlineText(inner, rules));
        if (length > 0 && length <= spec.max_name_chars && !holdsName) return node;
      }
      return null;
    };
    let best = null;
    for (const parent of [root, ...root.querySelectorAll('*')]) {
      if (chrome.has(parent)) continue;
      const groups = new Map();
      for (const child of parent.children) {
        const classes = simpleClasses(child);
        if (!classes.length) continue;
        const key = classSelector(child.localName, classes);
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(child);
      }
      for (const [selector, members] of groups) {
        if (members.length < spec.min_posts || (best && members.length <= best.members.length)) continue;
        const names = members.map(nameElement);
        if (names.every(Boolean) && members.every((m) => charCount(inlineText(m, rules)) >= spec.min_text_chars)) {
          best = { selector, members, names };
        }
      }
    }
    if (!best) return null;
    const bodySelector = (block, name) => {
      let found = null;
      let foundLength = 0;
      for (const node of block.querySelectorAll(spec.body_like)) {
        if (node === name || name.contains(node) || node.contains(name)) continue;
        const length = charCount(inlineText(node, rules));
        if (length > foundLength) {
          found = node;
          foundLength = length;
        }
      }
      return found ? simpleSelector(found) : null;
    };
    const author = mostCommon(best.names.map(simpleSelector));
    const body = mostCommon(best.members.map((m, i) => bodySelector(m, best.names[i])).filter(Boolean));
    const exclude = [...spec.exclude];
    if (body === null) exclude.push({ selector: author, why: "The guessed author's name is not post text." });
    return {
      engine: 'generic',
      name: spec.name,
      guessed: true,
      post: { selector: best.selector, closest: null },
      id: { selector: null, attribute: 'id', strip_prefix: null },
      author: { selector: author, attribute: null, pick: 'first' },
      body: { selector: body },
      quote: spec.quote,
      exclude,
      depth: null,
      nested: false,
      permalink: null,
      next_page: null,
    };
  }

  /**
   * The best-fitting profile for the page, the generic guess (with nearMiss: the profile it
   * nearly was, and why not), or null (not recognised). What it returns carries the text
   * rules of the file it came from, so that it can be read on its own.
   */
  function chooseProfile(siteProfiles, doc, url) {
    let best = null;
    let bestScore = 0;
    for (const profile of siteProfiles.profiles || []) {
      const score = detectionScore(profile, doc, url, siteProfiles.detection);
      if (score > bestScore) {
        best = profile;
        bestScore = score;
      }
    }
    const textRulesOfFile = textRules(siteProfiles.text);
    if (best) return { ...best, textRules: textRulesOfFile };
    const guess = guessProfile(siteProfiles, doc);
    return guess ? { ...guess, textRules: textRulesOfFile, nearMiss: nearMiss(siteProfiles, doc, url) } : null;
  }

  /**
   * A whole page at once, in the batch command's field names (what extension/tools/extract.js
   * prints): {engine, guessed, title, near_miss, posts: [{id, author, text, parent_id, quotes}]},
   * with `error` (and engine null) where no thread can be read.
   */
  function readThread(siteProfiles, doc, url) {
    const profile = chooseProfile(siteProfiles, doc, url);
    if (!profile) {
      const missed = nearMiss(siteProfiles, doc, url);
      return {
        engine: null, guessed: false, title: null, near_miss: missed, posts: [],
        error: 'no forum engine recognised and no repeated post blocks found' +
          (missed ? `; nearest: ${missed.engine} (${missed.evidence.join(', ')}), but ${missed.why_not}` : ''),
      };
    }
    const posts = extractPosts(profile, doc, new WeakSet()).map((post) => ({
      id: post.id,
      author: post.author || null,
      text: post.text,
      parent_id: post.parentId,
      quotes: post.quotes.map((quote) => ({ author: quote.author || null, text: quote.text })),
    }));
    const thread = {
      engine: profile.engine, guessed: Boolean(profile.guessed), title: threadTitle(profile, doc),
      near_miss: profile.nearMiss || null, posts,
    };
    if (!posts.length) thread.error = `recognised ${profile.name} but found no post with text`;
    return thread;
  }

  Modlens.profileAdapter = {
    chooseProfile, newExtractionState, detectionScore, extractPosts, findPostElements, readPost, readThread, nearMiss,
    threadTitle, collectText, UI_CLASS,
  };
})((globalThis.Modlens = globalThis.Modlens || {}));
