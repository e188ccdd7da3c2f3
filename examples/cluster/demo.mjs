// The README demo: three app processes behind a round-robin proxy on 127.0.0.1, sharing sessions
// through the file store. A client with a cookie jar sends requests through the proxy and prints
// which node answered while the session counter keeps counting.
//
//   node demo.mjs              12 requests, then shut everything down
//   node demo.mjs --requests 30
//   node demo.mjs --keep       keep running; open the printed URL in a browser and reload
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createStoreFromConfig, redactUrl } from '@sessionkit/core';
import { startProxy } from './proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { requests: { type: 'string', default: '12' }, keep: { type: 'boolean', default: false } },
});
const total = Number(values.requests);
if (!Number.isInteger(total) || total < 1 || total > 10_000) {
  console.error('--requests must be a whole number from 1 to 10000');
  process.exit(2);
}

const sessionDir = mkdtempSync(join(tmpdir(), 'sessionkit-demo-'));
const secret = randomBytes(32).toString('base64url');
const nodes = [];

/** Starts one app node and resolves with its port once it listens (it tells us over IPC). */
function startNode(name) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'app.mjs'), {
      env: { ...process.env, NODE_NAME: name, PORT: '0', SESSION_DIR: sessionDir, SESSION_SECRET: secret },
      // The store package named by SESSIONKIT_STORE is resolved from this example's dependencies.
      cwd: here,
      // Run from sources (`npm run demo`): the nodes get the same tsx hook, by absolute URL since
      // their working directory differs; otherwise they run the built packages.
      execArgv: process.env.SESSIONKIT_FROM_SOURCE ? ['--import', process.env.SESSIONKIT_FROM_SOURCE] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    nodes.push(child);
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 15 s`)), 15_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited early with code ${code}`)));
  });
}

let proxy;
function shutdown(code) {
  for (const child of nodes) child.kill('SIGTERM');
  proxy?.close();
  rmSync(sessionDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));

try {
  // With a SQL URL the table (and with MongoDB the indexes) is created once, before the nodes
  // start, so three nodes never race to create it; an existing one is left as it is.
  if (process.env.SESSIONKIT_STORE) {
    const store = await createStoreFromConfig(process.env.SESSIONKIT_STORE, { createSchema: true });
    await store.close();
  }
  const ports = await Promise.all(['node-a', 'node-b', 'node-c'].map(startNode));
  proxy = await startProxy(ports);
  const url = `http://127.0.0.1:${proxy.address().port}/`;
  const where = process.env.SESSIONKIT_STORE ? redactUrl(process.env.SESSIONKIT_STORE) : sessionDir;
  console.log(`3 nodes on ports ${ports.join(', ')}; round-robin proxy on ${url}; sessions in ${where}`);

  if (values.keep) {
    console.log(
      'Open the URL above and reload: the counter keeps counting whichever node answers. Ctrl-C stops.',
    );
  } else {
    let cookie = '';
    for (let i = 1; i <= total; i++) {
      const response = await fetch(url, { headers: cookie ? { cookie } : {} });
      const setCookie = response.headers.get('set-cookie');
      if (setCookie) cookie = setCookie.split(';')[0];
      const body = await response.json();
      if (!response.ok) throw new Error(`request ${i} failed on ${body.node}: ${body.code}: ${body.error}`);
      console.log(
        `request ${String(i).padStart(2)} → served by ${body.node}, session counter = ${body.count}`,
      );
      if (body.count !== i)
        throw new Error(`expected counter ${i}, got ${body.count}: the session was not shared`);
    }
    console.log(`OK: ${total} requests, 3 nodes, one session, no lost count.`);
    shutdown(0);
  }
} catch (error) {
  const code = error.code ? `${error.code}: ` : '';
  console.error(`demo failed: ${code}${error.message}`);
  shutdown(1);
}
