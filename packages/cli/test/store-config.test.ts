import { KNOWN_STORES, redactUrl } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { DESCRIPTORS, refused, resolveConfig, resolved } from './resolve-config';

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
  ])('%s', async (url, object) => {
    expect(await resolved(url)).toEqual(await resolved(object));
  });

  test('defaults: ports, database 0, no TLS', async () => {
    expect(await resolved({ type: 'redis' })).toEqual({
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
    expect(await resolved({ type: 'postgres', host: 'h', database: 'd' })).toMatchObject({ port: 5432 });
    expect(await resolved({ type: 'mysql', host: 'h', database: 'd' })).toMatchObject({ port: 3306 });
    expect(await resolved({ type: 'mssql', host: 'h', database: 'd' })).toMatchObject({ port: 1433 });
    expect(await resolved({ type: 'mongodb', host: 'h', database: 'd' })).toMatchObject({
      hosts: [{ host: 'h', port: 27017 }],
    });
    expect(await resolved('redis+sentinel://s1/m')).toMatchObject({ nodes: [{ host: 's1', port: 26379 }] });
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
    [42, /config must be an object/],
  ])('%j', async (config, message) => {
    expect((await refused(config as never)).message).toMatch(message);
  });

  test.each([
    ['ftp://host/x', /the scheme "ftp:" is not a session store/],
    ['redis://:hunter2@h:99999', /port 99999 is out of range/],
    ['redis://:hunter2@h1,h2', /names 2 hosts; use redis\+cluster/],
    ['redis://:hunter2@h/sixteen', /the database index "sixteen" is not a number/],
    ['redis+sentinel://:hunter2@h', /names no master/],
    ['postgres://u:hunter2@/db', /names no host/],
    ['not a url', /not of the form/],
    ['file://', /names no directory/],
  ])('%s', async (url, message) => {
    expect((await refused(url)).message).toMatch(message);
  });

  test('a Redis database out of range given in a URL', async () => {
    expect((await refused('redis://:hunter2@h/16')).message).toMatch(/0 to 15 \(got 16\)/);
  });

  test('passwords never appear in messages or descriptions', async () => {
    const secret = 'hunter2-very-secret';
    const attempts = [
      `redis://:${secret}@h:99999`,
      `postgres://u:${secret}@h/`,
      // A seed list is fine for mongodb://; mongodb+srv:// takes one host name.
      `mongodb+srv://u:${secret}@h1,h2/db`,
      { type: 'redis', password: secret, database: 99 },
      { type: 'mysql', password: secret, host: 'h' },
    ];
    for (const attempt of attempts) {
      const { message } = await refused(attempt);
      expect(message).not.toBe('');
      expect(message).not.toContain(secret);
    }
    expect(redactUrl(`redis://user:${secret}@h:1/0`)).toBe('redis://user:***@h:1/0');
    expect(await resolveConfig(`postgres://u:${secret}@h/db`)).toMatchObject({
      description: 'postgres h:5432/db',
    });
  });
});

describe('the registry of known stores', () => {
  test.each(KNOWN_STORES.map((known) => [known.type, known] as const))(
    '%s: its package exports the descriptor the registry names',
    (type, known) => {
      const descriptor = DESCRIPTORS.find((candidate) => candidate.type === type);
      expect(descriptor?.schemes).toEqual(known.schemes);
      expect(descriptor?.settings).toContain('type');
    },
  );
});
