// Real parts for the browser tests: the mock LLM executable, the realtime-ai program itself and
// Debian's Chromium driven by playwright-core. Every process is started on 127.0.0.1 and stopped
// by the test that started it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through CTest (tests/browser/run.sh)`);
  return value;
};

export const PROGRAM = env('RTAI_PROGRAM');
export const MOCK_LLM = env('RTAI_MOCK_LLM');
export const CHROMIUM = process.env.RTAI_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.RTAI_ARTIFACTS_DIR
  ? path.join(process.env.RTAI_ARTIFACTS_DIR, 'browser')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'rtai-browser-artifacts-'));
fs.mkdirSync(ARTIFACTS, { recursive: true });

const { chromium } = await import(
  pathToFileURL(path.join(env('RTAI_BROWSER_NODE_DIR'), 'node_modules/playwright-core/index.mjs')).href);

for (const file of [PROGRAM, MOCK_LLM]) {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: build it first (cmake --build build)`);
}

// Resolves with the first match of `pattern` in the lines a stream prints; rejects when the
// process exits first or nothing matches within `timeoutMs`.
function waitForLine(proc, stream, pattern, what, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => finish(new Error(`${what}: no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const match = pattern.exec(line);
        if (match) return finish(null, match);
      }
      return undefined;
    };
    const onExit = (code, signal) => finish(new Error(`${what} exited (${code ?? signal}) before printing ${pattern}`));
    function finish(error, match) {
      clearTimeout(timer);
      stream.off('data', onData);
      proc.off('exit', onExit);
      if (error) reject(error);
      else resolve(match);
    }
    stream.on('data', onData);
    proc.on('exit', onExit);
  });
}

function logTo(proc, name) {
  const log = fs.createWriteStream(path.join(ARTIFACTS, `${name}.log`), { flags: 'a' });
  proc.stdout?.on('data', (d) => log.write(d));
  proc.stderr?.on('data', (d) => log.write(d));
  proc.on('exit', () => log.end());
}

// Resolves with how the process ended: { code, signal }.
async function stopProcess(proc, signal = 'SIGTERM') {
  if (proc.exitCode === null && proc.signalCode === null) {
    const exited = once(proc, 'exit');
    proc.kill(signal);
    const timeout = sleep(20000).then(() => 'timeout');
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      proc.kill('SIGKILL');
      await exited;
    }
  }
  return { code: proc.exitCode, signal: proc.signalCode };
}

export async function startMockLlm({ tokenDelayMs = 5, name = 'mock-llm' } = {}) {
  const proc = spawn(MOCK_LLM, ['--port', '0', '--token-delay-ms', String(tokenDelayMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  logTo(proc, name);
  const [, port] = await waitForLine(proc, proc.stdout, /^PORT (\d+)/, 'mock-llm');
  return {
    proc,
    port: Number(port),
    url: `http://127.0.0.1:${port}/v1`,
    stop: () => stopProcess(proc),
  };
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rtai-${prefix}-`));
}

// Starts `realtime-ai --server` on 127.0.0.1 with its own SQLite database in `dataDir`.
// `llmUrl: null` starts it with no LLM at all (no key, no URL, no local model installed).
export async function startServer({ llmUrl, dataDir, port = 0, name = 'server', env: extraEnv = {} }) {
  const args = ['--server', '--host', '127.0.0.1', '--port', String(port),
    '--data-dir', dataDir, '--database-url', `sqlite:///${path.join(dataDir, 'db.sqlite')}`,
    '--log-level', 'info'];
  if (llmUrl !== null) args.push('--llm-base-url', llmUrl);
  const childEnv = { ...process.env };
  for (const key of ['DATABASE_URL', 'SUPABASE_DB_URL', 'RTAI_API_TOKEN', 'RTAI_JWT_SECRET', 'SUPABASE_JWT_SECRET', 'RTAI_JWKS', 'RTAI_PORT', 'RTAI_HOST', 'OPENAI_BASE_URL']) delete childEnv[key];
  if (llmUrl === null) {
    for (const key of ['OPENAI_API_KEY', 'RTAI_LOCAL_MODEL', 'LLM_MODEL']) delete childEnv[key];
    childEnv.RTAI_CACHE_DIR = path.join(dataDir, 'no-local-model');
    childEnv.XDG_CONFIG_HOME = path.join(dataDir, 'no-config'); // no config file names an LLM
  }
  Object.assign(childEnv, extraEnv);
  // The working directory is the data directory, so no developer's .env is read.
  const proc = spawn(PROGRAM, args, { cwd: dataDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  logTo(proc, name);
  let stopping = false;
  proc.on('exit', (code, signal) => {
    if (!stopping) console.error(`realtime-ai (${name}) exited unexpectedly: ${signal ?? `status ${code}`}; see ${name}.log`);
  });
  const [, boundPort] = await waitForLine(proc, proc.stderr, /listening on http:\/\/[^\s/]+:(\d+)/, 'realtime-ai');
  const base = `http://127.0.0.1:${boundPort}`;
  return {
    proc,
    port: Number(boundPort),
    base,
    // A graceful stop must end with status 0 (sanitizer reports in the ASan build end otherwise).
    stop: async () => {
      stopping = true;
      const { code, signal } = await stopProcess(proc);
      if (code !== 0) throw new Error(`realtime-ai (${name}) ended with ${signal ?? `status ${code}`} on SIGTERM; see ${name}.log`);
    },
    kill: () => {
      stopping = true;
      return stopProcess(proc, 'SIGKILL');
    },
  };
}

// Stops what a suite started, whatever of it did start: the browser, then the server, then the
// mock LLM, then removes the data directory.
export async function tearDown({ browser, server, mock, dataDir }) {
  await browser?.close();
  try {
    await server?.stop();
  } finally {
    await mock?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

// Polls `probe` until it returns a truthy value; throws with `what` when `timeoutMs` passes.
export async function eventually(probe, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(200);
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

// A fresh browser context (own localStorage) on the server's page; page errors fail the test.
export async function openPage(browser, base, { viewport = { width: 1280, height: 860 }, colorScheme = 'light', bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, bypassCSP });
  const page = trackErrors(await context.newPage());
  await page.goto(`${base}/`);
  return page;
}

// Uncaught exceptions of the page end up in page.uncaught (the tests expect none).
export function trackErrors(page) {
  page.uncaught = [];
  page.on('pageerror', (error) => page.uncaught.push(error.message));
  return page;
}

export async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
