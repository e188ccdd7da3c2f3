import { createStoreFromConfig, type StoreConfig } from '@sessionkit/core';
import {
  type Provisioned,
  parseRedisNodesUrl,
  parseRedisSentinelUrl,
  suiteTitle,
  uniquePrefix,
  useBackend,
} from '@sessionkit/testing';
import { describe, expect, test } from 'vitest';

const standalone = await useBackend('redis');
const cluster = await useBackend('redis-cluster');
const sentinel = await useBackend('redis-sentinel');

/** The two forms of one configuration: a URL in sessionkit's syntax and the typed object. */
function forms(provisioned: Provisioned, prefix: string): Array<[string, string | StoreConfig]> {
  if (!provisioned.available) return [];
  const { url } = provisioned;
  if (url.startsWith('redis+sentinel:')) {
    const s = parseRedisSentinelUrl(url);
    const hosts = s.sentinels.map((n) => `${n.host}:${n.port}`).join(',');
    return [
      ['url', `redis+sentinel://${hosts}/${s.name}/1?prefix=${prefix}`],
      ['object', { type: 'redis', sentinels: s.sentinels, sentinelName: s.name, database: 1, prefix }],
    ];
  }
  const n = parseRedisNodesUrl(url);
  if (n.nodes.length > 1) {
    const hosts = n.nodes.map((node) => `${node.host}:${node.port}`).join(',');
    return [
      ['url', `redis+cluster://${hosts}?prefix=${prefix}`],
      ['object', { type: 'redis', cluster: n.nodes, prefix }],
    ];
  }
  const [node] = n.nodes;
  return [
    ['url', `redis://${node?.host}:${node?.port}/2?prefix=${prefix}`],
    ['object', { type: 'redis', host: node?.host, port: node?.port, database: 2, prefix }],
  ];
}

describe.each([
  ['standalone', standalone],
  ['cluster', cluster],
  ['sentinel', sentinel],
] as const)('createStoreFromConfig: redis %s', (label, provisioned) => {
  describe.skipIf(!provisioned.available)(
    suiteTitle(`redis ${label} from configuration`, provisioned),
    () => {
      test.each(forms(provisioned, uniquePrefix(label)))(
        '%s form: a working store whose close() quits its client',
        async (_form, source) => {
          const store = await createStoreFromConfig(source);
          expect(store.description).toMatch(new RegExp(`^redis ${label}`));
          const key = `${label}-key`;
          await store.set(key, {
            payload: new Uint8Array([7, 8]),
            version: 1,
            expiresAt: Date.now() + 60_000,
          });
          expect((await store.get(key))?.payload).toEqual(new Uint8Array([7, 8]));
          expect(await store.count!()).toBe(1);
          await store.clear!();
          await store.close();
          // The client is gone: a call after close fails instead of silently reconnecting.
          await expect(store.get(key)).rejects.toMatchObject({
            code: expect.stringMatching(/^SESSION_STORE/),
          });
        },
      );
    },
  );
});
