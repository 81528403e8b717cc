// Draws one post's result on the page: a badge with the top flagged attribute, a
// coloured edge by severity, and on opening, every score, the spans that drove them
// (wrapped where they stand; the post's own markup is otherwise left alone) and its
// quotes marked as not counted. Everything is built with createElement/textContent, so a
// server answer holding HTML or script renders as inert text.
(function (Modlens) {
  'use strict';

  const UI_CLASS = 'modlens-ui';
  // Elements that cannot hold a <div> beside them; our UI goes inside the cell instead.
  const TABLE_PARTS = new Set(['TABLE', 'TBODY', 'THEAD', 'TFOOT', 'TR', 'TD', 'TH']);

  function formatScore(score) {
    return typeof score === 'number' && Number.isFinite(score) ? score.toFixed(2) : '?';
  }

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  /** The attributes this post is flagged for, highest score first. */
  function flaggedAttributes(result, view) {
    const scores = (result && result.scores) || {};
    const serverFlags = Array.isArray(result && result.flags) ? result.flags : [];
    const flagged = [];
    for (const [name, score] of Object.entries(scores)) {
      if (view.attributes && !view.attributes.includes(name)) continue;
      const override = view.thresholds ? view.thresholds[name] : undefined;
      const isFlagged = typeof override === 'number'
        ? typeof score === 'number' && score >= override
        : serverFlags.includes(name);
      if (isFlagged) flagged.push({ name, score });
    }
    return flagged.sort((a, b) => (b.score || 0) - (a.score || 0));
  }

  const NOT_SUPPORTED = 'language_not_supported';
  const languageNames = typeof Intl !== 'undefined' && Intl.DisplayNames
    ? new Intl.DisplayNames(['en'], { type: 'language' }) : null;

  /** "Polish" for "pl"; the code itself where the browser has no name for it. */
  function languageName(code) {
    const text = String(code);
    if (!languageNames || !/^[a-z]{2,3}$/.test(text)) return text;
    try {
      return languageNames.of(text) || text;
    } catch {
      return text;
    }
  }

  /** True when the server left the post unscored because of its language. */
  function notScored(result) {
    return Boolean(result) && result.status === NOT_SUPPORTED;
  }

  /** What the details say of the post's language, or '' when there is nothing to say. */
  function languageNote(result) {
    if (notScored(result)) {
      return `Not scored: this post is in ${languageName(result.language)}, and Modlens scores English only.`;
    }
    const parts = Array.isArray(result.unscored_parts) ? result.unscored_parts : [];
    if (result.mixed && parts.length) {
      const names = [...new Set(parts.map((part) => languageName(part.language)))];
      return `Scored on its English sentences; left out: ${names.join(', ')}.`;
    }
    if (result.language_uncertain === true) return 'Too short to tell its language: scored as English.';
    return '';
  }

  function severityOf(flagged) {
    if (!flagged.length) return 'none';
    const top = flagged[0].score || 0;
    if (top >= 0.9) return 'high';
    if (top >= 0.7) return 'medium';
    return 'low';
  }

  /** Puts `node` just before `target`, or inside it when `target` is a table part. */
  function insertBefore(target, node) {
    if (TABLE_PARTS.has(target.tagName.toUpperCase())) {
      const cell = target.matches('td, th') ? target : target.querySelector('td, th');
      if (cell) {
        cell.insertBefore(node, cell.firstChild);
        return;
      }
    }
    target.parentNode.insertBefore(node, target);
  }

  /** UTF-16 index of each code point of `text` (server offsets count code points). */
  function codePointIndex(text) {
    const index = [];
    let unit = 0;
    for (const ch of text) {
      index.push(unit);
      unit += ch.length;
    }
    index.push(unit);
    return index;
  }

  /** Spans as merged [start, end) ranges of UTF-16 units, each with its labels. */
  function spanRanges(text, spans) {
    const index = codePointIndex(text);
    const last = index.length - 1;
    const ranges = spans
      .filter((s) => Number.isInteger(s.begin) && Number.isInteger(s.end) && s.end > s.begin && s.begin >= 0)
      .map((s) => ({
        start: index[Math.min(s.begin, last)],
        end: index[Math.min(s.end, last)],
        labels: [`${String(s.attribute)} ${formatScore(s.score)}`],
      }))
      .filter((r) => r.end > r.start)
      .sort((a, b) => a.start - b.start);
    const merged = [];
    for (const range of ranges) {
      const previous = merged[merged.length - 1];
      if (previous && range.start <= previous.end) {
        previous.end = Math.max(previous.end, range.end);
        previous.labels.push(...range.labels);
      } else merged.push(range);
    }
    return merged;
  }

  /**
   * Wraps each span's text in <mark class="modlens-span">, splitting text nodes where a
   * span starts or ends; nothing else of the post changes. Returns the marks made.
   */
  function highlightSpans(doc, post, spans) {
    const { nodes, offsets } = post.textMap;
    const segments = [];
    for (const range of spanRanges(post.text, spans)) {
      let current = null;
      for (let i = range.start; i < range.end; i += 1) {
        const node = nodes[i];
        if (!node) {
          current = null;
          continue;
        }
        if (current && current.node === node && offsets[i] === current.end) current.end += 1;
        else {
          current = { node, start: offsets[i], end: offsets[i] + 1, title: range.labels.join(', ') };
          segments.push(current);
        }
      }
    }
    // Right to left within a node, so that splitting never moves an offset still to come.
    segments.sort((a, b) => b.start - a.start);
    const marks = [];
    for (const segment of segments) {
      const { node, start, end } = segment;
      if (!node.parentNode || end > node.data.length || !node.data.slice(start, end).trim()) continue;
      const middle = node.splitText(start);
      middle.splitText(end - start);
      // Not a modlens-ui element: the marked words stay part of the post's text.
      const mark = el(doc, 'mark', 'modlens-span');
      mark.title = segment.title;
      middle.parentNode.insertBefore(mark, middle);
      mark.appendChild(middle);
      marks.push(mark);
    }
    return marks;
  }

  function scoreTable(doc, result, flagged, view) {
    const table = el(doc, 'table', 'modlens-scores');
    const flaggedNames = new Set(flagged.map((f) => f.name));
    const entries = Object.entries(result.scores || {})
      .filter(([name]) => !view.attributes || view.attributes.includes(name))
      .sort((a, b) => (b[1] || 0) - (a[1] || 0));
    for (const [name, score] of entries) {
      const row = el(doc, 'tr', flaggedNames.has(name) ? 'modlens-score-flagged' : '');
      row.append(el(doc, 'th', '', name));
      const barCell = el(doc, 'td', 'modlens-bar-cell');
      const bar = el(doc, 'span', 'modlens-bar');
      const fraction = typeof score === 'number' ? Math.max(0, Math.min(1, score)) : 0;
      bar.style.width = `${Math.round(fraction * 100)}%`;
      barCell.append(bar);
      row.append(barCell, el(doc, 'td', 'modlens-score-value', formatScore(score)));
      row.append(el(doc, 'td', 'modlens-score-flag', flaggedNames.has(name) ? 'flagged' : ''));
      table.append(row);
    }
    return table;
  }

  function quoteNote(doc) {
    return el(doc, 'span', `${UI_CLASS} modlens-quote-note`, 'quoted: not counted against this post');
  }

  /**
   * Adds the badge, edge and (closed) details to one post. Returns what the panel needs:
   * `{flagged, severity, badge}`.
   */
  function annotatePost(doc, post, result, view) {
    const unscored = notScored(result);
    const flagged = unscored ? [] : flaggedAttributes(result, view);
    const severity = severityOf(flagged);
    const element = post.element;
    element.classList.add('modlens-post', `modlens-severity-${severity}`);
    if (flagged.length) element.classList.add('modlens-flagged');
    if (unscored) element.classList.add('modlens-not-scored');

    const container = el(doc, 'div', `${UI_CLASS} modlens-annotation modlens-severity-${severity}`);
    if (unscored) container.classList.add('modlens-not-scored');
    const badge = el(doc, 'button', 'modlens-badge');
    badge.type = 'button';
    if (unscored) {
      badge.textContent = `not scored: ${languageName(result.language)}`;
      badge.title = 'Modlens: not scored, since it is not in English. Open for details.';
    } else {
      badge.textContent = flagged.length ? `${flagged[0].name} ${formatScore(flagged[0].score)}` : 'no flags';
      badge.title = flagged.length
        ? `Modlens: ${flagged.map((f) => `${f.name} ${formatScore(f.score)}`).join(', ')}. Open for every score.`
        : 'Modlens: nothing flagged. Open for every score.';
    }
    badge.setAttribute('aria-expanded', 'false');

    const details = el(doc, 'div', 'modlens-details');
    details.hidden = true;
    if (!unscored) {
      details.append(el(doc, 'p', 'modlens-summary', flagged.length
        ? `Flagged: ${flagged.map((f) => `${f.name} ${formatScore(f.score)}`).join(', ')}`
        : 'Nothing flagged at the current thresholds.'));
    }
    const note = languageNote(result);
    if (note) details.append(el(doc, 'p', 'modlens-language', note));
    if (!unscored) details.append(scoreTable(doc, result, flagged, view));
    if (post.quoteElements && post.quoteElements.length) {
      const n = post.quoteElements.length;
      details.append(el(doc, 'p', 'modlens-quote-summary',
        `${n} quoted passage${n === 1 ? ' is' : 's are'} scored apart and not counted against this post.`));
    }
    const spans = (Array.isArray(result.spans) ? result.spans : []).filter((s) => {
      const names = flagged.length ? flagged.map((f) => f.name) : view.attributes;
      return !names || names.includes(s.attribute);
    });
    if (spans.length) details.append(el(doc, 'p', 'modlens-span-summary', 'Highlighted: the words that drove the scores.'));
    if (view.model && view.model.name) {
      details.append(el(doc, 'p', 'modlens-model', `Model: ${view.model.name} ${view.model.version || ''}`.trim()));
    }

    let opened = false;
    badge.addEventListener('click', () => {
      const open = details.hidden;
      details.hidden = !open;
      badge.setAttribute('aria-expanded', String(open));
      element.classList.toggle('modlens-open', open);
      if (open && !opened) {
        // Wrapped once, on first opening; CSS shows them only while the details are open.
        opened = true;
        highlightSpans(doc, post, spans);
        for (const quote of post.quoteElements || []) {
          quote.classList.add('modlens-quote');
          insertBefore(quote, quoteNote(doc));
        }
      }
    });

    container.append(badge);
    if (!unscored && view.sendVerdict) {
      // The server learns nothing from a verdict on a post it does not score (its language).
      container.append(Modlens.verdicts.createVerdictControls(doc, {
        flagged,
        attributes: Object.keys(result.scores || {}).filter((name) => !view.attributes || view.attributes.includes(name)),
        send: (attribute, value) => view.sendVerdict(post, attribute, value),
        onRecorded() {
          container.dataset.verdict = 'recorded';
          badge.title = `${badge.title.replace(/ Your verdict is recorded\.$/, '')} Your verdict is recorded.`;
        },
      }));
    }
    container.append(details);
    insertBefore(post.body || element, container);
    return { flagged, severity, badge, container, notScored: unscored };
  }

  /** Removes everything annotatePost added (for a rescan or a pause). */
  function clearAnnotations(doc) {
    for (const node of doc.querySelectorAll('.modlens-annotation, .modlens-quote-note')) node.remove();
    for (const mark of doc.querySelectorAll('mark.modlens-span')) {
      const parent = mark.parentNode;
      while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
      mark.remove();
      parent.normalize();
    }
    const classes = ['modlens-post', 'modlens-flagged', 'modlens-open', 'modlens-quote', 'modlens-not-scored',
      'modlens-severity-high', 'modlens-severity-medium', 'modlens-severity-low', 'modlens-severity-none'];
    for (const node of doc.querySelectorAll(classes.map((c) => `.${c}`).join(', '))) node.classList.remove(...classes);
  }

  Modlens.annotate = {
    annotatePost, clearAnnotations, flaggedAttributes, severityOf, highlightSpans, spanRanges, formatScore,
    languageName, notScored,
  };
})((globalThis.Modlens = globalThis.Modlens || {}));
