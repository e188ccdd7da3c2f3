import { describe, expect, test } from 'vitest';
import type { StoreConfig, StoreDescriptor } from '../src/config/descriptor';
import { createStoreFromConfig } from '../src/config/from-config';
import { requiredString, settingError } from '../src/config/settings';
import { splitStoreUrl } from '../src/config/url-parts';
import { isSessionError } from '../src/errors';
import { createMemoryStore } from '../src/store/memory-store';

/** A descriptor of the app's own, standing in for a third-party store package. */
function exampleDescriptor(open: StoreDescriptor['open'] = async () => ({ store: createMemoryStore() })) {
  return {
    type: 'example',
    schemes: ['example'],
    settings: ['type', 'name'],
    fromUrl: (url: string) => ({ type: 'example', name: splitStoreUrl(url, []).path[0] ?? '' }),
    resolve: (config: Record<string, unknown>) => {
      const name = requiredString(config, 'name', 'the example name');
      if (name === 'reserved') settingError('name', 'must not be "reserved".');
      return { type: 'example', name };
    },
    describe: (config: StoreConfig) => `example ${String(config.name)}`,
    open,
  } as StoreDescriptor;
}

describe('createStoreFromConfig', () => {
  test('memory from both forms, and SESSIONKIT_STORE as the default source', async () => {
    for (const source of ['memory:', { type: 'memory' as const }, undefined]) {
      const store = await createStoreFromConfig(source, {
        env: { SESSIONKIT_STORE: 'memory:?maxSessions=5' },
      });
      await store.set('k', { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 });
      expect((await store.get('k'))?.version).toBe(1);
      expect(store.description).toBe('memory');
      await store.close();
    }
  });

  test('nothing configured: a message that says how to configure it', async () => {
    await expect(createStoreFromConfig(undefined, { env: {} })).rejects.toThrow(/set SESSIONKIT_STORE/);
  });

  test('an unknown scheme or type lists the known ones, an app descriptor among them', async () => {
    const stores = [exampleDescriptor()];
    await expect(createStoreFromConfig('ftp://host/x', { stores })).rejects.toThrow(
      /the scheme "ftp:" is not a session store \(use example:, memory:, file:, redis:.*mongodb\+srv:\)/,
    );
    await expect(createStoreFromConfig({ type: 'cassandra' }, { stores })).rejects.toThrow(
      /type must be one of example, memory, file, redis, mysql, postgres, mssql, mongodb/,
    );
  });

  test('a missing store package gives the exact install command', async () => {
    // A genuine import of a package that is not installed, standing in for @sessionkit/mongodb.
    const importModule = (name: string) =>
      import(/* @vite-ignore */ name.replace('@sessionkit/', '@sessionkit/not-installed-'));
    const error = await createStoreFromConfig('mongodb://h/db', { importModule }).catch((e: unknown) => e);
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('npm install @sessionkit/mongodb mongodb');
  });

  test('a missing driver inside the store package gives the hint too', async () => {
    const missingDriver = 'not-installed-driver-for-sessionkit-tests';
    const storeDescriptor = {
      ...exampleDescriptor(() => import(/* @vite-ignore */ missingDriver)),
      type: 'redis',
      schemes: ['redis'],
      fromUrl: () => ({ type: 'redis', name: 'x' }),
    };
    const error = await createStoreFromConfig('redis://127.0.0.1:6379', {
      importModule: async () => ({ storeDescriptor }),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('npm install @sessionkit/redis ioredis');
  });

  test('a package without a descriptor is told to upgrade', async () => {
    const error = await createStoreFromConfig('redis://127.0.0.1:6379', {
      importModule: async () => ({ openStoreFromConfig: () => undefined }),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /@sessionkit\/redis exports no storeDescriptor for "redis"; upgrade/,
    );
  });

  test('an app descriptor: checked settings, resolved, opened, described', async () => {
    let opened = 0;
    const stores = [
      exampleDescriptor(async () => {
        opened++;
        return { store: createMemoryStore() };
      }),
    ];
    const store = await createStoreFromConfig('example://host/alpha', { stores });
    expect(store.description).toBe('example alpha');
    await store.close();
    await expect(
      createStoreFromConfig({ type: 'example', name: 'a', nmae: 'b' }, { stores }),
    ).rejects.toThrow('nmae is not a setting of a example store; the settings are type, name.');
    await expect(createStoreFromConfig('example://host/reserved', { stores })).rejects.toThrow(
      /name must not be "reserved"/,
    );
    await expect(createStoreFromConfig('example://host/a?x=1', { stores })).rejects.toThrow(
      /the parameter "x" is not known; example URLs accept none/,
    );
    expect(opened).toBe(1);
  });

  test('createSchema runs the descriptor schema step; a failure closes the client and names the store', async () => {
    const closed: string[] = [];
    const open = (fail: boolean) => async () => ({
      store: createMemoryStore(),
      closeClient: async () => {
        closed.push(fail ? 'failed' : 'ok');
      },
      createSchema: async () => {
        if (fail) throw Object.assign(new Error('permission denied for schema public'), { code: '42501' });
      },
    });
    const good = await createStoreFromConfig('example://h/x', {
      stores: [exampleDescriptor(open(false))],
      createSchema: true,
    });
    await good.close();
    const error = await createStoreFromConfig('example://h/x', {
      stores: [exampleDescriptor(open(true))],
      createSchema: true,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'createSchema on example x failed: permission denied for schema public',
    );
    expect(closed).toEqual(['ok', 'failed']);
  });

  test('invalid configuration is rejected before the store opens', async () => {
    let opened = false;
    const stores = [
      exampleDescriptor(async () => {
        opened = true;
        return { store: createMemoryStore() };
      }),
    ];
    await expect(createStoreFromConfig({ type: 'example' }, { stores })).rejects.toThrow(/name is required/);
    expect(opened).toBe(false);
  });
});
