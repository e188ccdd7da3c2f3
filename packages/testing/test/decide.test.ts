import { describe, expect, it } from 'vitest';
import { BACKEND_ENV, BACKENDS, type Backend } from '../src/backends';
import { decideProvisioning, isLocalEngine } from '../src/decide';
import type { RuntimeProbe } from '../src/runtime-probe';

function probeReturning(result: RuntimeProbe) {
  const calls: number[] = [];
  return {
    calls,
    probe: async () => {
      calls.push(1);
      return result;
    },
  };
}

const noRuntime: RuntimeProbe = {
  found: false,
  tried: ['DOCKER_HOST unset', '/var/run/docker.sock missing'],
};
const localRuntime: RuntimeProbe = {
  found: true,
  via: '/var/run/docker.sock',
  dockerHost: 'unix:///var/run/docker.sock',
};

describe('decideProvisioning', () => {
  it.each(BACKENDS)('%s: uses SESSIONKIT_<BACKEND>_URL without probing for a runtime', async (backend) => {
    const { calls, probe } = probeReturning(localRuntime);
    const env = { [BACKEND_ENV[backend]]: ' scheme://somewhere:1 ' };
    const decision = await decideProvisioning(backend, { env, probe });
    expect(decision).toEqual({ kind: 'url', url: 'scheme://somewhere:1', source: BACKEND_ENV[backend] });
    expect(calls).toHaveLength(0);
  });

  it('treats an empty or blank URL as unset', async () => {
    const { calls, probe } = probeReturning(noRuntime);
    const decision = await decideProvisioning('postgres', { env: { SESSIONKIT_POSTGRES_URL: '  ' }, probe });
    expect(decision.kind).toBe('unavailable');
    expect(calls).toHaveLength(1);
  });

  it('ignores the URLs of other backends', async () => {
    const { probe } = probeReturning(noRuntime);
    const decision = await decideProvisioning('mysql', {
      env: { SESSIONKIT_POSTGRES_URL: 'postgres://x' },
      probe,
    });
    expect(decision.kind).toBe('unavailable');
  });

  it.each(BACKENDS)('%s: starts a container when a local runtime answers', async (backend) => {
    const { probe } = probeReturning(localRuntime);
    const decision = await decideProvisioning(backend, { env: {}, probe });
    expect(decision).toEqual({
      kind: 'container',
      dockerHost: 'unix:///var/run/docker.sock',
      via: '/var/run/docker.sock',
    });
  });

  it('is unavailable without URL, runtime and private server, naming the backend and everything tried', async () => {
    const { probe } = probeReturning(noRuntime);
    const decision = await decideProvisioning('postgres', {
      env: {},
      probe,
      privateServer: () => ({ reason: 'no private server (initdb is not installed)' }),
    });
    expect(decision).toEqual({
      kind: 'unavailable',
      reason:
        'postgres: SESSIONKIT_POSTGRES_URL is not set, no container runtime answered ' +
        '(DOCKER_HOST unset, /var/run/docker.sock missing), and no private server (initdb is not installed)',
    });
  });

  it('says no private server was started when the caller gives no private source', async () => {
    const decision = await decideProvisioning('mysql', { env: {}, probe: probeReturning(noRuntime).probe });
    expect(decision.kind === 'unavailable' && decision.reason).toMatch(
      /, and no private server was started$/,
    );
  });

  it.each(BACKENDS)('%s: falls back to the private server when no runtime answers', async (backend) => {
    const decision = await decideProvisioning(backend, {
      env: {},
      probe: probeReturning(noRuntime).probe,
      privateServer: () => ({ url: 'scheme://127.0.0.1:23456' }),
    });
    expect(decision).toEqual({ kind: 'private', url: 'scheme://127.0.0.1:23456' });
  });

  it('prefers the URL and then the container runtime to the private server, asking for it last', async () => {
    const asked: string[] = [];
    const privateServer = () => {
      asked.push('private');
      return { url: 'redis://127.0.0.1:23456' };
    };
    const fromUrl = await decideProvisioning('redis', {
      env: { SESSIONKIT_REDIS_URL: 'redis://elsewhere:1' },
      probe: probeReturning(localRuntime).probe,
      privateServer,
    });
    expect(fromUrl.kind).toBe('url');
    const fromContainer = await decideProvisioning('redis', {
      env: {},
      probe: probeReturning(localRuntime).probe,
      privateServer,
    });
    expect(fromContainer.kind).toBe('container');
    expect(asked).toEqual([]);
  });

  it.each<Backend>(['redis-cluster', 'redis-sentinel'])(
    '%s: is unavailable with a remote engine, whose ports do not appear on 127.0.0.1, and no private server',
    async (backend) => {
      const remote: RuntimeProbe = { found: true, via: 'DOCKER_HOST', dockerHost: 'tcp://10.0.0.5:2375' };
      const decision = await decideProvisioning(backend, { env: {}, probe: probeReturning(remote).probe });
      expect(decision.kind).toBe('unavailable');
      if (decision.kind === 'unavailable') {
        expect(decision.reason).toContain(`${backend}: ${BACKEND_ENV[backend]} is not set`);
        expect(decision.reason).toContain('tcp://10.0.0.5:2375 is not local');
      }
    },
  );

  it('uses the private topology when the only engine is remote', async () => {
    const remote: RuntimeProbe = { found: true, via: 'DOCKER_HOST', dockerHost: 'tcp://10.0.0.5:2375' };
    const decision = await decideProvisioning('redis-cluster', {
      env: {},
      probe: probeReturning(remote).probe,
      privateServer: () => ({ url: 'redis://127.0.0.1:11000' }),
    });
    expect(decision).toEqual({ kind: 'private', url: 'redis://127.0.0.1:11000' });
  });

  it('starts single-server backends on a remote engine', async () => {
    const remote: RuntimeProbe = { found: true, via: 'DOCKER_HOST', dockerHost: 'tcp://10.0.0.5:2375' };
    const decision = await decideProvisioning('redis', { env: {}, probe: probeReturning(remote).probe });
    expect(decision.kind).toBe('container');
  });
});

describe('isLocalEngine', () => {
  it.each([
    ['unix:///var/run/docker.sock', true],
    ['unix:///run/user/1000/podman/podman.sock', true],
    ['tcp://127.0.0.1:2375', true],
    ['tcp://localhost:2375', true],
    ['tcp://[::1]:2375', true],
    ['tcp://192.168.1.10:2375', false],
    ['ssh://user@build-host', false],
  ])('%s -> %s', (host, local) => {
    expect(isLocalEngine(host)).toBe(local);
  });
});
