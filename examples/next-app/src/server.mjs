// Starts the example with one command: `next build` when the build is missing or older than the
// sources, then `next start` on HOST:PORT. It prints "listening on <url>" once the app answers.
//
//   node src/server.mjs                          http://127.0.0.1:3000, Redis at 127.0.0.1:6379
//   REDIS_URL=redis://10.0.0.5:6379 PORT=8080 SESSION_SECRET=... node src/server.mjs
//   SESSION_DIR=/tmp/sessions node src/server.mjs     the file store instead of Redis
//   node src/server.mjs --build                  rebuild even when the build looks current
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const nextBin = join(dirname(require.resolve('next/package.json')), 'dist', 'bin', 'next');
const { PORT = '3000', HOST = '127.0.0.1' } = process.env;
const distDir = join(appDir, process.env.NEXT_DIST_DIR || '.next');

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? '1' };
// Next.js sets NODE_ENV itself (production for build and start); a leftover value confuses it.
delete env.NODE_ENV;
if (!env.SESSION_SECRET) {
  // Build and server share this one, so the warning appears once and cookies verify across both.
  console.warn('SESSION_SECRET is not set: using a random one; sessions end when this server stops.');
  env.SESSION_SECRET = randomBytes(32).toString('base64url');
}

/** Newest modification time under `path` (files only), or 0 when it does not exist. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether the build is older than the app's sources or the built @sessionkit packages it bundles. */
function needsBuild() {
  const buildId = join(distDir, 'BUILD_ID');
  if (process.argv.includes('--build') || !existsSync(buildId)) return true;
  const sessionkit = join(appDir, 'node_modules', '@sessionkit');
  const packages = existsSync(sessionkit)
    ? readdirSync(sessionkit).map((name) => join(realpathSync(join(sessionkit, name)), 'dist'))
    : [];
  const inputs = ['app', 'lib', 'next.config.mjs', 'package.json'].map((name) => join(appDir, name));
  return Math.max(...[...inputs, ...packages].map(newest)) > statSync(buildId).mtimeMs;
}

/** Runs the Next.js CLI; resolves with the child once it exits (build) or at once (start). */
function next(args, { wait }) {
  const child = spawn(process.execPath, [nextBin, ...args], { cwd: appDir, env, stdio: 'inherit' });
  if (!wait) return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve(child) : reject(new Error(`next ${args[0]} failed (${signal ?? `code ${code}`})`)),
    );
  });
}

let server;
try {
  if (needsBuild()) {
    console.log('Building the app (next build)...');
    await next(['build'], { wait: true });
  }
  server = await next(['start', '--hostname', HOST, '--port', PORT], { wait: false });
  // Pass stop signals on, and leave with the server's exit code.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
  server.once('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

  const origin = `http://${HOST.includes(':') ? `[${HOST}]` : HOST}:${PORT}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fetch(origin, { method: 'HEAD', signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`next start did not answer on ${origin} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  console.log(`next-app example listening on ${origin}`);
} catch (error) {
  console.error(error.message);
  server?.kill('SIGTERM');
  process.exit(1);
}
