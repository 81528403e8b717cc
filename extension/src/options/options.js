// The options page: server, key, attributes and thresholds, enabled sites. It asks the
// browser for each site's permission on the moderator's click, then hands the settings
// to the service worker, which checks and stores them.
(function (Modlens) {
  'use strict';

  const { sitePattern, serverOrigin, SettingsError } = Modlens.settings;
  const { MESSAGE_TYPES: T, sendToWorker } = Modlens.messages;
  const send = (type, payload) => sendToWorker(chrome, type, payload);
  const $ = (selector) => document.querySelector(selector);

  let sites = [];
  let communities = {}; // site pattern -> community id, as typed
  let attributeNames = [];
  let loaded = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function say(text, isError = false) {
    const status = $('#save-status');
    status.textContent = text;
    status.classList.toggle('error', isError);
  }

  function renderSites() {
    const list = $('#sites');
    list.replaceChildren();
    if (!sites.length) list.append(el('li', 'No forum enabled yet.', 'hint'));
    for (const site of sites) {
      const item = el('li');
      item.dataset.site = site;
      const community = el('input', undefined, 'community');
      community.type = 'text';
      community.placeholder = 'community (for verdicts)';
      community.setAttribute('aria-label', `Community of ${site}`);
      community.value = communities[site] || '';
      community.addEventListener('input', () => { communities[site] = community.value; });
      const remove = el('button', 'Remove');
      remove.type = 'button';
      remove.addEventListener('click', () => {
        sites = sites.filter((s) => s !== site);
        renderSites();
      });
      item.append(el('span', site, 'site'), ' ', community, ' ', remove);
      list.append(item);
    }
  }

  /** One row per attribute the server scores (or the saved ones when it cannot be reached). */
  function renderAttributes(serverAttributes, settings) {
    const body = $('#attributes tbody');
    body.replaceChildren();
    attributeNames = serverAttributes.map((a) => a.name);
    for (const attribute of serverAttributes) {
      const row = el('tr');
      const show = el('input');
      show.type = 'checkbox';
      show.name = 'show';
      show.value = attribute.name;
      show.checked = !settings.attributes || settings.attributes.includes(attribute.name);
      const showCell = el('td');
      showCell.append(show);
      const nameCell = el('td');
      nameCell.append(el('div', attribute.name), el('div', attribute.description || '', 'description'));
      const threshold = el('input', undefined, 'threshold');
      threshold.type = 'number';
      threshold.min = '0';
      threshold.max = '1';
      threshold.step = '0.05';
      threshold.name = `threshold-${attribute.name}`;
      threshold.dataset.attribute = attribute.name;
      if (settings.thresholds[attribute.name] !== undefined) threshold.value = String(settings.thresholds[attribute.name]);
      const thresholdCell = el('td');
      thresholdCell.append(threshold);
      row.append(showCell, nameCell, el('td', attribute.threshold === undefined ? '' : attribute.threshold), thresholdCell);
      body.append(row);
    }
  }

  /** `GET /v1/attributes` as a list of {name, description, threshold}, whatever its exact shape. */
  function attributeList(answer) {
    const raw = answer && (answer.attributes || answer);
    if (Array.isArray(raw)) return raw.map((a) => (typeof a === 'string' ? { name: a } : a));
    return Object.entries(raw || {}).map(([name, value]) => ({ name, ...(typeof value === 'object' ? value : {}) }));
  }

  function readForm() {
    const checked = Array.from(document.querySelectorAll('input[name=show]:checked'), (box) => box.value);
    const thresholds = {};
    for (const input of document.querySelectorAll('input.threshold')) {
      if (input.value !== '') thresholds[input.dataset.attribute] = input.value;
    }
    let attributes;
    if (!attributeNames.length) attributes = loaded.attributes; // server unknown: keep what was saved
    else if (checked.length === attributeNames.length) attributes = null; // all, and any a newer server adds
    else attributes = checked;
    return {
      serverUrl: $('#server-url').value,
      apiKey: $('#api-key').value,
      attributes,
      thresholds,
      sites,
      communities,
      moderator: $('#moderator').value,
    };
  }

  async function load() {
    const settings = await send(T.GET_SETTINGS);
    loaded = settings;
    $('#server-url').value = settings.serverUrl;
    $('#api-key').value = settings.apiKey;
    sites = settings.sites.slice();
    communities = { ...settings.communities };
    $('#moderator').value = settings.moderator;
    renderSites();
    try {
      renderAttributes(attributeList(await send(T.GET_SERVER_ATTRIBUTES)), settings);
      $('#attributes-status').textContent = '';
    } catch (error) {
      $('#attributes-status').textContent = `Could not read the server's attributes (${error.message}); save a reachable server URL, then reopen this page.`;
      renderAttributes((settings.attributes || []).map((name) => ({ name })), settings);
    }
  }

  $('#add-site').addEventListener('click', () => {
    try {
      const pattern = sitePattern($('#new-site').value);
      if (!sites.includes(pattern)) sites.push(pattern);
      $('#new-site').value = '';
      renderSites();
      say('');
    } catch (error) {
      say(error.message, true);
    }
  });

  $('#options').addEventListener('submit', (event) => {
    event.preventDefault();
    const settings = readForm();
    let origins;
    try {
      origins = [...settings.sites, serverOrigin(settings.serverUrl)];
    } catch (error) {
      say(error instanceof SettingsError ? error.message : `not a URL: ${settings.serverUrl}`, true);
      return;
    }
    // Asked for before any await: the browser grants permissions only within the click.
    chrome.permissions.request({ origins }).then(async (granted) => {
      if (!granted) {
        say('The browser did not grant access to every site; nothing was saved.', true);
        return;
      }
      await send(T.SAVE_SETTINGS, { settings });
      say('Saved.');
      await load();
    }).catch((error) => say(error.message, true));
  });

  load().catch((error) => say(error.message, true));
})((globalThis.Modlens = globalThis.Modlens || {}));
