/**
 * Test helpers that look at the directory with their own eyes: the path of a key and the record
 * format are re-derived here from the documented layout, not imported from the store, so a
 * change of the on-disk format shows up as a failing test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Corruption, RawReader, RawRecord, RawWriter } from '@sessionkit/store-test-suite';
import { onTestFinished } from 'vitest';

/** A fresh empty folder under the OS temp dir, and how to remove it. */
/** A temporary directory removed when the current test finishes. */
export async function freshDir(): Promise<string> {
  const { dir, remove } = await tempDir();
  onTestFinished(remove);
  return dir;
}

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionkit-file-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Lowercase hex SHA-256 of the UTF-16LE code units of a string (the documented file name). */
export function hashOf(value: string): string {
  return createHash('sha256').update(Buffer.from(value, 'utf16le')).digest('hex');
}

function shards(name: string, depth: number): string[] {
  return Array.from({ length: depth }, (_, level) => name.slice(level * 2, level * 2 + 2));
}

/** Where the record of `key` must live. */
export function recordPath(root: string, depth: number, key: string): string {
  const name = hashOf(key);
  return join(root, 'sessions', ...shards(name, depth), name);
}

/** Where the owner-index marker of `key` must live. */
export function markerPath(root: string, depth: number, ownerId: string, key: string): string {
  const owner = hashOf(ownerId);
  return join(root, 'owners', ...shards(owner, depth), owner, hashOf(key));
}

/** Every regular file under `root`, as paths relative to it with `/` separators, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries.sort();
}

/** Decodes a record file per the documented format; throws on anything malformed. */
export function decodeFile(bytes: Buffer): RawRecord & { key: string } {
  if (bytes.length < 36) throw new Error(`record of ${bytes.length} bytes is shorter than the header`);
  if (bytes.toString('latin1', 0, 4) !== 'SKFS' || bytes[4] !== 1)
    throw new Error('bad magic or format version');
  const hasOwner = (bytes[5] as number) === 1;
  const keyLength = bytes.readUInt32BE(24);
  const ownerLength = bytes.readUInt32BE(28);
  const payloadLength = bytes.readUInt32BE(32);
  if (36 + keyLength + ownerLength + payloadLength !== bytes.length) throw new Error('lengths do not add up');
  const ownerStart = 36 + keyLength;
  return {
    key: bytes.toString('utf16le', 36, ownerStart),
    ownerId: hasOwner ? bytes.toString('utf16le', ownerStart, ownerStart + ownerLength) : null,
    version: bytes.readDoubleBE(8),
    expiresAt: bytes.readDoubleBE(16),
    payload: new Uint8Array(bytes.subarray(ownerStart + ownerLength)),
  };
}

/**
 * The back door the conformance suite reads through. `list()` returns every file under the root
 * except the owner index (`owners/**`): the suite counts one entry per record, and a marker is
 * part of its record's bookkeeping, not a second record. Temp and lock files are included, so a
 * leftover shows up.
 */
export function rawReader(root: string, depth: number): RawReader {
  return {
    async read(key) {
      let bytes: Buffer;
      try {
        bytes = await readFile(recordPath(root, depth, key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      const { key: stored, ...record } = decodeFile(bytes);
      if (stored !== key) throw new Error('the file holds another key');
      return record;
    },
    async list() {
      return (await listFiles(root)).filter((path) => !path.startsWith('owners/'));
    },
  };
}

/**
 * The write side of the back door: breaks a record file in place (header offsets from
 * src/format.ts, re-stated here so that a wrong offset there cannot hide). The binary format
 * holds float64 numbers and a payload length, so a payload can be neither missing nor of
 * another type.
 */
export function rawWriter(root: string, depth: number): RawWriter {
  const numbers: Partial<Record<Corruption, [offset: number, value: number]>> = {
    'version-not-integer': [8, 1.5],
    'version-negative': [8, -3],
    'expiry-not-integer': [16, Date.now() + 600_000.5],
    'expiry-negative': [16, -5_000],
  };
  return {
    corruptions: [...(Object.keys(numbers) as Corruption[]), 'not-a-record'],
    async corrupt(key, corruption) {
      const path = recordPath(root, depth, key);
      const number = numbers[corruption];
      if (corruption === 'not-a-record') return writeFile(path, 'definitely not a session record');
      if (number === undefined) throw new Error(`rawWriter: the file format cannot hold ${corruption}`);
      const bytes = await readFile(path);
      bytes.writeDoubleBE(number[1], number[0]);
      await writeFile(path, bytes);
    },
  };
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A TypeScript child process and its outcome. */
export interface Child {
  process: ChildProcess;
  /** Settles when the child exits: its exit code (null if killed), stdout and stderr. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves with the first stdout line equal to `line`. */
  waitFor(line: string): Promise<void>;
}

/**
 * Runs `test/fixtures/<name>.ts` with `node --import tsx`. The root tsconfig's `paths` send
 * `@sessionkit/*` to the TypeScript sources, as the vitest alias does, so no build is needed.
 */
export function runFixture(name: string, args: string[]): Child {
  const file = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: repoRoot,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.json') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split('\n');
    for (const waiter of [...waiters]) {
      if (lines.includes(waiter.line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
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
  const waitFor = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (stdout.split('\n').includes(line)) return resolve();
      waiters.push({ line, resolve });
      done.then(
        ({ stderr: err }) => reject(new Error(`${name} exited before printing ${line}: ${err}`)),
        reject,
      );
    });
  return { process: child, done, waitFor };
}

/** Collects process warnings with the given code while `body` runs. */
export async function captureWarnings(code: string, body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.code === code) seen.push(warning.message);
  };
  process.on('warning', listener);
  try {
    await body();
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}
