import { describe, expect, it } from 'vitest';
import { redisPing } from '../src/local-redis';
import { provision } from '../src/provision';
import { parseRedisNodesUrl } from '../src/redis-urls';
import { probeContainerRuntime } from '../src/runtime-probe';

describe('provision', () => {
  it('hands out the URL from the environment, with a no-op stop', async () => {
    const result = await provision('mysql', {
      env: { SESSIONKIT_MYSQL_URL: 'mysql://root@127.0.0.1:3306/test' },
    });
    expect(result).toMatchObject({
      available: true,
      backend: 'mysql',
      url: 'mysql://root@127.0.0.1:3306/test',
      source: 'env',
    });
    if (result.available) await expect(result.stop()).resolves.toBeUndefined();
  });

  it('is unavailable with the reason when neither a URL, a runtime nor a private server exists', async () => {
    const result = await provision('mongodb', {
      env: {},
      probe: async () => ({ found: false, tried: ['DOCKER_HOST unset', '/var/run/docker.sock missing'] }),
    });
    expect(result).toEqual({
      available: false,
      backend: 'mongodb',
      reason:
        'mongodb: SESSIONKIT_MONGODB_URL is not set, no container runtime answered ' +
        '(DOCKER_HOST unset, /var/run/docker.sock missing), and no private server ' +
        '(private servers exist only for Redis, PostgreSQL and MariaDB)',
    });
  });

  it('hands out the private server published in SESSIONKIT_PRIVATE_<BACKEND>_URL', async () => {
    const result = await provision('postgres', {
      env: { SESSIONKIT_PRIVATE_POSTGRES_URL: 'postgres://postgres@127.0.0.1:28001/postgres' },
      probe: async () => ({ found: false, tried: ['DOCKER_HOST unset'] }),
    });
    expect(result).toMatchObject({
      available: true,
      source: 'private',
      url: 'postgres://postgres@127.0.0.1:28001/postgres',
    });
  });

  it('reaches the private server the run started (the root globalSetup), not a standard port', async (ctx) => {
    const runtime = await probeContainerRuntime();
    if (process.env.SESSIONKIT_REDIS_URL || runtime.found) {
      ctx.skip(
        'redis comes from SESSIONKIT_REDIS_URL or a container runtime in this run, not a private server',
      );
      return;
    }
    const result = await provision('redis');
    if (!result.available) {
      ctx.skip(result.reason);
      return;
    }
    expect(result.source).toBe('private');
    const node = parseRedisNodesUrl(result.url).nodes[0];
    expect(node?.port).not.toBe(6379);
    if (node) expect(await redisPing(node.port, { timeoutMs: 2000 })).toBe(true);
  });

  it('starts a real Redis container when a runtime answers', async (ctx) => {
    const runtime = await probeContainerRuntime();
    if (!runtime.found) {
      ctx.skip(`no container runtime answered (${runtime.tried.join(', ')})`);
      return;
    }
    const result = await provision('redis', { env: {} });
    expect(result).toMatchObject({ available: true, source: 'container' });
    if (!result.available) return;
    try {
      const node = parseRedisNodesUrl(result.url).nodes[0];
      expect(node).toBeDefined();
      if (node) expect(await redisPing(node.port, { host: node.host, timeoutMs: 2000 })).toBe(true);
    } finally {
      await result.stop();
    }
  }, 180_000);
});
