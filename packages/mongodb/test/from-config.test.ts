import { createStoreFromConfig } from '@sessionkit/core';
import { suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import { describe, expect, test } from 'vitest';

const mongo = await useBackend('mongodb');

describe.skipIf(!mongo.available)(suiteTitle('createStoreFromConfig: mongodb', mongo), () => {
  test('url form: a working store whose close() closes its client', async () => {
    if (!mongo.available) return;
    const url = new URL(mongo.url);
    url.pathname = `/${uniquePrefix('cfg')}`;
    url.searchParams.set('collection', 'sessions');
    const store = await createStoreFromConfig(url.toString());
    expect(store.description).toMatch(/^mongodb /);
    await store.set('k', { payload: new Uint8Array([3]), version: 1, expiresAt: Date.now() + 60_000 });
    expect((await store.get('k'))?.payload).toEqual(new Uint8Array([3]));
    await store.clear!();
    await store.close();
  });
});

test('a configuration naming an unreachable server fails on first use with a store error, not at open', async () => {
  const store = await createStoreFromConfig({ type: 'mongodb', host: '127.0.0.1', port: 1, database: 'x' });
  await expect(store.get('k')).rejects.toMatchObject({ code: 'SESSION_STORE_ERROR' });
  await store.close();
}, 20_000);
