import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BACKEND_ENV, BACKENDS } from '../src/backends';
import { lookupPrivateServer, type RunningPrivateBackend } from '../src/private-backends';
import { PRIVATE_BROKER_ENV } from '../src/private-broker';
import { provision } from '../src/provision';
import { startRunBackends } from '../src/run-backends';

const noRuntime = async () => ({ found: false as const, tried: ['DOCKER_HOST unset'] });
const docker = async () => ({
  found: true as const,
  via: '/var/run/docker.sock',
  dockerHost: 'unix:///var/run/docker.sock',
});

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

  it('with a container runtime, starts one container per backend for the run, when a file first asks', async () => {
    const env: Record<string, string | undefined> = {};
    const started: string[] = [];
    const stopped: string[] = [];
    const privateStarts: string[] = [];
    const reportFile = tempReportFile();
    const run = await startRunBackends({
      env,
      reportFile,
      probe: docker,
      startPrivate: async (backend) => {
        privateStarts.push(backend);
        throw new Error('no private server when a runtime answers');
      },
      startContainer: async (backend) => {
        started.push(backend);
        await new Promise((resolve) => setImmediate(resolve));
        return {
          url: `scheme://sa:pw@127.0.0.1:3${started.length}000/${backend}`,
          stop: async () => {
            stopped.push(backend);
          },
        };
      },
    });
    let done = false;
    onTestFinished(() => (done ? undefined : run.stop().then(() => undefined)));
    expect(new Set(run.origins.map((o) => o.source))).toEqual(new Set(['container']));
    expect(run.origins.find((o) => o.backend === 'mssql')?.detail).toBe(
      'not started: no test file of this run asked for it (via /var/run/docker.sock)',
    );
    expect(started).toEqual([]);
    expect(env[PRIVATE_BROKER_ENV]).toBeDefined();

    // Eight SQL Server test files and three MongoDB ones at once, through the broker the workers find.
    const asked = await Promise.all([
      ...Array.from({ length: 8 }, () => provision('mssql', { env, probe: docker })),
      ...Array.from({ length: 3 }, () => provision('mongodb', { env, probe: docker })),
    ]);
    expect(started.sort()).toEqual(['mongodb', 'mssql']);
    const urls = new Set(asked.map((p) => (p.available ? `${p.source} ${p.url}` : p.reason)));
    expect(urls.size).toBe(2);
    for (const url of urls)
      expect(url).toMatch(/^container scheme:\/\/sa:pw@127\.0\.0\.1:3[12]000\/(mssql|mongodb)$/);
    // A file's stop() leaves the shared container to the run.
    for (const p of asked) if (p.available) await p.stop();
    expect(stopped).toEqual([]);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as typeof run.origins;
    expect(report.find((o) => o.backend === 'mssql')?.detail).toMatch(
      /^one container for the run at scheme:\/\/sa:\*\*\*@127\.0\.0\.1:3[12]000\/mssql, via \/var\/run\/docker\.sock$/,
    );
    expect(privateStarts).toEqual([]);

    done = true;
    expect(await run.stop()).toEqual([]);
    expect(stopped.sort()).toEqual(['mongodb', 'mssql']);
  });

  it('fails the asking test file when the container does not start, naming the runtime', async () => {
    const env: Record<string, string | undefined> = {};
    const run = await startRunBackends({
      env,
      probe: docker,
      startContainer: async () => {
        throw new Error('pull access denied');
      },
    });
    onTestFinished(() => run.stop().then(() => undefined));
    await expect(provision('postgres', { env, probe: docker })).rejects.toThrow(
      'postgres: the container runtime answered but the container did not start: pull access denied',
    );
    expect(run.origins.find((o) => o.backend === 'postgres')?.detail).toBe(
      'failed to start: pull access denied',
    );
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
      'mssql is not provided by the run (no container or private server)',
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
