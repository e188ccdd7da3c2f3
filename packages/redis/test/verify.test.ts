import { randomBytes } from 'node:crypto';
import { verifyProblems, verifyStatuses } from '@sessionkit/store-test-suite';
import { type Backend, findFreePortRange, skipReason, skipTitle, uniquePrefix } from '@sessionkit/testing';
import Redis, { type RedisOptions } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { FAIL_FAST, scanPrefix, useRedis } from './helpers';

for (const backend of ['redis', 'redis-cluster', 'redis-sentinel'] as Backend[]) {
  const redis = await useRedis(backend);
  const skip = skipReason(redis.provisioned);
  describe.skipIf(skip !== false)(skipTitle(`${backend}: verify()`, skip || null), () => {
    it('resolves a report: reachable, credentials, write probe (deleted), native expiry, the skew from TIME', async () => {
      const client = await redis.client();
      const prefix = `${uniquePrefix('verify')}:`;
      const report = await createRedisStore(client, { prefix }).verify!();
      expect(report.ok).toBe(true);
      expect(verifyStatuses(report)).toEqual({
        reachable: 'ok',
        credentials: 'ok',
        schema: 'ok',
        clock: 'ok',
        write: 'ok',
        expiry: 'ok',
      });
      expect(Math.abs(report.clockSkewMs ?? Number.NaN)).toBeLessThan(1_000);
      expect(await scanPrefix(client, prefix)).toEqual([]);
    });

    it('reports an app clock ten minutes ahead of Redis', async () => {
      const client = await redis.client();
      const store = createRedisStore(client, { prefix: `${uniquePrefix('verify')}:` });
      const problems = await verifyProblems(store.verify!({ clock: () => Date.now() + 600_000 }));
      expect(problems.map((p) => p.check)).toEqual(['clock']);
      expect(problems[0]?.message).toMatch(/^the server's clock is \d+ ms behind the app's.*PEXPIREAT/);
    });
  });
}

const standalone = await useRedis('redis');
const skip = skipReason(standalone.provisioned);
describe.skipIf(skip !== false)(
  skipTitle('redis: verify() as another user, or with no server', skip || null),
  () => {
    const user = `sk_verify_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const clients: Redis[] = [];
    const clientAs = (options: RedisOptions) => {
      const url = new URL(standalone.provisioned.available ? standalone.provisioned.url : 'redis://x');
      const client = new Redis({
        ...FAIL_FAST,
        host: url.hostname,
        port: Number(url.port || 6379),
        lazyConnect: false,
        ...options,
      });
      client.on('error', () => {});
      clients.push(client);
      return client;
    };
    afterAll(async () => {
      for (const client of clients) client.disconnect();
      // The ACL user is the test's own: removed whatever happened.
      await (await standalone.client()).call('ACL', 'DELUSER', user);
    });

    it('finds a read-only ACL user at the write probe', async () => {
      const admin = await standalone.client();
      await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '+@read', '+ping', '+time');
      const store = createRedisStore(clientAs({ username: user, password }), {
        prefix: `${uniquePrefix('verify')}:`,
      });
      const problems = await verifyProblems(store.verify!());
      expect(problems.map((p) => p.check)).toEqual(['write']);
      expect(problems[0]?.message).toMatch(/^Redis refused the write: .*NOPERM/);
      expect(problems[0]?.fix).toContain('+@write');
    });

    it('reports a wrong password as a credentials problem, without the password', async () => {
      const wrong = 'not-the-password-4711';
      const store = createRedisStore(clientAs({ username: user, password: wrong }), { prefix: 'v:' });
      const problems = await verifyProblems(store.verify!({ timeout: 3_000 }));
      expect(problems.map((p) => p.check)).toEqual(['credentials']);
      expect(JSON.stringify(problems)).not.toContain(wrong);
    });

    it('reports a server that is not running (an unused port)', async () => {
      const port = await findFreePortRange(1);
      const store = createRedisStore(clientAs({ port }), { prefix: 'v:' });
      const problems = await verifyProblems(store.verify!({ timeout: 2_000 }));
      expect(problems.map((p) => p.check)).toEqual(['reachable']);
      expect(problems[0]?.message).toMatch(
        /could not be reached: .*(ECONNREFUSED|max retries)|did not answer/,
      );
    });
  },
);
