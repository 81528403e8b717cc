// The toolbar popup: what Modlens is doing on this tab, with rescan, pause/resume, and
// "enable on this site" for a forum not yet enabled.
(function (Modlens) {
  'use strict';

  const { sitePattern, siteEnabled } = Modlens.settings;
  const { MESSAGE_TYPES: T, sendToWorker, sendToTab } = Modlens.messages;
  const $ = (selector) => document.querySelector(selector);

  function show(selector, visible) {
    $(selector).hidden = !visible;
  }

  function renderPageState(pageState) {
    $('#state').textContent = pageState.paused ? 'Paused on this tab.' : pageState.status;
    show('#details', true);
    $('#engine').textContent = pageState.engine ? `${pageState.engine}${pageState.guessed ? ' (guessed)' : ''}` : 'not recognised';
    show('#guess', Boolean(pageState.guess));
    $('#guess').textContent = pageState.guess || '';
    $('#scored').textContent = String(pageState.postsScored);
    $('#flagged').textContent = String(pageState.flagged.length);
    const errors = $('#errors');
    errors.replaceChildren();
    for (const error of pageState.errors) {
      const item = document.createElement('li');
      item.textContent = error.message;
      errors.append(item);
    }
    show('#rescan', !pageState.paused);
    show('#pause', true);
    $('#pause').textContent = pageState.paused ? 'Resume' : 'Pause';
  }

  async function main() {
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    const settings = await sendToWorker(chrome, T.GET_SETTINGS);
    let paused = false;

    if (!tab || !tab.url || !/^https?:/.test(tab.url)) {
      $('#state').textContent = 'Modlens runs on forum pages only.';
      return;
    }
    if (!siteEnabled(tab.url, settings.sites)) {
      $('#state').textContent = 'Not enabled on this site.';
      show('#enable', true);
      $('#enable').addEventListener('click', () => {
        const site = sitePattern(tab.url);
        // Asked for within the click: the browser grants permissions only then.
        chrome.permissions.request({ origins: [site] }).then(async (granted) => {
          if (!granted) return;
          await sendToWorker(chrome, T.SAVE_SETTINGS, { settings: { ...settings, sites: [...settings.sites, site] } });
          await chrome.tabs.reload(tab.id);
          window.close();
        }).catch((error) => { $('#state').textContent = error.message; });
      });
      return;
    }

    const toTab = (type) => sendToTab(chrome, tab.id, type);
    try {
      const pageState = await toTab(T.GET_PAGE_STATE);
      paused = pageState.paused;
      renderPageState(pageState);
    } catch (error) {
      $('#state').textContent = `Enabled here, but not running on this page yet (${error.message}). Reload the page.`;
      return;
    }
    $('#rescan').addEventListener('click', async () => renderPageState(await toTab(T.RESCAN)));
    $('#pause').addEventListener('click', async () => {
      const pageState = await toTab(paused ? T.RESUME : T.PAUSE);
      paused = pageState.paused;
      renderPageState(pageState);
    });
  }

  $('#options').addEventListener('click', (event) => {
    event.preventDefault();
    chrome.runtime.openOptionsPage();
  });
  main().catch((error) => { $('#state').textContent = error.message; });
})((globalThis.Modlens = globalThis.Modlens || {}));
