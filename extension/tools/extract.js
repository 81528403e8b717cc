#!/usr/bin/env node
// What the extension reads from a saved thread page, printed as JSON:
//
//   node extension/tools/extract.js PAGE [PAGE...]
//
// prints one line per page, in the batch command's field names:
//   {"engine", "guessed", "title", "url", "near_miss", "posts": [{"id", "author", "text", "parent_id", "quotes": [{"author", "text"}]}]}
// with "error" added (and exit status 1) where no thread can be read. It loads the page
// into a DOM (jsdom, the extension's own test dependency) and runs the content script's
// real adapter (src/content/profile-adapter.js) with the real site-profiles.json, so what
// it prints is what the extension would score on that page. The parity test
// (tests/batch/test_profile_parity.py) compares it with the batch extractor.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JSDOM, VirtualConsole } from 'jsdom';

const EXTENSION = fileURLToPath(new URL('../', import.meta.url));
const SITE_PROFILES = JSON.parse(readFileSync(`${EXTENSION}site-profiles.json`, 'utf8'));
const ADAPTER = readFileSync(`${EXTENSION}src/content/profile-adapter.js`, 'utf8');
const SAVED_FROM = /saved from url=\(\d+\)(\S+)/;

/**
 * The page's character set as a browser opening the saved file finds it: a byte order
 * mark, else a charset declared in its first 1024 bytes, else UTF-8 when the bytes are
 * valid UTF-8 (what lxml on the batch side settles on too), else windows-1252.
 */
function charsetOf(bytes) {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) return null; // jsdom reads UTF-16 marks itself
  const head = bytes.subarray(0, 1024).toString('latin1');
  const declared = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(head);
  if (declared) return declared[1];
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** The page's own address, by the batch extractor's rule: the browser's "saved from" note, else its canonical link or og:url. */
function pageAddress(doc) {
  const comments = doc.createNodeIterator(doc, 128 /* NodeFilter.SHOW_COMMENT */);
  for (let node = comments.nextNode(); node; node = comments.nextNode()) {
    const found = SAVED_FROM.exec(node.data);
    if (found) return found[1];
  }
  for (const [selector, attribute] of [['link[rel~=canonical i]', 'href'], ['meta[property="og:url"]', 'content']]) {
    const value = doc.querySelector(selector)?.getAttribute(attribute) || '';
    if (value.startsWith('http')) return value;
  }
  return null;
}

function readPage(path) {
  const bytes = readFileSync(path);
  const charset = charsetOf(bytes);
  const virtualConsole = new VirtualConsole(); // a saved page's CSS and markup noise is not ours
  const dom = new JSDOM(bytes, {
    contentType: charset ? `text/html; charset=${charset}` : 'text/html',
    runScripts: 'outside-only',
    virtualConsole,
  });
  dom.window.eval(ADAPTER);
  const doc = dom.window.document;
  const url = pageAddress(doc);
  const thread = dom.window.Modlens.profileAdapter.readThread(SITE_PROFILES, doc, url || '');
  dom.window.close();
  // Values made in the page's realm, brought out as plain JSON.
  return { ...JSON.parse(JSON.stringify(thread)), url };
}

const pages = process.argv.slice(2);
if (!pages.length || pages.includes('--help')) {
  console.error('usage: node extension/tools/extract.js PAGE [PAGE...]');
  process.exit(2);
}
let status = 0;
for (const page of pages) {
  const thread = readPage(page);
  if (thread.error) status = 1;
  process.stdout.write(`${JSON.stringify(thread)}\n`);
}
process.exit(status);
