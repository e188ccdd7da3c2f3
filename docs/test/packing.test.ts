/**
 * Packing a published package: `npm pack` would ship `workspace:^` ranges that no registry
 * install resolves, so it is refused with the command to use; `pnpm pack` (what `changeset
 * publish` uses) replaces them with real versions. Run on @sessionkit/postgres, which depends on
 * two workspace packages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, test } from 'vitest';

const dir = fileURLToPath(new URL('../../packages/postgres', import.meta.url));

/** Runs a package manager in the package folder, without the caller's npm/pnpm environment. */
function runIn(command: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));
  return spawnSync(command, args, {
    cwd: dir,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('npm pack is refused, with a message that says to use pnpm', () => {
  const result = runIn('npm', ['pack', '--dry-run']);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('@sessionkit/postgres must be packed with pnpm');
  expect(result.stderr).toContain('pnpm pack');
}, 60_000);

test('pnpm pack writes a tarball whose dependencies are real versions', () => {
  const out = mkdtempSync(join(tmpdir(), 'sk-pack-'));
  onTestFinished(() => rmSync(out, { recursive: true, force: true }));
  const result = runIn('pnpm', ['pack', '--pack-destination', out]);
  expect(result.status, result.stderr).toBe(0);
  const [tarball] = readdirSync(out);
  expect(tarball).toMatch(/^sessionkit-postgres-.*\.tgz$/);
  const manifest = spawnSync('tar', ['-xOzf', join(out, tarball as string), 'package/package.json'], {
    encoding: 'utf8',
  });
  const pkg = JSON.parse(manifest.stdout) as { dependencies: Record<string, string> };
  expect(pkg.dependencies['@sessionkit/core']).toMatch(/^\^?\d+\.\d+\.\d+/);
  expect(pkg.dependencies['@sessionkit/sql']).toMatch(/^\^?\d+\.\d+\.\d+/);
  expect(manifest.stdout).not.toContain('workspace:');
}, 60_000);
