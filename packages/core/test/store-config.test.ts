import { describe, expect, test } from 'vitest';
import { createStoreFromConfig, describeStoreConfig } from '../src/config/from-config';
import { redactUrl } from '../src/config/redact';
import { resolveStoreConfig } from '../src/config/store-config';
import { parseStoreUrl } from '../src/config/store-url';
import { isSessionError, SessionConfigError } from '../src/errors';

const resolveUrl = (url: string) => resolveStoreConfig(parseStoreUrl(url));

describe('URLs resolve to the same configuration as the typed objects', () => {
  test.each([
    ['memory:', { type: 'memory' }],
    ['memory:?maxSessions=50', { type: 'memory', maxSessions: 50 }],
    ['file:///var/lib/app/sessions?depth=1', { type: 'file', directory: '/var/lib/app/sessions', depth: 1 }],
    ['redis://127.0.0.1:6379', { type: 'redis', host: '127.0.0.1', port: 6379 }],
    [
      'redis://:p%40ss@cache:6380/3?prefix=app:',
      { type: 'redis', host: 'cache', port: 6380, password: 'p@ss', database: 3, prefix: 'app:' },
    ],
    ['rediss://user:pw@cache', { type: 'redis', host: 'cache', username: 'user', password: 'pw', tls: true }],
    [
      'redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2/mymaster/2',
      {
        type: 'redis',
        sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2' }],
        sentinelName: 'mymaster',
        password: 'pw',
        database: 2,
      },
    ],
    [
      'redis+cluster://h1:7000,h2:7001',
      {
        type: 'redis',
        cluster: [
          { host: 'h1', port: 7000 },
          { host: 'h2', port: 7001 },
        ],
      },
    ],
    [
      'mysql://root@127.0.0.1:3306/test?table=web_sessions',
      {
        type: 'mysql',
        host: '127.0.0.1',
        port: 3306,
        user: 'root',
        database: 'test',
        tableName: 'web_sessions',
      },
    ],
    ['mariadb://db/app', { type: 'mysql', host: 'db', database: 'app' }],
    [
      'postgresql://u:p@pg:5433/app?ssl=true',
      { type: 'postgres', host: 'pg', port: 5433, user: 'u', password: 'p', database: 'app', ssl: true },
    ],
    [
      'mssql://sa:Secret1!@sql/app',
      { type: 'mssql', host: 'sql', user: 'sa', password: 'Secret1!', database: 'app' },
    ],
    [
      'mongodb://u:p@mongo:27018/app?collection=s&authSource=admin',
      {
        type: 'mongodb',
        host: 'mongo',
        port: 27018,
        username: 'u',
        password: 'p',
        database: 'app',
        collectionName: 's',
        options: { authSource: 'admin' },
      },
    ],
    [
      'mongodb+srv://u:p@cluster0.example.net/app',
      {
        type: 'mongodb',
        host: 'cluster0.example.net',
        srv: true,
        username: 'u',
        password: 'p',
        database: 'app',
      },
    ],
  ])('%s', (url, object) => {
    expect(resolveUrl(url)).toEqual(resolveStoreConfig(object));
  });

  test('defaults: ports, database 0, no TLS', () => {
    expect(resolveStoreConfig({ type: 'redis' })).toEqual({
      type: 'redis',
      mode: 'standalone',
      nodes: [{ host: '127.0.0.1', port: 6379 }],
      sentinelName: null,
      username: undefined,
      password: undefined,
      database: 0,
      tls: false,
      prefix: undefined,
    });
    expect(resolveStoreConfig({ type: 'postgres', host: 'h', database: 'd' })).toMatchObject({ port: 5432 });
    expect(resolveStoreConfig({ type: 'mysql', host: 'h', database: 'd' })).toMatchObject({ port: 3306 });
    expect(resolveStoreConfig({ type: 'mssql', host: 'h', database: 'd' })).toMatchObject({ port: 1433 });
    expect(resolveStoreConfig({ type: 'mongodb', host: 'h', database: 'd' })).toMatchObject({ port: 27017 });
    expect(resolveUrl('redis+sentinel://s1/m')).toMatchObject({ nodes: [{ host: 's1', port: 26379 }] });
  });
});

