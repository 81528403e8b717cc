// Starts the real Modlens service (gunicorn, as the Procfile does) on a free port and
// waits for /readyz, the way the README tells a moderator to run it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `env`: MODLENS_* settings for this server (feedback on, a key), over the test's own environment. */
export async function startModlensServer({ readyTimeoutMs = 120000, env = {} } = {}) {
  const port = await freePort();
  const bind = `127.0.0.1:${port}`;
  // gunicorn.conf.py binds all interfaces once API keys are set (as a platform's router
  // expects); a test's server is for this machine only, so it names loopback itself, and
  // gunicorn's command line wins over its config file.
  const child = spawn('gunicorn', ['-c', 'gunicorn.conf.py', '--bind', bind, 'server:create_app()'], {
    cwd: REPO_ROOT,
    // One worker is enough for one test and spares the shared machine's cores.
    env: { ...process.env, ...env, WEB_CONCURRENCY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Modlens server exited (${child.exitCode}):\n${log.slice(-3000)}`);
    const ready = await fetch(`${url}/readyz`).then((response) => response.status === 200, () => false);
    if (ready) {
      const listening = log.match(/Listening at: \S+/g) || [];
      if (listening.join() !== `Listening at: http://${bind}`) {
        await stop(child);
        throw new Error(`the Modlens server should listen on ${bind} alone, but says ${listening.join(', ')}`);
      }
      return { url, child, log: () => log, stop: () => stop(child) };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop(child);
  throw new Error(`the Modlens server was not ready within ${readyTimeoutMs / 1000} s:\n${log.slice(-3000)}`);
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
  });
}
