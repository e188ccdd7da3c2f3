import { isSessionError, type StoredRecord } from '@sessionkit/core';
import { suiteTitle, uniquePrefix } from '@sessionkit/testing';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { dropPrefix, useRedis } from './helpers';

const standalone = await useRedis('redis');
const url = standalone.provisioned.available ? standalone.provisioned.url : '';

function record(overrides: Partial<StoredRecord> = {}): StoredRecord {
  return {
    payload: Uint8Array.of(0, 255, 1, 254, 0x80),
    version: 1,
    expiresAt: Date.now() + 60_000,
    ownerId: null,
    ...overrides,
  };
}

describe.skipIf(!standalone.provisioned.available)(
  suiteTitle('redis store on node-redis', standalone.provisioned),
  () => {
    const opened: { close(): Promise<unknown> }[] = [];
    afterAll(async () => {
      for (const client of opened) await client.close().catch(() => undefined);
    });

    it('keeps working when the app maps every bulk string to a Buffer on its client', async () => {
      // Script replies (the replaced session's owner, destroy's [live, owner]) must stay strings
      // and HMGET's must stay Buffers whatever mapping the app chose for its own commands.
      const base = createClient({ url });
      opened.push(base);
      await base.connect();
      const client = base.withTypeMapping({ 36: Buffer });
      const prefix = `${uniquePrefix('redis')}:`;
      const store = createRedisStore(client, { prefix });
      try {
        await store.set('old', record({ ownerId: 'alice' }));
        // A login of bob over alice's session: the script answers with alice's id, a string.
        await store.set('new', record({ ownerId: 'bob' }), { replaces: 'old' });
        expect(await store.get('old')).toBeNull();
        expect(await store.listByOwner('alice')).toEqual([]);
        const read = await store.get('new');
        expect(read?.payload).toEqual(Uint8Array.of(0, 255, 1, 254, 0x80));
        expect(read?.ownerId).toBe('bob');
        expect(await store.destroy('new')).toBe(true);
        expect(await store.listByOwner('bob')).toEqual([]);
      } finally {
        await dropPrefix(await standalone.client(), prefix);
      }
    });

    it('rejects with a SessionStoreError carrying the client error when the client is closed', async () => {
      const client = createClient({ url });
      const store = createRedisStore(client, { prefix: `${uniquePrefix('redis')}:` });
      // Never connected: node-redis refuses every command at once instead of queueing it.
      const error = await store.get('k').then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(isSessionError(error)).toBe(true);
      expect((error as Error).message).toMatch(/^Redis session store get failed: The client is closed/);
      expect((error as Error & { cause?: Error }).cause?.constructor.name).toBe('ClientClosedError');
    });

    it('verify() checks the server, the clock and a write through node-redis', async () => {
      const client = createClient({ url });
      opened.push(client);
      await client.connect();
      const store = createRedisStore(client, { prefix: `${uniquePrefix('redis')}:` });
      const report = await store.verify();
      expect(report.ok).toBe(true);
      expect(report.checks.map((entry) => [entry.check, entry.status])).toEqual(
        expect.arrayContaining([
          ['reachable', 'ok'],
          ['write', 'ok'],
          ['clock', 'ok'],
        ]),
      );
    });

    it('is told apart from ioredis: an object with neither API is refused with both named', () => {
      expect(() => createRedisStore({ sendCommand() {} } as never)).toThrow(/node-redis 5 client/);
    });
  },
);
