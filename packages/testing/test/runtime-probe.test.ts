import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSocketPaths, probeContainerRuntime } from '../src/runtime-probe';

// Stand-ins for a container engine: real HTTP servers on real unix sockets and TCP ports that
// answer the one request the probe sends, the way the Docker and Podman APIs do.
const dir = mkdtempSync(join(tmpdir(), 'sk-probe-'));
const servers: Server[] = [];

function listen(target: string | number, handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => {
    if (typeof target === 'string') server.listen(target, () => resolve(server));
    else server.listen(target, '127.0.0.1', () => resolve(server));
  });
}

const engine: Parameters<typeof createServer>[1] = (req, res) => {
  res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK');
};

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe('probeContainerRuntime', () => {
  it('finds a socket whose engine answers /_ping', async () => {
    const socket = join(dir, 'docker.sock');
    await listen(socket, engine);
    const result = await probeContainerRuntime({ env: {}, sockets: [join(dir, 'missing.sock'), socket] });
    expect(result).toEqual({ found: true, via: socket, dockerHost: `unix://${socket}` });
  });

  it('reports missing sockets and a socket that answers with an error', async () => {
    const socket = join(dir, 'broken.sock');
    await listen(socket, (_req, res) => res.writeHead(500).end());
    const result = await probeContainerRuntime({ env: {}, sockets: ['/var/run/docker.sock', socket] });
    expect(result.found).toBe(false);
    if (!result.found) {
      expect(result.tried[0]).toBe('DOCKER_HOST unset');
      expect(result.tried).toContain(`${socket} did not answer (HTTP 500)`);
    }
  });

  it('does not take a stale socket file for an engine', async () => {
    const stale = join(dir, 'stale.sock');
    writeFileSync(stale, '');
    const result = await probeContainerRuntime({ env: {}, sockets: [stale] });
    expect(result.found).toBe(false);
    if (!result.found) expect(result.tried.join(' ')).toContain(`${stale} did not answer`);
  });

  it('gives up on an engine that never answers after the timeout', async () => {
    const socket = join(dir, 'silent.sock');
    await listen(socket, () => undefined);
    const started = Date.now();
    const result = await probeContainerRuntime({ env: {}, sockets: [socket], timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toEqual({
      found: false,
      tried: ['DOCKER_HOST unset', `${socket} did not answer (no answer within 200 ms)`],
    });
  });

  it('uses DOCKER_HOST over unix and tcp when it answers, and only it', async () => {
    const socket = join(dir, 'host.sock');
    await listen(socket, engine);
    expect(
      await probeContainerRuntime({ env: { DOCKER_HOST: `unix://${socket}` }, sockets: [] }),
    ).toMatchObject({
      found: true,
      dockerHost: `unix://${socket}`,
    });
    const tcp = await listen(0, engine);
    const port = (tcp.address() as AddressInfo).port;
    expect(await probeContainerRuntime({ env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } })).toMatchObject({
      found: true,
      dockerHost: `tcp://127.0.0.1:${port}`,
    });
  });

  it('reports a DOCKER_HOST that does not answer without falling back to sockets', async () => {
    const good = join(dir, 'fallback.sock');
    await listen(good, engine);
    const dead = join(dir, 'dead.sock');
    const result = await probeContainerRuntime({ env: { DOCKER_HOST: `unix://${dead}` }, sockets: [good] });
    expect(result).toEqual({ found: false, tried: [`DOCKER_HOST=unix://${dead} did not answer (ENOENT)`] });
    const bogus = await probeContainerRuntime({ env: { DOCKER_HOST: 'ftp://x' } });
    expect(bogus).toEqual({ found: false, tried: ['DOCKER_HOST=ftp://x is not a unix:// or tcp:// URL'] });
  });

  it('trusts TLS and SSH endpoints it cannot ping', async () => {
    expect(await probeContainerRuntime({ env: { DOCKER_HOST: 'ssh://me@builder' } })).toMatchObject({
      found: true,
    });
    expect(
      await probeContainerRuntime({ env: { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1' } }),
    ).toMatchObject({ found: true });
  });

  it('knows the Docker, rootless Docker and Podman socket locations', () => {
    const paths = defaultSocketPaths({ XDG_RUNTIME_DIR: '/run/user/1234' });
    expect(paths[0]).toBe('/var/run/docker.sock');
    expect(paths).toContain('/run/user/1234/docker.sock');
    expect(paths).toContain('/run/user/1234/podman/podman.sock');
    expect(paths).toContain('/run/podman/podman.sock');
  });
});
