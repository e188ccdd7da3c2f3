import { createMemoryStore, isSessionError, type SessionStore } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { createTieredStore } from '../src/index';

describe('the tier and a session list', () => {
  test('declares ownerDetails when its store does, and keeps the details through a backup and a restore', async () => {
    const persistent = createMemoryStore();
    const tier = createTieredStore({ store: persistent, processExpiresInterval: 600_000 });
    expect(tier.capabilities.ownerDetails).toBe(true);
    const details = '{"c":1,"m":{"userAgent":"Firefox"}}';
    await tier.set('k', {
      payload: new Uint8Array([1]),
      version: 1,
      expiresAt: Date.now() + 60_000,
      ownerId: 'u1',
      details,
    });
    await tier.saveAll();
    expect((await persistent.get('k'))?.details, 'the backup carries the details').toBe(details);
    const [listed] = await tier.listByOwner!('u1');
    expect(listed?.details).toBe(details);
    expect(typeof listed?.lastActiveAt).toBe('number');
    expect(await tier.destroyOwned!('u2', 'k')).toBe(false);
    expect(await tier.destroyOwned!('u1', 'k')).toBe(true);
    expect(await persistent.get('k')).toBeNull();
    await tier.close();
  });

  test('refuses a store that assigns its own versions, saying what to add', () => {
    const memory = createMemoryStore();
    const store: SessionStore = {
      ...memory,
      capabilities: { ...memory.capabilities, assignsVersions: true },
    };
    let caught: unknown;
    try {
      createTieredStore({ store });
    } catch (error) {
      caught = error;
    }
    expect(isSessionError(caught, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/Add a BIGINT version column/);
  });
});
