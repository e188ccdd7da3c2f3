import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryStore, type MemoryStore } from '@sessionkit/core';
import { onTestFinished } from 'vitest';
import { createTieredStore, type TieredStore, type TieredStoreOptions } from '../src/index';

export const SECRET = 'persistent-test-secret-0123456789-abcdef';

/** A controllable clock for crossing idle times without waiting. */
export function fakeClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/**
 * A tier over a fresh memory store, driven by a fake clock. The background timer is set far
 * beyond any test's duration, so only explicit runMaintenance() calls move sessions.
 */
export function tierFixture(
  options: Omit<TieredStoreOptions, 'store' | 'clock'> = {},
  persistent?: MemoryStore,
) {
  const clock = fakeClock();
  const store = persistent ?? createMemoryStore();
  const tier = createTieredStore({ processExpiresInterval: 600_000, ...options, store, clock: clock.now });
  onTestFinished(async () => {
    await tier.close().catch(() => undefined);
    if (persistent === undefined) await store.close();
  });
  return { tier, persistent: store, clock };
}

/** Another tier over the same persistent store and clock: a second node. */
export function secondNode(
  persistent: MemoryStore,
  clock: { now: () => number },
  options: Omit<TieredStoreOptions, 'store' | 'clock'> = {},
): TieredStore {
  const tier = createTieredStore({
    processExpiresInterval: 600_000,
    ...options,
    store: persistent,
    clock: clock.now,
  });
  onTestFinished(() => tier.close().catch(() => undefined));
  return tier;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A record with a text payload. */
export function textRecord(text: string, expiresAt: number, version = 1, ownerId: string | null = null) {
  return { payload: encoder.encode(text), version, expiresAt, ownerId };
}

export function text(bytes: Uint8Array | undefined | null): string | null {
  return bytes ? decoder.decode(bytes) : null;
}

/** A temporary directory removed when the current test finishes. */
export async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionkit-persistent-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`.
 * Readiness is always awaited this way, never with a fixed sleep.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A TypeScript child process (`node --import tsx`) and its outcome. */
export interface Child {
  process: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves with the rest of the first stdout line that starts with `prefix`. */
  line(prefix: string): Promise<string>;
}

/**
 * Runs `test/fixtures/<name>.ts`. The root tsconfig's `paths` send `@sessionkit/*` to the
 * TypeScript sources, as the vitest alias does, so no build is needed. The child is killed
 * (SIGKILL) when the test finishes, if it is still running.
 */
export function runFixture(name: string, args: string[], nodeArgs: string[] = []): Child {
  const file = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'test', TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  let exited = false;
  void done.then(() => {
    exited = true;
  });
  onTestFinished(async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await done;
    }
  });
  const line = async (prefix: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = stdout.split('\n').find((l) => l.startsWith(prefix));
      if (found !== undefined) return found.slice(prefix.length).trim();
      if (exited) throw new Error(`${name} exited before printing "${prefix}": ${stderr}`);
      if (Date.now() > deadline) throw new Error(`${name} did not print "${prefix}" within 60 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { process: child, done, line };
}
