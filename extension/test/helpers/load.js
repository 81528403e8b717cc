// Loads the extension's classic scripts the way the browser does: content scripts into a
// DOM window (jsdom), the service worker's files into a fresh global (vm), each sharing
// the `Modlens` namespace with the files loaded before it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { JSDOM, VirtualConsole } from 'jsdom';

const EXTENSION = fileURLToPath(new URL('../../', import.meta.url));
export const read = (path) => readFileSync(`${EXTENSION}${path}`, 'utf8');
export const SITE_PROFILES = JSON.parse(read('site-profiles.json'));
const manifestWorkerFiles = JSON.parse(read('manifest.json')).background.scripts;

// The content script files, in the order the worker registers them.
const CONTENT_FILES = [
  'src/shared/messages.js',
  'src/content/profile-adapter.js',
  'src/content/verdicts.js',
  'src/content/annotate.js',
  'src/content/panel.js',
  'src/content/content.js',
];

/** A jsdom window holding `html`, with the content scripts loaded (not started). */
export function pageWindow(html, url = 'https://forum.example.org/threads/t.1/') {
  const virtualConsole = new VirtualConsole();
  // Saved real pages carry CSS jsdom cannot parse; that noise is not the extension's.
  virtualConsole.on('jsdomError', (error) => {
    if (!/Could not parse CSS stylesheet/.test(error.message)) console.error(error);
  });
  const dom = new JSDOM(html, { url, runScripts: 'outside-only', virtualConsole, pretendToBeVisual: true });
  for (const file of CONTENT_FILES) dom.window.eval(read(file));
  return dom.window;
}

/** A fresh global with the service worker's files loaded in manifest order (not started). */
export function workerGlobal(extra = {}) {
  const context = vm.createContext({
    console, setTimeout, clearTimeout, AbortController, AbortSignal, TextEncoder, URL, crypto, Promise, Error,
    ...extra,
  });
  for (const file of manifestWorkerFiles) vm.runInContext(read(file), context, { filename: file });
  return context;
}

/**
 * Calls a runtime.onMessage listener and resolves with what it answers, JSON-serialised
 * on the way as Chrome's messaging does (which also brings it out of the vm's realm).
 */
export function dispatch(listener, message, sender = {}) {
  return new Promise((resolve) => {
    listener(JSON.parse(JSON.stringify(message)), sender, (answer) => resolve(JSON.parse(JSON.stringify(answer))));
  });
}

function chromeEvent() {
  const listeners = [];
  return { listeners, addListener: (fn) => listeners.push(fn), fire: (...args) => listeners.forEach((fn) => fn(...args)) };
}

function storageArea() {
  const data = {};
  return {
    data,
    async get(key) {
      if (key === undefined || key === null) return { ...data };
      return key in data ? { [key]: structuredClone(data[key]) } : {};
    },
    async set(items) {
      Object.assign(data, structuredClone(items));
    },
  };
}

/** The parts of `chrome.*` the worker uses, kept in memory; `granted` lists origin patterns. */
export function fakeChrome({ granted = [] } = {}) {
  const grantedSet = new Set(granted);
  const registered = [];
  return {
    grantedSet,
    registered,
    runtime: {
      id: 'test-extension',
      getURL: (path) => `chrome-extension://test-extension/${path}`,
      onMessage: chromeEvent(),
      onInstalled: chromeEvent(),
      onStartup: chromeEvent(),
    },
    tabs: { onRemoved: chromeEvent(), onUpdated: chromeEvent() },
    permissions: {
      contains: async ({ origins }) => origins.every((o) => grantedSet.has(o)),
      onRemoved: chromeEvent(),
    },
    scripting: {
      getRegisteredContentScripts: async ({ ids }) => registered.filter((s) => ids.includes(s.id)),
      registerContentScripts: async (scripts) => { registered.push(...structuredClone(scripts)); },
      unregisterContentScripts: async ({ ids }) => {
        for (let i = registered.length - 1; i >= 0; i -= 1) if (ids.includes(registered[i].id)) registered.splice(i, 1);
      },
    },
    storage: { local: storageArea(), session: storageArea() },
  };
}
