// The one defaults object and the checks a saved value passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerGlobal } from '../helpers/load.js';

const { settings } = workerGlobal().Modlens;
const plain = (value) => JSON.parse(JSON.stringify(value));

test('defaults: the local server, no key, every attribute, the server\'s thresholds, no site, no community', () => {
  assert.deepEqual(plain(settings.normaliseSettings(undefined)), {
    serverUrl: 'http://127.0.0.1:8000', apiKey: '', attributes: null, thresholds: {}, sites: [], communities: {}, moderator: '',
  });
});

test('a site\'s community is kept by its pattern, checked as the server checks it, and goes with the site', () => {
  const saved = settings.normaliseSettings({
    sites: ['forum.example.org', 'http://127.0.0.1:8123/'],
    communities: { 'https://forum.example.org/*': '  Coral:https://forum.example.org/ ', 'http://127.0.0.1/*': '', 'gone.example.net': 'old' },
    moderator: ' Ann ',
  });
  assert.deepEqual(plain(saved.communities), { 'https://forum.example.org/*': 'Coral:https://forum.example.org/' });
  assert.equal(saved.moderator, 'Ann');
  assert.equal(settings.communityFor('https://forum.example.org/threads/t.1/', saved), 'Coral:https://forum.example.org/');
  assert.equal(settings.communityFor('http://127.0.0.1:8123/t', saved), null, 'an empty community is none');
  assert.equal(settings.communityFor('https://gone.example.net/t', saved), null);
  assert.equal(settings.communityFor('not a url', saved), null);
  for (const bad of ['two words', 'tab\there', 'x'.repeat(257), 'é'.repeat(129), '/r/python', '.', '..', 'c\x85', '\ud800']) {
    assert.throws(() => settings.normaliseSettings({ sites: ['forum.example.org'], communities: { 'https://forum.example.org/*': bad } }),
      /the community for https:\/\/forum\.example\.org\/\* must be printable text without spaces, .* not starting with \/ and not "\." or "\.\."/, bad);
  }
});

// tests/server/test_community_id_parity.py holds this rule to the server's, id for id.
for (const [id, accepted] of [
  ['r/python', true], ['Coral:https://talk.example/', true], ['...', true], ['.a', true], ['x'.repeat(256), true],
  ['/r/python', false], ['.', false], ['..', false], ['c\n', false], ['\x85', false], ['\ufeff', false], ['x'.repeat(257), false],
]) {
  test(`community ${JSON.stringify(id).slice(0, 20)} is ${accepted ? 'accepted' : 'refused'}, as the server does`, () => {
    assert.equal(settings.isCommunityId(id), accepted);
  });
}

for (const [input, pattern] of [
  ['forum.example.org', 'https://forum.example.org/*'],
  ['https://forum.example.org/threads/x.1/#post-3', 'https://forum.example.org/*'],
  ['http://127.0.0.1:8123/xenforo2-thread.html', 'http://127.0.0.1/*'],
  ['  HTTPS://Forum.Example.org  ', 'https://forum.example.org/*'],
]) {
  test(`site "${input}" is enabled as ${pattern}`, () => {
    assert.equal(settings.sitePattern(input), pattern);
  });
}

for (const bad of ['', 'ftp://forum.example.org', 'chrome://settings', 'http://']) {
  test(`site ${JSON.stringify(bad)} is refused`, () => {
    assert.throws(() => settings.sitePattern(bad), (error) => error.constructor.name === 'SettingsError');
  });
}

test('siteEnabled matches host and scheme, any port, nothing else', () => {
  const sites = ['https://forum.example.org/*', 'http://127.0.0.1/*'];
  assert.equal(settings.siteEnabled('https://forum.example.org/t/1', sites), true);
  assert.equal(settings.siteEnabled('http://127.0.0.1:9999/x', sites), true);
  assert.equal(settings.siteEnabled('http://forum.example.org/t/1', sites), false);
  assert.equal(settings.siteEnabled('https://evil.example.org/?https://forum.example.org/', sites), false);
  assert.equal(settings.siteEnabled('not a url', sites), false);
});

test('bad stored values fail with a message that names them', () => {
  assert.throws(() => settings.normaliseSettings({ serverUrl: 'file:///etc' }), /server URL must be http or https/);
  assert.throws(() => settings.normaliseSettings({ attributes: [] }), /at least one attribute/);
  assert.throws(() => settings.normaliseSettings({ thresholds: { insult: 'high' } }), /threshold for insult/);
  assert.deepEqual(plain(settings.normaliseSettings({ thresholds: { insult: '', threat: '0.3' } }).thresholds), { threat: 0.3 });
});
