// ESLint for the extension (`npm run lint`; scripts/test runs it, and a finding fails the run).
// ESLint's recommended rules everywhere, the globals each folder really has, and the
// rules that hold our bars: nothing writes markup built from data into a page
// (STYLE.md 12), and the extension's own code never turns a string into code.
import js from '@eslint/js';
import globals from 'globals';
import noUnsanitized from 'eslint-plugin-no-unsanitized';

// The extension's pages and content scripts are classic scripts that share one
// `Modlens` namespace on globalThis (a content script cannot be a module).
const classicScript = { sourceType: 'script', ecmaVersion: 2024 };

export default [
  js.configs.recommended,
  // innerHTML, outerHTML, insertAdjacentHTML, document.write and friends with anything
  // but a literal are errors, in tests too: a test's markup can carry data as well.
  noUnsanitized.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['src/**/*.js'],
    languageOptions: { ...classicScript, globals: globals.webextensions },
    rules: {
      // Manifest V3 forbids it anyway; a string run as code is how a page's text would become ours.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      // Even a literal: the extension draws with createElement and textContent only.
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: 'Draw with createElement and textContent (STYLE.md 12).' },
        { property: 'outerHTML', message: 'Draw with createElement and textContent (STYLE.md 12).' },
        { property: 'insertAdjacentHTML', message: 'Draw with createElement and textContent (STYLE.md 12).' },
      ],
    },
  },
  {
    // Pages and content scripts: a window and its document.
    files: ['src/content/**/*.js', 'src/popup/**/*.js', 'src/options/**/*.js', 'src/shared/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The service worker in Chromium (no window, no document); Firefox loads the same
    // files as background scripts. src/shared is loaded by both sides.
    files: ['src/background/**/*.js', 'src/shared/**/*.js'],
    languageOptions: { globals: globals.serviceworker },
  },
  {
    // Node: the command-line tools, the tests and this file. The end-to-end tests also
    // hand functions to page.evaluate, which run in the page: they see the browser's globals.
    files: ['tools/**/*.js', 'test/**/*.js', 'eslint.config.js'],
    languageOptions: {
      sourceType: 'module',
      ecmaVersion: 2024,
      globals: { ...globals.node },
    },
  },
  {
    files: ['test/e2e/**/*.js', 'test/helpers/browser.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
];
