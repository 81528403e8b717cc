// Small local HTTP servers for the tests: saved thread pages, a stand-in scoring server
// with answers the test chooses, and a recording proxy in front of the real one.
import { createServer, request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json' };

function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

export function close(handle) {
  return new Promise((resolve) => {
    handle.server.closeAllConnections?.();
    handle.server.close(() => resolve());
  });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Serves the files under `root` on 127.0.0.1. */
export async function startStaticServer(root) {
  return listen(createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const data = await readFile(join(root, path));
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] || 'application/octet-stream' });
      res.end(data);
    } catch {
      res.writeHead(404).end('not found');
    }
  }));
}

/**
 * A stand-in for the Modlens server whose /v1/score answer is `answer(body)` (an object
 * sent as JSON, or {status, body}); records every request body it gets. With `feedback`,
 * POST /v1/feedback is answered by `feedback(body)` ({status, body, headers}) and recorded
 * in `verdicts`.
 */
export async function startStubScoringServer(answer, { feedback } = {}) {
  const requests = [];
  const verdicts = [];
  const handle = await listen(createServer(async (req, res) => {
    const raw = await readBody(req);
    if (feedback && req.method === 'POST' && req.url === '/v1/feedback') {
      const body = JSON.parse(raw.toString('utf8'));
      verdicts.push({ body, headers: req.headers });
      const out = feedback(body);
      res.writeHead(out.status, { 'Content-Type': 'application/json', ...(out.headers || {}) });
      res.end(JSON.stringify(out.body));
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/score') {
      const body = JSON.parse(raw.toString('utf8'));
      requests.push({ body, headers: req.headers });
      const out = answer(body);
      const status = out && out.status ? out.status : 200;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out && out.status ? out.body : out));
      return;
    }
    if (req.url === '/v1/attributes') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ attributes: [{ name: 'insult', description: 'Insulting.', threshold: 0.5 }] }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"code":404,"message":"not found"}}');
  }));
  return { ...handle, requests, verdicts };
}

/** Forwards everything to `target` and records each /v1/score exchange as {request, response}. */
export async function startRecordingProxy(target) {
  const exchanges = [];
  const targetUrl = new URL(target);
  const handle = await listen(createServer(async (req, res) => {
    const raw = await readBody(req);
    const upstream = httpRequest({
      host: targetUrl.hostname, port: targetUrl.port, path: req.url, method: req.method,
      headers: { ...req.headers, host: targetUrl.host },
    }, async (up) => {
      const body = await readBody(up);
      if (req.url === '/v1/score' && req.method === 'POST') {
        exchanges.push({ request: JSON.parse(raw.toString('utf8')), status: up.statusCode, response: JSON.parse(body.toString('utf8')) });
      }
      res.writeHead(up.statusCode, up.headers);
      res.end(body);
    });
    upstream.on('error', (error) => res.writeHead(502).end(String(error)));
    upstream.end(raw);
  }));
  return { ...handle, exchanges };
}
