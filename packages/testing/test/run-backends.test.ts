import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BACKEND_ENV, BACKENDS } from '../src/backends';
import { lookupPrivateServer, type RunningPrivateBackend } from '../src/private-backends';
import { PRIVATE_BROKER_ENV } from '../src/private-broker';
import { startRunBackends } from '../src/run-backends';

const noRuntime = async () => ({ found: false as const, tried: ['DOCKER_HOST unset'] });

/** A backends.json path in a temp directory that goes when the test ends. */
function tempReportFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sk-run-backends-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'backends.json');
}

/** A stand-in for startPrivateBackend that counts its starts and stops. */
function fakeServers(fail?: string) {
  const started: string[] = [];
  const stopped: string[] = [];
  const start = async (backend: string): Promise<RunningPrivateBackend> => {
    started.push(backend);
    // Let concurrent requests arrive while the "server" starts.
    await new Promise((resolve) => setImmediate(resolve));
    if (backend === fail) throw new Error('initdb: could not create directory (log tail here)');
    return {
      url: `scheme://127.0.0.1:2${started.length}000/${backend}`,
      where: `fake ${backend}`,
      stop: async () => {
        stopped.push(backend);
      },
    };
  };
  return { started, stopped, start };
}

describe('startRunBackends', () => {
  it('starts nothing when every URL is set, and reports each as a URL with its local port', async () => {
    const env: Record<string, string | undefined> = Object.fromEntries(
      BACKENDS.map((backend) => [
        BACKEND_ENV[backend],
        `scheme://user:secret@127.0.0.1:1${BACKENDS.indexOf(backend)}/db`,
      ]),
    );
    const reportFile = tempReportFile();
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
    expect(env[PRIVATE_BROKER_ENV]).toBeUndefined();
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

  it('starts a private server only when a test file asks for it, once, and stops it at the end', async () => {
    const env: Record<string, string | undefined> = {};
    const servers = fakeServers();
    const reportFile = tempReportFile();
    const run = await startRunBackends({
      env,
      reportFile,
      probe: noRuntime,
      privateUnavailable: (backend) => (backend === 'mssql' ? 'no binaries' : null),
      startPrivate: servers.start,
    });
    let stopped = false;
    onTestFinished(() => (stopped ? undefined : run.stop().then(() => undefined)));
    expect(servers.started).toEqual([]);
    expect(run.origins.find((o) => o.backend === 'postgres')?.detail).toMatch(/^not started/);
    expect(run.origins.find((o) => o.backend === 'mssql')?.source).toBe('unavailable');

    // Three test files at once, through the broker the workers find in their environment.
    const urls = await Promise.all([1, 2, 3].map(() => lookupPrivateServer('postgres', env)));
    expect(urls).toEqual([1, 2, 3].map(() => ({ url: 'scheme://127.0.0.1:21000/postgres' })));
    expect(servers.started).toEqual(['postgres']);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as typeof run.origins;
    expect(report.find((o) => o.backend === 'postgres')).toEqual({
      backend: 'postgres',
      source: 'private',
      detail: 'fake postgres',
    });
    await expect(run.ensure('mssql')).rejects.toThrow(
      'mssql is not provided by a private server in this run',
    );

    stopped = true;
    expect(await run.stop()).toEqual([]);
    expect(servers.stopped).toEqual(['postgres']);
    expect(env[PRIVATE_BROKER_ENV]).toBeUndefined();
  });

  it('fails the asking test file, not the run, when installed binaries do not start', async () => {
    const env: Record<string, string | undefined> = {};
    const servers = fakeServers('postgres');
    const run = await startRunBackends({
      env,
      probe: noRuntime,
      privateUnavailable: () => null,
      startPrivate: servers.start,
    });
    onTestFinished(() => run.stop().then(() => undefined));
    await expect(lookupPrivateServer('postgres', env)).rejects.toThrow(
      'postgres: the server binaries are installed but the private server did not start: initdb: could not create directory (log tail here)',
    );
    expect(run.origins.find((o) => o.backend === 'postgres')?.detail).toMatch(/^failed to start: initdb/);
    expect(await lookupPrivateServer('redis', env)).toEqual({ url: 'scheme://127.0.0.1:22000/redis' });
  });
});

describe('lookupPrivateServer', () => {
  it('finds a URL handed down in SESSIONKIT_PRIVATE_<BACKEND>_URL', async () => {
    expect(
      await lookupPrivateServer('mysql', {
        SESSIONKIT_PRIVATE_MYSQL_URL: 'mysql://root@127.0.0.1:29999/test',
      }),
    ).toEqual({ url: 'mysql://root@127.0.0.1:29999/test' });
  });

  it('says why there is none for a backend without a private server', async () => {
    expect(await lookupPrivateServer('mssql', {})).toEqual({
      reason: 'no private server (private servers exist only for Redis, PostgreSQL and MariaDB)',
    });
  });
});
