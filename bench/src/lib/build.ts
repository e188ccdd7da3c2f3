/**
 * The bench measures sessionkit as users get it: the built packages (dist/), resolved through
 * their exports maps, never the TypeScript sources. This rebuilds any package whose build is
 * missing or older than its sources, so a run never measures stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES_DIR = fileURLToPath(new URL('../../../packages/', import.meta.url));

/** Workspace packages the servers and sections import (sql is under mysql and postgres). */
const MEASURED = ['core', 'sql', 'express', 'fastify', 'koa', 'redis', 'file', 'mysql', 'postgres'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(name: string): boolean {
  const built = join(PACKAGES_DIR, name, 'dist', 'index.js');
  if (!existsSync(built)) return true;
  return newestMtime(join(PACKAGES_DIR, name, 'src')) > statSync(built).mtimeMs;
}

export function ensureBuilt(log: (line: string) => void): void {
  const stale = MEASURED.filter(isStale);
  if (stale.length === 0) return;
  log(`building ${stale.join(', ')} (dist missing or older than src)`);
  const filters = stale.flatMap((name) => ['--filter', `@sessionkit/${name}`]);
  execFileSync('pnpm', [...filters, 'build'], { cwd: join(PACKAGES_DIR, '..'), stdio: 'inherit' });
}
