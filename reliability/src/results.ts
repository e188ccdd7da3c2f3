/**
 * Measured figures of every run, written as JSON under <repo>/.tmp/reliability/ (git-ignored),
 * from which RELIABILITY.md is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where results go. */
export const RESULTS_DIR = fileURLToPath(new URL('../../.tmp/reliability/', import.meta.url));

/** Writes `data` as `<name>.json` with the time of the run; returns the file's path. */
export function saveResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ name, at: new Date().toISOString(), data }, null, 2)}\n`);
  return file;
}
