// The thread panel: counts per attribute, the flagged posts, previous/next, "show
// flagged only", and each error once. It lives in a shadow root so that the forum's
// styles cannot reach it, and is drawn with createElement/textContent only.
(function (Modlens) {
  'use strict';

  // Static text, never data: the only stylesheet the panel has.
  const PANEL_CSS = `
    :host { all: initial; }
    .panel { position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; width: 300px;
      max-height: 70vh; overflow: auto; box-sizing: border-box; padding: 10px 12px;
      font: 13px/1.4 system-ui, sans-serif; color: #1f2328; background: #fff;
      border: 1px solid #d0d7de; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.18); }
    .panel.collapsed .body { display: none; }
    header { display: flex; align-items: center; gap: 6px; }
    h2 { font-size: 14px; margin: 0; flex: 1; }
    .engine { color: #57606a; font-size: 12px; }
    button { font: inherit; cursor: pointer; border: 1px solid #d0d7de; border-radius: 6px;
      background: #f6f8fa; padding: 2px 8px; color: inherit; }
    button:focus-visible { outline: 2px solid #0969da; outline-offset: 1px; }
    .status { margin: 6px 0; color: #57606a; }
    .errors { margin: 6px 0; padding: 0; list-style: none; }
    .errors li { background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px; padding: 4px 6px; margin-bottom: 4px; }
    .counts { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0; padding: 0; list-style: none; }
    .counts li { background: #f6f8fa; border-radius: 10px; padding: 1px 8px; }
    .counts li.nonzero { background: #fff1e5; font-weight: 600; }
    .nav { display: flex; gap: 6px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
    .position { color: #57606a; }
    label { display: flex; gap: 4px; align-items: center; }
    .flagged { margin: 6px 0 0; padding-left: 20px; }
    .flagged button { border: none; background: none; padding: 1px 0; text-align: left; color: #0969da; }
    .sev-high { color: #b42318; } .sev-medium { color: #b54708; } .sev-low { color: #8a6d00; }
    .hint { color: #57606a; font-size: 11px; margin-top: 6px; }
    .not-scored { margin: 6px 0; color: #1f3b63; }
    .guess { margin: 6px 0; color: #57606a; font-size: 12px; }
  `;

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  /**
   * actions: {onNext, onPrevious, onSelect(index), onFlaggedOnly(boolean), onRescan}.
   * Returns {host, render(state), showError(code, message), clearErrors(), remove()}.
   */
  function createPanel(doc, actions) {
    const host = el(doc, 'div', 'modlens-ui modlens-panel-host');
    host.id = 'modlens-panel';
    // Open, so that tests and assistive tools can read it; the page can read the posts anyway.
    const root = host.attachShadow({ mode: 'open' });
    const style = el(doc, 'style', '', PANEL_CSS);
    const panel = el(doc, 'section', 'panel');
    panel.setAttribute('aria-label', 'Modlens');

    const header = el(doc, 'header');
    const engine = el(doc, 'span', 'engine');
    const collapse = el(doc, 'button', 'collapse', '–');
    collapse.type = 'button';
    collapse.title = 'Collapse the Modlens panel';
    collapse.addEventListener('click', () => {
      const collapsed = panel.classList.toggle('collapsed');
      collapse.textContent = collapsed ? '+' : '–';
    });
    header.append(el(doc, 'h2', '', 'Modlens'), engine, collapse);

    const body = el(doc, 'div', 'body');
    const status = el(doc, 'p', 'status', 'Reading the page…');
    status.setAttribute('role', 'status');
    // On a guessed page: that it was guessed, and which engine it nearly was and why not.
    const guess = el(doc, 'p', 'guess');
    guess.hidden = true;
    const errors = el(doc, 'ul', 'errors');
    errors.setAttribute('role', 'alert');
    const counts = el(doc, 'ul', 'counts');
    const notScored = el(doc, 'p', 'not-scored');
    notScored.hidden = true;

    const nav = el(doc, 'div', 'nav');
    const previous = el(doc, 'button', 'previous', '‹ Previous');
    previous.type = 'button';
    previous.title = 'Previous flagged post (Alt+Shift+K)';
    previous.addEventListener('click', () => actions.onPrevious());
    const next = el(doc, 'button', 'next', 'Next ›');
    next.type = 'button';
    next.title = 'Next flagged post (Alt+Shift+J)';
    next.addEventListener('click', () => actions.onNext());
    const position = el(doc, 'span', 'position');
    const onlyLabel = el(doc, 'label');
    const onlyBox = el(doc, 'input', 'flagged-only');
    onlyBox.type = 'checkbox';
    onlyBox.addEventListener('change', () => actions.onFlaggedOnly(onlyBox.checked));
    onlyLabel.append(onlyBox, doc.createTextNode('Show flagged only'));
    nav.append(previous, next, position, onlyLabel);

    const list = el(doc, 'ol', 'flagged');
    const hint = el(doc, 'p', 'hint', 'Alt+Shift+J / Alt+Shift+K: next / previous flagged post.');
    body.append(status, guess, errors, counts, notScored, nav, list, hint);
    panel.append(header, body);
    root.append(style, panel);
    (doc.body || doc.documentElement).append(host);

    const shownErrors = new Map();

    function render(state) {
      engine.textContent = state.engine ? `${state.engine}${state.guessed ? ' (guessed)' : ''}` : '';
      status.textContent = state.status;
      guess.hidden = !state.guess;
      guess.textContent = state.guess || '';
      counts.replaceChildren();
      for (const [name, count] of Object.entries(state.counts || {})) {
        counts.append(el(doc, 'li', count ? 'nonzero' : '', `${name}: ${count}`));
      }
      const unscored = state.notScored || { count: 0, byLanguage: {} };
      notScored.hidden = !unscored.count;
      notScored.textContent = unscored.count
        ? `Not scored (not English): ${unscored.count} (${Object.entries(unscored.byLanguage)
          .map(([name, n]) => `${name} ${n}`).join(', ')})`
        : '';
      list.replaceChildren();
      (state.flagged || []).forEach((entry, index) => {
        const item = el(doc, 'li', `sev-${entry.severity}`);
        const link = el(doc, 'button', 'flagged-post',
          `${entry.author || 'unknown'}: ${entry.top.name} ${Modlens.annotate.formatScore(entry.top.score)}`);
        link.type = 'button';
        link.addEventListener('click', () => actions.onSelect(index));
        item.append(link);
        list.append(item);
      });
      const n = (state.flagged || []).length;
      previous.disabled = next.disabled = n === 0;
      position.textContent = n ? `${state.current >= 0 ? state.current + 1 : '–'} of ${n}` : '';
    }

    /** Shows an error once per kind however often it happens; a new message for the same kind replaces it. */
    function showError(code, message) {
      let item = shownErrors.get(code);
      if (!item) {
        item = el(doc, 'li');
        item.dataset.code = code;
        shownErrors.set(code, item);
        errors.append(item);
      }
      item.textContent = message;
    }

    function clearErrors() {
      shownErrors.clear();
      errors.replaceChildren();
    }

    return { host, render, showError, clearErrors, remove: () => host.remove(), root };
  }

  Modlens.panel = { createPanel };
})((globalThis.Modlens = globalThis.Modlens || {}));
