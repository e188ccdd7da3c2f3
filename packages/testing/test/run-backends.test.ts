import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BACKEND_ENV, BACKENDS } from '../src/backends';
import { lookupPrivateServer, privateEnvName } from '../src/private-backends';
import { startRunBackends } from '../src/run-backends';

describe('startRunBackends', () => {
  it('starts nothing when every URL is set, and reports each as a URL with its local port', async () => {
    const env: Record<string, string | undefined> = Object.fromEntries(
      BACKENDS.map((backend) => [
        BACKEND_ENV[backend],
        `scheme://user:secret@127.0.0.1:1${BACKENDS.indexOf(backend)}/db`,
      ]),
    );
    const dir = mkdtempSync(join(tmpdir(), 'sk-run-backends-test-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const reportFile = join(dir, 'backends.json');
    const run = await startRunBackends({
      env,
      reportFile,
      probe: async () => {
        throw new Error('no runtime probe when every URL is set');
      },
    });
    expect(run.origins.map((o) => [o.backend, o.source])).toEqual(BACKENDS.map((b) => [b, 'url']));
    expect(run.origins[0]?.detail).toBe(
      'SESSIONKIT_REDIS_URL=scheme://user:***@127.0.0.1:10/db (local port 10)',
    );
    expect(BACKENDS.some((backend) => env[privateEnvName(backend)] !== undefined)).toBe(false);
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(run.origins);
    expect(await run.stop()).toEqual([]);
  });

  it('leaves backends to the container runtime when one answers, starting no private server', async () => {
    const env: Record<string, string | undefined> = {};
    const run = await startRunBackends({
      env,
      probe: async () => ({
        found: true,
        via: '/var/run/docker.sock',
        dockerHost: 'unix:///var/run/docker.sock',
      }),
    });
    expect(new Set(run.origins.map((o) => o.source))).toEqual(new Set(['container']));
    expect(Object.keys(env)).toEqual([]);
  });
});

describe('lookupPrivateServer', () => {
  it('finds the URL the globalSetup published', () => {
    expect(
      lookupPrivateServer('mysql', { SESSIONKIT_PRIVATE_MYSQL_URL: 'mysql://root@127.0.0.1:29999/test' }),
    ).toEqual({ url: 'mysql://root@127.0.0.1:29999/test' });
  });

  it('says why there is none for a backend without a private server', () => {
    expect(lookupPrivateServer('mssql', {})).toEqual({
      reason: 'no private server (private servers exist only for Redis, PostgreSQL and MariaDB)',
    });
  });
});
