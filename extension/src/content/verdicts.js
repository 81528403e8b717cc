// A moderator's verdict controls beside a post's badge: "Agree" and "Wrong" for each
// attribute the post is flagged for, or "Flag as …" (an attribute to choose) on a post with
// no flag. A verdict goes to the service worker (the caller's `send`), which files it with
// the site's community on the server; the line beside the controls then says it was
// recorded, or in one line why not. Built with createElement/textContent only.
(function (Modlens) {
  'use strict';

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function button(doc, className, text, title) {
    const node = el(doc, 'button', `modlens-verdict ${className}`, text);
    node.type = 'button';
    node.title = title;
    return node;
  }

  /**
   * flagged: [{name}] (highest first); attributes: the names a post without flags may be
   * flagged as; send(attribute, value) resolves once the server stored the verdict.
   * onRecorded() runs after each verdict stored (the badge shows it). Returns the element.
   */
  function createVerdictControls(doc, { flagged, attributes, send, onRecorded }) {
    const bar = el(doc, 'span', 'modlens-verdicts');
    const status = el(doc, 'span', 'modlens-verdict-status');
    status.setAttribute('role', 'status');
    const controls = [];
    let flagAs = null;

    function setBusy(busy) {
      for (const control of controls) control.disabled = busy;
      if (!busy && flagAs) flagAs.button.disabled = !flagAs.select.value;
    }

    async function submit(attribute, value, said, pressed) {
      setBusy(true);
      bar.dataset.state = 'sending';
      status.textContent = 'Sending…';
      try {
        await send(attribute, value);
        bar.dataset.state = 'recorded';
        status.textContent = `Recorded: ${said}.`;
        for (const control of controls) if (control.tagName === 'BUTTON') control.setAttribute('aria-pressed', String(control === pressed));
        if (onRecorded) onRecorded(attribute, value);
      } catch (error) {
        bar.dataset.state = 'error';
        status.textContent = `Not recorded: ${(error && error.message) || 'unknown error'}`;
      } finally {
        setBusy(false);
      }
    }

    if (flagged.length) {
      for (const { name } of flagged) {
        const group = el(doc, 'span', 'modlens-verdict-group');
        group.dataset.attribute = name;
        // With one flag the badge already names it; with more, each pair says which it judges.
        if (flagged.length > 1) group.append(el(doc, 'span', 'modlens-verdict-name', name));
        const agree = button(doc, 'modlens-agree', 'Agree', `Agree: this post is ${name}`);
        const wrong = button(doc, 'modlens-wrong', 'Wrong', `Wrong: this post is not ${name}`);
        agree.addEventListener('click', () => submit(name, 1, `${name}, agreed`, agree));
        wrong.addEventListener('click', () => submit(name, 0, `not ${name}`, wrong));
        controls.push(agree, wrong);
        group.append(agree, wrong);
        bar.append(group);
      }
    } else if (attributes.length) {
      const select = el(doc, 'select', 'modlens-flag-as');
      select.title = 'Flag this post as…';
      const placeholder = el(doc, 'option', '', 'Flag as …');
      placeholder.value = '';
      select.append(placeholder);
      for (const name of attributes) {
        const option = el(doc, 'option', '', name);
        option.value = name;
        select.append(option);
      }
      const flag = button(doc, 'modlens-flag', 'Flag', 'Send: this post is the attribute chosen');
      flag.disabled = true;
      select.addEventListener('change', () => { flag.disabled = !select.value; });
      flag.addEventListener('click', () => {
        if (select.value) submit(select.value, 1, `flagged as ${select.value}`, flag);
      });
      flagAs = { select, button: flag };
      controls.push(select, flag);
      bar.append(select, flag);
    }
    bar.append(status);
    return bar;
  }

  Modlens.verdicts = { createVerdictControls };
})((globalThis.Modlens = globalThis.Modlens || {}));