describe('invalid configuration fails before connecting, naming the field', () => {
  test.each([
    [{ type: 'cassandra' }, /type must be one of memory, file, redis, mysql, postgres, mssql, mongodb/],
    [{ type: 'postgres', database: 'd' }, /host is required/],
    [{ type: 'postgres', host: 'h' }, /database is required/],
    [
      { type: 'mysql', host: 'h', database: 'd', port: 70000 },
      /port must be a whole number from 1 to 65535 \(got 70000\)/,
    ],
    [{ type: 'redis', port: 0 }, /port must be a whole number from 1 to 65535/],
    [{ type: 'redis', database: 16 }, /database must be a Redis database index from 0 to 15 \(got 16\)/],
    [{ type: 'redis', database: -1 }, /database must be a Redis database index/],
    [{ type: 'redis', cluster: [{ host: 'a' }], database: 1 }, /must be 0 with Redis Cluster/],
    [{ type: 'redis', sentinels: [{ host: 'a' }] }, /sentinelName is required/],
    [{ type: 'redis', sentinels: [], sentinelName: 'm' }, /sentinels must be a non-empty list/],
    [{ type: 'redis', host: 'bad host!' }, /host is not a valid host name/],
    [{ type: 'file' }, /directory is required/],
    [{ type: 'file', directory: '/x', depth: 9 }, /depth must be a whole number from 0 to 4/],
    [null, /config must be an object/],
  ])('%j', (config, message) => {
    expect(() => resolveStoreConfig(config)).toThrow(SessionConfigError);
    expect(() => resolveStoreConfig(config)).toThrow(message);
  });

  test.each([
    ['ftp://host/x', /the scheme "ftp:" is not a session store/],
    ['redis://:hunter2@h:99999', /port 99999 is out of range/],
    ['redis://:hunter2@h1,h2', /names 2 hosts; use redis\+cluster/],
    ['redis://:hunter2@h/sixteen', /the database index "sixteen" is not a number/],
    ['redis+sentinel://:hunter2@h', /names no master/],
    ['postgres://u:hunter2@/db', /names no host/],
    ['not a url', /not of the form/],
    ['', /it is empty/],
    ['file://', /names no directory/],
  ])('%s', (url, message) => {
    expect(() => resolveUrl(url)).toThrow(message);
  });

  test('a Redis database out of range given in a URL', () => {
    expect(() => resolveUrl('redis://:hunter2@h/16')).toThrow(/0 to 15 \(got 16\)/);
  });

  test('passwords never appear in messages or descriptions', async () => {
    const secret = 'hunter2-very-secret';
    const attempts: Array<() => unknown> = [
      () => resolveUrl(`redis://:${secret}@h:99999`),
      () => resolveUrl(`postgres://u:${secret}@h/`),
      () => resolveUrl(`mongodb://u:${secret}@h1,h2/db`),
      () => resolveStoreConfig({ type: 'redis', password: secret, database: 99 }),
      () => resolveStoreConfig({ type: 'mysql', password: secret, host: 'h' }),
    ];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (error) {
        message = String((error as Error).message);
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(secret);
    }
    expect(redactUrl(`redis://user:${secret}@h:1/0`)).toBe('redis://user:***@h:1/0');
    expect(describeStoreConfig(resolveUrl(`postgres://u:${secret}@h/db`))).toBe('postgres h:5432/db');
  });
});

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
    const importModule = async () => ({
      openStoreFromConfig: () => import(/* @vite-ignore */ missingDriver),
    });
    const error = await createStoreFromConfig('redis://127.0.0.1:6379', { importModule }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('npm install @sessionkit/redis ioredis');
  });

  test('invalid configuration is rejected before the store package is even loaded', async () => {
    let imported = false;
    const importModule = async () => {
      imported = true;
      return {};
    };
    await expect(createStoreFromConfig({ type: 'redis', port: 123456 }, { importModule })).rejects.toThrow(
      /port/,
    );
    expect(imported).toBe(false);
  });
});
